"""Browser tests: the real app served by uvicorn on loopback over the seeded demo region (SQLite), driven by
headless Chromium through Playwright for Python.

Playwright never downloads a browser here: it drives Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it), and
these tests skip, saying so, where it is absent (and fail under ``CI=true``). Screenshots go to
``tests/artifacts/screenshots/``.
"""

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.helpers import cli, unavailable
from waypost.app import create_app
from waypost.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
T = TypeVar("T")


def in_thread(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``work`` in another thread: Playwright's sync API keeps an event loop running in this one, and the
    helpers that run their own (the CLI, ``query``) cannot start one inside it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *args, **kwargs).result()


@dataclass(frozen=True)
class Site:
    url: str  # http://127.0.0.1:PORT
    database_url: str

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Waypost over the seeded demo region, served on a free loopback port for the whole session."""
    path = tmp_path_factory.mktemp("e2e") / "waypost.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database_url = f"sqlite+aiosqlite:///{path}"
    seeded = in_thread(cli, database_url, "seed")
    assert seeded.exit_code == 0, seeded.output
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(Settings(database_url=database_url, base_url=url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield Site(url, database_url)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="package")
def playwright(site: Site) -> Iterator[Playwright]:
    # After the site: its setup (migrations, the seed) runs event loops of its own, which cannot start while
    # Playwright's is running in this thread. Package scope stops it when the browser tests end, before the rest of
    # the suite (whose async tests need this thread's event loop) runs.
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium): browser tests skipped")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A fresh visitor (no cookies, no saved list) on a desktop screen, in English."""
    context = browser.new_context(base_url=site.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
