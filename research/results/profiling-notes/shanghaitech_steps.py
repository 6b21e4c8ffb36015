import os, time
os.environ["TF_CPP_MIN_LOG_LEVEL"]="2"
import numpy as np
from lsa_keras import LSA
t=time.time()
m = LSA.from_architecture("shanghaitech")
x = np.random.rand(2, 16, 256, 512, 3).astype("float32")
print("build", time.time()-t); t=time.time()
h = m.fit(x, batch_size=1, epochs=1, verbose=0)
print("fit 2 steps", time.time()-t, h.history); t=time.time()
m.calibrate(x)
print("calibrate", time.time()-t); t=time.time()
print(m.score(x[0]), time.time()-t)
