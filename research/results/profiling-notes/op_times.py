"""Op-level times from the TensorFlow profiler, shared by ``scorer_ops.py`` and ``train_ops.py``.

``profile_op_times(fn, calls)`` runs ``fn`` ``calls`` times under the profiler and returns two
Counters, milliseconds per call by op type and by op name, summed over threads.
"""
import collections, glob, tempfile

import tensorflow as tf


def profile_op_times(fn, calls):
    folder = tempfile.mkdtemp()
    tf.profiler.experimental.start(folder)
    for _ in range(calls):
        fn()
    tf.profiler.experimental.stop()
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    with open(glob.glob(folder + "/**/*.xplane.pb", recursive=True)[0], "rb") as f:
        space.ParseFromString(f.read())
    by_type, by_op = collections.Counter(), collections.Counter()
    for plane in space.planes:
        metadata = plane.event_metadata
        for line in plane.lines:
            for event in line.events:
                name = metadata[event.metadata_id].name
                if ":" in name:  # "scope/op:OpType" are the kernels; the rest is bookkeeping
                    by_type[name.rsplit(":", 1)[1]] += event.duration_ps / 1e9 / calls
                    by_op[name] += event.duration_ps / 1e9 / calls
    return by_type, by_op


def print_top(counter, n, width):
    for k, v in counter.most_common(n):
        print(f"{k[:width]:{width}s} {v:8.2f} ms")
