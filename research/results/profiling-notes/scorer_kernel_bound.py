"""The scorer's kernel bound, op by op (``benchmark.scorer_kernel_bound``): each matmul and
convolution of the MNIST (or the argument's) scorer graph at batch 256, run alone with random
inputs of its shapes and attributes (a graph of the one op, no XLA), its median time over 31
calls less that of a graph that only reads the input; their sum is the time a batch would take if
nothing but these kernels ran, one after another, each as fast as it runs alone.

    python research/results/profiling-notes/scorer_kernel_bound.py [mnist]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings  # noqa: E402

choose_tensorflow_settings()
from benchmark import matmul_peak, scorer_kernel_bound  # noqa: E402

arch = sys.argv[1] if len(sys.argv) > 1 else "mnist"
print("TF_ENABLE_ONEDNN_OPTS", os.environ.get("TF_ENABLE_ONEDNN_OPTS"), flush=True)
peak = matmul_peak()
bound = scorer_kernel_bound(arch, batch=256)
print(f"matmul peak {peak} GFLOP/s")
for op in bound["ops"]:
    print(f"{op['type']:22s} {str(op['shapes']):60s} {op['ms']:7.3f} ms "
          f"{op['gflops']:6.1f} GFLOP/s ({op['gflops'] / peak:.0%} of the peak)")
flops = sum(op["flop"] for op in bound["ops"])
print(f"{len(bound['ops'])} ops, {flops / 256 / 1e6:.1f} MFLOP a sample; kernel bound "
      f"{bound['ms_per_batch']:.1f} ms a batch ({256e3 / bound['ms_per_batch']:.0f} samples/s); "
      f"at the matmul peak {flops / peak / 1e6:.1f} ms")
