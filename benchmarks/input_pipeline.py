"""The library's input pipeline against ``model.fit`` on in-memory ``float32`` arrays.

    python benchmarks/input_pipeline.py [--images 5120] [--epochs 2] [--markdown]

Trains chapter 1's best CNN (:data:`lib.translation.BEST_CONFIG`) on random 36x36 ``uint8``
canvases in batches of 128, once per way of feeding it, each in a fresh process (so one does
not inherit another's memory), and prints images per second, user and system CPU seconds and
minor page faults of the training itself (the first epoch, which traces the model, excluded):

- ``arrays``: ``model.fit`` on the same images as ``float32`` arrays (a full float32 copy in
  memory: the speed to match);
- ``batches``: :func:`lib.pipeline.batches` with a new order every epoch (what ``fit`` uses);
- ``batches + augment``: the same with digits placed anew on the canvas every epoch;
- ``from_generator``: batches yielded by a Python generator, as the library did before.

The ratio of each to ``arrays`` and its system CPU as a fraction of its user CPU are the
figures the library is held to (at least 0.95 and under 0.10).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYS = ("arrays", "batches", "batches + augment", "from_generator")


def cpu_name() -> str:
    """The CPU's model name and whether it has AVX-512 (timings differ between the two kinds)."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.*)", text)
    avx512 = "avx512f" in text
    return f"{model.group(1).strip() if model else platform.processor()}, " \
           f"{'AVX-512' if avx512 else 'AVX2 only (no avx512f)'}, {os.cpu_count()} cores"


def measure(way: str, images: int, epochs: int) -> dict:
    """Train in this process, fed one way; return the measured figures of epochs 2.."""
    import resource
    import time

    import numpy as np

    from lib.data import random_placement
    from lib.models import conv_classifier
    from lib.pipeline import batches
    from lib.train import compile_model
    from lib.translation import BEST_CONFIG

    import keras
    import tensorflow as tf

    batch, size = 128, 36
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, images)
    if way == "batches + augment":
        x = rng.integers(0, 256, (images, 28, 28), dtype=np.uint8)
    else:
        x = rng.integers(0, 256, (images, size, size), dtype=np.uint8)
    keras.utils.set_random_seed(0)
    model = conv_classifier(**{**BEST_CONFIG, "input_shape": [size, size, 1]})
    compile_model(model, 1e-3)
    if way == "arrays":
        data = dict(x=x.astype(np.float32)[..., None] / np.float32(255), y=labels, batch_size=batch)
    elif way == "batches":
        data = dict(x=batches(x, labels, batch, shuffle=True))
    elif way == "batches + augment":
        data = dict(x=batches(x, labels, batch, shuffle=True,
                              augment=lambda d, r: random_placement(d, r, size)))
    else:
        def generate():
            order = np.random.default_rng(0).permutation(images)
            for s in range(0, images, batch):
                yield x[order[s:s + batch]], labels[order[s:s + batch]].astype(np.int32)
        spec = (tf.TensorSpec((None, size, size), tf.uint8), tf.TensorSpec((None,), tf.int32))
        ds = tf.data.Dataset.from_generator(generate, output_signature=spec)
        ds = ds.map(lambda a, b: (tf.cast(a, tf.float32)[..., None] / 255.0, b),
                    num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
        data = dict(x=ds)
    model.fit(**data, epochs=1, verbose=0)  # traces the model: not measured
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    model.fit(**data, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"way": way, "images_per_s": images * epochs / seconds, "user_s": after.ru_utime - before.ru_utime,
            "system_s": after.ru_stime - before.ru_stime, "minor_faults": after.ru_minflt - before.ru_minflt,
            "seconds": seconds}


def run_all(images: int, epochs: int) -> list[dict]:
    """Each way in its own process; list of the figures of :func:`measure`."""
    rows = []
    for way in WAYS:
        out = subprocess.run([sys.executable, __file__, "--one", way, "--images", str(images),
                              "--epochs", str(epochs)], capture_output=True, text=True, cwd=ROOT, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def table(rows: list[dict]) -> str:
    """A Markdown table of the figures, with the ratio to ``arrays``."""
    base = next(r["images_per_s"] for r in rows if r["way"] == "arrays")
    lines = ["| input | images/s | vs arrays | user CPU | system CPU | system / user | minor faults |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['way']} | {r['images_per_s']:.0f} | {r['images_per_s'] / base:.2f}x | "
                     f"{r['user_s']:.1f} s | {r['system_s']:.1f} s | {r['system_s'] / r['user_s']:.1%} | "
                     f"{r['minor_faults']:,} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5120)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--one", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.images, args.epochs)))
        return
    rows = run_all(args.images, args.epochs)
    print(f"Chapter 1's best CNN, batches of 128, {args.images} random 36x36 images, {args.epochs} epochs "
          f"measured after one untimed epoch; CPU: {cpu_name()}\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_name(), "images": args.images, "epochs": args.epochs,
                                         "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
