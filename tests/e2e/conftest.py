"""Real-browser fixtures: the test app served on a free port, Debian's Chromium through Playwright.

The server is the session `app` of tests/conftest.py (same database, same per-test cleanup),
served by werkzeug in a thread. Chromium is the system one: outside CI a machine without it
skips these tests with a message; under CI=true its absence is a failure.

Playwright's sync API drives its own asyncio loop in the main thread and marks it as running
between calls, so `asyncio.run()` would refuse to start while a browser is open. The browser
tests are therefore moved to the end of the run (see pytest_collection_modifyitems), the
browser opens lazily on the first of them, and it is closed before any other test runs: no other
test ever runs while Playwright is alive, whatever order pytest-xdist hands the tests out in.
Each xdist worker serves the app on a port of its own and has its own Chromium.

The test's own db.session may hold a read snapshot (SQLite): call db.session.rollback() before
reading rows that the browser just made through the server.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.pages import ARTIFACTS

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(session, config, items):
    """Browser tests last, so Playwright's event loop never overlaps another test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)
    browser_tests = [i for i in items if i.get_closest_marker("e2e")]
    if browser_tests:
        others = [i for i in items if not i.get_closest_marker("e2e")]
        items[:] = others + browser_tests


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can see whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- the server ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """Base URL (http://127.0.0.1:PORT) of the test app served in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- the browser --------------------------------------------------------------------------

class _Chromium:
    """This process's Chromium (one per xdist worker): opened by the first browser test, closed
    before any other test runs and at the end of the session."""

    def __init__(self):
        self.playwright = None
        self.browser = None

    def get(self):
        if self.browser is None:
            executable = chromium_path()
            if executable is None:
                message = ("Chromium was not found: install Debian's `chromium` package "
                           "(apt-get install -y chromium) to run the browser tests")
                if in_ci():
                    pytest.fail(message + " - it is required under CI", pytrace=False)
                pytest.skip(message)
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            try:
                self.browser = self.playwright.chromium.launch(executable_path=executable,
                                                               args=CHROMIUM_ARGS, headless=True)
            except Exception:
                self.close()
                raise
        return self.browser

    def close(self) -> None:
        browser, playwright, self.browser, self.playwright = self.browser, self.playwright, None, None
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()

    # Registered as a plugin (below), so these see every test, not only the ones in tests/e2e/.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        if not item.get_closest_marker("e2e"):
            self.close()

    def pytest_sessionfinish(self):
        self.close()


_chromium = _Chromium()


def pytest_configure(config):
    config.pluginmanager.register(_chromium, "e2e-chromium")


@pytest.fixture
def browser():
    """The process's Chromium, shared by the browser tests (contexts keep them apart)."""
    return _chromium.get()


@pytest.fixture
def new_page(browser, live_server, request):
    """new_page(phone=False, **context_options) -> a page in a fresh context (own cookies).

    Every page made here is screenshotted into tests/e2e/artifacts/ when the test fails.
    """
    made = []

    def _new_page(*, phone: bool = False, **options):
        if phone:
            options = {"viewport": PHONE, "is_mobile": True, "has_touch": True,
                       "device_scale_factor": 2, **options}
        else:
            options = {"viewport": DESKTOP, **options}
        context = browser.new_context(base_url=live_server, locale="id-ID",
                                      timezone_id="Asia/Jakarta", **options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        made.append((context, page))
        return page

    yield _new_page
    failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    for n, (context, page) in enumerate(made, start=1):
        if failed:
            _screenshot(page, request.node.nodeid, n)
        context.close()


def _screenshot(page, nodeid: str, n: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:120]
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a closed page must not hide the real failure
        print(f"screenshot of {nodeid} failed: {exc}")


@pytest.fixture
def page(new_page):
    """A desktop-sized page in a fresh browser context."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A 360x740 touch phone, as verifiers use in the field."""
    return new_page(phone=True)
