"""The networks and samples the book ships (weights/cache/, weights/samples/): whole, used, listed,
and reproducible."""

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lib import cache

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = cache.SHIPPED_DIR
USED_LOG = ROOT / "book" / "_build" / "cache-used.txt"  # written while the book builds


def _stems():
    return sorted(p.stem for p in SHIPPED.glob("*.json"))


def test_networks_ship_with_the_book():
    assert len(_stems()) >= 40, "every network the chapters train ships in weights/cache/"


@pytest.mark.parametrize("stem", _stems())
def test_every_shipped_entry_is_whole(stem):
    meta = json.loads((SHIPPED / f"{stem}.json").read_text())
    assert (SHIPPED / f"{stem}.weights.h5").is_file()
    assert meta["format"] == cache.CACHE_FORMAT and meta["name"] == stem.rsplit("-", 1)[0]
    assert len(meta["history"]["val_accuracy"]) >= meta["best_epoch"] >= 1
    assert meta["versions"] == cache.versions(), "trained with the library versions of requirements.txt"


def _tracked() -> set[str] | None:
    """The entries committed to git (None outside a git checkout): network stems, and
    ``samples/<stem>`` for generated data."""
    out = subprocess.run(["git", "ls-files", "weights/cache", "weights/samples"], cwd=ROOT, capture_output=True,
                         text=True)
    if out.returncode:
        return None
    return ({Path(p).stem for p in out.stdout.split() if p.endswith(".json")}
            | {f"samples/{Path(p).stem}" for p in out.stdout.split() if p.endswith(".npz")})


def _sample_stems():
    return sorted(f"samples/{p.stem}" for p in cache.SAMPLES_DIR.glob("*.npz"))


def test_the_build_used_every_shipped_network_and_trained_none():
    """After `jupyter-book build`: every shipped entry was used by a chapter (no dead weight),
    and every entry a chapter used was already committed (a clean clone trains nothing)."""
    if not USED_LOG.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{USED_LOG} is missing: build the book first (README, command 1)")
        pytest.skip("the book has not been built here")
    used = set(USED_LOG.read_text().split())
    dead = sorted((set(_stems()) | set(_sample_stems())) - used)
    assert not dead, f"shipped but used by no chapter (delete them, or rebuild): {dead}"
    tracked = _tracked()
    if tracked is not None:
        untracked = sorted(used - tracked)
        assert not untracked, ("the build trained networks that are not committed: run "
                               f"`python benchmarks/retrain.py --into weights/cache` and commit: {untracked}")


def test_the_readme_lists_what_ships():
    text = (ROOT / "weights" / "README.md").read_text()
    begin, end = cache.README_MARKERS
    listed = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert listed == cache.shipped_table().strip(), "run `python -m lib.cache` to update weights/README.md"


def test_retraining_a_shipped_network_reproduces_it(tmp_path):
    """The smallest network of chapter 3, trained again from scratch here. On the kind of CPU
    and number of cores that trained the shipped entry the weights agree bit for bit; on
    another kind (AVX-512 against AVX2) the arithmetic differs in its last digits."""
    from lib import rotation
    from lib.data import upright_splits

    spec = dataclasses.replace(rotation.upright_specs()[0], seeds=(0,))
    data = upright_splits()
    shipped = rotation.train_seeds(spec, data)[0]
    assert shipped.from_cache, f"{spec.label} must ship in weights/cache/"
    again = rotation.train_seeds(spec, data, cache_dir=tmp_path)[0]
    assert not again.from_cache and again.key == shipped.key
    meta = json.loads((SHIPPED / f"{shipped.name}-{shipped.key}.json").read_text())
    pairs = list(zip(shipped.model.get_weights(), again.model.get_weights()))
    if meta["machine"] == cache.machine():
        for a, b in pairs:
            np.testing.assert_array_equal(a, b)
    else:
        assert again.test_accuracy == pytest.approx(shipped.test_accuracy, abs=5e-3)
    # Negative control: a different seed is a different network.
    other = rotation.train_seeds(dataclasses.replace(spec, seeds=(1,)), data, cache_dir=tmp_path)[0]
    assert not np.array_equal(other.model.get_weights()[0], pairs[0][0])
