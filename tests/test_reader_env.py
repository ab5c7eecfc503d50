"""The chapters as a student runs them: the environment Binder builds from ``binder/`` alone,
every chapter executed top to bottom on one core with the shipped networks.

A fresh virtual environment gets ``binder/requirements.txt`` and nothing else (TensorFlow comes
from the package index or pip's cache: a few minutes). In it, ``benchmarks/run_chapter.py``
reads each chapter's ``.md`` through jupytext, as JupyterLab on Binder opens it, and executes it
with nbclient in a fresh kernel pinned to one CPU. For each chapter: no error and nothing
written to stderr; the kernel's peak memory under 1.5 GiB (mybinder.org allows 2 GB); and every
number glued and every figure drawn equal to the built book's (the build's execution cache):
text and integers exactly; floats to float32 precision and figures to a few pixels, because
TensorFlow sums in another order on one core than on the build's two (the last bits of a
float32 result, a residual of 1.2e-7 read as 1.6e-7, an antialiased pixel of a curve). The seconds and MiB per chapter are printed as the test runs and kept in
``book/_build/reader-env.json``; the budget of 3 minutes per chapter is
checked by the benchmark (docs/performance.md), not here.
"""

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from lib.book import chapters
from conftest import needs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTERS = chapters(BOOK, with_code=True)
MAX_MIB = 1536  # 1.5 GiB
RECORD = "application/papermill.record/"  # how myst-nb's glue stores a value in an output
RTOL = 1e-5  # float32 results summed in another order
MAX_PIXELS = 5e-4  # of a figure's pixels may differ (antialiasing of a curve moved by 1e-7)
NUMBER = re.compile(r"(?:np\.\w+\()?\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf))\s*\)?")


def built_notebooks() -> dict[str, nbformat.NotebookNode]:
    """``{chapter: executed notebook}`` from the build's execution cache (with the glue outputs,
    which the HTML build's own copies in ``_build/jupyter_execute`` no longer hold)."""
    from jupyter_cache import get_cache

    caches = sorted((BOOK / "_build" / ".jupyter_cache").glob("lib-*"))
    if not caches:
        return {}
    cache = get_cache(caches[-1])
    latest = {}
    for record in cache.list_cache_records():
        name = Path(record.uri).stem
        if name not in latest or record.created > latest[name].created:
            latest[name] = record
    return {name: cache.get_cache_bundle(r.pk).nb for name, r in latest.items()}


BUILT = built_notebooks()


def glued(nb) -> dict[str, dict]:
    """``{key: data}`` of every ``glue`` call in an executed notebook."""
    return {o["metadata"]["scrapbook"]["name"]: o["data"]
            for cell in nb.cells for o in cell.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook")}


def figures(nb) -> list[tuple[int, str]]:
    """``(code cell number, PNG as base64)`` of every figure an executed notebook shows."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [(i, o["data"]["image/png"]) for i, c in enumerate(cells) for o in c.get("outputs", [])
            if "image/png" in o.get("data", {}) and not o.get("metadata", {}).get("scrapbook")]


def same_value(a: str, b: str) -> bool:
    """Two glued values (their ``text/plain``) are the same: equal text, equal integers, or
    floats equal to float32 precision (relative ``RTOL``, or absolute ``RTOL`` near zero)."""
    if a == b:
        return True
    x, y = NUMBER.fullmatch(a.strip()), NUMBER.fullmatch(b.strip())
    if not (x and y) or not ({".", "e", "E", "n", "i"} & set(x.group(1) + y.group(1))):
        return False  # text, or integers, that differ
    x, y = float(x.group(1)), float(y.group(1))
    return abs(x - y) <= RTOL * max(1.0, abs(x), abs(y))


def pixels_differing(a: str, b: str) -> float:
    """The fraction of pixels that differ between two PNGs (base64); 1.0 if the sizes differ."""
    x, y = (np.asarray(Image.open(io.BytesIO(base64.b64decode(png)))) for png in (a, b))
    return 1.0 if x.shape != y.shape else float((x != y).any(axis=-1).mean())


def test_same_value_and_its_negative_controls():
    assert same_value("0.5362736843653354", "0.5362736847391998")
    assert same_value("1.2426334578220143e-07", "1.5650600437316621e-07")  # float32 residuals
    assert same_value("np.float64(43.64799)", "43.648003")
    assert same_value("'within noise'", "'within noise'")
    assert not same_value("0.9831", "0.9832")  # a real difference
    assert not same_value("41", "42")  # integers are exact
    assert not same_value("'better'", "'within noise'")
    assert not same_value("0.5", "'0.5'")


def code_sources(nb) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


def _run(args, **kwargs):
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def reader_run(tmp_path_factory, pytestconfig):
    """Build the reader's environment and run every chapter in it: ``(results, notebooks folder)``."""
    root = tmp_path_factory.mktemp("reader-env")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"])
    saved, report = root / "notebooks", root / "run.json"
    proc = subprocess.run([python, "benchmarks/run_chapter.py", "--one-core", "--save", str(saved),
                           "--json", str(report), *CHAPTERS], cwd=ROOT, capture_output=True, text=True)
    assert report.exists(), f"the chapters did not run:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = {r["chapter"]: r for r in json.loads(report.read_text())["chapters"]}
    (BOOK / "_build" / "reader-env.json").write_text(report.read_text())  # for docs/performance.md
    # Reported as the tests run (a print in a fixture would be captured and never shown).
    with pytestconfig.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print("\nchapters in the reader's environment (binder/ alone), one core: " + "; ".join(
            f"{n} {r['seconds']:.0f} s, {r['peak_rss_mib']} MiB" for n, r in results.items()))
    return results, saved


@needs(set(CHAPTERS) <= set(BUILT), "the book is not built (jupyter-book build book/)")
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_reader_environment_as_in_the_book(chapter, reader_run):
    results, saved = reader_run
    assert chapter in results, f"{chapter} did not run"
    result = results[chapter]
    assert result["cpus"] == 1
    assert not result["problems"], f"{chapter}: {result['problems']}"
    assert result["peak_rss_mib"] < MAX_MIB, \
        f"{chapter} peaked at {result['peak_rss_mib']} MiB in the kernel, over {MAX_MIB} MiB"
    ran, built = nbformat.read(saved / f"{chapter}.ipynb", as_version=4), BUILT[chapter]
    assert code_sources(ran) == code_sources(built), \
        f"the build's cache holds an older {chapter}.md: build the book again"
    ran_glued, built_glued = glued(ran), glued(built)
    assert set(ran_glued) == set(built_glued)
    plain = {k: (built_glued[k].get(RECORD + "text/plain", ""), ran_glued[k].get(RECORD + "text/plain", ""))
             for k in built_glued}
    differ = {k: v for k, v in plain.items() if not same_value(*v)}
    assert not differ, f"{chapter}: glued values differ from the book's (book, reader): {differ}"
    ran_figures, built_figures = figures(ran), figures(built)
    assert [i for i, _ in ran_figures] == [i for i, _ in built_figures]
    redrawn = {i: f"{fraction:.2%}" for (i, a), (_, b) in zip(ran_figures, built_figures)
               if (fraction := pixels_differing(a, b) if a != b else 0.0) > MAX_PIXELS}
    assert not redrawn, f"{chapter}: figures differ from the book's (code cell: pixels differing): {redrawn}"
