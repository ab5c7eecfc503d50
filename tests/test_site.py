"""The built website, checked as a reader sees it: every page in headless Chromium.

Runs after ``jupyter-book build book/`` (as ``.ci/run`` does). For each page of the table of
contents it takes a full-page screenshot (kept in ``book/_build/screenshots/``) and checks that
the page shows no traceback or error output, that every image loaded, and that every formula was
typeset by MathJax (shipped in ``book/_static/mathjax``, so this works offline). Internal links and
anchors are checked with linkchecker. Skips, saying why, only where the book is not built or
Chromium is not installed.

Nothing on any page makes the browser console report an error, and nothing runs off the right
edge: at 1280 px neither the page nor a display equation nor a line of code, on a 390 px phone
not the page itself (formulas and code scroll inside their boxes there).

Accessibility (WCAG 2.1 AA): every image has a text alternative that is not its file name; axe-core
(``axe-playwright-python``, WCAG 2.0 and 2.1 levels A and AA) finds no serious or critical
violation on any page, in light and dark mode (its full report is kept in ``book/_build/a11y/``);
every visible link and button is reached with Tab, and the interactive controls (solution
dropdowns, hidden code cells, the launch-button menu) are reached with Tab and operated with Enter
and Space. The launch buttons point at the repository set in ``book/_config.yml``.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lib.book import chapters

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "book" / "_build" / "html"
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"
A11Y_REPORTS = ROOT / "book" / "_build" / "a11y"
from conftest import CHROMIUM, needs  # noqa: E402  (the shared browser fixture lives there too)


def has_code(page):
    return "{code-cell}" in (ROOT / "book" / f"{page}.md").read_text()


needs_build = needs((HTML / "index.html").is_file(),
                    "the book is not built: run `jupyter-book build --all -W -n --keep-going book/` first")
needs_chromium = needs(CHROMIUM is not None,
                       "Chromium is not installed (Debian: `apt-get install chromium`); browser check skipped")


# Run in the page once it has loaded: what a reader would notice is broken.
PAGE_REPORT_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images).map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  // Figures drawn for the column are shown at about their natural size (shrunk text is unreadable).
  const figures = Array.from(document.querySelectorAll('.cell_output img, figure img'))
    .filter(i => i.naturalWidth > 0)
    .map(i => ({src: i.getAttribute('src'), ratio: i.getBoundingClientRect().width / i.naturalWidth}));
  // A numbered equation that its number hides: drawn over it, or squeezed beside it so that
  // the formula is cut off (its box scrolls).
  const overlapping = Array.from(document.querySelectorAll('div.math')).filter(d => {
    const label = d.querySelector('.eqno'), box = d.querySelector('mjx-container');
    const formula = d.querySelector('mjx-math');
    if (!label || !box || !formula) return false;
    const a = label.getBoundingClientRect(), b = formula.getBoundingClientRect();
    const drawnOver = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return drawnOver || box.scrollWidth > box.clientWidth + 1;
  }).map(d => d.id || d.textContent.slice(0, 40));
  // A table wider than the column scrolls sideways, and its last columns go unseen.
  const wideTables = Array.from(document.querySelectorAll('.pst-scrollable-table-container'))
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 40));
  return {
    figures: figures,
    wide_tables: wideTables,
    overlapping: overlapping,
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
@pytest.mark.parametrize("page", chapters(ROOT / "book"))
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
    shrunk = [f"{f['src']} at {f['ratio']:.2f}" for f in report["figures"] if f["ratio"] < MIN_FIGURE_SCALE]
    assert not shrunk, (f"{page}: figures shown at less than {MIN_FIGURE_SCALE:.0%} of their natural width "
                        f"(draw them for the column, lib.plots.COLUMN_WIDTH_IN): {shrunk}")
    assert not report["overlapping"], f"{page}: equation numbers drawn over their equation: {report['overlapping']}"
    assert not report["wide_tables"], f"{page}: tables wider than the column (they scroll): {report['wide_tables']}"


#: Smallest ratio of displayed to natural width of a figure at a 1280 px window.
MIN_FIGURE_SCALE = 0.8

FAULTY_PAGE = """<!doctype html><html><body><main style="width: 690px">
<div class="cell_output"><img alt="too wide" src="data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg'
  width='1400' height='100'%3E%3C/svg%3E" style="max-width: 100%"></div>
<div class="cell_output"><img alt="fits" src="data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg'
  width='600' height='100'%3E%3C/svg%3E" style="max-width: 100%"></div>
