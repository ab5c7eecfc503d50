"""Screenshots of the chapters as a student sees them in JupyterLab on Binder, for looking at them.

Binder opens a chapter's ``.md`` in JupyterLab through jupytext, with jupyterlab-myst rendering
the MyST (both from ``binder/``). This script starts JupyterLab from a reader's environment (a
virtual environment with ``binder/requirements.txt`` and ``jupyterlab``) on a copy of the
chapters, and does what a student does: opens a chapter, takes a screenshot of the first
screen, runs every cell (*Run > Run All Cells*), and when the kernel is done takes screenshots
at 1280x900 of the first screen showing each of the chapter's sights below (a derivation, an
exercise, a paragraph with computed numbers).

    python -m venv /tmp/reader && /tmp/reader/bin/pip install -r binder/requirements.txt jupyterlab
    python benchmarks/binder_view.py --lab /tmp/reader/bin/jupyter-lab [CHAPTER ...]

Needs playwright and Chromium (``requirements.txt``, Debian's ``chromium``). Writes
``book/_build/screenshots/binder/CHAPTER-N-WHAT.png``. Running a chapter takes as long as on
Binder (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
OUT = BOOK / "_build" / "screenshots" / "binder"

#: What to look for in each chapter, besides its first screen: a name for the file, and text
#: that the rendered notebook shows at the place (a markdown cell or a cell's output).
SIGHTS = {
    "intro": [("numbers", "The training set has")],
    "translation": [("numbers", "times fewer than the"), ("derivation", "Equivariance and invariance"),
                    ("exercise", "Counting weights")],
    "black_box": [("numbers", "are made with more than 90%"), ("exercise", "Knock out a unit")],
    "rotation": [("derivation", "Rotating the input shifts the four copies"),
                 ("numbers", "each loses at least"), ("exercise", "The permutation matrix")],
    "ising": [("numbers", "the largest deviation from Onsager"), ("derivation", "Spin-flip invariance")],
    "playground": [("numbers", "A 6 upside down, and half-way")],
}

FIND = """(needle) => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const cell = cells.find(c => c.innerText.includes(needle));
  if (!cell) return false;
  // The innermost element that shows the needle (a cell can hold a whole section), with some
  // of what comes before it above.
  const inner = [...cell.querySelectorAll('p, li, h1, h2, h3, h4, aside, details, div')]
    .filter(e => e.innerText && e.innerText.includes(needle));
  (inner.length ? inner[inner.length - 1] : cell).scrollIntoView({block: 'start'});
  const panel = document.querySelector('.jp-WindowedPanel-outer');
  if (panel) panel.scrollTop -= 120;
  return true;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(lab: str, root: Path, port: int) -> subprocess.Popen:
    """JupyterLab on ``port`` serving ``root``, without token, news, update checks or autosave."""
    settings = Path(tempfile.mkdtemp(prefix="lab-settings-"))  # the user's settings, per plugin
    for plugin, values in {"apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
                           "docmanager-extension/plugin": {"autosave": False}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings))
    args = [lab, "--no-browser", f"--port={port}", "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    sys.exit(f"JupyterLab did not start on port {port}")


def scroll_to(page, needle: str) -> bool:
    """Scroll the notebook until a cell showing ``needle`` is at the top (the notebook renders
    only the cells near the view, so step down until one appears)."""
    page.evaluate("() => { document.querySelector('.jp-WindowedPanel-outer').scrollTop = 0; }")
    for _ in range(400):
        time.sleep(0.25)
        if page.evaluate(FIND, needle):
            time.sleep(1.5)  # math and images settle
            page.evaluate(FIND, needle)
            return True
        at_end = page.evaluate("""() => { const w = document.querySelector('.jp-WindowedPanel-outer');
            const before = w.scrollTop; w.scrollTop += 1200; return w.scrollTop === before; }""")
        if at_end:
            return False
    return False


def run_all(page, timeout: float = 900) -> bool:
    """*Run > Run All Cells*, then wait until the kernel has stayed idle for a while (a collapsed
    cell shows no ``[*]`` prompt, and the kernel is idle for an instant between two cells)."""
    page.click(".jp-Notebook")
    page.keyboard.press("Escape")
    page.click("div.lm-MenuBar-itemLabel:text-is('Run')")
    page.click("li.lm-Menu-item:has-text('Run All Cells')")
    start, idle_since = time.time(), None
    time.sleep(5)
    while time.time() - start < timeout:
        idle = page.evaluate("""() => document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')
            .innerText.includes('| Idle') && ![...document.querySelectorAll('.jp-InputPrompt')]
            .some(p => p.innerText.includes('*'))""")
        idle_since = (idle_since or time.time()) if idle else None
        if idle_since is not None and time.time() - idle_since > 8:
            time.sleep(3)  # the markdown cells evaluate their glued(...) values
            return True
        time.sleep(1)
    return False


def shut_down_kernel(page):
    """*Kernel > Shut Down Kernel* for the open notebook."""
    page.click("div.lm-MenuBar-itemLabel:text-is('Kernel')")
    page.click("li.lm-Menu-item[data-command='kernelmenu:shutdown']")
    time.sleep(2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", required=True, help="the reader environment's jupyter-lab")
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter with code)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from lib.book import chapters

    names = args.chapters or chapters(BOOK, with_code=True)
    # A copy, so that nothing JupyterLab or jupytext writes can touch the chapters.
    copy = Path(tempfile.mkdtemp(prefix="binder-view-"))
    for name in names:
        shutil.copy(BOOK / f"{name}.md", copy / f"{name}.md")
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lab = start_lab(args.lab, copy, port)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for name in names:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}.md?reset", wait_until="networkidle")
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
                time.sleep(6)  # jupyterlab-myst renders the markdown cells
                page.screenshot(path=str(OUT / f"{name}-0-before-running.png"))
                if not run_all(page):
                    print(f"{name}: still running after 15 minutes", file=sys.stderr)
                for i, (what, needle) in enumerate(SIGHTS.get(name, []), start=1):
                    path = OUT / f"{name}-{i}-{re.sub(r'[^a-z]+', '-', what)}.png"
                    if scroll_to(page, needle):
                        page.screenshot(path=str(path))
                        print(path)
                    else:
                        print(f"{name}: nothing shows {needle!r}", file=sys.stderr)
                shut_down_kernel(page)  # else every chapter's kernel stays, a gigabyte each
                page.close()
            browser.close()
    finally:
        lab.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
