"""How long building the UCSD Ped2 model (code 16, 10 bins) and one eager forward pass on two
clips take under the current Keras backend. Run from the repository root, for instance twice
with a persistent JAX compilation cache to see what it saves:

    JAX_COMPILATION_CACHE_DIR=/tmp/jax-cache KERAS_BACKEND=jax python examples/results/profiling-notes/jax_build.py eager
    KERAS_BACKEND=jax python examples/results/profiling-notes/jax_build.py predict
"""
import time, sys, numpy as np
from lsa_keras import LSA
t = time.perf_counter()
model = LSA.from_architecture("ucsd_ped2", code_length=16, bins=10)
print("build", round(time.perf_counter() - t, 1), flush=True)
x = np.random.rand(2, 8, 32, 32, 1).astype("float32")
t = time.perf_counter()
if sys.argv[1] == "eager":
    out = model(x, training=False)
else:
    out = model.predict_on_batch(x)
print(sys.argv[1], round(time.perf_counter() - t, 1), tuple(out["logits"].shape), flush=True)
