"""The timing loop of the XLA profiling scripts (run from this folder's scripts, which import
it as ``from step_timing import median_ms``)."""

import statistics
import time

import keras


def median_ms(f, n=12, r=3):
    """Call ``f`` once to warm up, then ``r`` rounds of ``n`` calls; the median round's ms a
    call. Each round waits for the last result (its first element if it is a list)."""
    f()
    rounds = []
    for _ in range(r):
        start = time.perf_counter()
        for _ in range(n):
            v = f()
        keras.ops.convert_to_numpy(v[0] if isinstance(v, (list, tuple)) else v)
        rounds.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(rounds)
