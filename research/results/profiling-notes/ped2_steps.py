import os, time
os.environ["TF_CPP_MIN_LOG_LEVEL"]="2"
import numpy as np, keras
from lsa_keras import LSA
t=time.time()
m = LSA.from_architecture("ucsd_ped2")
m.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=os.environ.get("JIT", "0") == "1")
x = np.random.rand(64, 8, 32, 32, 1).astype("float32")
h = m.fit(x[:8], batch_size=4, epochs=1, verbose=0)
print("fit 2 steps", time.time()-t); t=time.time()
h = m.fit(x, batch_size=32, epochs=1, verbose=0)
print("fit 2 steps b32", time.time()-t)
