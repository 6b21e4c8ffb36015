"""Training and scoring throughput of LSA next to the PyTorch peer, measured in one run.

For each model and Keras backend it times ``train_step`` (through ``model.fit`` on random
images, the first epoch excluded as warm-up; the steps alone, from the first batch's start to
the last one's end, as the peer times its loop; the whole ``fit`` call is listed too) and
batched scoring, in a fresh subprocess per
backend, and records that subprocess's peak resident memory. It then runs
``../shared/bench/torch_reference.py`` (the authors' way of building the model) in the same
run and prints our throughput as a ratio to it. It also counts the forward FLOPs per sample
of the matmuls and convolutions the TensorFlow graph executes, measures this machine's
float32 matmul throughput (2048^3, TensorFlow), and reports what fraction of it a training
step and the scorer reach (training = 3x the forward FLOPs), and the ceiling those FLOPs put
on each throughput and ratio (:func:`ceilings`). It also times each of the scorer's matmuls
and convolutions alone, at the batch size, and prints their sum as the scorer's kernel bound
(:func:`scorer_kernel_bound`): what the kernels' own speed on these shapes allows.

    python research/benchmark.py --models mnist --backends tensorflow --batch 256 --out runs/bench

The run goes in rounds (``--rounds``, 3): each round runs the peer's script once, then each of
our backends once, each in a fresh process that compiles and then times one training pass and
one scoring pass. Throughputs are medians over rounds; ratios are medians of the per-round
ratios, so that a machine whose speed drifts during the run biases them less
(``results/benchmark-2026-12-01c/``: the peer's scoring moved by half between two runs 70
minutes apart).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from lsa_keras.utils.tensorflow_settings import SETTINGS

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_REFERENCE = os.path.join(HERE, "..", "..", "shared", "bench", "torch_reference.py")


def _step_timer():
    """A Keras callback timing from the first training batch's start to the last one's end.

    Like the peer's loop it times the steps alone. ``fit`` from NumPy arrays also builds a
    tf.data pipeline first and, on TensorFlow, stalls for up to a second tearing its autotuned
    prefetch down after the last batch (``results/profiling-notes/fit_stall.py``): a fixed cost
    per ``fit`` call, reported apart as ``fit_runs``."""
    import keras

    class StepTimer(keras.callbacks.Callback):
        first_begin = last_end = None

        def on_train_batch_begin(self, batch, logs=None):
            if self.first_begin is None:
                self.first_begin = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # Materialise the step's outputs so that an asynchronous backend (JAX) has
            # finished the work being timed.
            keras.ops.convert_to_numpy(logs["loss"])
            self.last_end = time.perf_counter()

    return StepTimer()


def jit_compile_for(flag):
    """compile()'s jit_compile for ``--jit-compile`` ``flag`` in this process's backend; None:
    the reproduction scripts' default (``reproduction.default_jit_compile``)."""
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import JIT_COMPILE, default_jit_compile

    return JIT_COMPILE[flag or default_jit_compile()]


