"""Fail the build if the playground page is in the site but the networks it runs are not.

``book/playground.md`` writes ``_extra/playground/models/`` (the exported networks) while it
executes. If the page's outputs come from the execution cache and that folder was deleted
since, the page would load without its networks; this extension turns that into a warning,
which fails a ``-W`` build, with the way out in the message.
"""

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

REQUIRED = ("playground-models.js", "reference.json", "ising-model.js", "ising-reference.json")


def _check(app, exception):
    if exception is not None or app.builder.format != "html" or "playground" not in app.env.found_docs:
        return
    folder = Path(app.outdir) / "playground" / "models"
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        logger.warning(
            "the playground's networks are missing from the site (%s): its page was taken from the "
            "execution cache after book/_extra/playground/models/ was deleted. Delete "
            "book/_build/.jupyter_cache and build again.", ", ".join(missing))


def setup(app):
    app.connect("build-finished", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
