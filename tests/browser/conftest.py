"""Browser tests: Playwright's Python package driving Debian's Chromium, headless.

They run against a live server on a loopback port, with committed data (each test uses
fresh, unique accounts). Outside CI they skip with a printed reason when Chromium is
missing; under CI=true its absence fails the run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, make_test_app, throwaway_database

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root inside a container has no user namespace sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true requires browser tests: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app behind the live server, on a database of its own: browser tests commit for
    real, and their rows must not leak into the rolled-back tests."""
    from mutualaid.extensions import db

    with throwaway_database(tmp_path_factory, "browser") as url:
        application = make_test_app(url)
        yield application
        with application.app_context():
            db.engine.dispose()
        from mutualaid.web.sms_hooks.routes import dispose_inbound_engine

        dispose_inbound_engine(application)


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a small phone (360 x 740)."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
