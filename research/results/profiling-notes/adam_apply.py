"""Time of one Adam update of the MNIST model's 13.7M trainable weights (TensorFlow, CPU).

    PYTHONPATH=. python examples/results/profiling-notes/adam_apply.py

Random gradients; three ways, 20 updates each, 3 rounds, wall and process-CPU ms per update:
Keras' Adam in a plain tf.function graph ("keras"), TensorFlow's fused ResourceApplyAdam kernel
("fused"), and Keras' Adam in a tf.function with jit_compile=True ("xla", what the TensorFlow
train_step does when the step itself runs without XLA). Measured 2026-12-01 on this project's
2-core CPU, jobs paused: keras 36-40 ms, fused 13-16 ms, xla 17-18 ms a step (wall).
"""
import os, time, json
os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, keras, tensorflow as tf
from lsa_keras import LSA
m = LSA.from_architecture("mnist")
vars_ = m.trainable_variables
n = sum(int(np.prod(v.shape)) for v in vars_)
print("trainable params", n, "vars", len(vars_))
grads = [tf.constant(np.random.RandomState(i).randn(*v.shape).astype("float32") * 1e-3) for i, v in enumerate(vars_)]
opt = keras.optimizers.Adam(1e-4)
opt.build(vars_)
@tf.function(jit_compile=False)
def keras_step():
    opt.apply(grads, vars_)
# fused: TF's ResourceApplyAdam on separate slot vars
ms = [tf.Variable(tf.zeros_like(v.value)) for v in vars_]; vs = [tf.Variable(tf.zeros_like(v.value)) for v in vars_]
it = tf.Variable(0.0)
@tf.function(jit_compile=False)
def fused_step():
    it.assign_add(1.0)
    b1p = tf.pow(0.9, it); b2p = tf.pow(0.999, it)
    for v, mm, vv, g in zip(vars_, ms, vs, grads):
        tf.raw_ops.ResourceApplyAdam(var=v.value.handle if hasattr(v.value, "handle") else v._value.handle, m=mm.handle, v=vv.handle, beta1_power=b1p, beta2_power=b2p,
            lr=1e-4, beta1=0.9, beta2=0.999, epsilon=1e-7, grad=g)
opt2 = keras.optimizers.Adam(1e-4); opt2.build(vars_)
@tf.function(jit_compile=True)
def xla_apply():
    opt2.apply(grads, vars_)
for f in (keras_step, fused_step, xla_apply): f(); f()
res = {}
for rnd in range(3):
    for name, f in (("keras", keras_step), ("fused", fused_step), ("xla", xla_apply)):
        t = time.perf_counter(); c = time.process_time()
        for _ in range(20): f()
        res.setdefault(name, []).append((round((time.perf_counter() - t) / 20 * 1000, 1), round((time.process_time() - c) / 20 * 1000, 1)))
print(json.dumps(res))
