"""The built website, checked as a reader sees it: every page in headless Chromium.

Runs after ``jupyter-book build book/`` (as ``.ci/run`` does). For each page of the table of
contents it takes a full-page screenshot (kept in ``book/_build/screenshots/``) and checks that
the page shows no traceback or error output, that every image loaded, and that every formula was
typeset by MathJax (shipped in ``book/_static/mathjax``, so this works offline). Internal links and
anchors are checked with linkchecker. Skips, saying why, only where the book is not built or
Chromium is not installed.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "book" / "_build" / "html"
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def toc_pages():
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc.get("parts", [toc]) for c in part.get("chapters", [])]


needs_build = pytest.mark.skipif(
    not (HTML / "index.html").is_file(),
    reason="the book is not built: run `jupyter-book build --all -W -n --keep-going book/` first",
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: `apt-get install chromium`); browser check skipped"
)


@pytest.fixture(scope="module")
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


# Run in the page once it has loaded: what a reader would notice is broken.
PAGE_REPORT_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images).map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  return {
    images: images,
    math_total: math.length,
    math_typeset: math.filter(m => m.querySelector('mjx-container')).length,
    math_errors: document.querySelectorAll('mjx-merror').length,
    error_outputs: document.querySelectorAll('.output.traceback, .output.error, .output.stderr, .system-message').length,
    text: document.body.innerText,
  };
}
"""


@needs_build
@needs_chromium
@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_cleanly(browser, page):
    path = HTML / f"{page}.html"
    assert path.is_file(), f"{page}.html is missing from the built site"
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    failed_requests = []
    tab.on("requestfailed", lambda r: failed_requests.append(r.url) if r.url.startswith("file:") else None)
    tab.goto(path.as_uri(), wait_until="load")
    report = tab.evaluate(PAGE_REPORT_JS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{page}.png"), full_page=True)
    tab.close()

    assert "Traceback (most recent call last)" not in report["text"], f"{page}: a traceback is shown"
    assert report["error_outputs"] == 0, f"{page}: {report['error_outputs']} error/stderr outputs or system messages"
    broken = [i["src"] for i in report["images"] if not i["ok"]]
    assert not broken, f"{page}: images that did not load: {broken}"
    assert report["math_errors"] == 0, f"{page}: MathJax reported {report['math_errors']} errors"
    assert report["math_typeset"] == report["math_total"], (
        f"{page}: only {report['math_typeset']} of {report['math_total']} formulas were typeset"
    )
    assert not failed_requests, f"{page}: local files that failed to load: {failed_requests}"


@needs_build
@needs_chromium
def test_chapters_have_figures_and_math():
    """Guard against a chapter that silently lost its content (e.g. a cell with no output)."""
    for page in toc_pages():
        html = (HTML / f"{page}.html").read_text()
        if page in ("intro", "bibliography"):
            continue
        assert html.count("<img") >= 3, f"{page}: fewer than three images"
        assert 'class="math' in html, f"{page}: no mathematics"


@needs_build
def test_internal_links_and_anchors_resolve(tmp_path):
    config = tmp_path / "linkcheckerrc"
    config.write_text("[filtering]\ncheckextern=0\n[AnchorCheck]\n")
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--config", str(config), "--no-status", "--no-warnings",
         "-o", "text", str(HTML / "index.html")],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"broken internal links:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}"
    assert "0 errors found" in result.stdout
