"""Data: the shipped MNIST, digits placed on a canvas, and rotated digits.

All images are kept as ``uint8`` in memory (one byte a pixel); models convert
them to ``float32`` per batch. Every random choice takes an explicit ``seed``
so that rerunning gives the same dataset.

Every dataset the book trains on is built here: :func:`translated_mnist` and
:func:`centered_on_canvas` (chapter *Translation*), :func:`rotated_mnist_splits` and
:func:`upright_splits` (chapter *Rotation*), each training set split by
:func:`split_validation` into the images a model learns from and a validation set for curves
and every choice; the test set is only used to score final models. The image operations
live here too: :func:`place_on_canvas` (random places), :func:`rotate90` (quarter turns, exact),
:func:`rotate_image` (any angle, bilinear). This module needs NumPy only: importing it does
not import TensorFlow.
"""

from __future__ import annotations

import hashlib
import numbers
from pathlib import Path

import numpy as np

#: The MNIST file that ships with the repository (see ``data/README.md``).
MNIST_PATH = Path(__file__).resolve().parent.parent / "data" / "mnist.npz"

#: SHA-256 of ``data/mnist.npz`` as committed.
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"

#: Side of an MNIST digit, in pixels.
DIGIT_SIZE = 28

_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_REGENERATE = (
    "Restore it with `git checkout -- data/mnist.npz` (it ships with the repository), "
    "or rebuild it offline with `python data/make_mnist.py` (see data/README.md)."
)


class MNISTDataError(RuntimeError):
    """The shipped MNIST file is missing, corrupted or has unexpected contents."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mnist(path: str | Path | None = None, *, verify: bool = True, download: bool = False):
    """Load MNIST from the file that ships with the repository.

    Parameters
    ----------
    path
        An ``.npz`` file with the keys ``x_train, y_train, x_test, y_test``;
        defaults to :data:`MNIST_PATH`.
    verify
        Check the file's SHA-256 against :data:`MNIST_SHA256` (only for the
        default file: a file of your own is checked for shape and dtype only).
    download
        If the shipped file is missing or corrupted, fall back to
        ``keras.datasets.mnist.load_data()``, which needs the internet.
        Off by default: the book and the tests never download.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Exactly like ``keras.datasets.mnist.load_data()``: images ``uint8``
        of shape ``(60000, 28, 28)`` and ``(10000, 28, 28)``, labels ``uint8``
        of shape ``(60000,)`` and ``(10000,)``, in the original order.

    Raises
    ------
    MNISTDataError
        If the file is missing, fails the checksum, or holds arrays of the
        wrong keys, shapes or dtypes. The message says how to restore it.
    """
    default = path is None
    path = MNIST_PATH if default else Path(path)
    try:
        return _load_npz(path, verify=verify and default)
    except MNISTDataError:
        if not download:
            raise
        import keras

        return keras.datasets.mnist.load_data()


def _load_npz(path: Path, verify: bool):
    if not path.is_file():
        raise MNISTDataError(f"MNIST file not found: {path}. {_REGENERATE}")
    if verify:
        actual = _sha256(path)
        if actual != MNIST_SHA256:
            raise MNISTDataError(
                f"MNIST file {path} is corrupted: its SHA-256 is {actual}, expected "
                f"{MNIST_SHA256}. {_REGENERATE}"
            )
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in _MNIST_KEYS}
    except KeyError as err:
        raise MNISTDataError(
            f"MNIST file {path} lacks the key {err}; it needs {', '.join(_MNIST_KEYS)}. {_REGENERATE}"
        ) from None
    except Exception as err:  # a truncated or non-zip file: np.load's own error is cryptic
        raise MNISTDataError(f"MNIST file {path} cannot be read ({err}). {_REGENERATE}") from None
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE):
            raise MNISTDataError(
                f"x_{split} in {path} has shape {x.shape} and dtype {x.dtype}; "
                f"expected (N, 28, 28) uint8. {_REGENERATE}"
            )
        if y.dtype != np.uint8 or y.shape != (len(x),):
            raise MNISTDataError(
                f"y_{split} in {path} has shape {y.shape} and dtype {y.dtype}; "
                f"expected ({len(x)},) uint8. {_REGENERATE}"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_square_stack(images, name="images"):
    """Return ``images`` as an array of shape (N, h, h) or raise ValueError."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(
            f"{name} must have shape (N, height, width), got shape {images.shape}; "
            "for a single image use images[None], for (N, h, w, 1) use images[..., 0]"
        )
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"{name} must be square, got height {images.shape[1]} and width {images.shape[2]}")
    return images