<div class="math" id="equation-wide"><span class="eqno" style="float: right">(1.1)</span>
  <mjx-container style="display: block; overflow-x: auto"><mjx-math style="display: inline-block; width: 900px; height: 20px"></mjx-math></mjx-container></div>
<div class="math" id="equation-narrow"><span class="eqno" style="float: right">(1.2)</span>
  <mjx-container style="display: block; overflow-x: auto"><mjx-math style="display: inline-block; width: 200px; height: 20px"></mjx-math></mjx-container></div>
<div class="pst-scrollable-table-container" style="overflow-x: auto"><table style="width: 900px">
  <tr><td>a wide table</td></tr></table></div>
</main></body></html>"""


@needs_chromium
def test_the_page_report_catches_shrunk_figures_hidden_equations_and_wide_tables(browser, tmp_path):
    """The negative control of the layout checks above: a page built to fail them does."""
    path = tmp_path / "faulty.html"
    path.write_text(FAULTY_PAGE)
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(path.as_uri(), wait_until="load")
    report = tab.evaluate(PAGE_REPORT_JS)
    tab.close()
    ratios = [f["ratio"] for f in report["figures"]]
    assert ratios[0] < MIN_FIGURE_SCALE <= ratios[1]
    assert report["overlapping"] == ["equation-wide"]
    assert report["wide_tables"] == ["a wide table"]


@needs_build
@needs_chromium
def test_chapters_have_figures_and_math():
    """Guard against a chapter that silently lost its content (e.g. a cell with no output)."""
    for page in chapters(ROOT / "book"):
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


def open_page(browser, page, color_scheme="light"):
    """A tab with the built page loaded and its formulas typeset."""
    path = HTML / f"{page}.html"
    assert path.is_file(), f"{page}.html is missing from the built site"
    tab = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
    tab.goto(path.as_uri(), wait_until="load")
    tab.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                 " await MathJax.startup.promise; }")
    return tab


# --- Console errors and sideways overflow -------------------------------------------------

#: Window widths a reader uses: a laptop, and a phone held upright.
WIDTHS = {"desktop": 1280, "phone": 390}

# What runs past the right edge: the page itself (the reader scrolls sideways), a display
# equation or a code box that has to scroll inside its own box (its end is hidden).
OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const cut = el => el.scrollWidth > el.clientWidth + 1;
  const name = el => (el.id ? '#' + el.id + ' ' : '') + el.textContent.trim().slice(0, 50);
  return {
    page: cut(root) ? root.scrollWidth + ' px wide in a ' + root.clientWidth + ' px window' : null,
    math: Array.from(document.querySelectorAll('mjx-container[display="true"]')).filter(cut).map(name),
    code: Array.from(document.querySelectorAll('pre')).filter(p => p.offsetParent !== null && cut(p)).map(name),
  };
}
"""


def load_watching_console(browser, url, width):
    """Open ``url`` in a ``width`` px window; return the tab and the console's errors so far."""
    tab = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(url, wait_until="load")
    tab.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                 " await MathJax.startup.promise; }")
    tab.wait_for_timeout(200)  # scripts that run after load (the theme, the playground)
    return tab, errors


def overflow_problems(tab, width):
    """What runs past the right edge. At the desktop width nothing may: not the page, not a
    display equation, not a line of code. On a phone a formula or a 79-character line cannot
    fit the column; they scroll inside their own boxes, and only the page must not."""
    found = tab.evaluate(OVERFLOW_JS)
    problems = [f"the page scrolls sideways ({found['page']})"] if found["page"] else []
    if width >= WIDTHS["desktop"]:
        problems += [f"equation wider than its box: {m!r}" for m in found["math"]]
        problems += [f"code wider than its box: {c!r}" for c in found["code"]]
    return problems


@needs_build
@needs_chromium
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("page", chapters(ROOT / "book"))
def test_no_console_errors_and_nothing_runs_off_the_side(browser, page, width):
    tab, errors = load_watching_console(browser, (HTML / f"{page}.html").as_uri(), width)
    problems = overflow_problems(tab, width)
    tab.close()
    assert not errors, f"{page} at {width} px: the browser console reports errors: {errors}"
    assert not problems, f"{page} at {width} px: " + "; ".join(problems)


OVERFLOWING_PAGE = """<!doctype html><html><body style="margin: 0"><main style="width: 300px">
<script>console.error("a deliberate error"); undefinedFunction();</script>
<div style="width: 2000px">a line too long for any window</div>
<div class="math"><mjx-container display="true" style="display: block; overflow-x: auto">
  <mjx-math style="display: inline-block; width: 900px">a wide equation</mjx-math></mjx-container></div>
<pre style="overflow-x: auto">""" + "x" * 200 + """</pre>
</main></body></html>"""


