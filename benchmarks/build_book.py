"""Time a clean build of the whole book and a cached rebuild, per chapter and in total.

    python benchmarks/build_book.py [--json benchmarks/results-build.json]

Clean: the execution cache (book/_build) is removed first, so every chapter executes, as on
CI's fresh clone, with the networks the book ships (weights/cache; nothing trains unless the
code changed). Cached: the same command again, which must only re-render. Per-chapter execution times are read from myst-nb's log
("Executed notebook in N seconds"). Peak memory per chapter: benchmarks/run_chapter.py.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from input_pipeline import cpu_name  # noqa: E402
COMMAND = ["jupyter-book", "build", "--all", "-W", "-n", "--keep-going", "book/"]


def build(env) -> tuple[float, dict, int]:
    start = time.perf_counter()
    proc = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    per_chapter, current = {}, None
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.search(r"book/(\w+)\.md: Executing notebook", line)
        if m:
            current = m.group(1)
        m = re.search(r"Executed notebook in ([\d.]+) seconds", line)
        if m and current:
            per_chapter[current] = float(m.group(1))
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
    return seconds, per_chapter, proc.returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("SYMBOOK_CACHE", "SYMBOOK_TRAIN")}
    shutil.rmtree(ROOT / "book" / "_build", ignore_errors=True)
    clean_s, clean_chapters, rc1 = build(env)
    cached_s, _, rc2 = build(env)
    machine = f"{cpu_name()}, Python {platform.python_version()}"
    print(f"clean build: {clean_s:.0f} s (exit {rc1})")
    for name, s in clean_chapters.items():
        print(f"  {name:<14} executed in {s:.0f} s")
    print(f"cached rebuild: {cached_s:.0f} s (exit {rc2})")
    print(f"machine: {machine}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "cpu": machine, "clean_build_s": round(clean_s, 1), "cached_rebuild_s": round(cached_s, 1),
            "chapter_execution_s": clean_chapters, "exit_codes": [rc1, rc2]}, indent=2))
    return rc1 or rc2


if __name__ == "__main__":
    sys.exit(main())