def place_on_canvas(images, canvas_size: int = 50, seed=None):
    """Paste each digit at an independent, uniformly random position on an empty canvas.

    Parameters
    ----------
    images
        Array of shape ``(N, h, h)``, usually MNIST's ``uint8`` ``(N, 28, 28)``.
    canvas_size
        Side ``S`` of the square canvas in pixels; ``S >= h``.
    seed
        An ``int``, ``None`` or a :class:`numpy.random.Generator`.

    Returns
    -------
    canvases
        Array of shape ``(N, S, S)`` and the dtype of ``images`` (``uint8`` for
        MNIST), zero except where the digit was pasted.
    positions
        ``int64`` array of shape ``(N, 2)``: the (row, column) of each digit's
        top-left corner, each uniform on ``0 .. S - h`` (both edges included).

    Memory is ``N * S * S`` bytes for ``uint8`` input: the paste writes
    through a strided window view, without index arrays of size ``N * h * h``.
    """
    images = _check_square_stack(images)
    if isinstance(canvas_size, bool) or not isinstance(canvas_size, numbers.Integral):
        raise TypeError(f"canvas_size must be an integer, got {canvas_size!r}")
    n, h, _ = images.shape
    if canvas_size < h:
        raise ValueError(
            f"canvas_size={canvas_size} is smaller than the {h}x{h} digits; "
            f"use a canvas of at least {h} pixels"
        )
    rng = np.random.default_rng(seed)
    positions = rng.integers(0, canvas_size - h + 1, size=(n, 2), dtype=np.int64)
    canvases = np.zeros((n, canvas_size, canvas_size), dtype=images.dtype)
    # windows[i, r, c] is the h x h block of canvas i whose top-left corner is (r, c).
    windows = np.lib.stride_tricks.sliding_window_view(canvases, (h, h), axis=(1, 2), writeable=True)
    windows[np.arange(n), positions[:, 0], positions[:, 1]] = images
    return canvases, positions


def place_at(digits, positions, canvas_size: int = 50):
    """Paste each digit with its top-left corner at a given place of an empty canvas.

    Parameters
    ----------
    digits
        Array of shape ``(N, h, h)``, usually MNIST's ``uint8`` ``(N, 28, 28)``.
    positions
        Integer array of shape ``(N, 2)`` (or ``(2,)``, the same place for every digit): the
        (row, column) of each digit's top-left corner, each in ``0 .. S - h``, so that the
        whole digit lies on the canvas.
    canvas_size
        Side ``S`` of the square canvas in pixels; ``S >= h``.

    Returns
    -------
    Array of shape ``(N, S, S)`` and the dtype of ``digits`` (``uint8`` for MNIST), zero except
    where each digit was pasted: the canvases :func:`place_on_canvas` makes for its random
    positions. Memory: ``N * S * S`` bytes for ``uint8``; the paste writes through a strided
    window view.
    """
    digits = _check_square_stack(digits, "digits")
    if isinstance(canvas_size, bool) or not isinstance(canvas_size, numbers.Integral):
        raise TypeError(f"canvas_size must be an integer, got {canvas_size!r}")
    n, h, _ = digits.shape
    if canvas_size < h:
        raise ValueError(f"canvas_size={canvas_size} is smaller than the {h}x{h} digits; "
                         f"use a canvas of at least {h} pixels")
    positions = np.asarray(positions)
    if positions.dtype == bool or not np.issubdtype(positions.dtype, np.integer):
        raise TypeError(f"positions must be integers (pixels), got {positions.dtype}")
    if positions.shape == (2,):
        positions = np.broadcast_to(positions, (n, 2))
    if positions.shape != (n, 2):
        raise ValueError(f"positions must have shape ({n}, 2), one (row, column) per digit; got {positions.shape}")
    highest = canvas_size - h
    outside = np.flatnonzero((positions < 0).any(axis=1) | (positions > highest).any(axis=1))
    if outside.size:
        i = int(outside[0])
        raise ValueError(f"digit {i} at {tuple(int(v) for v in positions[i])} is off the "
                         f"{canvas_size}x{canvas_size} canvas: a {h}x{h} digit's top-left corner "
                         f"must lie in 0..{highest}")
    canvases = np.zeros((n, canvas_size, canvas_size), dtype=digits.dtype)
    # windows[i, r, c] is the h x h block of canvas i whose top-left corner is (r, c).
    windows = np.lib.stride_tricks.sliding_window_view(canvases, (h, h), axis=(1, 2), writeable=True)
    windows[np.arange(n), positions[:, 0], positions[:, 1]] = digits
    return canvases


