"""Chapter *Translation*: its settings, its training runs and its measurements.

- :data:`DENSE_CONFIG`, :data:`BEST_CONFIG`, :data:`BASE_CONFIG`, :data:`ABLATION`: every
  setting of the chapter; :func:`train_dense`, :func:`train_best`, :func:`run_ablation` train
  with them (the datasets come from :func:`lib.data.translated_mnist`).
- :func:`accuracy_by_position`, :func:`accuracy_by_distance`: test accuracy by where the digit sits.
- :func:`shift`, :func:`equivariance_check`, :func:`pooled_change`: the numerical check of
  translation equivariance (convolutions) and invariance (global pooling).

Run the chapter's ablation outside the book (the same runs, the same cache) with
``python benchmarks/ablation.py``.
"""

from __future__ import annotations

import numpy as np

from lib.data import CANVAS_SIZE, DIGIT_SIZE, centered_on_canvas, place_at

#: The dense network of the chapter (keyword arguments of :func:`lib.models.dense_classifier`).
DENSE_CONFIG = {"input_shape": [CANVAS_SIZE, CANVAS_SIZE, 1], "hidden_units": 100}
#: Epochs of the two dense networks.
DENSE_EPOCHS = 5

#: The common base model of the ablation (keyword arguments of :func:`lib.models.conv_classifier`):
#: two 3x3 convolutions with stride 2 (no pooling layer), flattened into a softmax layer.
BASE_CONFIG = {"filters": [24, 48], "strides": 2, "pooling": None}

#: Each variant changes one setting of :data:`BASE_CONFIG`. A setting can change more than one
#: property of the network: "+ max pooling" keeps the strided convolutions and adds a 2x2 max
#: pooling after each, which widens the receptive field, doubles the total stride and shrinks
#: the map that the softmax layer reads, all at once (the chapter says so).
ABLATION = {
    "base": {},
    "+ dropout 0.5": {"dropout": 0.5},
    "+ batch norm": {"batch_norm": True},
    "+ max pooling": {"pooling": "max"},
    "+ global max pooling": {"global_pooling": "max"},
    "deeper (3 conv)": {"filters": [24, 48, 96]},
}
#: How every ablation run trains: all training canvases, ABLATION_EPOCHS epochs with the
#: learning rate decaying from ABLATION_LEARNING_RATE to 0 along half a cosine, one run per seed.
ABLATION_EPOCHS, ABLATION_LEARNING_RATE, ABLATION_SEEDS = 3, 3e-3, (0, 1, 2)
#: Training accuracy of each final model is measured on this many training canvases, in
#: inference mode (dropout off, batch norm with its running statistics), like validation.
N_TRAIN_EVAL = 6000

#: The chapter's best network: four conv blocks with batch norm and max pooling, global max
#: pooling, a hidden dense layer, dropout.
BEST_CONFIG = {"filters": [16, 32, 64, 128], "strides": 1, "pooling": "max", "global_pooling": "max",
               "batch_norm": True, "dense_units": 128, "dropout": 0.2}
#: Epochs of the best network (cosine learning-rate decay). Every epoch it sees each training
#: digit at a new random place (:func:`place_on_training_canvas`).
BEST_EPOCHS = 15
#: Side of the canvases the best network learns on, in pixels. Its pooled features do not
#: change when a digit moves by a multiple of 8 pixels (away from the edges), so what it has
#: to learn is every offset modulo 8: a 36x36 canvas gives a digit 9 places per axis, every
#: offset, at about half the computation of the 50x50 canvas per image.
BEST_TRAIN_CANVAS = 36
#: Its batch size, and its learning rate, which decays from BEST_LEARNING_RATE to 0 along half
#: a cosine. (Batches of 64 from 1e-3 reached the same validation accuracy, two seeds each,
#: and took about 20 % longer per epoch on two cores.)
BEST_BATCH_SIZE, BEST_LEARNING_RATE = 128, 2e-3


