"""Write docs/performance.md from the benchmarks' measurements in docs/measurements/.

    python benchmarks/input_pipeline.py --json docs/measurements/input_pipeline.json
    python benchmarks/retrain.py --into weights/cache --json docs/measurements/retrain.json
    python benchmarks/build_book.py --json docs/measurements/build.json
    python benchmarks/run_chapter.py --one-core --json docs/measurements/one_core.json
        (or copy book/_build/reader-env.json, written by tests/test_reader_env.py)
    python benchmarks/report.py

Every table names the CPU that measured it (machines of one kind differ: some have AVX-512,
some only AVX2). A measurement that has not been made is said to be missing, not guessed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASUREMENTS = ROOT / "docs" / "measurements"
OUT = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _load(name: str):
    path = MEASUREMENTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _missing(command: str) -> str:
    return f"Not measured yet: `{command}`.\n"


def input_pipeline_section() -> str:
    from input_pipeline import table

    data = _load("input_pipeline")
    head = "## The input pipeline\n\n"
    if data is None:
        return head + _missing("python benchmarks/input_pipeline.py --json docs/measurements/input_pipeline.json")
    return (head + f"Chapter 1's best CNN in batches of 128 on {data['images']:,} random 36x36 `uint8` images, "
            f"{data['epochs']} epochs after one untimed epoch, each way of feeding it in a fresh process; "
            f"CPU: {data['cpu']}. The library's pipeline (`lib.pipeline.batches`) is held to at least "
            "0.95x the images per second of `model.fit` on `float32` arrays, with system CPU under 10 % "
            "of user CPU; `from_generator` is what the library used before.\n\n" + table(data["rows"]) + "\n")


def chapters_table(chapters: list[dict], with_networks: bool = False) -> str:
    lines = ["| chapter | time | peak kernel memory |" + (" networks trained |" if with_networks else ""),
             "|---|---|---|" + ("---|" if with_networks else "")]
    for c in chapters:
        if "seconds" not in c:
            lines.append(f"| {c['chapter']} | failed | |" + (" |" if with_networks else ""))
            continue
        lines.append(f"| {c['chapter']} | {c['seconds']:.0f} s | {c['peak_rss_mib']:,} MiB |"
                     + (f" {c['networks']} |" if with_networks else ""))
    return "\n".join(lines)


def retrain_section() -> str:
    data = _load("retrain")
    head = "## A full retrain\n\n"
    if data is None:
        return head + _missing("python benchmarks/retrain.py --into weights/cache --json docs/measurements/retrain.json")
    return (head + f"Every network the book uses, trained from scratch into an empty cache, chapter by chapter "
            f"(each in a fresh kernel; a network two chapters share is trained once): "
            f"**{data['total_seconds'] / 60:.1f} min** in all on {data['cpu']}."
            + (f" {data['note']}" if data.get("note") else "") + "\n\n"
            + chapters_table(data["chapters"], with_networks=True) + "\n")


def build_section() -> str:
    data = _load("build")
    head = "## A clean build from the shipped networks\n\n"
    if data is None:
        return head + _missing("python benchmarks/build_book.py --json docs/measurements/build.json")
    rows = "\n".join(f"| {name} | {s:.0f} s |" for name, s in data["chapter_execution_s"].items())
    cached = (f"; the cached rebuild {data['cached_rebuild_s']:.0f} s" if data.get("cached_rebuild_s") is not None
              else "")
    ci = data.get("ci")
    ci_text = (f" It was measured inside a fresh-clone `bash .ci/run` at `{ci['commit']}`, which passed in "
               f"**{ci['total_s']:.0f} s** ({ci['total_s'] / 60:.1f} min): install {ci['install_s']:.0f} s, "
               f"build {ci['build_s']:.0f} s, tests {ci['tests_s']:.0f} s." if ci else "")
    return (head + f"`jupyter-book build --all -W -n --keep-going book/` after removing `book/_build`: "
            f"**{data['clean_build_s']:.0f} s**{cached}; on {data['cpu']}.{ci_text}\n\n"
            f"| chapter | executed in |\n|---|---|\n{rows}\n")


def one_core_section() -> str:
    data = _load("one_core")
    head = "## A chapter on one core, as on Binder\n\n"
    if data is None:
        return head + _missing("python benchmarks/run_chapter.py --one-core --json docs/measurements/one_core.json")
    return (head + "Each chapter top to bottom as the notebook Binder opens (the `.md` read by jupytext), in a "
            "fresh kernel pinned to one core, with the shipped networks; budget 3 minutes and 1.5 GB "
            f"each. CPU: {data['cpu']}." + (f" {data['note']}" if data.get("note") else "") + "\n\n"
            + chapters_table(data["chapters"]) + "\n")


def main():
    text = ("# Performance\n\nGenerated by `python benchmarks/report.py` from the JSON files in "
            "`docs/measurements/`, which the benchmarks write (commands in `benchmarks/report.py`). "
            "Do not edit by hand.\n\n" + "\n".join(
                [build_section(), one_core_section(), retrain_section(), input_pipeline_section()]))
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
