"""The train step under XLA with different environment variables, alternated: the
measurement of ``xla_flags_ab.py`` (first call, a ragged batch's first call, then the median
ms a step), with each setting a list of ``NAME=VALUE`` assignments separated by ``;``
instead of ``XLA_FLAGS``. ``ARCH`` and ``BATCH`` as there.

    python research/results/profiling-notes/env_ab.py ROUNDS LABEL="NAME=VALUE;NAME=VALUE" ...

for instance ``base="" thp="GLIBC_TUNABLES=glibc.malloc.hugetlb=1"``; ``CPUS=0`` runs the
process on the first core alone (``taskset -c 0``). Set nothing else running.
"""
import sys

from xla_flags_ab import run


def main(rounds, settings):
    run(rounds, [(label, dict(a.split("=", 1) for a in assignments.split(";") if a))
                 for label, assignments in settings])


if __name__ == "__main__":
    main(int(sys.argv[1]), [arg.split("=", 1) for arg in sys.argv[2:]])
