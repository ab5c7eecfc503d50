"""Build ONE chapter into HTML as a stand-alone book, with the same checks as the full build.

    python benchmarks/build_chapter.py translation      # -> /tmp/symbook-page-translation/_build/html

For writing a chapter without executing the others: the other chapters are replaced by
stubs that keep only their title (so links to them resolve); the config, bibliography and
extensions are the book's own. Runs `jupyter-book build --all -W -n --keep-going` and
prints the wall time; exits non-zero on any warning or cell error, like CI.
"""

import shutil
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def main(name: str) -> int:
    out = Path(f"/tmp/symbook-page-{name}")
    work = out / "book"
    work.mkdir(parents=True, exist_ok=True)
    for item in BOOK.iterdir():
        if item.name in ("_build",) or item.suffix == ".md":
            continue
        dest = work / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)
    for page in BOOK.glob("*.md"):
        text = page.read_text()
        if page.stem != name and "{code-cell}" in text:
            title = next(line for line in text.splitlines() if line.startswith("# "))
            text = f"{title}\n\n(Stub: this chapter is not built here.)\n"
        (work / page.name).write_text(text)
    # The repo root must be the parent of book/ for the lib hash: link what it reads.
    for extra in ("lib", "weights", "requirements.txt"):
        link = out / extra
        if (ROOT / extra).exists() and not link.exists():
            link.symlink_to(ROOT / extra)
    start = time.perf_counter()
    rc = subprocess.call(["jupyter-book", "build", "--all", "-W", "-n", "--keep-going", str(work)], cwd=ROOT)
    print(f"build of {name}: exit {rc}, {time.perf_counter() - start:.0f} s, html in {work}/_build/html/{name}.html")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
