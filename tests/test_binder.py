"""What a reader gets on Binder: the environment in binder/, and where the launch buttons point.

repo2docker (mybinder.org) reads only ``binder/`` when it exists. ``binder/requirements.txt`` holds
what running the chapters needs, with the same pins as ``requirements.txt`` for what they share;
the launch and repository buttons are derived from one setting, ``repository.url`` in
``book/_config.yml``, which the README tells a fork to change.
"""

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
import yaml
from myst_nb.core.read import read_myst_markdown_notebook
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lib.book import chapters

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CONFIG = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())

#: Needed to build and check the book, not to read it: never installed on Binder.
BUILD_AND_TEST_ONLY = {"jupyter-book", "pytest", "linkchecker", "playwright", "axe-playwright-python",
                       "sphinx-book-theme", "pydata-sphinx-theme", "sphinx-exercise", "sphinx-proof",
                       "sphinxcontrib-bibtex"}

#: Needed to read the chapters in JupyterLab, not to build or test the book: only in binder/.
READER_ONLY = {"jupyterlab-myst"}


def pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a requirements file; every line but ``-e .`` must be pinned."""
    result = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line == "-e .":
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"{path.relative_to(ROOT)}: {line!r} is not pinned to an exact version"
        result[canonicalize_name(name)] = version.strip()
    return result


def test_binder_pins_agree_with_requirements():
    book, binder = pins(ROOT / "requirements.txt"), pins(BINDER / "requirements.txt")
    differ = {n: (binder[n], book[n]) for n in binder if n in book and binder[n] != book[n]}
    assert not differ, f"binder/requirements.txt and requirements.txt pin different versions (binder, book): {differ}"
    missing = set(binder) - set(book) - READER_ONLY
    assert not missing, f"binder/requirements.txt has packages requirements.txt does not pin: {sorted(missing)}"
    extra = set(binder) & BUILD_AND_TEST_ONLY
    assert not extra, f"binder/requirements.txt installs what only the build and the tests need: {sorted(extra)}"
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert "-e ." in lines, "binder/requirements.txt must install the book's library (`-e .`)"


def test_binder_runtime_and_post_build():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert "jupytext-config set-default-viewer" in post_build.read_text()
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"


def _requirement_closure(names):
    """Distributions installed here that ``names`` pull in, themselves included."""
    seen, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for spec in requires:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def _imported_modules():
    """Top-level modules imported by the chapters' code cells and by lib/."""
    sources = [(p, "\n".join(c.source for c in jupytext.read(ROOT / "book" / f"{p}.md").cells
                             if c.cell_type == "code" and not c.source.lstrip().startswith(("%", "!"))))
               for p in chapters(ROOT / "book", with_code=True)]
    sources += [(str(f.relative_to(ROOT)), f.read_text()) for f in sorted((ROOT / "lib").rglob("*.py"))]
    modules = {}
    for where, text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], where)
    return modules


def test_binder_installs_everything_the_chapters_import():
    provided = _requirement_closure(pins(BINDER / "requirements.txt"))
    by_module = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(_imported_modules().items()):
        if module in sys.stdlib_module_names or module in ("lib", "__future__"):
            continue
        dists = {canonicalize_name(d) for d in by_module.get(module, [])}
        assert dists, f"{where} imports {module}, which is not installed here"
        if not dists & provided:
            missing.append(f"{module} (from {where}; distribution {sorted(dists)})")
    assert not missing, f"binder/requirements.txt does not install: {missing}"


@pytest.mark.parametrize("page", chapters(ROOT / "book", with_code=True))
def test_binder_notebook_is_the_book_chapter(page):
    """Binder opens the .md through jupytext; the build reads it through myst-nb: same code."""
    text = (ROOT / "book" / f"{page}.md").read_text()
    by_jupytext = [c.source.strip() for c in jupytext.reads(text, fmt="md:myst").cells if c.cell_type == "code"]
    by_myst_nb = [c.source.strip() for c in read_myst_markdown_notebook(text).cells if c.cell_type == "code"]
    assert by_jupytext == by_myst_nb


def test_repository_url_is_set_in_one_place_and_readme_says_how_to_change_it():
    repo = CONFIG["repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", repo["url"])
    assert match, f"repository.url in book/_config.yml is not a GitHub repository URL: {repo['url']!r}"
    assert repo["path_to_book"] == "book" and repo["branch"]
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["notebook_interface"] == "jupyterlab"
    assert CONFIG["html"]["use_repository_button"]
    # One place: no other tracked file spells out the repository (the buttons are derived from it).
    owner_repo = f"{match.group(1)}/{match.group(2)}"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    others = [f for f in tracked if f != "book/_config.yml" and not f.startswith("book/_static/")
              and (ROOT / f).is_file() and owner_repo in (ROOT / f).read_text(errors="ignore")]
    assert not others, f"the repository {owner_repo} is also written in {others}: derive it from book/_config.yml"
    readme = (ROOT / "README.md").read_text()
    assert "repository.url" in readme and "book/_config.yml" in readme, \
        "the README must say how to point the launch buttons at a fork (repository.url in book/_config.yml)"
