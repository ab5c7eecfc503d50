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


def test_glue_all_glues_every_finding(monkeypatch):
    monkeypatch.setattr(reader, "GLUED", {})
    reader.glue_all({"acc": 0.98312, "trend": "had levelled off"})
    assert reader.glued("acc:.2%") == "98.31%" and reader.glued("trend") == "had levelled off"
    # Negative control: nothing else was glued.
    assert reader.glued("n").startswith("[n: run")


def test_claim_quotes_the_sentence_the_numbers_contradict():
    reader.claim(0.99 > 0.98, "the CNN is ahead")  # holds: nothing happens
    with pytest.raises(AssertionError, match='the page says "the CNN is ahead", but the numbers are'):
        reader.claim(0.97 > 0.98, "the CNN is ahead", (0.97, 0.98))
    with pytest.raises(AssertionError, match="its numbers do not"):
        reader.claim(False, "the CNN is ahead")


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
    figures = {"fig = draw()": ("3.2", "fig-x", 'Accuracy {eval}`glued("acc:.1%")` of {eval}`glued("n")` runs.')}
    note = reader.caption_note("\nfig = draw()\n", figures)
    assert note == "**Fig. 3.2** (`fig-x`): Accuracy 98.3% of [n: run the cells above first] runs."
    assert reader.caption_note("fig = other()", figures) == ""


def test_every_captioned_figure_of_the_book_is_found():
    figures = reader.figure_captions()
    labels = [label for _, label, _ in figures.values()]
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
    source = next(s for s, (_, name, _) in reader.figure_captions().items() if name == label)
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
    assert [m.startswith(f"**Fig. 2** (`{label}`): ") for m in _markdown(outputs[4])] == [True]
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
    assert not re.search(r"<strong>Fig\. [0-9.]+</strong> \(<code", text)


def test_figure_numbers_are_the_built_pages():
    """The note's "Fig. 1.4" is the number the page gives the figure (its caption in the HTML)."""
    if not (HTML / "translation.html").is_file():
        pytest.skip("the book is not built")
    built = {}
    for page in HTML.glob("*.html"):
        text = page.read_text()
        for match in re.finditer(r'id="(fig-[a-z0-9-]+)"', text):
            number = re.search(r'caption-number">Fig\. ([0-9.]+)', text[match.end():])
            built[match.group(1)] = number.group(1) if number else None
    ours = {label: number for number, label, _ in reader.figure_captions().values()}
    assert ours and all(built.get(label) == number for label, number in ours.items()), \
        {label: (number, built.get(label)) for label, number in ours.items() if built.get(label) != number}


def uncollapsed(pages) -> list[str]:
    """Code cells the page hides (remove-cell, remove-input, hide-input) that JupyterLab would
    show open: without ``jupyter.source_hidden`` in their metadata."""
    import jupytext

    hidden_tags = {"remove-cell", "remove-input", "hide-input"}
    found = []
    for page in pages:
        for i, cell in enumerate(jupytext.read(page).cells):
            if cell.cell_type == "code" and hidden_tags & set(cell.metadata.get("tags", [])) \
                    and not cell.metadata.get("jupyter", {}).get("source_hidden"):
                found.append(f"{page.name} cell {i}")
    return found


def test_bookkeeping_cells_are_collapsed_in_jupyterlab(tmp_path):
    """A reader on Binder reads prose, not glue calls: what the page hides shows collapsed."""
    pages = [p for p in sorted(reader.BOOK_DIR.glob("*.md")) if "{code-cell}" in p.read_text()]
    assert not uncollapsed(pages), "add ':jupyter: {source_hidden: true}' to these cells"
    # Negative control: a hidden cell without the setting is found.
    page = tmp_path / "page.md"
    page.write_text(pages[0].read_text().replace(":jupyter: {source_hidden: true}\n", "", 1))
    assert len(uncollapsed([page])) == 1
