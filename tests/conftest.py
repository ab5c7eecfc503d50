"""Shared by the browser checks (tests/test_site.py, tests/test_playground.py): one headless Chromium."""

import shutil

import pytest

#: Chromium from the system (Debian: ``apt-get install chromium``); None skips the browser checks.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()
