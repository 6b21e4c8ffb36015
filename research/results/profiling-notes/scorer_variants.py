"""The MNIST (or CIFAR-10) scorer graph four ways, alternated batch by batch: batch norm layer by layer or folded,
estimator slabs laid out per batch or precomputed. Run from the repository root, jobs paused:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_variants.py mnist 40
"""
import statistics, sys, time, numpy as np, keras, tensorflow as tf
from lsa_keras import LSA, scoring
from lsa_keras.layers import blocks
from lsa_keras.losses import per_sample_losses
arch = sys.argv[1]
keras.utils.set_random_seed(0)
m = LSA.from_architecture(arch); m.compile()
x = np.random.RandomState(0).rand(256, *m.image_shape).astype("float32")
m.fit(np.concatenate([x, x]), batch_size=256, epochs=1, verbose=0)
xt = tf.constant(x)
def build(fold, precompute):
    blocks._Block.fold_batch_norm = fold
    est, copies = scoring.inference_estimator(m.estimator) if precompute else (m.estimator, [])
    f = tf.function(lambda b: per_sample_losses(b, m.outputs_with(est, b, training=False)))
    f(xt); f(xt)
    blocks._Block.fold_batch_norm = True
    return f
V = {"old": build(False, False), "fold": build(True, False), "slabs": build(False, True), "both": build(True, True)}
W = {k: [] for k in V}; C = {k: [] for k in V}
for i in range(int(sys.argv[2])):
    for k, f in V.items():
        t = time.perf_counter(); c = time.process_time(); f(xt)[0].numpy()
        W[k].append(1000 * (time.perf_counter() - t)); C[k].append(1000 * (time.process_time() - c))
for k in V:
    print(f"{k}: wall ms/batch median {statistics.median(W[k]):.1f} (p25 {np.percentile(W[k],25):.1f}), CPU ms median {statistics.median(C[k]):.1f}; ratio to old wall {statistics.median(W['old'])/statistics.median(W[k]):.3f}")