@needs_chromium
def test_the_console_and_overflow_checks_catch_what_they_should(browser, tmp_path):
    page = tmp_path / "overflowing.html"
    page.write_text(OVERFLOWING_PAGE)
    tab, errors = load_watching_console(browser, page.as_uri(), WIDTHS["desktop"])
    problems = overflow_problems(tab, WIDTHS["desktop"])
    phone = overflow_problems(tab, WIDTHS["phone"])
    tab.close()
    assert "a deliberate error" in errors and any("undefinedFunction" in e for e in errors)
    assert any("page scrolls sideways" in p for p in problems)
    assert any("a wide equation" in p for p in problems) and any("xxxx" in p for p in problems)
    # On a phone only the page itself counts.
    assert len(phone) == 1 and "page scrolls sideways" in phone[0]


# --- Accessibility ------------------------------------------------------------------------

IMAGES_JS = """
() => Array.from(document.images).map(i => ({
  src: i.getAttribute('src') || '',
  alt: i.getAttribute('alt'),
  content: !!i.closest('figure, .cell_output, .output, article'),
}))
"""

#: What an alt text made of a file name looks like: "f51e4a...png", "image.svg", a bare hash.
FILE_NAME_ALT = re.compile(r"(?i)^\S*\.(png|jpe?g|gif|svg|webp|pdf)$|^[0-9a-f]{16,}$")


@needs_build
@needs_chromium
@pytest.mark.parametrize("page", chapters(ROOT / "book"))
def test_images_have_text_alternatives(browser, page):
    """A screen reader reads the alt text: it must say what the figure shows, not its file name."""
    tab = open_page(browser, page)
    images = tab.evaluate(IMAGES_JS)
    tab.close()
    problems = []
    for image in images:
        alt, name = (image["alt"] or "").strip(), Path(image["src"]).name
        if image["alt"] is None:
            problems.append(f"{name}: no alt attribute")
        elif image["content"] and not alt:
            problems.append(f"{name}: empty alt text on a figure")
        elif alt and (alt == name or alt == Path(name).stem or FILE_NAME_ALT.match(alt)):
            problems.append(f"{name}: the alt text is a file name ({alt!r})")
    assert not problems, f"{page}: images without a real text alternative: {problems}"


#: axe-core rule sets of WCAG 2.0/2.1 levels A and AA.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}