def measure(model_name, batch, steps, repeats=3, dtype_policy="float32", jit_compile="auto"):
    """Runs inside the subprocess: samples/s of a training step and of scoring.

    Each is timed ``repeats`` times and the median reported, with every run listed. The
    "throughput modes" that whole TensorFlow fits showed (``results/profiling-notes/
    fit_time_modes.py``) were the teardown stall of ``fit_stall.py``, which the training
    timing now leaves out; timings still vary from run to run on this shared CPU."""
    import numpy as np
    import keras

    from lsa_keras import LSA, scoring

    keras.utils.set_random_seed(0)
    model = LSA.from_architecture(model_name, dtype=dtype_policy)
    model.compile(jit_compile=jit_compile)
    x = np.random.RandomState(0).rand(batch * steps, *model.image_shape).astype("float32")
    model.fit(x[: batch * 2], batch_size=batch, epochs=1, verbose=0)  # trace/compile
    train_runs, fit_runs, score_runs = [], [], []
    for _ in range(repeats):
        timer = _step_timer()
        start = time.perf_counter()
        model.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
        fit_runs.append(round(len(x) / (time.perf_counter() - start), 1))
        train_runs.append(round(len(x) / (timer.last_end - timer.first_begin), 1))
    scoring.per_sample_scores(model, x[:batch], batch_size=batch)
    for _ in range(repeats):
        start = time.perf_counter()
        scoring.per_sample_scores(model, x, batch_size=batch)
        score_runs.append(round(len(x) / (time.perf_counter() - start), 1))
    train, score = statistics.median(train_runs), statistics.median(score_runs)
    scorer_xla = " with XLA" if scoring.scorer(model).jit_compile else " without XLA"
    runs = {"tensorflow": "tf.function graph" + (" with XLA" if model.jit_compile else "")
            + "; scoring graph" + scorer_xla,
            "jax": "jax.jit", "torch": "eager PyTorch ops (no torch.compile)"}[keras.backend.backend()]
    return {"train_samples_per_s": round(train, 1), "score_samples_per_s": round(score, 1),
            "train_runs": train_runs, "fit_runs": fit_runs, "score_runs": score_runs,
            "jit_compile": bool(model.jit_compile), "runs": runs,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def forward_flops(model_name):
    """FLOPs per sample of the matmuls and convolutions in the TensorFlow graphs of the forward
    pass: in training mode (what a training step's FLOPs are counted from) and in the scorer,
    whose inference form computes the up blocks' upsampling as sub-pixel convolutions (more
    FLOPs, but faster kernels)."""
    import tensorflow as tf

    from lsa_keras import LSA, scoring
    from lsa_keras.losses import per_sample_losses

    model = LSA.from_architecture(model_name)
    spec = tf.TensorSpec((1, *model.image_shape), tf.float32)
    train = tf.function(lambda x: per_sample_losses(x, model(x, training=True)))
    counts = _graph_flops(train.get_concrete_function(spec).graph.get_operations())
    scorer = scoring.scorer(model)
    score = _graph_flops(tf.function(lambda x: scorer(x, training=False)).get_concrete_function(spec)
                         .graph.get_operations())
    return {"forward_flops_per_sample": int(sum(counts.values())), "by_op": counts,
            "scoring_flops_per_sample": int(sum(score.values())), "scoring_by_op": score}


def _graph_flops(ops):
    """FLOPs of the matmuls and convolutions among ``ops``, by op type."""
    import numpy as np

    shape = lambda t: [int(d) for d in t.shape]  # noqa: E731
    total = {}
    for op in ops:
        if op.type == "MatMul":
            a, b = shape(op.inputs[0]), shape(op.inputs[1])
            m, k = (a[1], a[0]) if op.get_attr("transpose_a") else (a[0], a[1])
            flops = 2 * m * k * (b[0] if op.get_attr("transpose_b") else b[1])
        elif op.type in ("BatchMatMulV2", "BatchMatMulV3"):
            flops = 2 * int(np.prod(shape(op.inputs[0]))) * shape(op.inputs[1])[-1]
        elif op.type in ("Conv2D", "Conv3D"):
            flops = 2 * int(np.prod(shape(op.outputs[0]))) * int(np.prod(shape(op.inputs[1])[:-1]))
        elif op.type in ("Conv2DBackpropInput", "Conv3DBackpropInputV2"):
            flops = 2 * int(np.prod(shape(op.inputs[2]))) * int(np.prod(shape(op.inputs[1])[:-1]))
        else:
            continue
        total[op.type] = total.get(op.type, 0) + flops
    return total


# The scorer's kernels, rebuilt one by one for :func:`scorer_kernel_bound`: the op's inputs by
# position (activations first), and its attributes.
_KERNEL_INPUTS = {"MatMul": ("a", "b"), "Conv2D": ("input", "filter"),
                  "Conv2DBackpropInput": ("input_sizes", "filter", "out_backprop")}
_KERNEL_ATTRS = {"MatMul": ("transpose_a", "transpose_b"),
                 "Conv2D": ("strides", "padding", "explicit_paddings", "data_format", "dilations"),
                 "Conv2DBackpropInput": ("strides", "padding", "explicit_paddings", "data_format",
                                         "dilations")}


def scorer_kernel_bound(model_name, batch=256, calls=31, limit=None):
    """The scorer's matmuls and convolutions at ``batch``, each timed alone: a graph (no XLA)
    of the one op, with the same shapes and attributes, on random inputs; the median of
    ``calls`` calls, less the median of a graph that only reads the same input.

    Returns ``{"ops": [{"type", "shapes", "flop", "ms", "gflops"}], "ms_per_batch"}``, the
    sum being the time a batch would take if only these kernels ran, one after another, each
    as fast as it runs alone: a bound that the kernels' own speed on these shapes sets, where
    :func:`ceilings` assumes the 2048^3 matmul rate for every FLOP. ``limit``: time only the
    first ``limit`` ops (a quick check)."""
    import numpy as np
    import tensorflow as tf

    from lsa_keras import LSA, scoring

    model = LSA.from_architecture(model_name)
    scorer = scoring.scorer(model)
    spec = tf.TensorSpec((batch, *model.image_shape), tf.float32)
    graph = tf.function(lambda x: scorer(x, training=False)).get_concrete_function(spec).graph
    rng = np.random.default_rng(0)

    def median_ms(f):
        f().numpy()
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            f().numpy()
            times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    ops = []
    kernels = [op for op in graph.get_operations() if op.type in _KERNEL_INPUTS]
    for op in kernels[:limit]:
        flop = sum(_graph_flops([op]).values())
        attrs = {name: op.get_attr(name) for name in _KERNEL_ATTRS[op.type]}
        shapes = [tuple(int(d) for d in t.shape) for t in op.inputs]
        if op.type == "Conv2DBackpropInput":
            shapes[0] = tuple(int(d) for d in op.outputs[0].shape)
            sizes = tf.constant(list(shapes[0]), tf.int32)
        x = tf.Variable(rng.random(shapes[-1 if op.type == "Conv2DBackpropInput" else 0],
                                   dtype="float32"))
        w = tf.constant(rng.random(shapes[1], dtype="float32"))
        run = getattr(tf.raw_ops, op.type)
        names = _KERNEL_INPUTS[op.type]
        args = (lambda: [sizes, w, x.value()]) if op.type == "Conv2DBackpropInput" else (
            lambda: [x.value(), w])
        kernel = tf.function(lambda: tf.reduce_sum(run(**dict(zip(names, args())), **attrs)[:1, :1]),
                             jit_compile=False, autograph=False)
        empty = tf.function(lambda: tf.reduce_sum(x.value()[:1, :1]), jit_compile=False,
                            autograph=False)
        ms = max(median_ms(kernel) - median_ms(empty), 1e-3)
        ops.append({"type": op.type, "shapes": [list(s) for s in shapes], "flop": flop,
                    "ms": round(ms, 4), "gflops": round(flop / ms / 1e6, 1)})
    return {"ops": ops, "ms_per_batch": round(sum(o["ms"] for o in ops), 2)}


def matmul_peak(n=2048, repeats=10, trials=3):
    """float32 GFLOP/s of an n x n x n matmul with TensorFlow on this machine.

    The best of `trials` timings: a peak is a maximum, and one timing that a brief stall
    lands in can read half the rate (108 against 205-211 GFLOP/s, once, on the AVX-512
    EPYC), which would halve the printed ceiling and the targets derived from it."""
    import tensorflow as tf

    a = tf.random.uniform((n, n))
    b = tf.random.uniform((n, n))
    tf.matmul(a, b).numpy()
    best = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            c = tf.matmul(a, b)
        c.numpy()
        best = max(best, 2 * n ** 3 * repeats / (time.perf_counter() - start) / 1e9)
    return round(best, 1)


def run_python(code, env=None):
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"benchmark subprocess failed:\n{out.stderr[-3000:]}")


