"""The repository's promises to readers: Binder set-up, chapter front matter, launch buttons."""

from pathlib import Path

import yaml

from lib.book import chapters

ROOT = Path(__file__).resolve().parent.parent


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line != "-e .":
            assert "==" in line, f"requirements.txt: {line!r} is not pinned to an exact version"


def test_chapters_have_front_matter_and_launch_buttons():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["repository"]["path_to_book"] == "book"
    for page in chapters(ROOT / "book"):
        text = (ROOT / "book" / f"{page}.md").read_text()
        if "{code-cell}" in text:
            # Without the kernelspec, the chapter is not executed and the theme crashes.
            assert text.startswith("---\njupytext:") and "kernelspec:" in text.split("---")[1], page
            first_cell = text.split("```{code-cell}")[1]
            for raw in ("import keras", "import tensorflow", "from keras", "from tensorflow"):
                if raw in first_cell:  # TensorFlow's C++ start-up notes must be silenced first
                    assert "import lib.train" in first_cell.split(raw)[0], \
                        f"{page}: `import lib.train` must come before `{raw}` (quiet TensorFlow start-up)"


def test_nothing_trains_or_computes_in_bfloat16():
    """bfloat16 crashes on AVX2-only CPUs and crawls without oneDNN: the book is float32 only."""
    files = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "lib").rglob("*.py"))
    offenders = [f.name for f in files if "bfloat16" in f.read_text()]
    assert not offenders, f"bfloat16 appears in {offenders}"


#: A module of lib/ does one job; past this many lines it is doing two.
MODULE_LINES = 550
#: Modules allowed to be longer, and why.
LONG_MODULES = {
    # The samplers, their statistics and the data set they make are one chain of code, and the
    # code of that chain is part of the key of every shipped Monte Carlo sample: moving a
    # function to another module re-keys (and regenerates) every sample of chapter 4.
    "ising.py": 700,
}


def module_lines(folder=ROOT / "lib") -> dict:
    """``{path relative to folder: number of lines}`` of every Python module under ``folder``."""
    return {str(p.relative_to(folder)): len(p.read_text().splitlines()) for p in sorted(folder.rglob("*.py"))}


def test_modules_do_one_job(tmp_path):
    too_long = {name: n for name, n in module_lines().items() if n > LONG_MODULES.get(name, MODULE_LINES)}
    assert not too_long, f"modules of lib/ over {MODULE_LINES} lines (split them by job): {too_long}"
    # Negative control: a long module is found.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "long.py").write_text("x = 1\n" * (MODULE_LINES + 1))
    assert module_lines(tmp_path) == {"sub/long.py": MODULE_LINES + 1}


def test_every_package_of_lib_is_installed():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "lib").rglob("__init__.py")}
    assert found == listed, f"pyproject.toml's packages {sorted(listed)} are not lib's packages {sorted(found)}"
    assert "lib.plots" in found  # the check sees subpackages
