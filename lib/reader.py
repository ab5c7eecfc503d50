"""Glued numbers in the prose, in the built page and in a reader's notebook alike.

A chapter writes a number that its cells compute into a sentence as
``{eval}`glued("cnn-acc:.2%")` ``: the key a cell passed to :func:`glue`, and optionally a
format. The book's build pastes the glued value there (``book/_ext/glued_values.py``, as
myst-nb's ``{glue:text}`` role does). A chapter opened as a notebook (Binder or JupyterHub:
jupytext reads the ``.md``, jupyterlab-myst renders it) evaluates the same expression in the
kernel once the cells above have run: :func:`glued` returns the value, formatted, and the
sentence reads "99.39%" there too.

A figure's caption lives in its cell's metadata, which JupyterLab does not show; so, outside
the build, a cell that draws a captioned figure ends with its number, label and caption
(``**Fig. 1.4** (`fig-...`): ...``): the number the page gives it, and the label that the
text's cross-references show in JupyterLab.

TensorFlow-free; needs myst-nb (for ``glue``) and jupytext (to read the chapters as Binder does).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

BOOK_DIR = Path(__file__).resolve().parent.parent / "book"

#: ``{eval}`glued("key")` `` or ``{eval}`glued("key:format")` `` in the prose (single quotes
#: inside a caption that YAML double-quotes).
GLUED_ROLE = re.compile(r"""\{eval\}`glued\((["'])([^"']+)\1\)`""")

#: ``{key: text/plain}`` of every value glued in this kernel, in the order glued.
GLUED: dict[str, str] = {}


def in_book_build() -> bool:
    """True while the book's build executes the chapter (``SYMBOOK_BUILD=1``)."""
    return os.environ.get("SYMBOOK_BUILD") == "1"


def split_reference(target: str) -> tuple[str, str]:
    """``"cnn-acc:.2%"`` -> ``("cnn-acc", ".2%")``; ``"cnn-epochs"`` -> ``("cnn-epochs", "")``.

    Splits at the last colon, as myst-nb's ``glue:text`` role does.
    """
    key, sep, spec = target.rpartition(":")
    return (key, spec) if sep else (target, "")


def formatted(text_plain: str, spec: str) -> str:
    """The value as the built page writes it: myst-nb's own formatting of its ``text/plain``."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text_plain, spec)


class Text(str):
    """A string that a notebook shows without quotes (its ``repr`` is itself)."""

    def __repr__(self):
        return str(self)


def glued(target: str) -> Text:
    """The value glued as ``key`` in this kernel, formatted as ``target = "key:format"`` says.

    What the prose's ``{eval}`glued("key:format")` `` shows in JupyterLab. A key not glued yet
    (its cell has not run) gives a reminder in its place, not an error in the middle of a
    sentence.
    """
    key, spec = split_reference(target)
    if key not in GLUED:
        return Text(f"[{target}: run the cells above first]")
    return Text(formatted(GLUED[key], spec))


def glued_references(book_dir: Path = BOOK_DIR) -> dict[str, tuple[str, ...]]:
    """``{key: formats}`` of every ``glued(...)`` in the prose of the book's chapters.

    A key the text writes without a format has the format ``""``. Formats in order of first use.
    """
    refs: dict[str, list[str]] = {}
    for page in sorted(Path(book_dir).glob("*.md")):
        for _, target in GLUED_ROLE.findall(page.read_text()):
            key, spec = split_reference(target)
            specs = refs.setdefault(key, [])
            if spec not in specs:
                specs.append(spec)
    return {key: tuple(specs) for key, specs in refs.items()}


@lru_cache(maxsize=4)
def figure_captions(book_dir: Path = BOOK_DIR) -> dict[str, tuple[str, str, str]]:
    """``{code cell source: (figure number, label, caption)}`` of the chapters' captioned figures.

    The number is the built page's ("3.2": the second figure of chapter 3; "2" on the
    unnumbered first page). The source is stripped of surrounding blank lines, as a kernel
    receives it. Read with jupytext, as Binder opens the chapters.
    """
    import jupytext

    from lib.book import chapter_numbers

    numbers = chapter_numbers(book_dir)
    figures = {}
    for page in sorted(Path(book_dir).glob("*.md")):
        if "{code-cell}" not in page.read_text():
            continue
        count = 0
        for cell in jupytext.read(page).cells:
            figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
            if figure and figure.get("caption"):
                count += 1
                number = f"{numbers[page.stem]}.{count}" if page.stem in numbers else f"{count}"
                figures[cell.source.strip()] = (number, figure.get("name", ""),
                                                " ".join(figure["caption"].split()))
    return figures


def with_values(caption: str) -> str:
    """``caption`` with each ``glued(...)`` replaced by its value (a reminder if not glued yet)."""
    return GLUED_ROLE.sub(lambda match: glued(match.group(2)), caption)


def caption_note(source: str, figures: dict[str, tuple[str, str, str]]) -> str:
    """``**Fig. 1.4** (`label`): caption`` if the cell ``source`` draws a captioned figure, else ``""``.

    The label is what the text's cross-references to the figure show in JupyterLab.
    """
    if source.strip() not in figures:
        return ""
    number, label, caption = figures[source.strip()]
    return f"**Fig. {number}** (`{label}`): {with_values(caption)}"


def _after_cell(result):
    """After a cell: its figure's caption, where it draws a captioned figure."""
    from IPython.display import Markdown, display

    source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
    note = caption_note(source, figure_captions())
    if note:
        display(Markdown(note))


_started = False


def _show_captions():
    """Register :func:`_after_cell`, once, in an IPython kernel outside the build."""
    global _started
    if _started or in_book_build():
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    shell.events.register("post_run_cell", _after_cell)
    _started = True


def _text_plain(value) -> str:
    """``text/plain`` of ``value`` as the notebook (and so myst-nb's glue) writes it."""
    from IPython import get_ipython

    shell = get_ipython()
    return repr(value) if shell is None else shell.display_formatter.format(value)[0]["text/plain"]


def glue(name: str, value, display: bool = False):
    """``myst_nb.glue``, and the value kept for :func:`glued` (the reader's notebook).

    ``name``: the key of the prose's ``glued("name:format")``. ``display`` as in myst-nb.
    """
    from myst_nb import glue as myst_glue

    myst_glue(name, value, display=display)
    GLUED[name] = _text_plain(value)


if not in_book_build():  # a reader's notebook: captions below figures from the first cell on
    _show_captions()


def glue_all(values: dict) -> None:
    """:func:`glue` every ``{name: value}`` of a chapter's findings, none displayed."""
    for name, value in values.items():
        glue(name, value, display=False)


def claim(holds: bool, prose: str, numbers=None) -> None:
    """Check a sentence of the page against its numbers: raise :class:`AssertionError` quoting
    ``prose`` (and showing ``numbers``) unless ``holds``. A findings function calls it for each
    comparison its page states, so that a page whose numbers change cannot keep a false sentence."""
    if not holds:
        shown = "its numbers do not" if numbers is None else f"the numbers are {numbers}"
        raise AssertionError(f'the page says "{prose}", but {shown}')
