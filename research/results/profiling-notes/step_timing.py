"""The timing loops of the XLA profiling scripts (this folder's scripts import it as
``from step_timing import ...``)."""

import statistics
import time

import keras


def wait_for(v):
    """Block until ``v`` (a tensor, or the first of a list, tuple or dict of them) is ready."""
    if isinstance(v, dict):
        v = next(iter(v.values()))
    elif isinstance(v, (list, tuple)):
        v = v[0]
    keras.ops.convert_to_numpy(v)


def median_ms(f, n=12, r=3):
    """Call ``f`` once to warm up, then ``r`` rounds of ``n`` calls; the median round's ms a
    call. Each round waits for the last result."""
    f()
    rounds = []
    for _ in range(r):
        start = time.perf_counter()
        for _ in range(n):
            v = f()
        wait_for(v)
        rounds.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(rounds)


def alternated_ms(fns, rounds, n):
    """``{name: [ms a call of each round]}``: ``rounds`` rounds, each calling every function of
    ``fns`` (name -> callable, already warmed up) ``n`` times in turn, so that the variants
    share the machine's state; prints each variant's median and rounds."""
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            start = time.perf_counter()
            for _ in range(n):
                v = f()
            wait_for(v)
            times[name].append((time.perf_counter() - start) / n * 1000)
    for name, ms in times.items():
        print(name, "median ms", round(statistics.median(ms), 1), [round(t, 1) for t in ms],
              flush=True)
    return times


def layer_steps(layer, x, jit):
    """``(step, forward)``: ``layer`` in training mode on the constant ``x`` as compiled
    functions, with the gradients of its weights and of ``x``, and without."""
    import tensorflow as tf

    x = tf.constant(x)
    weights = layer.trainable_variables

    @tf.function(jit_compile=jit)
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.square(layer(x, training=True)))
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in tape.gradient(loss, weights + [x])]

    @tf.function(jit_compile=jit)
    def forward():
        return [tf.reduce_sum(layer(x, training=True))]

    return step, forward
