"""Tests of lib.book: the one reader of book/_toc.yml (used by the Sphinx extension, the tests and
the benchmarks)."""

import sys
import types
from pathlib import Path

import pytest

from lib.book import chapter_numbers, chapters

ROOT = Path(__file__).resolve().parent.parent


def test_the_book_in_reading_order():
    assert chapters(ROOT / "book") == ["intro", "translation", "black_box", "rotation", "ising", "playground",
                                       "bibliography"]
    assert chapters(ROOT / "book", with_code=True) == ["intro", "translation", "black_box", "rotation", "ising",
                                                       "playground"]


def _book(tmp_path, toc, pages):
    (tmp_path / "_toc.yml").write_text(toc)
    for name, text in pages.items():
        (tmp_path / f"{name}.md").write_text(text)
    return tmp_path


def test_parts_flat_tables_and_pages_with_code(tmp_path):
    pages = {"home": "# Home", "b": "```{code-cell} ipython3\n1\n```", "a": "# A"}
    parts = _book(tmp_path, "root: home\nparts:\n  - chapters:\n      - file: b\n  - chapters:\n      - file: a\n",
                  pages)
    assert chapters(parts) == ["home", "b", "a"]
    assert chapters(parts, with_code=True) == ["b"]
    # Negative control: the order is the table's, not the alphabet's.
    (tmp_path / "_toc.yml").write_text("root: home\nchapters:\n  - file: a\n  - file: b\n")
    assert chapters(tmp_path) == ["home", "a", "b"]


def test_chapter_numbers_count_the_numbered_parts_only(tmp_path):
    assert chapter_numbers(ROOT / "book") == {"translation": 1, "black_box": 2, "rotation": 3, "ising": 4,
                                              "playground": 5}
    toc = ("root: home\nparts:\n  - numbered: true\n    chapters:\n      - file: a\n"
           "  - chapters:\n      - file: b\n  - numbered: true\n    chapters:\n      - file: c\n")
    assert chapter_numbers(_book(tmp_path, toc, {})) == {"a": 1, "c": 2}  # b's part is not numbered


def test_a_broken_table_of_contents_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no root"):
        chapters(_book(tmp_path, "chapters:\n  - file: a\n", {"a": ""}))
    with pytest.raises(ValueError, match="without a file"):
        chapters(_book(tmp_path, "root: a\nchapters:\n  - title: x\n", {"a": ""}))


def test_the_sphinx_extension_reads_the_translation_chapter_first():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import read_order
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))
    docnames = ["bibliography", "black_box", "intro", "ising", "playground", "rotation", "translation", "zzz"]
    read_order._reorder(types.SimpleNamespace(srcdir=str(ROOT / "book")), None, docnames)
    assert docnames == ["translation", "intro", "black_box", "rotation", "ising", "playground", "bibliography",
                        "zzz"]
