"""Valid ARIA roles for the bibliography (WCAG 2.1 A, checked by axe-core in tests/test_site.py).

docutils 0.21 writes the entries of a bibliography as ``<div role="list" class="citation-list">``
holding ``<div class="citation" role="doc-biblioentry">``. WAI-ARIA 1.2 deprecates the
``doc-biblioentry`` role, so assistive technology (and axe-core: rule aria-required-children,
critical) sees a list whose children are not list items. This translator writes each entry as a
``listitem`` instead; the markup is otherwise docutils' own, and the theme adds its own layer on
top (pydata-sphinx-theme mixes its translator into the one registered here).
"""

from sphinx.writers.html5 import HTML5Translator


class AccessibleHTML5Translator(HTML5Translator):
    def visit_citation(self, node):
        if not isinstance(node.previous_sibling(), type(node)):
            self.body.append('<div role="list" class="citation-list">\n')
        self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def setup(app):
    app.set_translator("html", AccessibleHTML5Translator)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
