"""The chapters' ``{eval}`glued("key:format")` `` role: in the built page, the glued value.

A chapter writes a computed number into its prose as ``{eval}`glued("cnn-acc:.2%")` ``. In
JupyterLab (Binder, JupyterHub), jupyterlab-myst evaluates that expression in the kernel once
the cells above have run, and the sentence reads "99.39%" (``lib.reader.glued``). In the build
this role takes the place of myst-nb's ``eval`` (which needs a live kernel) and does what
myst-nb's ``{glue:text}`cnn-acc:.2%` `` does: it pastes the value the chapter's cells glued,
formatted. Any other expression is a warning, so the build (``-W``) fails on it.
"""

import re

from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.core.variables import create_warning

#: The only expression the book's prose evaluates: ``glued("key")`` or ``glued("key:format")``
#: (or with single quotes, inside a caption that YAML double-quotes).
GLUED = re.compile(r"""glued\((["'])([^"']+)\1\)""")


def glue_target(expression: str):
    """``'glued("cnn-acc:.2%")'`` -> ``"cnn-acc:.2%"``; None for any other expression."""
    match = GLUED.fullmatch(expression.strip())
    return match.group(2) if match else None


class GluedValueRole(PasteTextRole):
    """``{eval}`glued("key:format")` `` pasted as ``{glue:text}`key:format` `` would be."""

    def run(self):
        target = glue_target(self.text)
        if target is None:
            return [], [create_warning(
                f"{{eval}}`{self.text}`: the book's prose evaluates only glued(\"key:format\"), "
                "with a key a cell glued (from lib.reader import glue, glued)",
                self.document, self.line, subtype="eval")]
        self.text = target
        return super().run()


def _register(app):
    # After every extension's setup: myst-nb registers its own ``eval`` role there.
    app.add_role("eval", GluedValueRole(), override=True)


def setup(app):
    app.connect("builder-inited", _register)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
