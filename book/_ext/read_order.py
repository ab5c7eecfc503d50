"""Execute the chapters in a fixed order: the chapter that trains the shared networks first.

Sphinx reads (and myst-nb executes) documents in alphabetical order. The introduction and the
chapter *Opening the black box* show networks that the chapter *Translation* trains; the
training cache (``.cache/train``) makes the second use of a network free, so that chapter runs
first and the others find its networks cached. The remaining pages follow in the order of
``_toc.yml``. Only the order changes; every page still executes in its own kernel.
"""

from pathlib import Path

from lib.book import chapters

#: Pages read before all others, in this order.
READ_FIRST = ["translation"]


def _reorder(app, env, docnames):
    order = READ_FIRST + [d for d in chapters(Path(app.srcdir)) if d not in READ_FIRST]
    rank = {name: i for i, name in enumerate(order)}
    docnames.sort(key=lambda d: (rank.get(d, len(rank)), d))


def setup(app):
    app.connect("env-before-read-docs", _reorder)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
