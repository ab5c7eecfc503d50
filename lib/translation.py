"""Chapter *Translation*: the data, the measurements and the ablation of that chapter.

- :func:`translated_mnist`, :func:`centered_on_canvas`: the datasets (``uint8``).
- :func:`accuracy_by_position`: test accuracy binned by where the digit sits.
- :func:`shift`, :func:`equivariance_check`, :func:`float32_copy`: the numerical check of
  translation equivariance (convolutions) and invariance (global pooling).
- :data:`ABLATION`, :func:`run_ablation`, :func:`summarize`, :func:`markdown_table`: what
  Dropout, BatchNormalization, pooling and depth add to a common base model.

Run the full ablation (all 60,000 training images, more epochs and seeds) with::

    python -m lib.translation --full

and the chapter's reduced version with ``python -m lib.translation``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

from lib.data import DIGIT_SIZE, load_mnist, place_on_canvas

#: Side of the canvas in pixels.
CANVAS_SIZE = 50
#: Seeds of the translated training and test sets.
TRAIN_SEED, TEST_SEED = 1, 2

#: The common base model of the ablation (keyword arguments of :func:`lib.models.conv_classifier`):
#: two 3x3 convolutions with stride 2 (no pooling layer), flattened into a softmax layer.
BASE_CONFIG = {"filters": [32, 64], "strides": 2, "pooling": None}

#: Each variant changes ONE thing in :data:`BASE_CONFIG`.
ABLATION = {
    "base": {},
    "+ dropout 0.5": {"dropout": 0.5},
    "+ batch norm": {"batch_norm": True},
    "+ max pooling": {"strides": 1, "pooling": "max"},
    "+ global max pooling": {"global_pooling": "max"},
    "deeper (3 conv)": {"filters": [32, 64, 128]},
}

#: The chapter's best network: four conv blocks with batch norm and max pooling, global max
#: pooling, a hidden dense layer, dropout.
BEST_CONFIG = {"filters": [16, 32, 64, 128], "strides": 1, "pooling": "max", "global_pooling": "max",
               "batch_norm": True, "dense_units": 128, "dropout": 0.2}
#: Epochs of the best network on all 60,000 translated training images (cosine learning-rate decay).
BEST_EPOCHS = 6
#: Its batch size (64: more steps per epoch, and half the activation memory of 128).
BEST_BATCH_SIZE = 64
#: Epochs of the two dense networks.
DENSE_EPOCHS = 5


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much training each ablation run gets: the first ``train_size`` images, ``epochs``, ``seeds``."""

    train_size: int
    epochs: int
    seeds: tuple
    precision: str = "mixed_bfloat16"


#: What the chapter runs (fits the build's time budget on two CPU cores).
CHAPTER_BUDGET = Budget(train_size=10_000, epochs=3, seeds=(0, 1))
#: The full ablation (``python -m lib.translation --full``): roughly one to two hours on two CPU
#: cores (an estimate from the chapter's runs, not measured).
FULL_BUDGET = Budget(train_size=60_000, epochs=10, seeds=(0, 1, 2))


# --- data ----------------------------------------------------------------------------------


def translated_mnist(canvas_size: int = CANVAS_SIZE, train_seed: int = TRAIN_SEED, test_seed: int = TEST_SEED):
    """MNIST with every digit pasted at a uniformly random place on an empty canvas.

    Returns
    -------
    dict with ``x_train`` ``uint8 (60000, S, S)``, ``y_train`` ``uint8 (60000,)``,
    ``pos_train`` ``int64 (60000, 2)`` (row, column of the digit's top-left corner),
    ``x_test``, ``y_test``, ``pos_test`` likewise for the 10,000 test digits, and the
    original centred digits ``digits_train``, ``digits_test`` ``uint8 (N, 28, 28)``.
    """
    (digits_train, y_train), (digits_test, y_test) = load_mnist()
    x_train, pos_train = place_on_canvas(digits_train, canvas_size, seed=train_seed)
    x_test, pos_test = place_on_canvas(digits_test, canvas_size, seed=test_seed)
    return {"x_train": x_train, "y_train": y_train, "pos_train": pos_train,
            "x_test": x_test, "y_test": y_test, "pos_test": pos_test,
            "digits_train": digits_train, "digits_test": digits_test}