def random_placement(digits, rng, canvas_size: int = 50):
    """Augmentation for :func:`lib.train.fit`: each digit at a fresh random place on the canvas.

    ``digits``: ``uint8 (B, h, h)``; ``rng``: a :class:`numpy.random.Generator` (``fit`` passes
    a new one every epoch). Returns ``uint8 (B, S, S)`` canvases, as :func:`place_on_canvas`
    makes them, without the positions: trained this way, a network sees every digit at a new
    position every epoch instead of the same one each time.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return place_on_canvas(digits, canvas_size, seed=rng)[0]


def quarter_turns(k, n_images: int | None = None):
    """Validate a number of quarter turns and return it modulo 4 as ``int64``.

    ``k`` is an integer (any size, negative turns clockwise), or, with ``n_images``, an
    integer array of shape ``(n_images,)`` (one power per image). A float such as ``0.9``
    or ``1.0``, or a bool, is refused: rotations by other angles are not quarter turns.
    """
    if isinstance(k, (bool, np.bool_)):
        raise TypeError("k must be an integer number of quarter turns, got a bool")
    if isinstance(k, numbers.Integral):
        return np.int64(int(k) % 4)  # Python ints of any size: reduce before converting
    k = np.asarray(k)
    if not np.issubdtype(k.dtype, np.integer):
        raise TypeError(
            f"k must be an integer or an array of integers (quarter turns), got {k.dtype} "
            f"{k.tolist() if k.size < 5 else ''}; rotations by other angles are not quarter turns"
        )
    if k.ndim == 0:
        return np.int64(int(k) % 4)
    if n_images is None or k.shape != (n_images,):
        raise ValueError(f"k must be a single integer or have shape ({n_images},), one per image; got {k.shape}")
    return (k % 4).astype(np.int64)


def rotate90(images, k):
    """Rotate images by ``k`` quarter turns counter-clockwise.

    The same convention as ``np.rot90(images, k, axes=(-2, -1))``: the last
    two axes are (row, column), ``k`` may be any integer (negative turns
    clockwise) and only ``k mod 4`` matters.

    Parameters
    ----------
    images
        Array of shape ``(..., H, W)``; with a per-image ``k`` it must be
        ``(N, H, H)``.
    k
        An integer, or an integer array of shape ``(N,)`` with one power per image.

    Returns
    -------
    Array of the same dtype; a new array (never a view of ``images``).
    """
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(f"images must have at least two axes (rows, columns), got shape {images.shape}")
    k = quarter_turns(k, images.shape[0] if images.ndim >= 3 else None)
    if k.ndim == 0:
        return np.rot90(images, int(k), axes=(-2, -1)).copy()
    images = _check_square_stack(images)  # per-image k: all outputs must share one shape
    out = np.empty_like(images)
    for r in range(4):
        chosen = k == r
        out[chosen] = np.rot90(images[chosen], r, axes=(-2, -1))
    return out


def rotate_image(image, degrees: float) -> np.ndarray:
    """Turn a square image counter-clockwise by ``degrees`` about its centre (bilinear, zeros outside).

    Output pixel ``(i, j)`` takes the value of the input at the point that the rotation carries
    onto it. With ``c = (H - 1) / 2``, ``x = j - c`` and ``y = c - i`` (y upwards) it reads the
    input at column ``c + cos t * x + sin t * y`` and row ``c + sin t * x - cos t * y``,
    interpolated bilinearly between the four nearest pixels (pixels outside the image count as
    zero). For multiples of 90 degrees ``cos`` and ``sin`` are taken exactly, so the result is
    :func:`lib.data.rotate90`. Computed in float64; returns float64 ``(H, H)``, or
    ``(N, H, H)`` for a stack ``(N, H, H)`` (every image turned alike, in one pass).
    ``book/_extra/playground/playground.js`` does the same arithmetic in the same order.
    Used by :func:`lib.rotation.accuracy_by_angle` and the playground (``book/playground.md``).
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim not in (2, 3) or img.shape[-1] != img.shape[-2]:
        raise ValueError(f"image must be square (H, H) or a stack (N, H, H), got shape {img.shape}")
    n = img.shape[-1]
    cos, sin = _cos_sin(degrees)
    c = (n - 1) / 2
    i, j = np.meshgrid(np.arange(n, dtype=np.float64), np.arange(n, dtype=np.float64), indexing="ij")
    x, y = j - c, c - i
    col = c + (cos * x + sin * y)
    row = c + (sin * x - cos * y)
    r0, c0 = np.floor(row), np.floor(col)
    fr, fc = row - r0, col - c0
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    padded = np.zeros(img.shape[:-2] + (n + 2, n + 2))
    padded[..., 1:-1, 1:-1] = img

    def at(r, q):  # input pixel (r, q), zero outside
        inside = (r >= -1) & (r <= n) & (q >= -1) & (q <= n)
        return np.where(inside, padded[..., np.clip(r + 1, 0, n + 1), np.clip(q + 1, 0, n + 1)], 0.0)

    top = at(r0, c0) * (1 - fc) + at(r0, c0 + 1) * fc
    bottom = at(r0 + 1, c0) * (1 - fc) + at(r0 + 1, c0 + 1) * fc
    return top * (1 - fr) + bottom * fr