#: Shift averaging (:func:`shift_averaged_proba`): candidate sets of shifts (pixels down, right)
#: whose predictions are averaged, from which the chapter chooses by validation accuracy. The
#: network's output is exactly invariant to shifts by multiples of 8, so a set of offsets
#: modulo 8 closed under adding its own steps makes the average invariant to those steps.
SHIFT_SETS = {
    "{0, 4}²": tuple((dy, dx) for dy in (0, 4) for dx in (0, 4)),
    "{0, 2, 4, 6}²": tuple((dy, dx) for dy in (0, 2, 4, 6) for dx in (0, 2, 4, 6)),
}


# --- the chapter's training runs ---------------------------------------------------------


def _splits(data):
    """``(x, y)`` of the fixed training, validation and test canvases of ``data``."""
    if "x_train" not in data:
        raise ValueError("this network learns from the fixed training canvases, which this data was made "
                         "without (translated_mnist(train_canvases=False)); pass translated_mnist()")
    return _held_out(data, (data["x_train"], data["y_train"]))


def _held_out(data, train):
    return train, (data["x_val"], data["y_val"]), (data["x_test"], data["y_test"])


def train_dense(data, centred: bool = False, **kwargs):
    """The dense network on translated canvases, or (``centred=True``) on centred digits.

    ``data`` from :func:`lib.data.translated_mnist`. The centred control learns from and is
    validated on digits padded into the middle of the canvas; both are tested on the
    translated test set. Returns a :class:`lib.train.TrainResult`.
    """
    from lib.models import dense_classifier
    from lib.train import fit

    if centred:
        _, _, test = _held_out(data, None)
        train = (centered_on_canvas(data["digits_train"]), data["y_train"])
        val = (centered_on_canvas(data["digits_val"]), data["y_val"])
    else:
        train, val, test = _splits(data)
    name = "dense-centred" if centred else "dense-translated"
    return fit(name, dense_classifier, DENSE_CONFIG, train, val, test, epochs=DENSE_EPOCHS, **kwargs)


#: Seeds of the dense networks that the chapter compares (its recipe against the best CNN's).
DENSE_SEEDS = (0, 1, 2)


def place_on_full_canvas(digits, rng):
    """The augmentation of :func:`train_dense_fresh`: ``uint8 (B, 28, 28)`` digits -> ``uint8
    (B, 50, 50)``, each at a fresh random place on the full canvas (a dense network has a
    weight per pixel of its input, so it learns on the canvas it is tested on)."""
    from lib.data import random_placement

    return random_placement(digits, rng, canvas_size=CANVAS_SIZE)


def train_dense_fresh(data, seed: int = 0, **kwargs):
    """The dense network trained with the best CNN's recipe for the data: every epoch each
    training digit at a fresh random place (:func:`place_on_full_canvas`), for
    :data:`BEST_EPOCHS` epochs in batches of :data:`BEST_BATCH_SIZE`, the learning rate
    decaying along half a cosine from the dense network's own (``fit``'s default). It
    separates what the architecture buys from what the recipe buys. Returns the
    :class:`lib.train.TrainResult`."""
    from lib.models import dense_classifier
    from lib.train import fit

    train, val, test = _held_out(data, (data["digits_train"], data["y_train"]))
    return fit(f"dense-fresh-s{seed}", dense_classifier, DENSE_CONFIG, train, val, test, epochs=BEST_EPOCHS,
               batch_size=BEST_BATCH_SIZE, schedule="cosine", seed=seed, augment=place_on_full_canvas, **kwargs)


def place_on_training_canvas(digits, rng):
    """The best network's augmentation: ``uint8 (B, 28, 28)`` digits -> ``uint8 (B, S, S)``,
    each at a fresh random place on a canvas of ``S =`` :data:`BEST_TRAIN_CANVAS` pixels
    (:func:`lib.data.random_placement`)."""
    from lib.data import random_placement

    return random_placement(digits, rng, canvas_size=BEST_TRAIN_CANVAS)


