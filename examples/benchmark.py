"""Training and scoring throughput of LSA next to the PyTorch peer, measured in one run.

For each model and Keras backend it times ``train_step`` (through ``model.fit`` on random
images, the first epoch excluded as warm-up) and batched scoring, in a fresh subprocess per
backend, then runs ``../shared/bench/torch_reference.py`` (the authors' way of building the
model) in the same run and prints our throughput as a ratio to it.

    python examples/benchmark.py --models mnist --backends tensorflow --batch 256 --out runs/bench
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_REFERENCE = os.path.join(HERE, "..", "..", "shared", "bench", "torch_reference.py")


def measure(model_name, batch, steps):
    """Runs inside the subprocess: samples/s of a training step and of scoring."""
    import numpy as np
    import keras

    from lsa_keras import LSA, scoring

    keras.utils.set_random_seed(0)
    model = LSA.from_architecture(model_name)
    model.compile()
    x = np.random.RandomState(0).rand(batch * steps, *model.image_shape).astype("float32")
    model.fit(x[: batch * 2], batch_size=batch, epochs=1, verbose=0)  # trace/compile
    start = time.perf_counter()
    model.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    train = len(x) / (time.perf_counter() - start)
    scoring.per_sample_scores(model, x[:batch], batch_size=batch)
    start = time.perf_counter()
    scoring.per_sample_scores(model, x, batch_size=batch)
    score = len(x) / (time.perf_counter() - start)
    return {"train_samples_per_s": round(train, 1), "score_samples_per_s": round(score, 1),
            "jit_compile": bool(model.jit_compile)}


def run_backend(backend, model_name, batch, steps):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    code = (
        "import json, sys; sys.path.insert(0, %r); from benchmark import measure; "
        "print('RESULT ' + json.dumps(measure(%r, %d, %d)))" % (HERE, model_name, batch, steps)
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{backend}/{model_name} benchmark failed:\n{out.stderr[-3000:]}")


def run_torch_reference(model_name, batch, steps):
    if not os.path.isfile(TORCH_REFERENCE):
        return None
    out = subprocess.run(
        [sys.executable, TORCH_REFERENCE, "--model", model_name, "--batch", str(batch),
         "--steps", str(steps)], capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"torch reference failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mnist"])
    parser.add_argument("--backends", nargs="+", default=["tensorflow"])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    rows = []
    for model_name in args.models:
        for backend in args.backends:
            rows.append({"model": model_name, "backend": backend, "batch": args.batch,
                         **run_backend(backend, model_name, args.batch, args.steps)})
        ref = run_torch_reference(model_name, args.batch, args.steps)
        for row in rows:
            if row["model"] == model_name and ref:
                row["torch_reference"] = ref
                row["train_ratio"] = round(row["train_samples_per_s"] / ref["train_samples_per_s"], 2)
                row["score_ratio"] = round(row["score_samples_per_s"] / ref["score_samples_per_s"], 2)
    machine = {"platform": platform.platform(), "processor": platform.processor(),
               "cpus": os.cpu_count(), "python": platform.python_version()}
    lines = ["| model | backend | batch | train samples/s | torch ref | ratio | score samples/s | torch ref | ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ref = r.get("torch_reference", {})
        lines.append(
            f"| {r['model']} | {r['backend']} (jit {r['jit_compile']}) | {r['batch']} | "
            f"{r['train_samples_per_s']} | {ref.get('train_samples_per_s', '-')} | {r.get('train_ratio', '-')} | "
            f"{r['score_samples_per_s']} | {ref.get('score_samples_per_s', '-')} | {r.get('score_ratio', '-')} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "benchmark.json"), "w") as f:
            json.dump({"rows": rows, "machine": machine, "steps": args.steps}, f, indent=2)
        with open(os.path.join(args.out, "benchmark.md"), "w") as f:
            f.write(f"Machine: {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
