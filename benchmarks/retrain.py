"""Train every network the book uses from scratch, chapter by chapter, and report the cost.

    python benchmarks/retrain.py                       # into an empty, temporary cache
    python benchmarks/retrain.py --into weights/cache  # regenerate the shipped networks
    python benchmarks/retrain.py --json docs/retrain.json

Each chapter of ``book/_toc.yml`` runs top to bottom in a fresh kernel (as
``benchmarks/run_chapter.py`` runs it, with no time limit per cell) with ``SYMBOOK_CACHE``
pointing at the emptied target folder, so every network is trained; a network two chapters
share is trained by the first and loaded by the second, as in a clean build.
Prints, per chapter, the wall time and the kernel's peak memory, and the CPU that measured them
(with or without AVX-512: the two kinds of machine differ by a factor of about two here).
With ``--into weights/cache`` the old entries are removed first, so what ships is exactly what
the book uses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from input_pipeline import cpu_name  # noqa: E402
from run_chapter import chapters_in_toc, run_chapter  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter file names (default: all in _toc.yml)")
    parser.add_argument("--into", type=Path, help="the cache folder to fill (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--single", help=argparse.SUPPRESS)  # internal: one chapter, JSON to stdout
    args = parser.parse_args(argv)
    if args.single:
        print(json.dumps(run_chapter(args.single, timeout=None)))
        return 0
    target = args.into.resolve() if args.into else Path(tempfile.mkdtemp(prefix="symbook-retrain-"))
    # Generated data (Monte Carlo samples) is made anew as well: beside weights/cache/ in
    # weights/samples/ when regenerating what ships, else in a folder of the target.
    samples = target.with_name("samples") if args.into and target.name == "cache" else target / "samples"
    if not args.chapters:  # from scratch: what the target holds afterwards is what the book uses
        for old in list(target.glob("*.weights.h5")) + list(target.glob("*.json")) + list(samples.glob("*.npz")):
            old.unlink()
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SYMBOOK_CACHE": str(target), "SYMBOOK_SAMPLES": str(samples)}
    for variable in ("SYMBOOK_PROGRESS", "SYMBOOK_TRAIN", "SYMBOOK_USED"):  # SYMBOOK_SAMPLES set above
        env.pop(variable, None)
    results, start = [], time.perf_counter()
    for name in args.chapters or chapters_in_toc():
        before = set(target.glob("*.json"))
        proc = subprocess.run([sys.executable, __file__, "--single", name], capture_output=True, text=True,
                              env=env, cwd=ROOT)
        if proc.returncode:  # report it and go on: the other chapters' networks are still worth training
            print(f"{name}: execution failed\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", flush=True)
            results.append({"chapter": name, "problems": ["execution failed"]})
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r["networks"] = len(set(target.glob("*.json")) - before)
        results.append(r)
        print(f"{name:<14} {r['seconds']:8.1f} s   peak kernel memory {r['peak_rss_mib']:6.0f} MiB   "
              f"{r['networks']:3d} networks trained" + (f"   PROBLEMS: {r['problems']}" if r["problems"] else ""),
              flush=True)
    total = time.perf_counter() - start
    print(f"all chapters: {total:.0f} s ({total / 60:.1f} min) on {cpu_name()}; cache: {target}")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_name(), "total_seconds": round(total, 1),
                                         "chapters": results}, indent=2) + "\n")
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
