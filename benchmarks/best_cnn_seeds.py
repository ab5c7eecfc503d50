"""Chapter 1's best CNN with more than the chapter's one seed: does its test accuracy hold?

    python benchmarks/best_cnn_seeds.py              # seeds 0 and 1
    python benchmarks/best_cnn_seeds.py --seeds 1 2  # others

The chapter trains :func:`lib.translation.train_best` once (seed 0), chooses on the validation
set between the network alone and its averages over shifts
(:func:`lib.translation.shift_average_by_validation`), and glues the chosen prediction's test
accuracy; :data:`TARGET` is the 99.5 % that issue 11 asks of it (see the README). This script
does the same with other seeds (through the same training cache, so seed 0 is the chapter's own
run when the cache holds it), prints validation and test accuracy of the network alone and of
the chosen prediction, and exits with status 1 if any seed's chosen prediction falls below the
target. About 4 minutes per seed (15 epochs on 36x36 canvases) on two cores, 10 on one, and
about a minute for the shift averages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.data import translated_mnist  # noqa: E402
from lib.translation import BEST_EPOCHS, shift_average_by_validation, train_best  # noqa: E402

#: The test accuracy asked of the chapter's best CNN (issue 11).
TARGET = 0.995


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args(argv)
    data = translated_mnist()
    worst = 1.0
    for seed in args.seeds:
        result = train_best(data, seed=seed, progress="epoch")
        cached = " (from the training cache)" if result.from_cache else ""
        print(f"seed {seed}: test {result.test_accuracy:.2%}, validation {result.val_accuracy:.2%} "
              f"after {BEST_EPOCHS} epochs, trained in {result.train_seconds:.0f} s{cached}", flush=True)
        # The chapter's final prediction: the network alone or a shift average, chosen on validation.
        val, chosen, test, _ = shift_average_by_validation(result, data)
        worst = min(worst, test)
        print(f"seed {seed}: chosen on validation: {chosen} (validation {val[chosen]:.2%}), "
              f"test {test:.2%}", flush=True)
    margin = worst - TARGET
    print(f"lowest test accuracy {worst:.2%}: {margin * 100:+.2f} points from the target {TARGET:.1%}")
    return 0 if margin >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
