"""Browser tests: Debian Chromium driven by Playwright against a live server and a real worker.

Every test in this folder is marked ``browser``. The web app runs in a thread of the test
process (werkzeug), the worker is a real ``python -m station worker`` process on the same
instance folder and database, so uploads go through the real queue and the real ffmpeg.
A screenshot of each test's last page is kept in test-output/browser/ for a human to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from station.runtime import Runtime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent


# ---- marking and outcomes --------------------------------------------------------------

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of this folder (only) as browser tests."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell a failed test at teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


# ---- the browser -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(apt-get install chromium); browser tests never download a browser",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context (no cookies) in Vietnamese; its last screen is always saved.

    The tests' own probes (wait_for_function, evaluate) are strings Playwright evaluates in the
    page, which the Content-Security-Policy forbids: the context bypasses CSP for them, and
    tests/browser/test_csp.py checks the pages with the policy enforced.
    """
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN",
                                  bypass_csp=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        out = request.config.rootpath / "test-output" / "browser"
        out.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
        except Exception as exc:  # a screenshot must never hide the test's own result
            print(f"screenshot of {request.node.name} failed: {exc}")
        context.close()


# ---- the server and the worker ---------------------------------------------------------

def _test_server_app(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """The app as the test server runs it: every response body is closed.

    Chromium aborts media range requests when it seeks or leaves the page. Werkzeug's dev
    server then fails while draining the dead socket and never calls the body's close(), so
    send_file's open file would leak (a ResourceWarning, an error under filterwarnings).
    A generator's ``finally`` runs when it is closed or collected, whichever comes first.
    """

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = app(environ, start_response)

        def stream() -> Iterator[bytes]:
            try:
                yield from body
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

        return stream()

    return wsgi


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    """The real web app on a free port; the instance default language (Vietnamese).

    The shared ``runtime`` fixture sets English for the unit tests; the browser tests use
    the product default, so they see what a newsroom user sees.
    """
    from web import create_app

    app = create_app(runtime.settings.replace(language="vi"))
    server = make_server("127.0.0.1", 0, _test_server_app(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        app.extensions["station"].dispose()


WORKER_READY = "Huey consumer started"


def _wait_until_consuming(proc: subprocess.Popen[bytes], log_path: Path,
                          timeout: float = 30) -> None:
    """Return once the worker says it consumes the queue; fail with its log if it died."""
    deadline = time.monotonic() + timeout
    while WORKER_READY not in log_path.read_text(encoding="utf-8", errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            state = f"exited with {proc.returncode}" if proc.poll() is not None else "is silent"
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            pytest.fail(f"the worker {state} instead of consuming the queue:\n{tail}",
                        pytrace=False)
        time.sleep(0.05)


@pytest.fixture
def worker(runtime: Runtime, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A real `station worker` process on the test's instance; yields its log file."""
    settings = runtime.settings
    env = {
        **os.environ,
        "STATION_INSTANCE_PATH": str(settings.instance_path),
        "STATION_DATABASE_URL": settings.database_url,
        "STATION_SECRET_KEY": settings.secret_key,
        "STATION_LANGUAGE": "en",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "station", "worker", "--workers", "1"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    try:
        _wait_until_consuming(proc, log_path)
        yield log_path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if _failed(request):
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            print(f"---- worker log (exit {proc.returncode}) ----\n{tail}")
