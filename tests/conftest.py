"""Shared by the browser checks (tests/test_site.py, tests/test_playground.py): one headless
Chromium, and :func:`needs`, which skips a check whose prerequisite is missing, except in CI."""

import os
import shutil

import pytest

#: Chromium from the system (Debian: ``apt-get install chromium``); None skips the browser checks.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: In CI (``CI=true``, set by .ci/run) nothing may be skipped for want of a prerequisite.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needs(available: bool, reason: str):
    """A mark: run the test if ``available``; otherwise skip it with ``reason``, or in CI fail it."""
    if available:
        return pytest.mark.skipif(False, reason="")
    if IN_CI:
        return pytest.mark.required_in_ci(reason)
    return pytest.mark.skip(reason=reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "required_in_ci(reason): a missing prerequisite, a failure in CI")


@pytest.fixture(autouse=True)
def _fail_what_ci_cannot_skip(request):
    mark = request.node.get_closest_marker("required_in_ci")
    if mark is not None:
        pytest.fail(f"{mark.args[0]} (in CI a missing prerequisite is a failure, not a skip)")


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
