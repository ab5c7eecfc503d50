"""The book's table of contents (``book/_toc.yml``), read in one place.

The Sphinx extension that orders execution (``book/_ext/read_order.py``), the tests of the
pages, the site and Binder, and the chapter benchmarks all need the pages of the book in
reading order; :func:`chapters` is the one reader of ``_toc.yml``. NumPy-free and
TensorFlow-free: it needs PyYAML only (installed with Jupyter Book).
"""

from __future__ import annotations

from pathlib import Path


def chapters(book_dir, with_code: bool = False) -> list[str]:
    """The page names of ``book_dir/_toc.yml`` (file names without ``.md``), in reading order.

    The root page first, then the chapters of every part in order (a table of contents
    without parts lists its chapters directly). With ``with_code=True`` only the pages with
    at least one ``{code-cell}`` (those that execute) are returned.

    Raises
    ------
    ValueError
        If the table of contents has no ``root`` or a chapter without a ``file``.
    """
    import yaml

    book_dir = Path(book_dir)
    toc = yaml.safe_load((book_dir / "_toc.yml").read_text())
    if not isinstance(toc, dict) or not toc.get("root"):
        raise ValueError(f"{book_dir / '_toc.yml'} has no root page")
    names = [toc["root"]]
    for part in toc.get("parts", [toc]):
        for chapter in part.get("chapters", []):
            if "file" not in chapter:
                raise ValueError(f"{book_dir / '_toc.yml'}: a chapter without a file: {chapter!r}")
            names.append(chapter["file"])
    if with_code:
        names = [n for n in names if "{code-cell}" in (book_dir / f"{n}.md").read_text()]
    return names


def chapter_numbers(book_dir) -> dict[str, int]:
    """``{page: number}`` of the chapters in the numbered parts of ``book_dir/_toc.yml``.

    Numbered 1, 2, ... in reading order across the numbered parts, as Jupyter Book numbers
    them (figures of chapter 3 are "Fig. 3.1", ...). The root page and the chapters of
    unnumbered parts are absent.
    """
    import yaml

    toc = yaml.safe_load((Path(book_dir) / "_toc.yml").read_text())
    numbered = [c["file"] for part in toc.get("parts", []) if part.get("numbered")
                for c in part.get("chapters", [])]
    return {name: i for i, name in enumerate(numbered, start=1)}
