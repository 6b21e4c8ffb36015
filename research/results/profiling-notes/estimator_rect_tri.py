"""The MNIST estimator's step at batch 128 under XLA: slabs laid out from the free blocks at
every call (the layer as it is), slabs held as variables (the lower bound), and each slab split
into its all-free rows held as a variable (``rect``) and its triangle of diagonal blocks laid
out from free blocks (``tri``), which stores only free weights. Set TF_CPU_ALLOCATOR_USE_BFC=true. Runs against the code before
f23962f, where MaskedDense held its free blocks in one variable (``git worktree add DIR 5834b0e``).

    PYTHONPATH=.:../../.. python estimator_rect_tri.py"""
import functools, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, tensorflow as tf
from lsa_keras.models import LSA
from lsa_keras.layers import masks
from lsa_keras.layers.autoregressive_layer import leading_columns
from step_timing import alternated_ms

B = 128
m = LSA.from_architecture("mnist")
est = m.estimator
z = tf.constant(np.random.rand(B, 64, 1).astype("float32"))
mfcs = [l for l in est.layers if hasattr(l, "_slabs")]
slabvars = {l.name: [tf.Variable(s) for s in l.gather_slabs(l.kernel)] for l in mfcs}
split = {}
for l in mfcs:
    ci = l.input_channels
    slabs = l.gather_slabs(l.kernel)
    rects = [tf.Variable(s[:lo * ci]) for (lo, hi, _), s in zip(l._slabs, slabs) if lo > 0]
    tri_index = [idx[lo:hi] for lo, hi, idx in l._slabs]  # (g, g) block indices
    used = np.unique(np.concatenate([t.reshape(-1) for t in tri_index]))
    used = used[used < len(l._pairs)]
    remap = np.full(len(l._pairs) + 1, len(used), "int32")
    remap[used] = np.arange(len(used))
    tri_blocks = tf.Variable(tf.gather(l.kernel, used))
    tri_slabs = [(lo, hi, remap[t]) for (lo, hi, _), t in zip(l._slabs, tri_index)]
    split[l.name] = (rects, tri_blocks, tri_slabs, masks.slab_layout(tri_slabs, len(used)))

def split_matmul(l, x):
    ci = l.input_channels
    rects, tri_blocks, tri_slabs, layout = split[l.name]
    laid = masks.lay_out_blocks(tri_blocks, *layout)
    outs, start, r = [], 0, 0
    co = l.units
    for lo, hi, idx in tri_slabs:
        g = hi - lo
        part = tf.slice(laid, [start, 0, 0], [g * g, ci, co])
        start += g * g
        tri = masks.grid_to_slab(tf.reshape(part, (g, g, ci, co)))
        y = tf.matmul(x[:, lo * ci:hi * ci], tri)
        if lo > 0:
            y = y + tf.matmul(leading_columns(x, lo * ci), rects[r])
            r += 1
        outs.append(y)
    return tf.concat(outs, -1)

def run(variant):
    h = z
    for l in est.layers:
        if l in mfcs:
            d = l.code_length
            x = tf.reshape(h, (-1, d * l.input_channels))
            if variant == "layer":
                y = l._masked_matmul(x, l.kernel)
            elif variant == "slabvars":
                y = l.slab_matmul(x, slabvars[l.name])
            else:
                y = split_matmul(l, x)
            h = tf.reshape(y, (-1, d, l.units)) + l.bias
        else:
            h = l(h)
    return h

def variables(variant):
    vs = [l.bias for l in mfcs]
    for l in mfcs:
        if variant == "layer":
            vs.append(l.kernel)
        elif variant == "slabvars":
            vs += slabvars[l.name]
        else:
            vs += split[l.name][0] + [split[l.name][1]]
    return vs

ref = run("layer").numpy()
print("max |split - layer|", float(np.abs(run("split").numpy() - ref).max()))
fns = {}
def make_step(variant):
    vs = variables(variant)

    def step():
        with tf.GradientTape() as t:
            lo = tf.reduce_mean(run(variant))
        grads = t.gradient(lo, vs)
        missing = [v.name for v, g in zip(vs, grads) if g is None]
        if missing:
            raise ValueError(f"no gradient for {missing}")
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in grads]
    return tf.function(step, jit_compile=True)

for variant in ("layer", "slabvars", "split"):
    fns[variant] = make_step(variant)
    fns[variant]()
print("free weights: layer", sum(int(np.prod(v.shape)) for v in variables("layer")),
      "split", sum(int(np.prod(v.shape)) for v in variables("split")),
      "slabvars", sum(int(np.prod(v.shape)) for v in variables("slabvars")))
alternated_ms(fns, rounds=5, n=8)
