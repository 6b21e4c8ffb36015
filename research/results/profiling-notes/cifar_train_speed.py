import os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, keras
from lsa_keras.models import LSA
for b in (128,):
    m = LSA.from_architecture("cifar10"); m.compile(optimizer=keras.optimizers.Adam(3e-4))
    x = np.random.rand(b*12, 32, 32, 3).astype("float32")
    m.fit(x[:b*2], batch_size=b, epochs=1, verbose=0)
    t = time.time(); m.fit(x, batch_size=b, epochs=1, verbose=0); dt = time.time() - t
    print("cifar train", b, len(x)/dt, "samples/s")
    t = time.time(); m.calibrate(x[:1000]); print("score 1000", time.time()-t)
