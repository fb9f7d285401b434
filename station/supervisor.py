"""`station run`'s worker: started next to the web app, restarted when it dies.

A worker killed by the kernel (out of memory) or by hand must not leave the station without
one: the supervisor waits on the child and starts a new one after a short backoff (1 s,
doubling to 30 s while the worker keeps dying within a minute of its start).
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)


class WorkerSupervisor:
    """Keep one worker process running until ``stop()``."""

    def __init__(self, argv: Sequence[str], *, min_backoff: float = 1.0,
                 max_backoff: float = 30.0) -> None:
        self.argv = list(argv)
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._started = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor",
                                        daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self.child = subprocess.Popen(self.argv)
            self._started = time.monotonic()
            log.info("worker started (pid %s)", self.child.pid)

    def _watch(self) -> None:
        backoff = self.min_backoff
        while not self._stop.is_set():
            child = self.child
            assert child is not None
            code = child.wait()
            if self._stop.is_set():
                return
            ran = time.monotonic() - self._started
            if ran > 60:
                backoff = self.min_backoff
            log.warning("worker (pid %s) exited with %s after %.0f s; restarting in %.0f s",
                        child.pid, code, ran, backoff)
            if self._stop.wait(backoff):
                return
            backoff = min(self.max_backoff, backoff * 2)
            self._spawn()
            self.restarts += 1

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching, then stop the worker (SIGTERM, SIGKILL after ``timeout``)."""
        self._stop.set()
        with self._lock:
            child = self.child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
