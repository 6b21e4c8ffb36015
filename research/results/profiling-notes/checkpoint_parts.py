"""What one epoch's checkpoint costs (``EpochCheckpoint`` of lsa_keras.training.resumable), part
by part: the model with its optimiser state (``.keras``), the best weights (``.weights.h5``),
the SHA-256 of each, for the MNIST model after one training step. Medians of ``--repeats``.

    python research/results/profiling-notes/checkpoint_parts.py [--model mnist] [--repeats 5]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="mnist")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)

    import keras
    import numpy as np

    from lsa_keras.hub.pretrained import sha256
    from lsa_keras.models.lsa import LSA
    from lsa_keras.utils.atomic import write_atomically

    model = LSA.from_architecture(args.model)
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    x = np.random.RandomState(0).rand(8, *model.image_shape).astype("float32")
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    parts = {k: [] for k in ("save_keras", "sha256_keras", "save_weights", "sha256_weights")}
    sizes = {}
    with tempfile.TemporaryDirectory() as out:
        for i in range(args.repeats):
            for name, kind, save in (("keras", ".keras", model.save),
                                     ("weights", ".weights.h5", model.save_weights)):
                path = os.path.join(out, f"{i}{kind}")
                t = time.perf_counter()
                write_atomically(path, save)
                parts[f"save_{name}"].append(time.perf_counter() - t)
                t = time.perf_counter()
                sha256(path)
                parts[f"sha256_{name}"].append(time.perf_counter() - t)
                sizes[name] = os.path.getsize(path)
                os.remove(path)
    print(json.dumps({"model": args.model,
                      "median_s": {k: round(statistics.median(v), 3) for k, v in parts.items()},
                      "runs_s": {k: [round(t, 3) for t in v] for k, v in parts.items()},
                      "bytes": sizes}))


if __name__ == "__main__":
    sys.exit(main())
