"""Reproduce the paper's MNIST one-class table (AUROC of LLK, REC and NS per digit).

    python examples/reproduce_mnist.py --classes 0 1 2 3 4 5 6 7 8 9 \
        --data-dir ../shared/datasets --out examples/results/mnist

Each class is trained with the protocol of the spec (seed 30101990, last 10% of the shuffled
training set validates, whole test set scored) and the zoo recipe's schedule (flags override it); the
checkpoint is the epoch with the lowest validation loss. Results are merged into
``OUT/results.json`` and ``OUT/results.md`` after every class, so classes can be run in
separate invocations. ``examples/results/`` holds the tables it produced.
"""

import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

# Before TensorFlow loads (lsa_keras.utils.tensorflow_settings says what and why).
choose_tensorflow_settings()

if __name__ == "__main__":
    from reproduction import main  # examples/reproduction.py, next to this script

    # The default schedule is the zoo recipe's (zoo/presets.json), so the table and the
    # pretrained models come from the same training.
    sys.exit(main("mnist", sys.argv[1:]))