def train_best(data, seed: int = 0, **kwargs):
    """The chapter's best CNN (:data:`BEST_CONFIG`), trained on freshly translated digits.

    It learns from the same training digits as every other network of the chapter, but
    placed anew at random every epoch, on smaller canvases (:func:`place_on_training_canvas`):
    it is built for any canvas size (global pooling makes its weights independent of it). It
    is validated and tested on the fixed 50x50 validation and test canvases of ``data``.
    Returns the :class:`lib.train.TrainResult` with its ``model`` rebuilt for 50x50 canvases
    (the same weights, so the same function on them; :func:`rebuild`).
    """
    import dataclasses

    from lib.models import conv_classifier
    from lib.train import fit

    train, val, test = _held_out(data, (data["digits_train"], data["y_train"]))
    any_size = {**BEST_CONFIG, "input_shape": [None, None, 1]}
    result = fit(f"cnn-best-s{seed}", conv_classifier, any_size, train, val, test, epochs=BEST_EPOCHS,
                 batch_size=BEST_BATCH_SIZE, learning_rate=BEST_LEARNING_RATE, schedule="cosine", seed=seed,
                 augment=place_on_training_canvas, **kwargs)
    return dataclasses.replace(result, model=rebuild(result.model, conv_classifier, BEST_CONFIG))


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


def rebuild(model, build, config, **overrides):
    """``build(**config, **overrides)`` with ``model``'s trained weights copied into it.

    With global pooling the weights do not depend on the canvas size, so
    ``input_shape=[144, 144, 1]`` gives the same network on a larger canvas.
    """
    copy = build(**{**config, **overrides})
    copy.set_weights(model.get_weights())
    return copy


def shift_averaged_proba(model, canvases, shifts, config=None, batch_size: int = 256) -> np.ndarray:
    """Class probabilities averaged over shifted copies of each canvas: ``(1/|S|) sum_s f(T_s x)``.

    ``model``: a network with global pooling, built by :func:`lib.models.conv_classifier` from
    ``config`` (default :data:`BEST_CONFIG`); ``canvases``: ``uint8 (N, H, W)``; ``shifts``:
    ``(dy, dx)`` pairs of non-negative pixels down and right. Each canvas is copied onto a zero
    canvas ``max shift`` pixels larger in each direction, at every offset of ``shifts``, so no
    content leaves it, and the network, rebuilt for that size with the same weights, predicts
    each copy. Returns ``float32 (N, classes)``.
    """
    canvases = np.asarray(canvases)
    shifts = [tuple(int(v) for v in s) for s in shifts]
    if canvases.ndim != 3 or canvases.dtype != np.uint8:
        raise ValueError(f"canvases must be uint8 (N, H, W), got {canvases.dtype} {canvases.shape}")
    if not shifts or any(len(s) != 2 or min(s) < 0 for s in shifts):
        raise ValueError(f"shifts must be a non-empty list of (dy, dx) pairs >= 0, got {shifts}; "
                         "shift the other way by listing the complementary offsets")
    from lib.models import conv_classifier
    from lib.train import predict_proba

    pad = max(max(s) for s in shifts)
    n, h, w = canvases.shape
    wide = rebuild(model, conv_classifier, BEST_CONFIG if config is None else config,
                   input_shape=[h + pad, w + pad, 1])
    total = None
    for dy, dx in shifts:
        copies = np.zeros((n, h + pad, w + pad), np.uint8)
        copies[:, dy:dy + h, dx:dx + w] = canvases
        probs = predict_proba(wide, copies, batch_size=batch_size).astype(np.float64)
        total = probs if total is None else total + probs
    return (total / len(shifts)).astype(np.float32)