def run_backend(backend, model_name, batch, steps, dtype_policy="float32", repeats=1,
                jit_compile=None):
    # TensorFlow's settings as the lsa-keras command and the example scripts choose them
    # (lsa_keras.utils.tensorflow_settings): what users train with; the environment's win.
    env = {**SETTINGS, **os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    code = (
        "import json, sys; sys.path.insert(0, %r); from benchmark import measure, "
        "jit_compile_for; print('RESULT ' + json.dumps(measure(%r, %d, %d, repeats=%d, "
        "dtype_policy=%r, jit_compile=jit_compile_for(%r))))"
        % (HERE, model_name, batch, steps, repeats, dtype_policy, jit_compile)
    )
    return run_python(code, env)


def run_tensorflow_counts(model_name, batch):
    env = {**SETTINGS, **os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    code = (
        "import json, sys; sys.path.insert(0, %r); from benchmark import forward_flops, "
        "matmul_peak, scorer_kernel_bound; print('RESULT ' + json.dumps({**forward_flops(%r), "
        "'matmul_gflops': matmul_peak(), 'scorer_kernel_bound': scorer_kernel_bound(%r, %d)}))"
        % (HERE, model_name, model_name, batch)
    )
    return run_python(code, env)


def combine_rounds(ours, peer):
    """One row from per-round results, ours and the peer's (each a list, round by round).

    Throughputs are medians over rounds with every round listed. The ratios to the peer are
    medians of the per-round ratios, ours over the peer's of the same round: the two ran
    minutes apart at most, so a machine whose speed drifts during the run (a shared host)
    biases them less than a ratio of medians taken from separate blocks of runs would.
    """
    row = dict(ours[0])
    for key in ("train_samples_per_s", "score_samples_per_s"):
        runs = key.replace("samples_per_s", "runs")
        row[runs] = [v for r in ours for v in r.get(runs, [r[key]])]
        row[key] = round(statistics.median(r[key] for r in ours), 1)
    row["fit_runs"] = [v for r in ours for v in r.get("fit_runs", [])]
    row["peak_rss_mib"] = max(r["peak_rss_mib"] for r in ours)
    if peer:
        if len(peer) != len(ours):
            raise ValueError(f"{len(ours)} rounds of ours but {len(peer)} of the peer's.")
        ref = dict(peer[-1])
        for key in ("train_samples_per_s", "score_samples_per_s"):
            ref[key.replace("samples_per_s", "runs")] = [r[key] for r in peer]
            ref[key] = statistics.median(r[key] for r in peer)
            ratios = [o[key] / p[key] for o, p in zip(ours, peer)]
            name = key.replace("_samples_per_s", "")
            row[f"{name}_ratio_runs"] = [round(v, 2) for v in ratios]
            row[f"{name}_ratio"] = round(statistics.median(ratios), 2)
        ref["peak_rss_mib"] = max(r["peak_rss_mib"] for r in peer)
        row["torch_reference"] = ref
    return row


def ceilings(counts, peer=None):
    """What the counted FLOPs allow on this machine: throughput if every matmul and
    convolution FLOP ran at the measured 2048^3 matmul rate, ``{"train", "score"}``
    samples/s (training = 3x the forward FLOPs), and, given the peer's row, those ceilings as
    ratios to the peer's median throughput (``"train_ratio"``, ``"score_ratio"``). A target
    ratio above its ceiling cannot be met with these FLOPs on this machine: the kernels would
    have to beat the matmul peak, or the work would have to shrink."""
    peak = counts["matmul_gflops"] * 1e9
    out = {"train": round(peak / (3 * counts["forward_flops_per_sample"]), 1),
           "score": round(peak / counts["scoring_flops_per_sample"], 1)}
    if peer:
        for key in ("train", "score"):
            out[f"{key}_ratio"] = round(out[key] / peer[f"{key}_samples_per_s"], 2)
    return out


# The float32 targets against the peer (issue 37): where the ceiling ratio is below a target,
# 85% of the ceiling meets it.
TARGETS = {"mnist": {"train": 1.5, "score": 2.0}}
CEILING_SHARE = 0.85


def targets(model_name, row):
    """``{"train"|"score": {"target", "ratio", "met"}}`` of a row with ratios to the peer; empty
    for a model without targets or a row without the peer."""
    out = {}
    ceiling = row.get("ceiling_at_matmul_peak", {})
    for key, target in TARGETS.get(model_name, {}).items():
        if f"{key}_ratio" not in row or f"{key}_ratio" not in ceiling:
            continue
        if ceiling[f"{key}_ratio"] < target:
            target = round(CEILING_SHARE * ceiling[f"{key}_ratio"], 2)
        out[key] = {"target": target, "ratio": row[f"{key}_ratio"],
                    "met": row[f"{key}_ratio"] >= target}
    return out


# The rule proposed for scoring in issue 37's note: where the scorer's kernel bound
# (:func:`scorer_kernel_bound`) allows less than the target, 85% of that bound meets it.
def kernel_bound_targets(model_name, row):
    """``{"score": {"target", "ratio", "met", "bound_ratio"}}`` under the kernel-bound rule, for
    a row with the peer and a kernel bound; empty otherwise."""
    bound = row.get("scorer_kernel_bound", {})
    target = TARGETS.get(model_name, {}).get("score")
    if target is None or "score_ratio" not in row or "ratio" not in bound:
        return {}
    if bound["ratio"] < target:
        target = round(CEILING_SHARE * bound["ratio"], 2)
    return {"score": {"target": target, "ratio": row["score_ratio"], "bound_ratio": bound["ratio"],
                      "met": row["score_ratio"] >= target}}


def run_torch_reference(model_name, batch, steps, device="cpu", path=TORCH_REFERENCE):
    """One run of the PyTorch peer's script (``--device`` cpu or cuda): its JSON line, with the
    peak resident memory of its process."""
    code = (
        "import json, resource, subprocess, sys; "
        "out = subprocess.run([sys.executable, %r, '--model', %r, '--batch', '%d', '--steps', "
        "'%d', '--device', %r], capture_output=True, text=True); "
        "sys.stderr.write(out.stderr); assert out.returncode == 0; "
        "r = json.loads(out.stdout.strip().splitlines()[-1]); "
        "r['peak_rss_mib'] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1); "
        "print('RESULT ' + json.dumps(r))" % (path, model_name, batch, steps, device)
    )
    return run_python(code)


def _ceiling_cell(c):
    def one(key):
        return f"{c[key]}" + (f" ({c[key + '_ratio']}x)" if key + "_ratio" in c else "")
    return f"{one('train')} / {one('score')}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mnist"])
    parser.add_argument("--backends", nargs="+", default=["tensorflow"])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--dtype-policies", nargs="+", default=["float32"],
                        help="Keras dtype policies to time, e.g. float32 mixed_bfloat16 (the "
                             "peer always runs float32)")
    parser.add_argument("--jit-compile", choices=["auto", "on", "off"], default=None,
                        help="compile() setting of the timed models (auto: Keras' rule, no XLA "
                             "on a CPU with TensorFlow); default: as the reproduction scripts "
                             "train, on with TensorFlow and JAX, auto with PyTorch")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of one peer run and one run of each of ours")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    rows, counts = [], {}
    for model_name in args.models:
        counts[model_name] = run_tensorflow_counts(model_name, args.batch)
        cases = [(b, p) for b in args.backends for p in args.dtype_policies]
        peer, ours = [], {case: [] for case in cases}
        # Round by round: the peer once, then each of ours once, so that every ratio compares
        # runs made minutes apart.
        for _ in range(args.rounds):
            if os.path.isfile(TORCH_REFERENCE):
                peer.append(run_torch_reference(model_name, args.batch, args.steps))
            for backend, policy in cases:
                ours[(backend, policy)].append(
                    run_backend(backend, model_name, args.batch, args.steps, policy,
                                jit_compile=args.jit_compile))
        for (backend, policy), runs in ours.items():
            row = {"model": model_name, "backend": backend, "dtype_policy": policy,
                   "batch": args.batch, **combine_rounds(runs, peer)}
            ceiling = ceilings(counts[model_name], row.get("torch_reference"))
            row["ceiling_at_matmul_peak"] = ceiling
            for key in ("train", "score"):
                row[f"{key}_fraction_of_matmul_peak"] = round(
                    row[f"{key}_samples_per_s"] / ceiling[key], 3)
            row["targets"] = targets(model_name, row)
            bound_ms = counts[model_name]["scorer_kernel_bound"]["ms_per_batch"]
            bound = {"ms_per_batch": bound_ms, "samples_per_s": round(1000 * args.batch / bound_ms, 1)}
            if "torch_reference" in row:
                bound["ratio"] = round(
                    bound["samples_per_s"] / row["torch_reference"]["score_samples_per_s"], 2)
            bound["fraction"] = round(row["score_samples_per_s"] / bound["samples_per_s"], 3)
            row["scorer_kernel_bound"] = bound
            row["kernel_bound_targets"] = kernel_bound_targets(model_name, row)
            rows.append(row)
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from machine import describe

    machine = describe()
    lines = ["| model | backend (runs) | dtype policy | batch | train samples/s | torch peer | ratio | "
             "score samples/s | torch peer | ratio | peak RSS MiB (peer) | FLOP/s / matmul peak (train, score) |"
             " ceiling at the matmul peak, samples/s (ratio to the peer), train / score |"
             " train runs (peer; ratios) | whole-fit runs | score runs (peer; ratios) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ref = r.get("torch_reference", {})
        lines.append(
            f"| {r['model']} | {r['backend']} ({r['runs']}) | {r.get('dtype_policy', 'float32')} | "
            f"{r['batch']} | "
            f"{r['train_samples_per_s']} | {ref.get('train_samples_per_s', '-')} | {r.get('train_ratio', '-')} | "
            f"{r['score_samples_per_s']} | {ref.get('score_samples_per_s', '-')} | {r.get('score_ratio', '-')} | "
            f"{r['peak_rss_mib']} ({ref.get('peak_rss_mib', '-')}) | {r['train_fraction_of_matmul_peak']:.0%}, {r['score_fraction_of_matmul_peak']:.0%} | "
            f"{_ceiling_cell(r['ceiling_at_matmul_peak'])} | "
            f"{', '.join(map(str, r['train_runs']))} (peer {', '.join(map(str, ref.get('train_runs', [])))}; "
            f"{', '.join(map(str, r.get('train_ratio_runs', [])))}) | "
            f"{', '.join(map(str, r.get('fit_runs', [])))} | "
            f"{', '.join(map(str, r['score_runs']))} (peer {', '.join(map(str, ref.get('score_runs', [])))}; "
            f"{', '.join(map(str, r.get('score_ratio_runs', [])))}) |"
        )
    for name, c in counts.items():
        lines.append(f"\n{name}: {c['forward_flops_per_sample'] / 1e6:.1f} MFLOP forward per sample "
                     f"in training ({', '.join(f'{k} {v / 1e6:.1f}' for k, v in c['by_op'].items())}), "
                     f"{c['scoring_flops_per_sample'] / 1e6:.1f} in the scorer "
                     f"({', '.join(f'{k} {v / 1e6:.1f}' for k, v in c['scoring_by_op'].items())}); "
                     f"matmul peak {c['matmul_gflops']} GFLOP/s (TensorFlow, 2048^3 float32).")
    for r in rows:
        if r["targets"]:
            lines.append(f"\n{r['model']}, {r['backend']}, {r.get('dtype_policy')}: " + "; ".join(
                f"{k} {t['ratio']}x the peer against a target of {t['target']}x: "
                f"{'met' if t['met'] else 'not met'}" for k, t in r["targets"].items()))
    for r in rows:
        b = r["scorer_kernel_bound"]
        lines.append(
            f"\n{r['model']}, {r['backend']}, {r.get('dtype_policy')}: the scorer's kernels alone "
            f"(TensorFlow float32, each timed alone at batch {r['batch']}) take {b['ms_per_batch']} ms a "
            f"batch, {b['samples_per_s']} samples/s" + (f" ({b['ratio']}x the peer)" if "ratio" in b else "")
            + f"; the scorer runs at {b['fraction']:.0%} of that")
        t = r["kernel_bound_targets"].get("score")
        if t:
            lines.append(f"Under the kernel-bound rule (issue 37's note): score {t['ratio']}x the peer "
                         f"against a target of {t['target']}x: {'met' if t['met'] else 'not met'}")
    table = "\n".join(lines)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "benchmark.json"), "w") as f:
            json.dump({"rows": rows, "counts": counts, "machine": machine, "steps": args.steps,
                       "rounds": args.rounds},
                      f, indent=2)
        with open(os.path.join(args.out, "benchmark.md"), "w") as f:
            f.write(f"Machine: {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
