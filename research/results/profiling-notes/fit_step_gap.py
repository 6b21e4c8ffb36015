"""Does a step inside ``fit`` cost more than the same train function called in a loop? The
MNIST model at batch 128 under XLA with the recipe's optimiser (Adam, cosine decay from
1e-4), one process, the reproduction's feed (``EpochOrder.as_dataset``, real class-8
images), alternated rounds, ms a step: (loop) the compiled train function called 41 times,
(fit) ``fit`` over one epoch of 41 steps without validation, verbose 0, with only a callback
whose batch hooks time the steps (as ``epoch_parts.py``'s timer does), (fit+val) with the
reproduction's validation data too, (fit+val+save) and a ``.keras`` save after the epoch,
(fit+ragged) on the whole epoch's 41 batches, the last one ragged. Each fit variant counts
its steps' time only (first step's start to last step's end).

    PYTHONPATH=. python research/results/profiling-notes/fit_step_gap.py [--rounds 3] [--data-dir ../shared/datasets]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--data-dir", default="../shared/datasets")
    p.add_argument("--variants", nargs="+",
                   default=["loop", "fit", "fit+val", "fit+val+save", "fit+ragged"])
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

    import keras
    import tensorflow as tf

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import LSA
    from lsa_keras.training.resumable import EpochOrder, model_input, validation_input
    from step_timing import wait_for

    data = load_one_class("mnist", 8, args.data_dir)
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    rate = keras.optimizers.schedules.CosineDecay(1e-4, 120 * 41, 0.01)
    model.compile(optimizer=keras.optimizers.Adam(rate), jit_compile=True)
    x = model_input(model, data["x_train"], "x")
    order = EpochOrder(x, 128, 0)
    full = order.as_dataset(10**6).filter(lambda b: tf.shape(b)[0] == 128)
    ragged = order.as_dataset(10**6)
    val = validation_input(model, data["x_val"], 128)
    marks = {}

    class Hooks(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            marks.setdefault("first", time.perf_counter())

        def on_train_batch_end(self, batch, logs=None):
            marks["last"] = time.perf_counter()

    save_to = os.path.join(os.environ.get("TMPDIR", "/tmp"), "fit_step_gap.keras")

    class Save(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.save(save_to)

    def loop():
        it = iter(full)
        for _ in range(41):
            v = model.train_function(it)["loss"]
        wait_for(v)

    def fit(callbacks=(), data=full, **kwargs):
        marks.clear()
        model.fit(data, epochs=1, steps_per_epoch=41, verbose=0,
                  callbacks=[Hooks(), *callbacks], **kwargs)
        return marks["last"] - marks["first"]

    variants = {"loop": loop, "fit": fit,
                "fit+val": lambda: fit(validation_data=val),
                "fit+val+save": lambda: fit([Save()], validation_data=val),
                "fit+ragged": lambda: fit(data=ragged)}
    variants = {k: variants[k] for k in args.variants}
    fit(data=ragged, validation_data=val)  # compiles
    got = {k: [] for k in variants}
    for rnd in range(args.rounds):
        for name, f in variants.items():
            t = time.perf_counter()
            steps = f()
            got[name].append((steps or time.perf_counter() - t) / 41 * 1000)
            print(f"round {rnd} {name}: {got[name][-1]:.1f} ms a step", flush=True)
    for name, values in got.items():
        print(f"{name}: median {statistics.median(values):.1f} ms a step "
              f"({', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    sys.exit(main())