def shift_average_by_validation(result, data, shift_sets=None):
    """Choose between the network alone and its shift averages on the validation set; test once.

    ``result``: the best network's :class:`lib.train.TrainResult` (its 50x50 model,
    ``val_accuracy``, ``test_accuracy``); ``data`` from :func:`lib.data.translated_mnist`;
    ``shift_sets``: name -> shifts, default :data:`SHIFT_SETS`, in order of cost (a tie on
    validation goes to the cheaper). Returns ``(val, chosen, test, correct)``: validation
    accuracy per candidate (``"the network alone"`` first, then ``"averaged over NAME"``), the
    chosen candidate's name, its test accuracy, and ``bool (N_test,)`` whether it is right on each
    test image (for a paired comparison with the network alone); the only test evaluation made
    here. When the network alone is chosen the test set is not read again: ``test`` is its
    ``test_accuracy`` and ``correct`` is ``None``.
    """
    shift_sets = SHIFT_SETS if shift_sets is None else shift_sets
    val = {"the network alone": float(result.val_accuracy)}
    for name, shifts in shift_sets.items():
        p = shift_averaged_proba(result.model, data["x_val"], shifts)
        val[f"averaged over {name}"] = float(np.mean(p.argmax(1) == np.asarray(data["y_val"])))
    chosen = max(val, key=val.get)  # the first of the best: the cheapest
    if chosen == "the network alone":
        return val, chosen, float(result.test_accuracy), None
    shifts = shift_sets[chosen.removeprefix("averaged over ")]
    p = shift_averaged_proba(result.model, data["x_test"], shifts)
    correct = p.argmax(1) == np.asarray(data["y_test"])
    return val, chosen, float(np.mean(correct)), correct


def pooled_change(model, image, dy: int, dx: int, pooled_layer: str) -> float:
    """Relative change of the pooled features when ``image`` is shifted by ``(dy, dx)`` pixels.

    :func:`lib.analysis.relative_error` of ``P(T x)`` against ``P(x)``, ``P`` the output of
    ``pooled_layer``: ``max |P(T x) - P(x)| / max |P(x)|``; any shift.
    """
    from lib.analysis import feature_maps, relative_error

    image = np.asarray(image)
    pooled = feature_maps(model, np.stack([image, shift(image[None], dy, dx)[0]]), pooled_layer)
    return relative_error(pooled[1], pooled[0])


def shift_sweep(model, digits, pooled_layer: str, max_shift: int = 16, canvas_size: int = 144,
                corner: int = 50) -> np.ndarray:
    """How much the pooled features move as each digit is shifted by 0, 1, ..., ``max_shift`` pixels.

    Each ``uint8 (28, 28)`` digit is pasted with its top-left corner at ``(corner, corner)`` on an
    empty ``canvas_size`` canvas (far from the border for the network of the chapter) and shifted
    down (axis 0) or right (axis 1). Returns ``float64 (2, N, max_shift + 1)``: the
    :func:`lib.analysis.relative_error` of the pooled features of the shifted canvas against the
    unshifted one (``0`` at shift 0).
    """
    from lib.analysis import feature_maps, relative_error

    digits = _check_sweep(digits, max_shift, canvas_size, corner)
    out = np.zeros((2, len(digits), max_shift + 1))
    for i, digit in enumerate(digits):
        canvases = _shifted_canvases(digit, max_shift, canvas_size, corner)
        pooled = feature_maps(model, canvases.reshape(-1, canvas_size, canvas_size), pooled_layer,
                              batch_size=_SWEEP_BATCH)
        pooled = pooled.reshape(2, max_shift + 1, -1)
        for axis in range(2):
            out[axis, i] = [relative_error(pooled[axis, s], pooled[axis, 0]) for s in range(max_shift + 1)]
    return out


def prediction_sweep(model, digits, labels, max_shift: int = 16, canvas_size: int = 144,
                     corner: int = 50) -> np.ndarray:
    """The network's probability of the right class as each digit is shifted by 0..``max_shift``.

    Digits placed and shifted as in :func:`shift_sweep`; ``labels``: ``(N,)`` their classes.
    Returns ``float64 (2, N, max_shift + 1)``: axis 0 shifted down, then right.
    """
    from lib.train import predict_proba

    digits = _check_sweep(digits, max_shift, canvas_size, corner)
    labels = np.asarray(labels)
    if labels.shape != (len(digits),):
        raise ValueError(f"labels must have shape ({len(digits)},), got {labels.shape}")
    out = np.zeros((2, len(digits), max_shift + 1))
    for i, (digit, label) in enumerate(zip(digits, labels)):
        canvases = _shifted_canvases(digit, max_shift, canvas_size, corner)
        probs = predict_proba(model, canvases.reshape(-1, canvas_size, canvas_size), batch_size=_SWEEP_BATCH)
        out[:, i] = probs[:, int(label)].reshape(2, max_shift + 1)
    return out


