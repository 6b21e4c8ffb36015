import os, time
os.environ["TF_CPP_MIN_LOG_LEVEL"]="2"
import numpy as np
from lsa_keras import LSA
t=time.time()
m = LSA.from_architecture("ucsd_ped2")
x = np.random.rand(8, 8, 32, 32, 1).astype("float32")
h = m.fit(x, batch_size=4, epochs=1, verbose=0)
print("fit 2 steps", time.time()-t, h.history); t=time.time()
h = m.fit(x, batch_size=4, epochs=3, verbose=0)
print("fit 6 more steps", time.time()-t)