def _cos_sin(degrees):
    """cos and sin of an angle in degrees, exact at multiples of 90."""
    d = float(degrees) % 360.0
    exact = {0.0: (1.0, 0.0), 90.0: (0.0, 1.0), 180.0: (-1.0, 0.0), 270.0: (0.0, -1.0)}
    if d in exact:
        return exact[d]
    t = d * np.pi / 180  # as in playground.js
    return float(np.cos(t)), float(np.sin(t))


def rotated_mnist(images, labels, per_class: int | None = None, seed=None):
    """A class-balanced dataset of digits, each rotated by a multiple of 90 degrees.

    From each class ``per_class`` images are drawn without replacement; within
    each class the rotation powers ``k = 0, 1, 2, 3`` are dealt out equally
    (counts differ by at most one) and at random; the result is shuffled.

    Parameters
    ----------
    images
        ``(N, H, H)`` array (``uint8`` for MNIST).
    labels
        ``(N,)`` integer class labels.
    per_class
        Images per class; defaults to the size of the smallest class. Must
        not exceed it.
    seed
        An ``int``, ``None`` or a :class:`numpy.random.Generator`.

    Returns
    -------
    images
        ``(C * per_class, H, H)``, the dtype of the input.
    labels
        ``(C * per_class,)``, the dtype of the input labels.
    k
        ``(C * per_class,)`` ``int64`` rotation powers in ``0..3``:
        ``images[i] == rotate90(original, k[i])``.
    """
    images = _check_square_stack(images)
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), one per image; got {labels.shape}")
    if len(images) == 0:
        raise ValueError("images is empty: there is nothing to rotate")
    classes, counts = np.unique(labels, return_counts=True)
    smallest = int(counts.min())
    if per_class is None:
        per_class = smallest
    if isinstance(per_class, bool) or not isinstance(per_class, numbers.Integral) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    if per_class > smallest:
        raise ValueError(
            f"per_class={per_class} exceeds the smallest class "
            f"(class {classes[counts.argmin()]} has {smallest} images); use per_class <= {smallest}"
        )
    rng = np.random.default_rng(seed)
    chosen, powers = [], []
    for c in classes:
        members = np.flatnonzero(labels == c)
        chosen.append(rng.choice(members, size=per_class, replace=False))
        powers.append(rng.permutation(np.arange(per_class) % 4))
    chosen, powers = np.concatenate(chosen), np.concatenate(powers).astype(np.int64)
    order = rng.permutation(len(chosen))
    chosen, powers = chosen[order], powers[order]
    return rotate90(images[chosen], powers), labels[chosen], powers


