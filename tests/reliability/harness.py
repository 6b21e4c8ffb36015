"""The rules of the reliability suite, and the tally of what its generated cases ended in.

Every generated case goes through :func:`expect` (Python entry points) or :func:`expect_cli`
(``lsa-keras`` subcommands, run in-process). A case ends in one of:

- ``"result"``: the call returned; the test then checks the result is correct;
- ``"clear error"``: a typed error raised by lsa_keras itself (ValueError, TypeError, OSError
  and their subclasses, or an lsa_keras exception), with a message; for the CLI, exit status 2
  (or 130) and one line on stderr;

anything else fails the test: a raw error from a library underneath (numpy's ``TypeError``, a
``KeyError``, ``RecursionError``, ...), a CLI traceback, a call past its time limit, or peak memory
grown past its limit. The counts per entry point are printed at the end of the test run
(``tests/conftest.py`` merges them across pytest-xdist workers).
"""

from __future__ import annotations

import collections
import contextlib
import os
import resource
import signal
import time
import traceback

import lsa_keras

# Hypothesis settings of every property in the suite: derandomized, so a CI run tries the same
# cases each time and fits its time budget; no example database (CI starts from a clean clone).
SETTINGS = dict(deadline=None, derandomize=True, database=None)

CLEAR_TYPES = (ValueError, TypeError, OSError, FloatingPointError)
PACKAGE_DIR = os.path.dirname(os.path.abspath(lsa_keras.__file__))
# What a generated case may take unless the test says otherwise.
MAX_SECONDS = 60.0
MAX_RSS_GROWTH_MB = 1024.0

# {entry point: Counter({"result": n, "clear error": n})}, merged across workers at the end.
TALLY: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


class Unclear(AssertionError):
    """A case ended in something other than a result or a clear error."""


def raised_by_lsa_keras(error: BaseException) -> bool:
    """Whether lsa_keras itself raised ``error`` (its innermost frame is in the package), or
    raised it ``from`` an error underneath while saying what went wrong."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and os.path.abspath(last).startswith(PACKAGE_DIR + os.sep)


def is_clear(error: BaseException) -> bool:
    return (isinstance(error, CLEAR_TYPES) and raised_by_lsa_keras(error)
            and bool(str(error).strip()) and not isinstance(error, (KeyError, IndexError)))


@contextlib.contextmanager
def limits(seconds: float, rss_growth_mb: float, what: str):
    """Fail ``what`` if it runs past ``seconds`` or grows peak memory by ``rss_growth_mb``."""
    def timeout(signum, frame):
        raise Unclear(f"{what} ran past {seconds:.0f} s")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        # Checked whether the call returned or raised: a blow-up that ends in an error still
        # counts (raising here replaces that error).
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0 - before
        if grown > rss_growth_mb:
            raise Unclear(f"{what} grew peak memory by {grown:.0f} MB in "
                          f"{time.monotonic() - start:.1f} s (limit {rss_growth_mb:.0f} MB)")


def expect(entry: str, fn, *args, match: str | None = None, max_seconds: float = MAX_SECONDS,
           max_rss_growth_mb: float = MAX_RSS_GROWTH_MB, **kwargs):
    """Call ``fn(*args, **kwargs)`` as one generated case of ``entry`` and classify it.

    Returns:
        ``(True, value)`` when it returned, ``(False, error)`` for a clear error (whose
        message contains ``match`` when given).

    Raises:
        Unclear: anything else, with the traceback in the message.
    """
    try:
        with limits(max_seconds, max_rss_growth_mb, entry):
            value = fn(*args, **kwargs)
    except Unclear:
        TALLY[entry]["other"] += 1
        raise
    except Exception as error:  # noqa: BLE001 (classifying every error is the point)
        if not is_clear(error):
            TALLY[entry]["other"] += 1
            raise Unclear(f"{entry}: not a clear error:\n"
                          + "".join(traceback.format_exception(error))) from error
        if match is not None and match not in str(error):
            TALLY[entry]["other"] += 1
            raise Unclear(f"{entry}: the error does not say {match!r}: {error}") from error
        TALLY[entry]["clear error"] += 1
        return False, error
    TALLY[entry]["result"] += 1
    return True, value


def expect_cli(argv: list[str], *, max_seconds: float = MAX_SECONDS,
               max_rss_growth_mb: float = MAX_RSS_GROWTH_MB):
    """Run ``lsa-keras *argv`` in-process as one generated case of its subcommand.

    Returns:
        ``(status, stdout, stderr)``; the status is 0, 2 (an error in one line on stderr) or
        130.

    Raises:
        Unclear: a traceback, a raw exception, any other status, or an error message of more
            than one line.
    """
    from tests.test_case import lsa_keras_main

    entry = cli_entry(argv)
    try:
        with limits(max_seconds, max_rss_growth_mb, entry):
            done = lsa_keras_main(*argv)  # argparse's SystemExit becomes the status
    except Unclear:
        TALLY[entry]["other"] += 1
        raise
    except Exception as error:  # noqa: BLE001
        TALLY[entry]["other"] += 1
        raise Unclear(f"{entry} {argv}: raised instead of reporting:\n"
                      + "".join(traceback.format_exception(error))) from error
    status, stderr = done.returncode, done.stderr
    problems = []
    if "Traceback (most recent call last)" in stderr:
        problems.append("a traceback on stderr")
    if status not in (0, 2, 130):
        problems.append(f"exit status {status}")
    errors = [line for line in stderr.splitlines() if "error:" in line]
    if status == 2 and len(errors) != 1:
        problems.append(f"{len(errors)} error lines")
    if problems:
        TALLY[entry]["other"] += 1
        raise Unclear(f"{entry} {argv}: {', '.join(problems)}:\n{stderr}")
    TALLY[entry]["result" if status == 0 else "clear error"] += 1
    return status, done.stdout, stderr


COMMANDS = ("train", "evaluate", "score", "sample", "zoo")
ZOO_ACTIONS = ("list", "download", "build", "publish")


def cli_entry(argv: list[str]) -> str:
    """The tally's name for ``lsa-keras *argv``: its subcommand (``lsa-keras zoo build``), or
    ``lsa-keras (no or unknown command)``."""
    argv = [str(a) for a in argv]
    i = next((i for i, a in enumerate(argv) if a in COMMANDS), None)
    if i is None:
        return "lsa-keras (no or unknown command)"
    if argv[i] == "zoo" and i + 1 < len(argv) and argv[i + 1] in ZOO_ACTIONS:
        return f"lsa-keras zoo {argv[i + 1]}"
    return f"lsa-keras {argv[i]}"


def tally_table(tally: dict[str, dict[str, int]]) -> str:
    """The counts as a markdown table: cases, results, clear errors, other."""
    rows = ["| entry point | cases | results | clear errors | other |", "|---|---|---|---|---|"]
    total = collections.Counter()
    for entry in sorted(tally):
        c = collections.Counter(tally[entry])
        n = sum(c.values())
        total.update(c)
        rows.append(f"| {entry} | {n} | {c['result']} | {c['clear error']} | {c['other']} |")
    rows.append(f"| **all** | {sum(total.values())} | {total['result']} | "
                f"{total['clear error']} | {total['other']} |")
    return "\n".join(rows)
