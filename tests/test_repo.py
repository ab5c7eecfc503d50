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
    files = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "lib").glob("*.py"))
    offenders = [f.name for f in files if "bfloat16" in f.read_text()]
    assert not offenders, f"bfloat16 appears in {offenders}"
