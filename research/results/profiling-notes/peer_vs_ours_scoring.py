"""Our float32 scorer (lsa_keras.scoring) and the PyTorch peer's scoring, alternated three times in one
run, background jobs paused. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/peer_vs_ours_scoring.py [mnist|cifar10]
"""
import json, subprocess, sys, time, numpy as np
from lsa_keras import LSA, scoring
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
x = np.random.RandomState(0).rand(2560, *model.image_shape).astype("float32")
scoring.per_sample_scores(model, x[:256], batch_size=256)
for r in range(3):
    s = time.perf_counter(); scoring.per_sample_scores(model, x, batch_size=256); ours = len(x) / (time.perf_counter() - s)
    out = subprocess.run([sys.executable, "/work/shared/bench/torch_reference.py", "--model", sys.argv[1] if len(sys.argv) > 1 else "mnist", "--steps", "10"], capture_output=True, text=True).stdout
    peer = json.loads(out.strip().splitlines()[-1])
    print(f"ours score {ours:.0f}  peer score {peer['score_samples_per_s']}  peer train {peer['train_samples_per_s']}  ratio {ours/peer['score_samples_per_s']:.2f}", flush=True)