#: Canvases per forward pass in the sweeps: a 144x144 canvas makes 16 full-size maps of 83 kB
#: each in the first layer alone, so a few at a time keep the activations small.
_SWEEP_BATCH = 8


def _check_sweep(digits, max_shift, canvas_size, corner):
    digits = np.asarray(digits)
    if digits.ndim != 3:
        raise ValueError(f"digits must be (N, h, w), got shape {digits.shape}")
    h, w = digits.shape[1:]
    if corner + h + max_shift > canvas_size or corner + w + max_shift > canvas_size:
        raise ValueError(f"a {h}x{w} digit at {corner} shifted by {max_shift} leaves a {canvas_size} canvas")
    return digits


def _shifted_canvases(digit, max_shift, canvas_size, corner):
    """``(2, max_shift + 1, C, C)``: the digit at ``corner``, shifted down (0) and right (1)."""
    s = np.arange(max_shift + 1)
    fixed = np.full_like(s, corner)
    corners = np.concatenate([np.stack([corner + s, fixed], 1), np.stack([fixed, corner + s], 1)])
    digits = np.broadcast_to(digit, (len(corners),) + digit.shape)
    return place_at(digits, corners, canvas_size).reshape(2, max_shift + 1, canvas_size, canvas_size)


def same_class_change(model, digits, pooled_layer: str, canvas_size: int = 144, corner: int = 50) -> np.ndarray:
    """A scale for :func:`shift_sweep`: the relative change of the pooled features from one digit
    to the next one of the same class, both in the same place. ``digits`` ``uint8 (N, 28, 28)``,
    all of one class; returns ``float64 (N - 1,)``, entry ``i`` comparing digit ``i + 1`` with
    digit ``i``."""
    from lib.analysis import feature_maps, relative_error

    canvases = place_at(digits, (corner, corner), canvas_size)
    pooled = feature_maps(model, canvases, pooled_layer, batch_size=_SWEEP_BATCH)
    return np.array([relative_error(pooled[i + 1], pooled[i]) for i in range(len(digits) - 1)])


