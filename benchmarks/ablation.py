"""Run chapter 1's ablation outside the book: the same runs, through the same training cache.

    python benchmarks/ablation.py

Every variant of :data:`lib.translation.ABLATION` on all training canvases, for
:data:`lib.translation.ABLATION_EPOCHS` epochs with each of :data:`lib.translation.ABLATION_SEEDS`;
prints the chapter's table. With the shipped networks this only loads them; after a change to
what trains them it retrains what changed (about 2 minutes per run on two cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.data import translated_mnist  # noqa: E402
from lib.stats import seed_table, summarize_seeds  # noqa: E402
from lib.translation import ABLATION_EPOCHS, ABLATION_SEEDS, run_ablation  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=f"Run the ablation of the chapter Translation: every variant on all training canvases, "
                    f"{ABLATION_EPOCHS} epochs, seeds {ABLATION_SEEDS} (cached like the book's runs).")
    parser.parse_args(argv)
    start = time.perf_counter()
    runs = run_ablation(translated_mnist(), progress="epoch")
    print(f"\n{len(runs)} variants x {len(ABLATION_SEEDS)} seeds ({time.perf_counter() - start:.0f} s)")
    print(seed_table([summarize_seeds(name, results) for name, results in runs.items()], reference="base"))


if __name__ == "__main__":
    main()