# --- validation splits ---------------------------------------------------------------------

#: Images held out of every training set for validation curves and every choice.
VALIDATION_SIZE = 6000
#: Seed of the validation split.
VALIDATION_SEED = 0


def split_validation(n: int, size: int = VALIDATION_SIZE, seed: int = VALIDATION_SEED):
    """Indices ``(train, validation)`` (``int64``, sorted) of a random split of ``n`` images.

    ``size`` images go to validation, chosen uniformly without replacement from a generator
    seeded with ``seed``; the rest, in their original order, are the images a model learns from.
    """
    for name, value in (("n", n), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}")
    if not 0 < size < n:
        raise ValueError(f"the validation set needs 0 < size < n; got size={size} of n={n} images")
    held_out = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    keep = np.ones(n, dtype=bool)
    keep[held_out] = False
    return np.flatnonzero(keep), held_out


# --- the datasets of the chapters ----------------------------------------------------------

#: Side of the canvas of the chapter *Translation*, in pixels.
CANVAS_SIZE = 50
#: Seeds of the translated training and test canvases.
CANVAS_TRAIN_SEED, CANVAS_TEST_SEED = 1, 2


def translated_mnist(canvas_size: int = CANVAS_SIZE, train_seed: int = CANVAS_TRAIN_SEED,
                     test_seed: int = CANVAS_TEST_SEED, validation_size: int = VALIDATION_SIZE,
                     train_canvases: bool = True):
    """MNIST with every digit pasted at a uniformly random place on an empty canvas.

    The 60,000 training digits are placed (``train_seed``), then split by
    :func:`split_validation` into ``60000 - validation_size`` training and
    ``validation_size`` validation canvases; the 10,000 test digits are placed with
    ``test_seed``.

    Returns
    -------
    dict with, for each split ``s`` in ``train, val, test``: ``x_s`` ``uint8 (N, S, S)``,
    ``y_s`` ``uint8 (N,)``, ``pos_s`` ``int64 (N, 2)`` (row, column of the digit's top-left
    corner) and ``digits_s`` ``uint8 (N, 28, 28)`` (the original centred digits).
    ``train_canvases=False`` leaves out ``x_train`` (130 MB; ``x_val`` is then a copy): enough for
    the networks that learn from digits placed afresh or centred, not from those canvases.
    """
    (digits_train, y_train), (digits_test, y_test) = load_mnist()
    x_train, pos_train = place_on_canvas(digits_train, canvas_size, seed=train_seed)
    x_test, pos_test = place_on_canvas(digits_test, canvas_size, seed=test_seed)
    fit_idx, val_idx = split_validation(len(x_train), validation_size)
    out = {"x_test": x_test, "y_test": y_test, "pos_test": pos_test, "digits_test": digits_test}
    # Reorder the training arrays in place, training rows first, then validation, and hand out
    # the two halves as views: indexing would hold a second copy of the canvases (about 200 MB
    # more at the peak, on a reader's 2 GB machine).
    # (The canvases and positions are this call's own; MNIST's arrays are copied first.)
    order = np.concatenate([fit_idx, val_idx])
    arrays = {name: _permute_rows_in_place(a, order)
              for name, a in (("x", x_train), ("y", y_train.copy()), ("pos", pos_train),
                              ("digits", digits_train.copy()))}
    n_fit = len(fit_idx)
    for name, a in arrays.items():
        out.update({f"{name}_train": a[:n_fit], f"{name}_val": a[n_fit:]})
    if not train_canvases:  # a copy of the validation rows lets the whole array go
        out["x_val"] = out["x_val"].copy()
        del out["x_train"]
    return out


