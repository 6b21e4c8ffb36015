"""The main job: train LSA on one MNIST digit from the shipped sample and report AUROC.

Runs offline on a CPU in a few minutes. It uses the sample that ships with the package
(:func:`lsa_keras.datasets.load_mnist_sample`): the normal digit's 500 training images train,
its 100 validation images give the normalisation statistics, and the 2,000 sample test images
(200 per digit) are scored, the nine other digits being novel. This is a small-data smoke run
of the method, not the paper's protocol; ``examples/`` reproduces the paper on the full data.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normal-class", type=int, default=0, choices=range(10))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from lsa_keras import LSA, scoring
    from lsa_keras.datasets import load_mnist_sample
    from lsa_keras.preprocessing import to_model_input

    keras.utils.set_random_seed(args.seed)
    data = load_mnist_sample()
    c = args.normal_class
    x_train = to_model_input(data["x_train"][data["y_train"] == c])
    x_val = to_model_input(data["x_val"][data["y_val"] == c])
    novel = (data["y_test"] != c).astype("int32")

    model = LSA.from_architecture("mnist")
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    print(
        f"LSA demo: MNIST digit {c} normal, {len(x_train)} training / {len(x_val)} validation "
        f"images, {len(novel)} test images ({int(novel.sum())} novel); {args.epochs} epochs, "
        f"batch {args.batch_size}, Adam lr {args.learning_rate}, backend {keras.backend.backend()}"
    )
    start = time.time()
    history = model.fit(
        x_train, batch_size=args.batch_size, epochs=args.epochs, validation_data=(x_val,),
        verbose=2,
    )
    seconds = time.time() - start
    stats = scoring.min_max_stats(scoring.per_sample_scores(model, x_val))
    scores = scoring.novelty_scores(scoring.per_sample_scores(model, data["x_test"]), stats)
    result = scoring.auroc(novel, scores)
    print(f"trained in {seconds:.0f} s; final val loss {history.history['val_loss'][-1]:.1f}")
    print("AUROC  LLK {llk:.3f}  REC {rec:.3f}  NS {ns:.3f}".format(**result))
    return 0 if all(np.isfinite(list(result.values()))) else 1


if __name__ == "__main__":
    raise SystemExit(main())