@needs_build
@needs_chromium
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", chapters(ROOT / "book"))
def test_axe_finds_no_serious_violation(browser, page, scheme):
    """axe-core on the page as a reader sees it, in the theme's light and dark modes."""
    from axe_playwright_python.sync_playwright import Axe

    tab = open_page(browser, page, color_scheme=scheme)
    assert tab.evaluate("() => document.documentElement.dataset.theme") == scheme
    # Contrast is judged on the settled page: no colour caught half-way through a transition.
    tab.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    tab.wait_for_timeout(100)
    results = Axe().run(tab, options=AXE_OPTIONS)
    tab.close()
    violations = results.response["violations"]
    A11Y_REPORTS.mkdir(parents=True, exist_ok=True)
    (A11Y_REPORTS / f"{page}-{scheme}.json").write_text(json.dumps(violations, indent=1))
    serious = [f"{v['impact']} {v['id']} ({v['help']}) at {len(v['nodes'])} element(s), e.g. "
               f"{v['nodes'][0]['target']}: {v['nodes'][0]['html'][:160]}"
               for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"{page} ({scheme} mode): axe-core (WCAG 2.1 A/AA) reports:\n" + "\n".join(serious)


# Walk the page with Tab as a keyboard user does; return what received focus, in order.
TAB_STOP_JS = """
() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (!e.dataset.kbd) e.dataset.kbd = String(document.querySelectorAll('[data-kbd]').length);
  return e.dataset.kbd;
}
"""


def tab_order(tab, limit=3000):
    order = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(TAB_STOP_JS)
        if stop is not None and order and stop == order[0]:
            break  # went round the page once
        if stop is not None and stop not in order:
            order.append(stop)
    return order


CONTROLS_JS = """
() => {
  const label = e => (e.closest('.admonition')?.querySelector('.admonition-title')?.innerText
                      || e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 60);
  const mark = (e, kind) => { e.dataset.control = kind; return {kind: kind, kbd: e.dataset.kbd || null, label: label(e)}; };
  return [
    ...Array.from(document.querySelectorAll('button.toggle-button')).map(e => mark(e, 'toggle')),
    ...Array.from(document.querySelectorAll('details > summary')).map(e => mark(e, 'details')),
    ...Array.from(document.querySelectorAll('.dropdown-launch-buttons button.dropdown-toggle')).map(e => mark(e, 'launch')),
  ];
}
"""

# Every visible control a mouse can use: the keyboard must reach it too.
VISIBLE_CONTROLS_JS = """
() => {
  // The content of a closed <details> (a hidden code cell) is not shown, whatever its boxes say.
  const insideClosedDetails = e => {
    for (let d = e.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
      if (!d.open && !(e.closest('summary') && e.closest('summary').parentElement === d)) return true;
    }
    return false;
  };
  return Array.from(document.querySelectorAll(
        'a[href], button, summary, input, select, textarea, [tabindex]:not([tabindex="-1"])'))
  .filter(e => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'
               && !e.closest('[aria-hidden="true"], [inert]') && !insideClosedDetails(e))
  .map(e => ({kbd: e.dataset.kbd || null, html: e.outerHTML.slice(0, 120)}));
}
"""

OPEN_STATE_JS = """
(kbd) => {
  const e = document.querySelector(`[data-kbd="${kbd}"]`);
  const kind = e.dataset.control;
  if (kind === 'toggle') {
    const target = document.getElementById(e.dataset.target);
    const body = Array.from(target.children).find(c => !c.classList.contains('admonition-title'));
    return e.getAttribute('aria-expanded') === 'true' && !target.classList.contains('toggle-hidden')
           && !!body && body.getBoundingClientRect().height > 0;
  }
  if (kind === 'details') return e.parentElement.open;
  if (kind === 'launch') {
    const menu = e.parentElement.querySelector('.dropdown-menu');
    return e.getAttribute('aria-expanded') === 'true' && menu.getBoundingClientRect().height > 0;
  }
  return null;
}
"""


@needs_build
@needs_chromium
@pytest.mark.parametrize("page", chapters(ROOT / "book"))
def test_keyboard_reaches_and_operates_controls(browser, page):
    """Solutions, hidden code and the launch menu open and close from the keyboard alone."""
    tab = open_page(browser, page)
    order = tab_order(tab)
    controls = tab.evaluate(CONTROLS_JS)
    if has_code(page):
        assert any(c["kind"] == "launch" for c in controls), f"{page}: no launch-button menu"
    unreachable = [c for c in controls if c["kbd"] not in order]
    assert not unreachable, f"{page}: controls that Tab never reaches: {unreachable}"
    unreachable = [c["html"] for c in tab.evaluate(VISIBLE_CONTROLS_JS) if c["kbd"] not in order]
    assert not unreachable, f"{page}: visible links or buttons that Tab never reaches: {unreachable[:5]}"
    problems = []
    for control in controls:
        for key in ("Enter", "Space"):
            tab.focus(f'[data-kbd="{control["kbd"]}"]')
            before = tab.evaluate(OPEN_STATE_JS, control["kbd"])
            tab.keyboard.press(key)
            tab.wait_for_timeout(50)
            after = tab.evaluate(OPEN_STATE_JS, control["kbd"])
            if after == before:
                problems.append(f"{control['kind']} {control['label']!r}: {key} does not open or close it")
            if control["kind"] == "launch" and after:
                # The menu's entries are reached from the keyboard too.
                tab.keyboard.press("Tab")
                focused = tab.evaluate("() => document.activeElement.closest('.dropdown-menu') !== null")
                if not focused:
                    problems.append("launch menu: Tab from the open menu does not reach its entries")
                tab.keyboard.press("Escape")
                tab.wait_for_timeout(50)
            elif after and not before:
                tab.focus(f'[data-kbd="{control["kbd"]}"]')
                tab.keyboard.press(key)  # close again for the next key
                tab.wait_for_timeout(50)
    tab.close()
    assert not problems, f"{page}: " + "; ".join(problems)


# --- Launch buttons -------------------------------------------------------------------------


@needs_build
def test_launch_buttons_point_at_the_configured_repository():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    repo = config["repository"]
    owner_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    for page in chapters(ROOT / "book"):
        html = (HTML / f"{page}.html").read_text()
        assert f'href="{repo["url"]}"' in html, f"{page}: no repository button to {repo['url']}"
        if has_code(page):
            binder = (f"{config['launch_buttons']['binderhub_url']}/v2/gh/{owner_repo}/{repo['branch']}"
                      f"?urlpath=lab/tree/{repo['path_to_book']}/{page}.md")
            assert binder in html, f"{page}: no Binder launch button to {binder}"
