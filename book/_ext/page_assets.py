"""Each script once on every page, and a colour mode the theme accepts (no console errors).

Three things the browser console reported on every page (checked in tests/test_site.py):

- Jupyter Book 1.x with Sphinx 7.4 writes the inline scripts that extensions add after the
  builder starts (sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector)
  twice into each page; the second ``const`` is a SyntaxError ("Identifier 'THEBE_JS_URL' has
  already been declared"). We keep the first copy of each script.
- Jupyter Book adds every ``.js`` file under ``_static`` to every page, so the MathJax shipped in
  ``_static/mathjax`` (Sphinx loads it through ``mathjax_path``) was loaded a second time and
  failed ("Cannot set property Package ... which has only a getter"). We drop that extra entry.
- pydata-sphinx-theme's layout starts from ``localStorage`` or a ``default_mode`` that nothing
  sets ("Got invalid theme mode"). ``auto`` follows the reader's system setting, which is
  what the theme then falls back to anyway.
"""


def _script_key(script):
    """What makes two script entries the same script: its file, or its inline body."""
    # The same inline script arrives once with filename None and once with "".
    return (script.filename or "", script.attributes.get("body", ""))


def _one_of_each(app, pagename, templatename, context, doctree):
    context["default_mode"] = "auto"  # the layout reads it; no theme option sets it
    scripts, seen = context.get("script_files"), set()
    if scripts is None:
        return
    kept = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def _no_second_mathjax(app, config):
    mathjax = config.mathjax_path
    config.html_js_files = [
        entry for entry in config.html_js_files
        if (entry[0] if isinstance(entry, tuple) else entry) != mathjax
    ]


def setup(app):
    app.connect("config-inited", _no_second_mathjax)
    app.connect("html-page-context", _one_of_each)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
