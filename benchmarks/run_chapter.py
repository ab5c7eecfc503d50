"""Execute chapters alone, as a reader on Binder would, and report wall time and peak memory.

    python benchmarks/run_chapter.py                 # every chapter in book/_toc.yml
    python benchmarks/run_chapter.py translation     # one chapter (file name without .md)
    python benchmarks/run_chapter.py --one-core --no-train-cache   # as a reader on Binder

Each chapter runs top to bottom in a fresh kernel (nbclient), from the repository root, with
no execution cache, loading the networks the book ships (unless --no-train-cache: then every
network trains, into an empty cache). The
notebook is the one Binder opens: the chapter's .md read by jupytext. The peak memory is the
kernel's maximum resident set size (getrusage of the waited-for child), which is what mybinder's
2 GB limit applies to. A cell error or any stderr output fails the run.

--one-core pins the chapter's process and its kernel to one CPU with ``taskset -c CPU`` (CPU 0
unless --cpu says otherwise), like a Binder session with one core: TensorFlow and oneDNN size their thread
pools from the CPU affinity. --max-seconds and --max-mib turn a time or memory budget into a
failure. Prints one line per chapter and, with --json FILE, writes the figures there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def chapters_in_toc() -> list[str]:
    from lib.book import chapters

    return chapters(BOOK, with_code=True)


def run_chapter(name: str, timeout: int | None = 1800, save: Path | None = None) -> dict:
    """Execute book/NAME.md in a fresh kernel; return seconds, peak kernel RSS (MiB), problems.

    With ``save`` (a folder), the executed notebook is written there as ``NAME.ipynb``.

    Call it once per process: ``ru_maxrss`` of the children is the largest over every child
    this process has waited for, so :func:`main` runs each chapter in a process of its own.
    """
    nb = jupytext.read(BOOK / f"{name}.md")  # what Binder opens (jupytext is its default viewer)
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(BOOK)}})
    client.execute()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if save is not None:
        Path(save).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(save) / f"{name}.ipynb")
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr"):
                text = out.get("text") or out.get("evalue", "")
                problems.append(f"cell {i}: {out.get('name', 'error')}: {str(text)[:300]}")
    return {"chapter": name, "seconds": round(seconds, 1), "peak_rss_mib": round(peak_kib / 1024),
            "cpus": len(os.sched_getaffinity(0)), "problems": problems}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter file names (default: all in _toc.yml)")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--save", help="write each executed notebook to this folder as NAME.ipynb")
    parser.add_argument("--single", help=argparse.SUPPRESS)  # internal: one chapter, JSON to stdout
    parser.add_argument("--no-train-cache", action="store_true",
                        help="train and sample from scratch (fresh SYMBOOK_CACHE and SYMBOOK_SAMPLES)")
    parser.add_argument("--one-core", action="store_true",
                        help="run each chapter and its kernel on one CPU only (taskset -c CPU)")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU for --one-core (default 0)")
    parser.add_argument("--max-seconds", type=float, help="fail a chapter that takes longer than this")
    parser.add_argument("--max-mib", type=float, help="fail a chapter whose kernel peaks above this many MiB")
    args = parser.parse_args(argv)
    if args.no_train_cache:
        os.environ["SYMBOOK_CACHE"] = tempfile.mkdtemp(prefix="symbook-cache-")
        os.environ["SYMBOOK_SAMPLES"] = tempfile.mkdtemp(prefix="symbook-samples-")
    if args.single:
        print(json.dumps(run_chapter(args.single, save=args.save)))
        return 0
    names = args.chapters or chapters_in_toc()
    prefix = []
    if args.one_core:
        if shutil.which("taskset") is None:
            sys.exit("--one-core needs taskset (util-linux)")
        prefix = ["taskset", "-c", str(args.cpu)]
    results = []
    for name in names:
        save = ["--save", str(Path(args.save).resolve())] if args.save else []
        proc = subprocess.run(prefix + [sys.executable, __file__, "--single", name] + save,
                              capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"{name}: execution failed\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if args.max_seconds is not None and r["seconds"] > args.max_seconds:
            r["problems"].append(f"took {r['seconds']} s, over the budget of {args.max_seconds:g} s")
        if args.max_mib is not None and r["peak_rss_mib"] > args.max_mib:
            r["problems"].append(f"peaked at {r['peak_rss_mib']} MiB, over the budget of {args.max_mib:g} MiB")
        results.append(r)
        print(f"{name:<14} {r['seconds']:8.1f} s   peak kernel memory {r['peak_rss_mib']:6.0f} MiB"
              f"   on {r['cpus']} CPU{'s' if r['cpus'] > 1 else ''}"
              + (f"   PROBLEMS: {r['problems']}" if r["problems"] else ""), flush=True)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from input_pipeline import cpu_name

    machine = (cpu_name() + (f" (chapters pinned to CPU {args.cpu})" if args.one_core else "")
               + f", Python {platform.python_version()}")
    print(f"machine: {machine}")
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu": machine, "one_core": args.one_core,
                                               "chapters": results}, indent=2))
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
