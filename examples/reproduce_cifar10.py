"""Reproduce the paper's CIFAR-10 one-class table (AUROC of LLK, REC and NS per class).

    python examples/reproduce_cifar10.py --classes 0 1 2 3 4 5 6 7 8 9 \
        --data-dir ../shared/datasets --out examples/results/cifar10

Same protocol and pipeline as ``reproduce_mnist.py``. The offline copy under
``../shared/datasets/cifar10-jpeg`` is a JPEG re-encoding of CIFAR-10: results on it are
labelled as such in ``results.json``/``results.md``.
"""

import os
import sys

# Set before TensorFlow loads: its pooling CPU allocator reuses freed buffers (the default
# returns large ones to the system, and every training step faults their pages in again).
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __name__ == "__main__":
    from reproduction import main  # examples/reproduction.py, next to this script

    # The default schedule is the zoo recipe's (zoo/presets.json), so the table and the
    # pretrained models come from the same training.
    sys.exit(main("cifar10", sys.argv[1:]))
