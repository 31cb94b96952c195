"""A live server on a free port, and Debian's Chromium driven by Playwright (headless).

The browser is never downloaded: the tests use /usr/bin/chromium (`apt-get install chromium`,
which .ci/run does). Where it is missing they are skipped, saying so, except under CI
(DORSUM_REQUIRE_BROWSER=1), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn

import dorsum
from dorsum.services.demo import load_demo
from dorsum.settings import Settings
from dorsum.storage.database import session_factory
from dorsum.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application with the demo data, served by uvicorn in a thread."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite3'}"
    photos = tmp_path_factory.mktemp("photos")
    app = create_app(Settings(database_url=url, public_clinic="demo", photo_dir=str(photos)))
    with session_factory(app.state.engine)() as db:
        load_demo(db, today=date.today(), index=dorsum.default_index())
        db.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("DORSUM_REQUIRE_BROWSER"):
            pytest.fail(message + "; CI requires the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())  # "Cancel this appointment?" and the like
    yield tab
    context.close()


def shot(page: object, name: str) -> None:
    """Save a full-page screenshot for people to look at (tests/browser/screenshots/)."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
