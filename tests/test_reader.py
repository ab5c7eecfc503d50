"""lib.reader and book/_ext/glued_values.py: a glued number stands in its sentence, in the built
page and in a reader's notebook; a figure's caption follows it in the notebook."""

import re
import sys

import nbclient
import nbformat
import pytest

from lib import reader

ROOT = reader.BOOK_DIR.parent
HTML = ROOT / "book" / "_build" / "html"
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from glued_values import glue_target  # noqa: E402


def test_split_reference_at_the_last_colon_as_myst_nb():
    assert reader.split_reference("cnn-acc:.2%") == ("cnn-acc", ".2%")
    assert reader.split_reference("n-train:,") == ("n-train", ",")
    assert reader.split_reference("cnn-epochs") == ("cnn-epochs", "")


def test_formatted_as_the_built_page_writes_it():
    assert reader.formatted("0.98312", ".2%") == "98.31%"
    assert reader.formatted("60000", ",") == "60,000"
    assert reader.formatted("'had levelled off'", "") == "had levelled off"  # quotes go


def test_glued_formats_what_was_glued_and_shows_without_quotes(monkeypatch):
    monkeypatch.setattr(reader, "GLUED", {"acc": "0.98312", "trend": "'had levelled off'"})
    assert reader.glued("acc:.2%") == "98.31%" and reader.glued("acc:.1%") == "98.3%"
    assert repr(reader.glued("trend")) == "had levelled off"
    # Negative control: a key not glued yet says so in the sentence instead of raising.
    assert reader.glued("err:.2%") == "[err:.2%: run the cells above first]"


def test_the_build_accepts_only_glued_expressions():
    assert glue_target('glued("cnn-acc:.2%")') == "cnn-acc:.2%"
    assert glue_target(' glued("n-train:,") ') == "n-train:,"
    assert glue_target("glued('pg-step')") == "pg-step"  # inside a double-quoted caption
    for other in ['x', 'glued(key)', 'glued("a") + 1', "glued('a\")", '__import__("os")']:
        assert glue_target(other) is None, other


def test_the_prose_uses_glued_values_only():
    text = "".join(p.read_text() for p in reader.BOOK_DIR.glob("*.md"))
    assert "{glue:text}" not in text, "write {eval}`glued(\"key:format\")`: it also reads in JupyterLab"
    evals = re.findall(r"\{eval\}`([^`]*)`", text)
    assert len(evals) == len(reader.GLUED_ROLE.findall(text)) > 400
    assert all(glue_target(e) for e in evals)
    assert len(reader.glued_references()) > 200


def test_glued_references_of_a_small_book(tmp_path):
    (tmp_path / "a.md").write_text('{eval}`glued("acc:.2%")` and {eval}`glued("acc:.1%")`, '
                                   '{eval}`glued("n")` and {eval}`glued("acc:.2%")` again')
    (tmp_path / "b.md").write_text('no roles here, only `glued("acc:.3%")` as code')
    assert reader.glued_references(tmp_path) == {"acc": (".2%", ".1%"), "n": ("",)}


def test_caption_note_fills_in_glued_values(monkeypatch):
    monkeypatch.setattr(reader, "GLUED", {"acc": "0.98312"})
    figures = {"fig = draw()": ("fig-x", 'Accuracy {eval}`glued("acc:.1%")` of {eval}`glued("n")` runs.')}
    note = reader.caption_note("\nfig = draw()\n", figures)
    assert note == "**Figure** `fig-x`: Accuracy 98.3% of [n: run the cells above first] runs."
    assert reader.caption_note("fig = other()", figures) == ""


def test_every_captioned_figure_of_the_book_is_found():
    figures = reader.figure_captions()
    labels = [label for label, _ in figures.values()]
    text = "".join(p.read_text() for p in reader.BOOK_DIR.glob("*.md"))
    assert len(labels) == len(set(labels)) > 30
    assert all(label.startswith("fig-") and f"name: {label}" in text for label in labels)


def _run(sources, build: bool):
    """Execute a small notebook in a fresh kernel from the repository root; each cell's outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    setup = f"import os; os.environ['SYMBOOK_BUILD'] = '{'1' if build else '0'}'"
    nb.cells.insert(0, nbformat.v4.new_code_cell(setup))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    return [c.outputs for c in nb.cells[1:]]


def _markdown(outputs):
    return [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]


def _plain(outputs):
    return [o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {})
            and not o.get("metadata", {}).get("scrapbook")]


@pytest.fixture(scope="module")
def a_figure():
    """The introduction's figure of twenty digits: its cell's source and its label."""
    label = "fig-intro-digits"
    source = next(s for s, (name, _) in reader.figure_captions().items() if name == label)
    return source, label


def test_a_reader_notebook_evaluates_glued_and_shows_captions(a_figure):
    source, label = a_figure
    outputs = _run(["from lib.reader import glue, glued",
                    "glue('acc', 0.98312, display=False)",
                    "glued('acc:.2%')",
                    "from lib.data import load_mnist\nfrom lib.plots import image_grid\n"
                    "(x_train, y_train), _ = load_mnist()",
                    source], build=False)
    # The value is glued for the build (myst-nb's record) and kept for the prose.
    assert any("application/papermill.record/text/plain" in o.get("data", {}) for o in outputs[1])
    assert _plain(outputs[2]) == ["98.31%"]
    assert [m.startswith(f"**Figure** `{label}`: ") for m in _markdown(outputs[4])] == [True]
    assert _markdown(outputs[3]) == []  # a cell without a captioned figure gets no note


def test_the_build_adds_no_caption(a_figure):
    source, label = a_figure
    outputs = _run(["from lib.data import load_mnist\nfrom lib.plots import image_grid\n"
                    "(x_train, y_train), _ = load_mnist()", source], build=True)
    assert _markdown(outputs[1]) == []


@pytest.mark.parametrize("page", sorted(p.stem for p in reader.BOOK_DIR.glob("*.md")))
def test_the_built_pages_paste_every_value(page):
    """In the build every glued(...) became its value, and no caption note repeats a caption."""
    path = HTML / f"{page}.html"
    if not path.is_file():
        pytest.skip("the book is not built")
    text = path.read_text()
    assert "glued(" not in text and "{eval}" not in text
    assert "<strong>Figure</strong> <code" not in text
