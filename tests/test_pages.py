"""The chapters as a reader sees them: code that fits its box, words about the subject only."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "book").glob("*.md"))

#: Width of the code box, in characters.
CODE_WIDTH = 79

#: Phrases about how or where the book is made; they belong in the README, not in a page.
BUILD_TALK = [
    "build machine", "time budget", "memory budget", "while the book builds", "when the book builds",
    "when this chapter was planned", "to fit the", "cpu cores", "two cpu", "ci machine", "build's time",
    "1.5 gb", "stays within", "the build", "budget of this page",
]


#: A cell the page hides holds bookkeeping: at most this many lines of code; more belongs in
#: a tested function of lib/ (a reader who opens the chapter as a notebook sees every cell).
HIDDEN_CELL_LINES = 10
HIDDEN_TAGS = ("remove-cell", "remove-input", "hide-input")
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", flags=re.S)


def code_cells(text):
    """(first line number, lines) of every code cell, without its YAML/option header."""
    cells = []
    for match in CELL.finditer(text):
        body = match.group(1).split("\n")
        start = text[:match.start(1)].count("\n") + 1
        if body and body[0] == "---":  # a YAML header
            end = body.index("---", 1)
            start, body = start + end + 1, body[end + 1:]
        while body and body[0].startswith(":"):  # short options such as :tags:
            start, body = start + 1, body[1:]
        cells.append((start, body))
    return cells


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_code_fits_the_code_box(page):
    # Hidden cells too: a reader who opens the chapter as a notebook (Binder) sees them.
    text = page.read_text()
    too_wide = [f"{page.name}:{start + i}: {len(line)} characters"
                for start, lines in code_cells(text) for i, line in enumerate(lines)
                if len(line) > CODE_WIDTH]
    assert not too_wide, "code lines wider than the code box:\n" + "\n".join(too_wide)


def hidden_cells(text):
    """(first line number, number of non-blank code lines) of every cell the page hides."""
    out = []
    for match, (start, lines) in zip(CELL.finditer(text), code_cells(text)):
        header = match.group(1).split("\n")[:-len(lines) or None]
        if any(tag in line for line in header for tag in HIDDEN_TAGS):
            out.append((start, sum(1 for line in lines if line.strip())))
    return out


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_hidden_cells_are_short(page):
    long = [f"{page.name}:{start}: {n} lines" for start, n in hidden_cells(page.read_text())
            if n > HIDDEN_CELL_LINES]
    assert not long, f"hidden cells longer than {HIDDEN_CELL_LINES} lines (move them into lib/):\n" + "\n".join(long)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_pages_speak_of_the_subject_only(page):
    text = page.read_text().lower()
    found = [phrase for phrase in BUILD_TALK if phrase in text]
    assert not found, f"{page.name} talks about how the book is built: {found}"


def test_the_checks_catch_what_they_should():
    sample = "```{code-cell} ipython3\n" + "x = 1  # " + "y" * 80 + "\n```\n"
    assert any(len(line) > CODE_WIDTH for _, lines in code_cells(sample) for line in lines)
    hidden = "```{code-cell} ipython3\n:tags: [remove-cell]\n" + "x = 1\n" * 11 + "```\n"
    assert hidden_cells(hidden) == [(3, 11)]  # counted, and over the limit
    assert hidden_cells(hidden.replace(":tags: [remove-cell]\n", "")) == []  # shown: not counted
    page = "The network trains within the time budget of the build machine."
    assert {"build machine", "time budget"} <= {p for p in BUILD_TALK if p in page.lower()}
