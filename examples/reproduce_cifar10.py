"""Reproduce the paper's CIFAR-10 one-class table (AUROC of LLK, REC and NS per class).

    python examples/reproduce_cifar10.py --classes 0 1 2 3 4 5 6 7 8 9 \
        --data-dir ../shared/datasets --out examples/results/cifar10

Same protocol and pipeline as ``reproduce_mnist.py``. The offline copy under
``../shared/datasets/cifar10-jpeg`` is a JPEG re-encoding of CIFAR-10: results on it are
labelled as such in ``results.json``/``results.md``.
"""

import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

# Before TensorFlow loads (lsa_keras.utils.tensorflow_settings says what and why).
choose_tensorflow_settings()

if __name__ == "__main__":
    from reproduction import main  # examples/reproduction.py, next to this script

    # The default schedule is the zoo recipe's (zoo/presets.json), so the table and the
    # pretrained models come from the same training.
    sys.exit(main("cifar10", sys.argv[1:]))