def equivariance_check(model, image, dy: int, dx: int, map_layer: str, pooled_layer: str, stride: int,
                       margin: int = 2, nearest: bool = False):
    """Measure translation equivariance of a feature map and invariance of the pooled features.

    Parameters
    ----------
    model
        A trained convolutional network.
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
    nearest
        The negative control: allow any shift and move ``F(x)`` by the nearest whole number of
        map pixels, which no shift between the multiples of ``stride`` matches.

    Returns
    -------
    dict with ``maps``, ``maps_shifted`` (``F(x)`` and ``F(T x)``, ``float64 (H', W', C)``) and
    ``expected`` (``T' F(x)``: ``F(x)`` moved by ``(dy, dx) / stride`` map pixels);
    ``residual`` = ``F(T x) - T' F(x)`` where both maps are at least ``margin`` map pixels from
    their borders (``nan`` elsewhere, same shape as the maps);
    ``equivariance_error`` = ``max |residual| / max |F(x)|``; ``invariance_error`` =
    ``max |P(T x) - P(x)| / max |P(x)|`` for the pooled features ``P``; ``probabilities``
    ``float64 (2, classes)`` of both inputs; ``shifted`` the shifted image; ``margin``;
    ``shift`` ``(dy, dx)``, ``stride`` and ``map_shift``, the map pixels ``T'`` moves by.
    """
    from lib.analysis import feature_maps, relative_error

    if (dy % stride or dx % stride) and not nearest:
        raise ValueError(f"the shift ({dy}, {dx}) must be a multiple of the stride {stride} "
                         "for the feature map to move by whole map pixels; use pooled_change")
    image = np.asarray(image)
    shifted = shift(image[None], dy, dx)[0]
    pair = np.stack([image, shifted])
    maps = feature_maps(model, pair, map_layer).astype(np.float64)
    pooled = feature_maps(model, pair, pooled_layer).astype(np.float64)
    probabilities = feature_maps(model, pair, model.layers[-1].name).astype(np.float64)
    m, (ty, tx) = margin, (round(dy / stride), round(dx / stride))
    expected = np.roll(maps[0], (ty, tx), axis=(0, 1))
    rows, cols = np.arange(maps.shape[1]), np.arange(maps.shape[2])
    inside = lambda i, t, n: (i >= m) & (i < n - m) & (i - t >= m) & (i - t < n - m)  # noqa: E731
    valid = inside(rows, ty, len(rows))[:, None] & inside(cols, tx, len(cols))[None, :]
    if not valid.any():
        raise ValueError(f"a shift of ({ty}, {tx}) map pixels with margin {m} leaves nothing to compare")
    residual = np.where(valid[..., None], maps[1] - expected, np.nan)
    return {"maps": maps[0], "maps_shifted": maps[1], "expected": expected, "residual": residual,
            "shifted": shifted, "margin": m, "shift": (dy, dx), "stride": stride,
            "map_shift": (ty, tx),
            "equivariance_error": float(np.nanmax(np.abs(residual)) / np.abs(maps[0]).max()),
            "invariance_error": relative_error(pooled[1], pooled[0]),
            "probabilities": probabilities}


# --- the ablation --------------------------------------------------------------------------


def ablation_configs(base=None, variants=None):
    """``{name: config}``: :data:`BASE_CONFIG` updated by each entry of :data:`ABLATION`."""
    base = BASE_CONFIG if base is None else base
    variants = ABLATION if variants is None else variants
    return {name: {**base, **change} for name, change in variants.items()}


def run_ablation(data, configs: dict | None = None, epochs: int = ABLATION_EPOCHS,
                 seeds=ABLATION_SEEDS, learning_rate: float = ABLATION_LEARNING_RATE, **kwargs) -> dict:
    """Train every config with every seed; ``{name: [TrainResult, ...]}``.

    ``data`` from :func:`lib.data.translated_mnist`; each run learns from all training
    canvases for ``epochs`` epochs (cosine decay from ``learning_rate``), is validated on the
    validation canvases after every epoch, and is tested once at the end. Each result gets
    ``train_accuracy``: the final model's accuracy on the first :data:`N_TRAIN_EVAL` training
    canvases in inference mode (the per-epoch training accuracy of the history is measured
    while the weights change, with dropout active). The models themselves are not kept, so
    memory stays flat however many runs there are.
    """
    from lib.models import conv_classifier
    from lib.train import fit, predict_proba

    configs = ablation_configs() if configs is None else configs
    train, val, test = _splits(data)
    x_eval, y_eval = train[0][:N_TRAIN_EVAL], np.asarray(train[1][:N_TRAIN_EVAL])
    runs = {}
    for name, config in configs.items():
        slug = "ablation-" + "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
        runs[name] = []
        for seed in seeds:
            result = fit(f"{slug}-s{seed}", conv_classifier, config, train, val, test, epochs=epochs,
                         learning_rate=learning_rate, schedule="cosine", seed=seed, **kwargs)
            result.train_accuracy = float(np.mean(predict_proba(result.model, x_eval).argmax(1) == y_eval))
            result.model = None
            runs[name].append(result)
            _release_keras_state()
    return runs


def _release_keras_state():
    """Free what Keras keeps for models that are gone (Keras' advice when building many models in
    a loop): training the ablation's runs one after another otherwise grows the kernel by
    hundreds of MB. Models still in use keep working."""
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()