def centered_on_canvas(images, canvas_size: int = CANVAS_SIZE):
    """Pad ``(N, h, h)`` digits with zeros into the centre of ``(N, S, S)`` canvases (same dtype).

    The top-left corner lands at ``((S - h) // 2, (S - h) // 2)``.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must have shape (N, h, h), got {images.shape}")
    h = images.shape[1]
    if canvas_size < h:
        raise ValueError(f"canvas_size={canvas_size} is smaller than the {h}x{h} images")
    before = (canvas_size - h) // 2
    after = canvas_size - h - before
    return np.pad(images, ((0, 0), (before, after), (before, after)))


# --- accuracy by position ------------------------------------------------------------------


def accuracy_by_position(correct, positions, canvas_size: int = CANVAS_SIZE, digit_size: int = DIGIT_SIZE,
                         bin_size: int = 1):
    """Fraction of correct predictions for each position of the digit, in square bins.

    Parameters
    ----------
    correct
        ``bool (N,)``: whether each prediction was right.
    positions
        ``int (N, 2)``: (row, column) of each digit's top-left corner, in ``0 .. S - h``.
    bin_size
        Positions per bin along each axis (1: one cell per possible position).

    Returns
    -------
    accuracy
        ``float64 (B, B)`` with ``B = ceil((S - h + 1) / bin_size)``; ``nan`` where a bin is empty.
        Row index = row bin, column index = column bin.
    counts
        ``int64 (B, B)``: how many digits fell in each bin.
    """
    correct = np.asarray(correct, dtype=bool)
    positions = np.asarray(positions)
    if positions.shape != (len(correct), 2):
        raise ValueError(f"positions must have shape ({len(correct)}, 2), got {positions.shape}")
    n_positions = canvas_size - digit_size + 1
    if positions.size and (positions.min() < 0 or positions.max() >= n_positions):
        raise ValueError(f"positions must lie in 0..{n_positions - 1} for a {digit_size}-pixel digit "
                         f"on a {canvas_size}-pixel canvas")
    n_bins = -(-n_positions // bin_size)
    flat = (positions[:, 0] // bin_size) * n_bins + positions[:, 1] // bin_size
    counts = np.bincount(flat, minlength=n_bins * n_bins).reshape(n_bins, n_bins)
    hits = np.bincount(flat, weights=correct, minlength=n_bins * n_bins).reshape(n_bins, n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
    return accuracy, counts


def accuracy_by_distance(correct, positions, canvas_size: int = CANVAS_SIZE, digit_size: int = DIGIT_SIZE):
    """Accuracy against the (Chebyshev) distance in pixels of the digit from the canvas centre.

    Returns ``(distances int64 (D,), accuracy float64 (D,), counts int64 (D,))`` where a digit
    at top-left corner ``(r, c)`` is ``max(|r - m|, |c - m|)`` pixels from the centre,
    ``m = (S - h) // 2``.
    """
    correct = np.asarray(correct, dtype=bool)
    middle = (canvas_size - digit_size) // 2
    d = np.abs(np.asarray(positions) - middle).max(axis=1)
    counts = np.bincount(d)
    hits = np.bincount(d, weights=correct)
    keep = counts > 0
    return np.flatnonzero(keep), hits[keep] / counts[keep], counts[keep]


# --- equivariance and invariance -----------------------------------------------------------


def shift(images, dy: int, dx: int):
    """Translate ``(..., H, W)`` arrays by ``dy`` rows down and ``dx`` columns right, zero filled.

    The shifted axes are the last two. Raises ``ValueError`` if non-zero pixels would fall off the edge (the shift would not be a
    pure translation of the content).
    """
    images = np.asarray(images)
    return _shift_axes(images, dy, dx, axes=(-2, -1))


def _shift_axes(a, dy, dx, axes):
    out = np.roll(a, (dy, dx), axis=axes)
    # What np.roll wrapped around must have been zero, else content left the canvas.
    wrapped = np.zeros(out.shape, dtype=bool)
    index = [slice(None)] * a.ndim
    for amount, axis in zip((dy, dx), axes):
        if amount:
            index_w = list(index)
            index_w[axis] = slice(0, amount) if amount > 0 else slice(amount, None)
            wrapped[tuple(index_w)] = True
    if np.any(out[wrapped] != 0):
        raise ValueError(f"shifting by ({dy}, {dx}) would push non-zero pixels off the edge")
    return out


def float32_copy(model, build, config, **overrides):
    """Rebuild ``build(**config, **overrides)`` under ``float32`` and copy ``model``'s weights into it.

    A model trained under ``mixed_bfloat16`` keeps float32 weights but computes in bfloat16
    (about 3 significant digits); the copy computes the same function in float32. With
    global pooling the weights do not depend on the canvas size, so ``input_shape=[144, 144, 1]``
    gives the same network on a larger canvas.
    """
    import keras

    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy("float32")
    try:
        copy = build(**{**config, **overrides})
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    copy.set_weights(model.get_weights())
    return copy


def receptive_field(config: dict) -> tuple:
    """``(size, stride)`` in input pixels of one unit at the end of the conv blocks of
    :func:`lib.models.conv_classifier` ``(**config)`` (before flattening or global pooling)."""
    k = config.get("kernel_size", 3)
    strides = config.get("strides", 1)
    pool = config.get("pool_size", 2) if config.get("pooling", "max") is not None else 1
    size, jump = 1, 1
    for _ in config.get("filters", (32, 64)):
        size += (k - 1) * jump
        jump *= strides
        size += (pool - 1) * jump
        jump *= pool
    return size, jump


def feature_extractor(model, layer_name: str):
    """A ``keras.Model`` from ``model``'s input to the output of the layer ``layer_name``."""
    import keras

    return keras.Model(model.inputs[0], model.get_layer(layer_name).output)