def _permute_rows_in_place(a: np.ndarray, order) -> np.ndarray:
    """``a[:] = a[order]`` for a permutation ``order``, without a second copy of ``a``: each cycle
    of the permutation is followed with one row held aside. Returns ``a``."""
    done = np.zeros(len(order), dtype=bool)
    for start in range(len(order)):
        if done[start]:
            continue
        held, i = a[start].copy(), start
        while True:
            done[i] = True
            j = int(order[i])
            if j == start:
                a[i] = held
                break
            a[i] = a[j]
            i = j
    return a


def centered_on_canvas(images, canvas_size: int = CANVAS_SIZE):
    """Pad ``(N, h, h)`` digits with zeros into the centre of ``(N, S, S)`` canvases (same dtype).

    The top-left corner lands at ``((S - h) // 2, (S - h) // 2)`` (:func:`place_at`).
    """
    images = _check_square_stack(images)
    h = images.shape[1]
    if isinstance(canvas_size, bool) or not isinstance(canvas_size, numbers.Integral):
        raise TypeError(f"canvas_size must be an integer, got {canvas_size!r}")
    if canvas_size < h:
        raise ValueError(f"canvas_size={canvas_size} is smaller than the {h}x{h} images")
    corner = (canvas_size - h) // 2
    return place_at(images, (corner, corner), canvas_size)


def rotated_mnist_splits(seed: int = 0, validation_size: int = VALIDATION_SIZE):
    """The balanced rotated MNIST of the chapter *Rotation*, split three ways.

    The 60,000 training digits are split by :func:`split_validation` first, then each part
    is made into a balanced rotated set by :func:`rotated_mnist` (``seed`` and ``seed + 2``),
    so that both parts have every class equally often, in all four rotations. The test set
    is :func:`rotated_mnist` of the test digits (``seed + 1``).

    Returns
    -------
    dict with ``x_s`` ``uint8 (N, 28, 28)``, ``y_s`` ``uint8 (N,)``, ``k_s`` ``int64 (N,)``
    (quarter turns) for ``s`` in ``train, val, test``.
    """
    (x_train, y_train), (x_test, y_test) = load_mnist()
    fit_idx, val_idx = split_validation(len(x_train), validation_size)
    out = {}
    for split, (x, y, s) in {"train": (x_train[fit_idx], y_train[fit_idx], seed),
                             "val": (x_train[val_idx], y_train[val_idx], seed + 2),
                             "test": (x_test, y_test, seed + 1)}.items():
        out[f"x_{split}"], out[f"y_{split}"], out[f"k_{split}"] = rotated_mnist(x, y, seed=s)
    return out


def upright_splits(validation_size: int = VALIDATION_SIZE) -> dict:
    """Upright MNIST split like :func:`rotated_mnist_splits`, without turning anything.

    The 60,000 training digits are split by :func:`split_validation`; the test set is the 10,000
    test digits in their original order. Returns a dict with ``x_s`` ``uint8 (N, 28, 28)`` and
    ``y_s`` ``uint8 (N,)`` for ``s`` in ``train, val, test`` (chapter *Rotation*: the models
    trained on upright digits for contrast).
    """
    (x, y), (x_test, y_test) = load_mnist()
    fit_idx, val_idx = split_validation(len(x), validation_size)
    return {"x_train": x[fit_idx], "y_train": y[fit_idx], "x_val": x[val_idx], "y_val": y[val_idx],
            "x_test": x_test, "y_test": y_test}
