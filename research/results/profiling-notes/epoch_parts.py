"""Where a reproduction epoch's wall time goes: steps, validation, checkpoint, gaps.

Trains one MNIST class through ``lsa_keras.training.train_resumable`` exactly as
``examples/reproduce_mnist.py`` does (the recipe's batch and rate, seeded order, a checkpoint
every epoch) for a few epochs, and prints per epoch: the training steps (first batch's start to
last batch's end), the time from the last step to validation's start, validation, the
checkpoint's save (EpochCheckpoint runs before this timer's ``on_epoch_end``), and the gap to
the next epoch. Also what ``train s`` (the state's ``seconds``) counted.

    python research/results/profiling-notes/epoch_parts.py --class 0 --epochs 4 --data-dir ../shared/datasets [--jit-compile]
"""

import argparse
import json
import os
import sys
import tempfile
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--class", dest="normal_class", type=int, default=0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--data-dir", default="../shared/datasets")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--jit-compile", action="store_true", help="train with XLA")
    args = p.parse_args(argv)
    # As the reproduction scripts do, before TensorFlow is imported: without TensorFlow's
    # pooling allocator a step here took 285 ms where the reproduction's took ~257.
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

    import keras

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import LSA
    from lsa_keras.training.resumable import train_resumable

    now = time.perf_counter
    marks = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            marks.append({"epoch_begin": now()})

        def on_train_batch_begin(self, batch, logs=None):
            marks[-1].setdefault("first_step", now())

        def on_train_batch_end(self, batch, logs=None):
            marks[-1]["last_step"] = now()

        def on_test_begin(self, logs=None):
            marks[-1]["val_begin"] = now()

        def on_test_end(self, logs=None):
            marks[-1]["val_end"] = now()

        def on_epoch_end(self, epoch, logs=None):
            marks[-1]["epoch_end"] = now()

    class BeforeSave(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            marks[-1]["save_begin"] = now()

    data = load_one_class("mnist", args.normal_class, args.data_dir)
    start = now()
    with tempfile.TemporaryDirectory() as out:
        import lsa_keras.training.resumable as resumable

        # The checkpoint callback is the first in fit's list; a callback ahead of it marks
        # when saving starts.
        original = resumable.EpochCheckpoint

        class Marked(original):
            def on_epoch_end(self, epoch, logs=None):
                BeforeSave().on_epoch_end(epoch, logs)
                super().on_epoch_end(epoch, logs)

        resumable.EpochCheckpoint = Marked
        rate = keras.optimizers.schedules.CosineDecay(1e-4, 120 * -(-len(data["x_train"]) // 128), 0.01)
        _, state = train_resumable(lambda: LSA.from_architecture("mnist"), data["x_train"],
                                   data["x_val"], out, args.epochs, args.batch_size, rate,
                                   {"probe": 1}, seed=0, verbose=0, callbacks=[Timer()],
                                   jit_compile=True if args.jit_compile else "auto")
    total = now() - start
    rows = []
    for i, m in enumerate(marks):
        nxt = marks[i + 1]["epoch_begin"] if i + 1 < len(marks) else None
        rows.append({
            "epoch": i + 1,
            "steps_s": round(m["last_step"] - m["first_step"], 2),
            "to_validation_s": round(m["val_begin"] - m["last_step"], 3),
            "validation_s": round(m["val_end"] - m["val_begin"], 3),
            "after_validation_s": round(m["save_begin"] - m["val_end"], 3),
            "save_s": round(m["epoch_end"] - m["save_begin"], 3),
            "gap_to_next_s": round(nxt - m["epoch_end"], 3) if nxt else None,
            "epoch_s": round(m["epoch_end"] - m["epoch_begin"], 2),
        })
    for r in rows:
        print(json.dumps(r))
    print(json.dumps({"train_s": state.get("seconds"), "wall_s": round(total, 1),
                      "n_train": len(data["x_train"]), "n_val": len(data["x_val"])}))


if __name__ == "__main__":
    sys.exit(main())