def invariance_error(model, image, dy: int, dx: int, pooled_layer: str):
    """``max |P(T x) - P(x)| / max |P(x)|`` for the output ``P`` of ``pooled_layer``, any shift."""
    image = np.asarray(image)
    pair = np.stack([image, shift(image[None], dy, dx)[0]])
    pooled = _features(feature_extractor(model, pooled_layer), pair)
    return float(np.abs(pooled[1] - pooled[0]).max() / np.abs(pooled[0]).max())


def _features(extractor, images):
    x = np.asarray(images, dtype=np.float32)[..., None] / 255.0
    return np.asarray(extractor(x, training=False).numpy(), dtype=np.float64)


def equivariance_check(model, image, dy: int, dx: int, map_layer: str, pooled_layer: str, stride: int,
                       margin: int = 2):
    """Measure translation equivariance of a feature map and invariance of the pooled features.

    Parameters
    ----------
    model
        A trained convolutional network (ideally a :func:`float32_copy`).
    image
        ``uint8 (S, S)`` canvas with a digit well inside it (zero within ``|dy|, |dx|`` of the edges).
    dy, dx
        The shift of the input in pixels; multiples of ``stride`` for the equivariance check.
    map_layer
        Name of a layer with output ``(1, H', W', C)``, ``stride`` input pixels per map pixel.
    pooled_layer
        Name of the global pooling layer (output ``(1, C)``).
    stride
        Input pixels per feature-map pixel at ``map_layer`` (product of the strides/pool sizes).
    margin
        Map pixels left out at each border of both maps when comparing them: zero padding
        makes the maps differ from a translated copy near the canvas border.

    Returns
    -------
    dict with ``maps``, ``maps_shifted`` (``F(x)`` and ``F(T x)``, ``float64 (H', W', C)``) and
    ``expected`` (``T' F(x)``: ``F(x)`` moved by ``(dy, dx) / stride`` map pixels);
    ``residual`` = ``F(T x) - T' F(x)`` where both maps are at least ``margin`` map pixels from
    their borders (``nan`` elsewhere, same shape as the maps);
    ``equivariance_error`` = ``max |residual| / max |F(x)|``; ``invariance_error`` =
    ``max |P(T x) - P(x)| / max |P(x)|`` for the pooled features ``P``; ``probabilities``
    ``float64 (2, classes)`` of both inputs; ``shifted`` the shifted image; ``margin``.
    """
    if dy % stride or dx % stride:
        raise ValueError(f"the shift ({dy}, {dx}) must be a multiple of the stride {stride} "
                         "for the feature map to move by whole map pixels; use invariance_error")
    image = np.asarray(image)
    shifted = shift(image[None], dy, dx)[0]
    pair = np.stack([image, shifted])
    maps = _features(feature_extractor(model, map_layer), pair)
    pooled = _features(feature_extractor(model, pooled_layer), pair)
    probabilities = _features(model, pair)
    m, (ty, tx) = margin, (dy // stride, dx // stride)
    expected = np.roll(maps[0], (ty, tx), axis=(0, 1))
    rows, cols = np.arange(maps.shape[1]), np.arange(maps.shape[2])
    inside = lambda i, t, n: (i >= m) & (i < n - m) & (i - t >= m) & (i - t < n - m)  # noqa: E731
    valid = inside(rows, ty, len(rows))[:, None] & inside(cols, tx, len(cols))[None, :]
    if not valid.any():
        raise ValueError(f"a shift of ({ty}, {tx}) map pixels with margin {m} leaves nothing to compare")
    residual = np.where(valid[..., None], maps[1] - expected, np.nan)
    return {"maps": maps[0], "maps_shifted": maps[1], "expected": expected, "residual": residual,
            "shifted": shifted, "margin": m,
            "equivariance_error": float(np.nanmax(np.abs(residual)) / np.abs(maps[0]).max()),
            "invariance_error": float(np.abs(pooled[1] - pooled[0]).max() / np.abs(pooled[0]).max()),
            "probabilities": probabilities}


# --- the ablation --------------------------------------------------------------------------


def ablation_configs(base=None, variants=None):
    """``{name: config}``: :data:`BASE_CONFIG` updated by each entry of :data:`ABLATION`."""
    base = BASE_CONFIG if base is None else base
    variants = ABLATION if variants is None else variants
    return {name: {**base, **change} for name, change in variants.items()}


def run_ablation(configs: dict, train_data, test_data, budget: Budget, build=None, progress: str = "summary",
                 cache: bool = True, single_seed: tuple = ()):
    """Train every config of ``configs`` with every seed of ``budget`` and return one row per run.

    Parameters
    ----------
    configs
        ``{name: keyword arguments of build}``.
    train_data, test_data
        ``(uint8 (N, S, S), labels (N,))``; the first ``budget.train_size`` training images are used.
    budget
        Training images, epochs, seeds and precision of every run.
    single_seed
        Names of configs trained with the first seed only (expensive ones).

    Returns
    -------
    list of dicts with ``name, seed, test_accuracy, params, seconds, history`` (``history`` as in
    :class:`lib.train.TrainResult`).
    """
    from lib.models import conv_classifier
    from lib.train import fit

    build = conv_classifier if build is None else build
    x_train, y_train = train_data
    subset = (x_train[: budget.train_size], y_train[: budget.train_size])
    rows = []
    for name, config in configs.items():
        seeds = budget.seeds[:1] if name in single_seed else budget.seeds
        for seed in seeds:
            slug = "ablation-" + "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
            result = fit(f"{slug}-s{seed}", build, config, subset, test_data, epochs=budget.epochs, seed=seed,
                         precision=budget.precision, progress=progress, cache=cache)
            rows.append({"name": name, "seed": seed, "test_accuracy": result.test_accuracy,
                         "params": result.params, "seconds": result.train_seconds, "history": result.history})
            del result
    return rows


def summarize(rows):
    """Group :func:`run_ablation` rows by name (in order): mean and spread over seeds.

    Returns a list of dicts with ``name, runs, accuracy_mean, accuracy_std`` (sample standard
    deviation, ``nan`` for one run), ``accuracy_min, accuracy_max, params, seconds_mean`` and
    ``curve``: the test accuracy per epoch averaged over seeds (``float64 (epochs,)``).
    """
    names = list(dict.fromkeys(r["name"] for r in rows))
    out = []
    for name in names:
        group = [r for r in rows if r["name"] == name]
        acc = [r["test_accuracy"] for r in group]
        out.append({
            "name": name,
            "runs": len(group),
            "accuracy_mean": statistics.fmean(acc),
            "accuracy_std": statistics.stdev(acc) if len(acc) > 1 else float("nan"),
            "accuracy_min": min(acc),
            "accuracy_max": max(acc),
            "params": group[0]["params"],
            "seconds_mean": statistics.fmean(r["seconds"] for r in group),
            "curve": np.mean([r["history"]["val_accuracy"] for r in group], axis=0),
            "loss_curve": np.mean([r["history"]["loss"] for r in group], axis=0),
        })
    return out


def markdown_table(summary, reference: str | None = None):
    """A Markdown table of :func:`summarize` output (accuracy as mean ± std over seeds, in %).

    With ``reference`` (a name), a column gives each mean's difference from it, in
    percentage points.
    """
    ref = next((s for s in summary if s["name"] == reference), None)
    head = "| model | runs | test accuracy (%) | min – max (%) |"
    rule = "|---|---:|---:|---:|"
    if ref is not None:
        head += f" vs {reference} (points) |"
        rule += "---:|"
    head += " parameters | training time (s) |"
    rule += "---:|---:|"
    lines = [head, rule]
    for s in summary:
        spread = "" if s["runs"] == 1 else f" ± {100 * s['accuracy_std']:.2f}"
        line = (f"| {s['name']} | {s['runs']} | {100 * s['accuracy_mean']:.2f}{spread} | "
                f"{100 * s['accuracy_min']:.2f} – {100 * s['accuracy_max']:.2f} |")
        if ref is not None:
            line += f" {100 * (s['accuracy_mean'] - ref['accuracy_mean']):+.2f} |"
        line += f" {s['params']:,} | {s['seconds_mean']:.0f} |"
        lines.append(line)
    return "\n".join(lines)


def verdicts(summary, reference: str = "base", noise: float = 2.0):
    """One sentence per model: does it help, against ``reference``, beyond run-to-run noise?

    A difference of means counts as real when it exceeds ``noise`` times the larger of the two
    standard deviations over seeds (or, with a single run, the reference's). Returns a list of
    Markdown strings.
    """
    ref = next(s for s in summary if s["name"] == reference)
    out = []
    for s in summary:
        if s is ref:
            continue
        diff = s["accuracy_mean"] - ref["accuracy_mean"]
        spreads = [x for x in (s["accuracy_std"], ref["accuracy_std"]) if x == x]
        spread = max(spreads) if spreads else 0.0
        if abs(diff) <= noise * spread:
            word = "within run-to-run noise"
        else:
            word = "helps" if diff > 0 else "hurts"
        out.append(f"**{s['name']}**: {word} ({100 * diff:+.1f} points; seed spread "
                   f"{100 * spread:.1f} points)")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the ablation of the chapter Translation.")
    parser.add_argument("--full", action="store_true",
                        help=f"the full version: {FULL_BUDGET.train_size} images, {FULL_BUDGET.epochs} epochs, "
                             f"seeds {FULL_BUDGET.seeds} (default: the chapter's {CHAPTER_BUDGET})")
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default=None)
    args = parser.parse_args(argv)
    budget = FULL_BUDGET if args.full else CHAPTER_BUDGET
    if args.precision:
        budget = dataclasses.replace(budget, precision=args.precision)
    data = translated_mnist()
    start = time.perf_counter()
    rows = run_ablation(ablation_configs(), (data["x_train"], data["y_train"]),
                        (data["x_test"], data["y_test"]), budget)
    print()
    print(f"{budget} ({time.perf_counter() - start:.0f} s)")
    print(markdown_table(summarize(rows), reference="base"))


if __name__ == "__main__":
    main()
