"""The MNIST scorer compiled with XLA under each of XLA's CPU library-fusion flags (XNNPACK,
YNNPACK, oneDNN; dots, element-wise ops, reductions, individual convolutions), each in a fresh
process, alternated: ms a batch of 256 random images (median of 40 calls after a warm-up),
an LSA with random weights (seed 0) after one 2-step epoch.

    python research/results/profiling-notes/scorer_xla_library_fusions.py [rounds]
"""
import os
import statistics
import subprocess
import sys
import time

FLAGS = {
    "no flag": "",
    "xnn dot,eltwise,reduce": "--xla_cpu_experimental_xnn_fusion_type=dot,eltwise,reduce",
    "ynn dot,eltwise,reduce": "--xla_cpu_experimental_ynn_fusion_type=dot,eltwise,reduce",
    "onednn dot,eltwise,reduce": "--xla_cpu_experimental_onednn_fusion_type=dot,eltwise,reduce",
    "xnn greedy graph": "--xla_cpu_experimental_xnn_graph_fusion_mode=XNN_GRAPH_FUSION_MODE_GREEDY",
    "xnn individual_convolution": "--xla_cpu_experimental_xnn_fusion_type=individual_convolution",
    "ynn individual_convolution": "--xla_cpu_experimental_ynn_fusion_type=individual_convolution",
    "onednn individual_convolution":
        "--xla_cpu_experimental_onednn_fusion_type=individual_convolution",
    "ynn individual_convolution,individual_dot":
        "--xla_cpu_experimental_ynn_fusion_type=individual_convolution,individual_dot",
}
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def one_setting():
    sys.path.insert(0, ROOT)
    from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

    choose_tensorflow_settings()
    import keras
    import numpy as np
    import tensorflow as tf

    from lsa_keras import LSA, scoring

    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile()
    x = np.random.RandomState(0).rand(512, *model.image_shape).astype("float32")
    model.fit(x, batch_size=256, epochs=1, verbose=0)
    net = scoring.scorer(model)
    scoring.refresh(model)
    batch = tf.constant(x[:256])
    graph = tf.function(lambda b: net(b, training=False), jit_compile=True)
    start = time.perf_counter()
    graph(batch)
    first = time.perf_counter() - start
    times = []
    for _ in range(40):
        start = time.perf_counter()
        tf.nest.map_structure(lambda t: t.numpy(), graph(batch))
        times.append(time.perf_counter() - start)
    print(f"{first:.3f} {1e3 * statistics.median(times):.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one_setting()
        sys.exit()
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    results = {name: [] for name in FLAGS}
    for _ in range(rounds):
        for name, flag in FLAGS.items():
            env = dict(os.environ, XLA_FLAGS=flag, TF_CPP_MIN_LOG_LEVEL="3")
            out = subprocess.run([sys.executable, __file__, "--one"], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            results[name].append((float(out[-2]), float(out[-1])))
            print(name, "first call %.2f s, median %.1f ms a batch" % results[name][-1], flush=True)
    for name, rows in results.items():
        ms = [r[1] for r in rows]
        print(f"{name}: median {statistics.median(ms):.1f} ms a batch {ms}, "
              f"first call {statistics.median(r[0] for r in rows):.2f} s")
