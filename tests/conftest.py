"""Shared test setup: tests that need a real browser skip on machines without one, except in CI."""
import os
import shutil

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def browser_path():
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def pytest_collection_modifyitems(config, items):
    if browser_path():
        return
    if os.environ.get("EXPLORER_REQUIRE_BROWSER"):
        raise pytest.UsageError("EXPLORER_REQUIRE_BROWSER is set but no Chromium/Chrome is installed")
    skip = pytest.mark.skip(reason="needs Chromium: apt-get install chromium fonts-noto-cjk")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
