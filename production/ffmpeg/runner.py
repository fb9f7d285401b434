"""The one ffmpeg process runner: progress on stdout, stderr to a file, cancellation and a
deadline checked while it runs, failures turned into FFmpegError quoting ffmpeg."""

from __future__ import annotations

import logging
import queue
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from production.ffmpeg.errors import (
    FFmpegCancelled,
    FFmpegError,
    FFmpegTimeout,
    _one_line,
    stderr_tail,
)
from production.ffmpeg.parsing import parse_progress_line

log = logging.getLogger(__name__)

# How often on_progress may be called, in seconds (about 4 calls a second).
PROGRESS_MIN_INTERVAL = 0.25
# How often run() wakes up to check the timeout when ffmpeg is quiet.
POLL_INTERVAL = 0.1
# How often should_cancel is asked (it may query the database, so not on every line).
CANCEL_CHECK_INTERVAL = 0.5


def _pump(stream: IO[bytes], lines: queue.Queue[str | None]) -> None:
    """Copy the child's stdout into a queue line by line, so the main loop never blocks on it."""
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw.decode("utf-8", "replace"))
    finally:
        lines.put(None)


class _Progress:
    """Turns progress lines into throttled, monotonic percentages for on_progress."""

    def __init__(self, duration_ms: int | None, callback: Callable[[float], None] | None) -> None:
        self.duration_ms = duration_ms if duration_ms and duration_ms > 0 else None
        self.callback = callback
        self.last_percent = -1.0
        self.last_call = 0.0

    def feed(self, line: str) -> None:
        """Pass one progress line; calls back only when the percentage rose and time allows."""
        if self.callback is None or self.duration_ms is None:
            return
        done_ms = parse_progress_line(line)
        if done_ms is None:
            return
        percent = min(100.0, done_ms * 100.0 / self.duration_ms)
        now = time.monotonic()
        if percent > self.last_percent and now - self.last_call >= PROGRESS_MIN_INTERVAL:
            self.last_percent, self.last_call = percent, now
            self.callback(percent)

    def finish(self) -> None:
        """Report 100 % once on success, so a progress bar never stops at 97 %."""
        if self.callback is not None and self.last_percent < 100.0:
            self.last_percent = 100.0
            self.callback(100.0)


def _input_names(argv: Iterable[str]) -> list[str]:
    """The -i arguments of an argv, to name the file in error messages."""
    items = list(argv)
    return [items[i + 1] for i, arg in enumerate(items[:-1]) if arg == "-i"]


def run(
    argv: list[str],
    *,
    duration_ms: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> str:
    """Run an ffmpeg argv to completion and return its stderr (which carries the ebur128 summary).

    stdout is read by a thread (for ``-progress pipe:1``) and stderr goes to a temporary file, so
    neither pipe can fill up and deadlock the child. The loop wakes at least every POLL_INTERVAL,
    asks should_cancel every CANCEL_CHECK_INTERVAL, and kills the process when it says so
    (FFmpegCancelled) or when the timeout has passed (FFmpegTimeout). Output files a killed
    process leaves behind are partial: the caller owns them and should delete them. A
    non-zero exit raises FFmpegError quoting the last meaningful stderr lines. on_progress gets a
    percentage (0..100, rising, about 4 calls a second at most, and 100 on success).
    """
    name = Path(argv[0]).name if argv else "ffmpeg"
    log.debug("run: %s", shlex.join(argv))
    deadline = time.monotonic() + timeout if timeout is not None else None
    progress = _Progress(duration_ms, on_progress)
    with tempfile.TemporaryFile() as err_file:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=err_file)
        except OSError as exc:
            raise FFmpegError(f"cannot start {argv[0] if argv else name}: "
                              f"{exc.strerror or exc}") from exc
        watch = _Watch(proc, name, err_file, should_cancel, deadline, timeout)
        returncode = _follow(proc, progress, watch)
        stderr = _read_stderr(err_file)
    if returncode != 0:
        tail = stderr_tail(stderr)
        inputs = ", ".join(Path(i).name for i in _input_names(argv))
        subject = f"{name} failed on {inputs}" if inputs else f"{name} failed"
        reason = _one_line(tail) or f"exit code {returncode}"
        raise FFmpegError(f"{subject}: {reason}", tail)
    progress.finish()
    return stderr


def _read_stderr(err_file: IO[bytes]) -> str:
    """Everything the child wrote to its stderr file so far."""
    err_file.flush()
    err_file.seek(0)
    return err_file.read().decode("utf-8", "replace")


class _Watch:
    """Stops a running child when the caller cancels or the deadline passes; asks should_cancel
    at most every CANCEL_CHECK_INTERVAL, since it may query the database."""

    def __init__(self, proc: subprocess.Popen[bytes], name: str, err_file: IO[bytes],
                 should_cancel: Callable[[], bool] | None, deadline: float | None,
                 timeout: float | None) -> None:
        self.proc, self.name, self.err_file = proc, name, err_file
        self.should_cancel, self.deadline, self.timeout = should_cancel, deadline, timeout
        self.next_cancel_check = 0.0

    def check(self) -> None:
        """Kill the child and raise FFmpegCancelled or FFmpegTimeout when it must stop."""
        now = time.monotonic()
        if self.should_cancel is not None and now >= self.next_cancel_check:
            self.next_cancel_check = now + CANCEL_CHECK_INTERVAL
            if self.should_cancel():
                _kill(self.proc)
                log.info("%s cancelled", self.name)
                raise FFmpegCancelled(f"{self.name} was cancelled",
                                      stderr_tail(_read_stderr(self.err_file)))
        if self.deadline is not None and now > self.deadline:
            _kill(self.proc)
            log.warning("%s timed out after %g s", self.name, self.timeout)
            raise FFmpegTimeout(f"{self.name} did not finish within {self.timeout:g} s",
                                stderr_tail(_read_stderr(self.err_file)))


def _follow(proc: subprocess.Popen[bytes], progress: _Progress, watch: _Watch) -> int:
    """Feed the child's progress lines until its stdout closes, then wait for its exit code,
    waking every POLL_INTERVAL for watch; on any exception the child is killed first."""
    lines: queue.Queue[str | None] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        while True:
            watch.check()
            try:
                line = lines.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                continue
            if line is None:
                break
            progress.feed(line)
        while True:
            watch.check()
            try:
                return proc.wait(timeout=POLL_INTERVAL)
            except subprocess.TimeoutExpired:
                continue
    except BaseException:
        _kill(proc)
        raise
    finally:
        reader.join(timeout=5)
        proc.stdout.close()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and reap it, so no ffmpeg keeps writing after we gave up on it."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        log.error("process %s did not exit after SIGKILL", proc.pid)
