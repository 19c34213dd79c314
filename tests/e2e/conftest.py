"""A real app in a thread on 127.0.0.1 and a real headless Chromium driven by Playwright.

Playwright's own browser download is not needed (nor possible offline): it drives the system's Chromium.
Every test module here sets `pytestmark = pytest.mark.browser`, so tests/conftest.py skips them on a machine
without one.
"""
from __future__ import annotations

import shutil
import socket
import threading

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra is not installed: these tests skip, the rest of the suite runs
    sync_playwright = None

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1500, "height": 950}


def browser_path() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "chrome")) if p), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveApp:
    """The Dash app served by werkzeug's threaded server in a daemon thread."""

    def __init__(self) -> None:
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the test output

        from explorer.app import create_app

        self.app = create_app(warm=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.httpd = make_server("127.0.0.1", self.port, self.app.server, threaded=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="explorer-e2e", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_app():
    server = LiveApp()
    from explorer.sandbox import default_pool

    default_pool().wait_ready(timeout=60)
    yield server
    server.close()


@pytest.fixture(scope="session")
def playwright_driver():
    if sync_playwright is None:
        pytest.skip("needs playwright: pip install -e '.[test]'")
    if browser_path() is None:
        pytest.skip("needs Chromium: apt-get install chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=browser_path(), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


# WebGL in headless Chromium with no GPU: Chromium's software renderer, which it must be told to allow.
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + ["--use-angle=swiftshader",
                                                                    "--enable-unsafe-swiftshader"]


@pytest.fixture(scope="session")
def webgl_browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=browser_path(), args=WEBGL_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture
def page(browser, live_app):
    yield from _page(browser, live_app)


@pytest.fixture
def webgl_page(webgl_browser, live_app):
    yield from _page(webgl_browser, live_app)


def _page(browser, live_app):
    """A fresh browser context (empty local storage) per test, recording requests and page errors."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="en-US")
    pg = context.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.app_url = live_app.url
    yield pg
    context.close()


