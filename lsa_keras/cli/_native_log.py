"""Keep TensorFlow's native start-up log lines off the terminal.

TensorFlow's C++ runtime and XLA log through absl straight to file descriptor 2 ("WARNING: All
log messages before absl::InitializeLog() is called are written to STDERR", "I0000 ...
cudart_stub.cc:31] Could not find cuda drivers ...", "E0000 ... failed call to cuInit ...")
whatever ``TF_CPP_MIN_LOG_LEVEL`` says, so no Python-level setting stops them. The command
points descriptor 2 at a pipe whose reader (a forked process; a thread where there is no
fork) drops the lines in absl's log format and passes everything else through unchanged and in
order: our one-line errors, Python warnings, Keras' progress bar (partial lines included) and
absl's fatal ``F`` lines, which explain a crash (the reader outlives the crashed command).
``lsa-keras --verbose`` leaves descriptor 2 alone.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time

# absl's log prefix: severity, MMDD, hh:mm:ss.uuuuuu (before absl is initialised "00:00:" and
# the seconds since 1970), thread id, file:line]. F (fatal) lines are kept: they explain a crash.
_ABSL_LINE = re.compile(rb"^[IWE]\d{4} \d\d:\d\d:\d+\.\d{6}\s+\d+ [^\s:\]]+:\d+\] ")
_ABSL_PREAMBLE = b"WARNING: All log messages before absl::InitializeLog() is called are " \
                 b"written to STDERR"
# Second lines of multi-line start-up messages (cpu_feature_guard.cc's).
_CONTINUATIONS = (b"To enable the following instructions:",)
# A partial line that may still become a dropped line is held until its end arrives.
_MAYBE_PREFIX = re.compile(rb"^[IWE][\d :.]{0,60}$")


def _is_noise(line: bytes, after_noise: bool) -> bool:
    text = line.lstrip(b"\r")
    return (bool(_ABSL_LINE.match(text)) or text.startswith(_ABSL_PREAMBLE)
            or (after_noise and text.startswith(_CONTINUATIONS)))


def _may_become_noise(fragment: bytes) -> bool:
    text = fragment.lstrip(b"\r")
    return (bool(_MAYBE_PREFIX.match(text)) or bool(_ABSL_LINE.match(text))
            or _ABSL_PREAMBLE.startswith(text) or text.startswith(_ABSL_PREAMBLE))


class _TerminalStderr:
    """``sys.stderr`` as it was, but answering ``isatty()`` for the terminal behind the pipe:
    Keras' progress bar redraws its line only on a terminal, and prints a line per update
    otherwise."""

    def __init__(self, stream, tty: bool) -> None:
        self._stream, self._tty = stream, tty

    def isatty(self) -> bool:
        return self._tty

    def __getattr__(self, name):
        return getattr(self._stream, name)


class NativeLogFilter:
    """Filter file descriptor 2 through a pipe until :meth:`close`."""

    def __init__(self) -> None:
        sys.stderr.flush()
        self._terminal = os.dup(2)  # where the filtered stream goes
        read, write = os.pipe()
        self._read, self._pid, self._thread = read, None, None
        if hasattr(os, "fork"):
            # A process of its own reads the pipe: when the command dies (absl's fatal "F"
            # line, then abort()), it still passes on what was written before.
            pid = os.fork()
            if pid == 0:
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's
                    os.close(write)
                    self._pump()
                finally:
                    os._exit(0)
            self._pid = pid
            os.close(read)
        else:
            self._thread = threading.Thread(target=self._pump, name="lsa-keras-stderr",
                                            daemon=True)
            self._thread.start()
        os.dup2(write, 2)
        os.close(write)
        self._stderr = sys.stderr
        sys.stderr = _TerminalStderr(sys.stderr, os.isatty(self._terminal))

    def _emit(self, data: bytes) -> None:
        while data:
            try:
                data = data[os.write(self._terminal, data):]
            except InterruptedError:
                continue
            except OSError:  # the terminal went away: nothing more can be shown
                return

    def _pump(self) -> None:
        pending, after_noise = b"", False
        while True:
            try:
                chunk = os.read(self._read, 65536)
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            out = []
            for line in lines:
                noise = _is_noise(line, after_noise)
                after_noise = noise
                if not noise:
                    out.append(line + b"\n")
            # Progress bars redraw a line with "\r" and no newline: pass them on now.
            if pending and not _may_become_noise(pending):
                out.append(pending)
                pending = b""
            if out:
                self._emit(b"".join(out))
        if pending and not _is_noise(pending, after_noise):
            self._emit(pending)
        os.close(self._read)

    def close(self) -> None:
        """Flush, point descriptor 2 back at the terminal and pass on what is left."""
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        if isinstance(sys.stderr, _TerminalStderr):
            sys.stderr = self._stderr
        os.dup2(self._terminal, 2)  # closes the pipe's last write end: the reader sees EOF
        os.close(self._terminal)
        # A process the command started that still holds the pipe keeps the reader going: wait
        # for what the command wrote, not for that process.
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            return
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                if os.waitpid(self._pid, os.WNOHANG)[0]:
                    return
            except ChildProcessError:
                return
            time.sleep(0.005)


_active: NativeLogFilter | None = None


def start() -> None:
    """Start filtering descriptor 2 (once per process)."""
    global _active
    if _active is None:
        _active = NativeLogFilter()


def stop() -> None:
    """Stop filtering; a no-op when not filtering."""
    global _active
    if _active is not None:
        active, _active = _active, None
        active.close()
