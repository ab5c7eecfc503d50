"""Chapter *Rotation and group convolution*: its settings, its training runs, its measurements.

- :data:`DENSE_PATIENCE`, :func:`benchmark_specs`, :func:`upright_specs`, :func:`cnn_specs`: every
  model of the chapter and how it is trained; :func:`train_seeds` trains one spec over seeds
  (summaries and tables are in :mod:`lib.stats`).
- :func:`rotation_counts`: the balanced rotated dataset, class by rotation.
- :func:`per_rotation_accuracy`: every test image in all four rotations.
- :func:`angle_sweep`, :func:`accuracy_by_angle`: digits turned by any angle; :func:`predict_float`
  runs a model on such images, whose pixels are no longer ``uint8``.
- :func:`six_nine_confusion`: how often 6 and 9 are swapped (the full confusion matrix is
  :func:`lib.analysis.confusion_matrix`).
- :func:`rotated_dense_shift_error`, :func:`p4_shift_error`, :func:`max_probability_change`:
  equivariance and invariance measured on digits.

Computing only: the plots are in :mod:`lib.plots`.
"""

from __future__ import annotations

import dataclasses
import gc

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

from lib import models  # noqa: E402
from lib.analysis import relative_error  # noqa: E402
from lib.data import rotate90, rotate_image  # noqa: E402
from lib.pipeline import to_float  # noqa: E402
from lib.train import fit, predict_proba  # noqa: E402

#: The dense benchmarks' stopping rule (Adam, learning rate 1e-3, batches of 128): stop when
#: validation accuracy has not improved for DENSE_PATIENCE epochs (at most DENSE_MAX_EPOCHS),
#: keep the best epoch's weights.
DENSE_PATIENCE, DENSE_MAX_EPOCHS = 3, 60
#: Seeds of every comparison of the chapter.
SEEDS = (0, 1, 2)
#: The two CNNs: all rotated training images, CNN_EPOCHS epochs, learning rate decaying from
#: CNN_LEARNING_RATE to 0 along half a cosine.
CNN_EPOCHS, CNN_LEARNING_RATE = 8, 3e-3
#: Their batch size on all images (64: twice the steps of 128 per epoch; measured on seeds 0
#: and 1, the p4 CNN's test accuracy rose from 98.52 and 98.46 % to 98.59 and 98.55 % at the
#: same time per epoch, since its convolutions, not the steps, set the pace).
CNN_BATCH_SIZE = 64
#: The p4 CNN (keyword arguments of :func:`lib.models.p4_cnn`) and the ordinary CNN with
#: about as many parameters (:func:`lib.models.plain_cnn`), each trained with :data:`SEEDS`.
P4_CONFIG = {"filters": [12, 24, 24], "batch_norm": True, "dense_units": 64}
PLAIN_CONFIG = {"filters": [24, 46, 46], "batch_norm": True, "dense_units": 64}
#: Epochs of the dense models trained on upright digits for contrast (a fixed, short budget);
#: the ordinary CNN on upright digits is trained to the dense benchmarks' stopping rule.
UPRIGHT_EPOCHS = 5
#: Their batch size (that of the dense benchmarks).
UPRIGHT_BATCH_SIZE = 128
#: What equivariance is worth in data: training-set sizes, seeds, and the images each run
#: sees (epochs = EFFICIENCY_IMAGES / images per epoch rounded up, with the CNNs' cosine
#: schedule): every size gets the same number of steps. A set smaller than EFFICIENCY_EPOCH_IMAGES is
#: repeated within an epoch up to that many images, so that a run validates every few
#: thousand images whatever its size (not every 500, which would take longer than training).
EFFICIENCY_SIZES, EFFICIENCY_SEEDS, EFFICIENCY_IMAGES = (500, 2000, 8000), SEEDS, 16_000
EFFICIENCY_EPOCH_IMAGES = 4000
#: Their batch size (a small set in batches of 64 would spend twice the steps on few images).
EFFICIENCY_BATCH_SIZE = 128
#: Their validation curve uses the first EFFICIENCY_VAL validation images: nothing is chosen
#: by it, and a small set seen for many epochs would otherwise spend most time validating.
EFFICIENCY_VAL = 1000
#: Momentum of their batch-norm running statistics (see :func:`small_data_cnn`).
EFFICIENCY_BN_MOMENTUM = 0.9
#: Test digits used to measure the CNNs' invariance.
N_INVARIANCE = 2000
#: Accuracy against any angle: test digits, and the angles (degrees, counter-clockwise).
N_SWEEP = 1000
SWEEP_ANGLES = np.arange(0, 361, 5)


def rotation_counts(labels, k, classes: int = 10) -> np.ndarray:
    """``int64`` ``(classes, 4)`` table: how many images of each class have each rotation power."""
    labels, k = np.asarray(labels), np.asarray(k)
    if labels.shape != k.shape:
        raise ValueError(f"labels and k must have the same shape, got {labels.shape} and {k.shape}")
    counts = np.zeros((classes, 4), dtype=np.int64)
    np.add.at(counts, (labels.astype(np.int64), k.astype(np.int64) % 4), 1)
    return counts


# --- The models of the chapter, and several seeds per model ---------------------------------


@dataclasses.dataclass
class ModelSpec:
    """One model of the comparison: a label, its builder and config, and how to train it."""

    label: str
    build: object
    config: dict
    epochs: int  # with patience: the most epochs
    seeds: tuple = SEEDS
    train_size: int | None = None  # None: the whole training set
    learning_rate: float = 1e-3
    schedule: str | None = None
    patience: int | None = None
    val_size: int | None = None  # None: the whole validation set (for the per-epoch curve)
    repeats: int = 1  # the training images appear this many times in each epoch
    batch_size: int = 128


def benchmark_specs() -> list[ModelSpec]:
    """The dense benchmarks and the rotated-filter layer with each pooling, trained alike
    (until the stopping rule of :data:`DENSE_PATIENCE`)."""
    dense, rotated = models.dense_classifier, models.rotated_dense_classifier
    return [_dense_spec(label, build, config) for label, build, config in (
        ("dense 100", dense, {"hidden_units": 100}),
        ("dense 400", dense, {"hidden_units": 400}),
        ("rotated 100, no pooling", rotated, {"pooling": None}),
        ("rotated 100, max pool", rotated, {"pooling": "max"}),
        ("rotated 100, mean pool", rotated, {"pooling": "mean"}))]


def _dense_spec(label, build, config) -> ModelSpec:
    return ModelSpec(label, build, config, DENSE_MAX_EPOCHS, patience=DENSE_PATIENCE)


def upright_specs() -> list[ModelSpec]:
    """A dense layer and the invariant rotated layer, for upright (not rotated) MNIST, each
    trained for :data:`UPRIGHT_EPOCHS` epochs."""
    return [ModelSpec("dense 100, upright", models.dense_classifier, {"hidden_units": 100}, UPRIGHT_EPOCHS),
            ModelSpec("rotated 100, max pool, upright", models.rotated_dense_classifier, {"pooling": "max"},
                      UPRIGHT_EPOCHS)]


def cnn_specs() -> list[ModelSpec]:
    """The ordinary CNN and the p4 CNN of about the same number of parameters, trained alike."""
    return [_cnn_spec("plain CNN", models.plain_cnn, PLAIN_CONFIG),
            _cnn_spec("p4 CNN", models.p4_cnn, P4_CONFIG)]


def _cnn_spec(label, build, config, **kwargs) -> ModelSpec:
    return ModelSpec(label, build, config, CNN_EPOCHS, learning_rate=CNN_LEARNING_RATE, schedule="cosine",
                     batch_size=CNN_BATCH_SIZE, **kwargs)


def upright_cnn_spec() -> ModelSpec:
    """The ordinary CNN of :func:`cnn_specs` trained on upright digits (one seed) until its
    validation accuracy stops improving, by the dense benchmarks' rule (:data:`DENSE_PATIENCE`,
    constant learning rate, batches of :data:`UPRIGHT_BATCH_SIZE`): a contrast, not a contender."""
    return ModelSpec("plain CNN, upright", models.plain_cnn, PLAIN_CONFIG, DENSE_MAX_EPOCHS, seeds=SEEDS[:1],
                     patience=DENSE_PATIENCE, batch_size=UPRIGHT_BATCH_SIZE)


def efficiency_specs(size: int) -> list[ModelSpec]:
    """The two CNNs of :func:`cnn_specs` on the first ``size`` rotated training images, each
    run seeing :data:`EFFICIENCY_IMAGES` images (rounded up to whole epochs of at least
    :data:`EFFICIENCY_EPOCH_IMAGES` images: a small set is repeated), seeds
    :data:`EFFICIENCY_SEEDS`."""
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be a positive number of training images, got {size}")
    repeats = -(-EFFICIENCY_EPOCH_IMAGES // size)
    epochs = -(-EFFICIENCY_IMAGES // (size * repeats))
    kinds = {"plain CNN": "plain", "p4 CNN": "p4"}
    return [dataclasses.replace(spec, label=f"{spec.label}, {size} images", epochs=epochs, train_size=size,
                                seeds=EFFICIENCY_SEEDS, val_size=EFFICIENCY_VAL, repeats=repeats,
                                batch_size=EFFICIENCY_BATCH_SIZE,
                                build=small_data_cnn,
                                config={"kind": kinds[spec.label], "bn_momentum": EFFICIENCY_BN_MOMENTUM,
                                        **spec.config})
            for spec in cnn_specs()]


def small_data_cnn(kind: str, bn_momentum: float, **config) -> keras.Model:
    """The p4 CNN (``kind="p4"``) or the ordinary CNN (``"plain"``) for a small training set.

    The same network as :func:`lib.models.p4_cnn` / :func:`lib.models.plain_cnn` with
    ``config``, except that its batch normalisation keeps running statistics with
    ``bn_momentum`` (Keras' default is 0.99). The running statistics are used only at test
    time; training normalises with each batch's own. With the default, a run of a few hundred
    steps (a small set) ends with statistics that still remember its first, random-weight
    batches, and tests at chance; 0.9 averages over the last ten or so batches.
    """
    builders = {"p4": models.p4_cnn, "plain": models.plain_cnn}
    if kind not in builders:
        raise ValueError(f"kind must be 'p4' or 'plain', got {kind!r}")
    if not 0 < float(bn_momentum) < 1:
        raise ValueError(f"bn_momentum must be between 0 and 1, got {bn_momentum!r}")
    model = builders[kind](**config)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(bn_momentum)
    return model


def data_efficiency(data: dict, sizes=EFFICIENCY_SIZES, full: dict | None = None, **kwargs) -> dict:
    """Test accuracy of the two CNNs against the number of training images.

    ``data`` as for :func:`train_seeds`; ``full``: optional ``{label: [TrainResult, ...]}``
    of :func:`cnn_specs` already trained on all images, added as the last size. Returns
    ``{"sizes": [n, ...], label: [[test accuracy per seed], ...] (one list per size)}``.
    """
    out = {"sizes": [int(n) for n in sizes]}
    for size in sizes:
        for spec in efficiency_specs(size):
            label = spec.label.rsplit(",", 1)[0]
            results = train_seeds(spec, data, keep_models=0, **kwargs)
            out.setdefault(label, []).append([r.test_accuracy for r in results])
    if full:
        out["sizes"].append(len(data["x_train"]))
        for label, results in full.items():
            out[label].append([r.test_accuracy for r in results])
    return out


#: Images per forward pass of the angle sweeps: batches of about 200 keep the p4 CNN's
#: activations (48 maps of 26x26 per image) small.
SWEEP_BATCH = 200


def predict_float(model, images, batch_size: int = SWEEP_BATCH) -> np.ndarray:
    """Class probabilities ``float32 (N, classes)`` of float images ``(N, H, W)`` in ``[0, 1]``.

    :func:`lib.train.predict_proba` is the book's one way to run a model on images, and takes
    ``uint8`` pixels. A digit turned by an angle other than a quarter turn
    (:func:`lib.data.rotate_image`, bilinear) has pixels between the 256 levels of ``uint8``;
    rounding them would change the image, so such images are predicted here, as ``float32``
    (what the playground's page feeds its networks too). The model runs in inference mode on
    consecutive batches of ``batch_size`` images: the same batches give the same bits as
    :func:`lib.train.predict_proba` on the ``uint8`` images they came from. ``batch_size``
    bounds the memory of the activations; the result depends on it only in float32 rounding.
    """
    x = np.asarray(images)
    if x.dtype == np.uint8:
        raise TypeError("images are uint8: use lib.train.predict_proba, which scales them by 1/255")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"images must be floats in [0, 1], got {x.dtype}")
    if x.ndim != 3 or len(x) == 0:
        raise ValueError(f"images must be a non-empty stack (N, H, W), got shape {x.shape}")
    x = x.astype(np.float32)
    if x.min() < 0 or x.max() > 1 + 1e-6:
        raise ValueError(f"images must lie in [0, 1] (pixels divided by 255), got {x.min()}..{x.max()}")
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    probs = [np.asarray(model.predict_on_batch(x[s:s + batch_size, ..., None]))  # one compiled call each
             for s in range(0, len(x), batch_size)]
    return np.concatenate(probs).astype(np.float32)


def _turned(digits, angles):
    """Each angle's turn of ``uint8 (N, H, H)`` digits: ``float32 (N, H, H)`` in [0, 1], one per angle."""
    digits = np.asarray(digits)
    if digits.ndim != 3 or digits.dtype != np.uint8:
        raise ValueError(f"digits must be uint8 (N, H, H), got {digits.dtype} {digits.shape}")
    scaled = digits.astype(np.float32) / np.float32(255)
    for angle in angles:
        yield rotate_image(scaled, float(angle)).astype(np.float32)


def angle_sweep(networks: dict, digits, angles=SWEEP_ANGLES, batch_size: int = SWEEP_BATCH) -> dict:
    """Class probabilities of each network on ``uint8 (N, H, H)`` digits turned by each angle.

    ``networks``: label -> Keras model taking ``(N, H, H, 1)`` images in [0, 1]; ``angles`` in
    degrees, counter-clockwise. Each angle is applied once (bilinear interpolation,
    :func:`lib.data.rotate_image`, exact for quarter turns) and every network sees the same
    turned images (:func:`predict_float`, batches of ``batch_size``). Returns label ->
    ``float32 (len(angles), N, classes)``. Used by the chapter *Rotation* (through
    :func:`accuracy_by_angle`) and the playground.
    """
    out = {label: [] for label in networks}
    for turned in _turned(digits, angles):
        for label, model in networks.items():
            out[label].append(predict_float(model, turned, batch_size))
    return {label: np.stack(probs) for label, probs in out.items()}


def sweep_accuracy(probabilities, labels) -> np.ndarray:
    """Fraction correct at each step of a sweep: ``probabilities`` ``(S, N, classes)`` (from
    :func:`angle_sweep`, or the playground's diagonal sweep) and the ``N`` true ``labels``:
    ``float64 (S,)``."""
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if probabilities.ndim != 3 or labels.shape != probabilities.shape[1:2]:
        raise ValueError(f"probabilities must be (S, N, classes) with N = len(labels); got "
                         f"{probabilities.shape} and {labels.shape} labels")
    return (probabilities.argmax(-1) == labels).mean(axis=1)


def accuracy_by_angle(networks: dict, digits, labels, angles=SWEEP_ANGLES) -> dict:
    """Accuracy of each network on digits turned by any angle: label -> ``float64 (len(angles),)``.

    ``networks``, ``digits`` (``uint8 (N, H, H)``) and ``angles`` as for :func:`angle_sweep`;
    ``labels``: ``(N,)``.
    """
    digits, labels = np.asarray(digits), np.asarray(labels)
    if digits.ndim != 3 or labels.shape != digits.shape[:1]:
        raise ValueError(f"digits must be (N, H, H) with N labels, got {digits.shape} and {labels.shape}")
    return {label: sweep_accuracy(p, labels) for label, p in angle_sweep(networks, digits, angles).items()}


def train_seeds(spec: ModelSpec, data: dict, keep_models: int = 1, **kwargs) -> list:
    """Train ``spec`` once per seed with :func:`lib.train.fit` (cached); list of ``TrainResult``.

    ``data`` has ``x_s, y_s`` for ``s`` in ``train, val, test`` (e.g. from
    :func:`lib.data.rotated_mnist_splits`). Only the models of the first ``keep_models``
    seeds are kept (the others' ``model`` is set to ``None`` and freed): their histories and
    accuracies are all a comparison needs.
    """
    x, y = data["x_train"], data["y_train"]
    if spec.train_size is not None:
        x, y = x[:spec.train_size], y[:spec.train_size]
    if int(spec.repeats) < 1:
        raise ValueError(f"{spec.label}: repeats must be a positive integer, got {spec.repeats!r}")
    if spec.repeats > 1:  # each epoch holds every image `repeats` times, shuffled together
        x, y = np.concatenate([x] * int(spec.repeats)), np.concatenate([y] * int(spec.repeats))
    name = "".join(c if c.isalnum() else "_" for c in spec.label.lower()).strip("_")
    val = (data["x_val"][:spec.val_size], data["y_val"][:spec.val_size])
    results = []
    for i, seed in enumerate(spec.seeds):
        result = fit(f"{name}-seed{seed}", spec.build, spec.config, (x, y), val,
                     (data["x_test"], data["y_test"]), epochs=spec.epochs, seed=seed,
                     learning_rate=spec.learning_rate, schedule=spec.schedule, patience=spec.patience,
                     batch_size=spec.batch_size, **kwargs)
        if i >= keep_models:
            result.model = None
        results.append(result)
        gc.collect()
    return results


# --- Rotations of the test set --------------------------------------------------------------


def predictions_all_rotations(model, images, channel_axis: bool = True, batch_size: int = 256) -> np.ndarray:
    """``float32`` ``(4, N, classes)``: class probabilities for every image rotated by k = 0..3.

    ``images`` are ``uint8`` ``(N, H, W)``; each rotation is predicted by
    :func:`lib.train.predict_proba` in batches of ``batch_size``.
    """
    images = np.asarray(images)
    return np.stack([predict_proba(model, rotate90(images, k), batch_size, channel_axis) for k in range(4)])


def per_rotation_accuracy(probabilities, labels) -> np.ndarray:
    """``(4,)`` accuracy for each rotation power, from :func:`predictions_all_rotations` output."""
    probabilities = np.asarray(probabilities)
    return (probabilities.argmax(-1) == np.asarray(labels)[None]).mean(axis=1)


def six_nine_confusion(predicted, labels) -> dict:
    """How often 6 and 9 are swapped.

    Returns ``six_as_nine`` (fraction of true 6s predicted 9), ``nine_as_six``, ``swapped``
    (both together, over all 6s and 9s) and ``other_errors`` (error rate over all other
    classes, for scale).
    """
    predicted, labels = np.asarray(predicted).ravel(), np.asarray(labels).ravel()
    six, nine = labels == 6, labels == 9
    if not six.any() or not nine.any():
        raise ValueError("labels must contain both 6s and 9s")
    six_as_nine = predicted[six] == 9
    nine_as_six = predicted[nine] == 6
    other = ~(six | nine)
    rates = pair_swap_rates(predicted, labels)
    pairs = [(a, b) for a in range(10) for b in range(a + 1, 10) if (a, b) != (6, 9)]
    others = np.array([rates[a, b] for a, b in pairs])
    return {
        "six_as_nine": float(six_as_nine.mean()),
        "nine_as_six": float(nine_as_six.mean()),
        "swapped": float((six_as_nine.sum() + nine_as_six.sum()) / (six.sum() + nine.sum())),
        "other_errors": float((predicted[other] != labels[other]).mean()) if other.any() else 0.0,
        # like with like: the same swap rate for every other pair of classes
        "pair_median": float(np.nanmedian(others)),
        "pair_max": float(np.nanmax(others)),
        "pair_rank": int(1 + np.sum(others > rates[6, 9])),  # 1: no pair is swapped more
    }


def pair_swap_rates(predicted, labels, classes: int = 10) -> np.ndarray:
    """``float64 (classes, classes)`` symmetric: for classes ``a != b``, the fraction of the true
    a's and b's that are predicted as the other one, ``(n(a->b) + n(b->a)) / (n(a) + n(b))``
    (NaN where neither class occurs; 0 on the diagonal)."""
    predicted, labels = np.asarray(predicted).ravel(), np.asarray(labels).ravel()
    counts = np.zeros((classes, classes))
    np.add.at(counts, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    n = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = (counts + counts.T) / (n[:, None] + n[None, :])
    np.fill_diagonal(rates, 0.0)
    return rates


# --- Equivariance measured on real digits ---------------------------------------------------


def rotated_dense_shift_error(layer, images) -> np.ndarray:
    """``(4,)`` max relative deviation from ``y(rot^k x) == roll(y(x), k, axis=1)``, k = 0..3.

    ``layer`` is a built :class:`lib.layers.RotatedDense`; ``images`` uint8 ``(N, H, H)``.
    Relative to ``max |y(x)|``; float32 rounding gives about 1e-7.
    """
    x = to_float(images, channel_axis=False)
    y = keras.ops.convert_to_numpy(layer(x))
    return np.array([relative_error(keras.ops.convert_to_numpy(layer(rotate90(x, k))), np.roll(y, k, axis=1))
                     for k in range(4)])


def unshared_rotated_dense(size: int, filters: int) -> keras.Model:
    """A negative control for the shift checks: ``(N, H, H) -> (N, 4, filters)`` like
    :class:`lib.layers.RotatedDense`, but with ``4 * filters`` independent dense units (no
    weights shared between the four copies), so rotating the input does not roll its output."""
    inputs = keras.Input((size, size))
    x = keras.layers.Dense(4 * filters)(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Reshape((4, filters))(x), name="unshared_rotated_dense")


def p4_shift_error(layer, inputs, lifted: bool) -> np.ndarray:
    """``(4,)`` max relative deviation of a p4 layer from its equivariance, k = 0..3.

    ``lifted=False``: ``layer`` is a :class:`lib.layers.LiftingConv2D` and ``inputs`` are
    ``(N, H, H, C)`` images; ``lifted=True``: a :class:`lib.layers.GroupConv2D` and ``inputs``
    ``(N, H, H, 4, C)``. Checked: ``y(g^k x) == g^k y(x)`` with ``g`` = rotate maps, roll rotations.
    """
    x = np.asarray(inputs, dtype=np.float32)
    y = keras.ops.convert_to_numpy(layer(x))

    def act_output(a, k):
        return np.roll(np.rot90(a, k, axes=(1, 2)), k, axis=3)

    def act_input(a, k):
        return act_output(a, k) if lifted else np.rot90(a, k, axes=(1, 2))

    return np.array([relative_error(keras.ops.convert_to_numpy(layer(act_input(x, k).copy())), act_output(y, k))
                     for k in range(4)])


def max_probability_change(probabilities) -> float:
    """Largest change of any class probability between rotations: ``max |p(rot^k x) - p(x)|``
    (an absolute difference: probabilities already lie in ``[0, 1]``).

    ``probabilities`` from :func:`predictions_all_rotations`.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    return float(np.abs(probabilities - probabilities[:1]).max())


def prediction_agreement(probabilities) -> float:
    """Fraction of images whose predicted class is the same in all four rotations."""
    predicted = np.asarray(probabilities).argmax(-1)
    return float((predicted == predicted[:1]).all(axis=0).mean())


# --- The chapter's tables -------------------------------------------------------------------


def rotation_report(model, images, labels) -> dict:
    """Everything the chapter reports about one model on ``images`` in all four rotations.

    Returns ``per_angle`` ``(4,)`` accuracies, ``agreement`` (same class in all four),
    ``change`` (:func:`max_probability_change`) and ``predicted`` ``int64 (4, N)``.
    """
    probs = predictions_all_rotations(model, images)
    return {"per_angle": per_rotation_accuracy(probs, labels), "agreement": prediction_agreement(probs),
            "change": max_probability_change(probs), "predicted": probs.argmax(-1)}


def rotation_table(reports: dict) -> str:
    """Markdown: accuracy per rotation, agreement and largest probability change, per model."""
    from lib.stats import markdown_table

    header = ["model", "0°", "90°", "180°", "270°", "same class in all 4 rotations",
              "max change of a probability"]
    rows = [[label] + [f"{100 * a:.2f}%" for a in r["per_angle"]]
            + [f"{100 * r['agreement']:.2f}%", f"{r['change']:.1e}"] for label, r in reports.items()]
    return markdown_table(header, rows)


def six_nine_table(six_nine: dict, accuracy: dict | None = None) -> str:
    """Markdown: 6/9 swaps against the same swap rate of the other 44 pairs of classes, per model.

    ``six_nine`` maps a label to :func:`six_nine_confusion` output; ``accuracy``, if given,
    maps a label to a test-accuracy text shown in a first column.
    """
    from lib.stats import markdown_table

    header = ["model"] + (["test accuracy (%)"] if accuracy else []) + [
        "6 predicted as 9", "9 predicted as 6", "6 and 9 swapped",
        "other pairs swapped: median", "largest", "rank of 6/9 (of 45)"]
    rows = [[label] + ([accuracy[label]] if accuracy else [])
            + [f"{100 * s[k]:.2f}%" for k in ("six_as_nine", "nine_as_six", "swapped", "pair_median", "pair_max")]
            + [str(s["pair_rank"])]
            for label, s in six_nine.items()]
    return markdown_table(header, rows)


def lifting_with_kernel(kernel):
    """A :class:`lib.layers.LiftingConv2D` with one filter, no bias and the given ``(k, k)``
    ``kernel`` as its weights ("valid" padding), built for single-channel images."""
    from lib.layers import LiftingConv2D

    w = np.asarray(kernel, np.float32)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"a square (k, k) kernel, got shape {w.shape}")
    layer = LiftingConv2D(1, kernel_size=w.shape[0], use_bias=False)
    layer.build((None, None, None, 1))
    layer.kernel.assign(w[:, :, None, None])
    return layer


def lifting_by_hand(image, kernel) -> np.ndarray:
    """The lifting convolution of one image with one filter, written as loops: ``float64 (4,
    H - k + 1, H - k + 1)``, map ``r`` the cross-correlation of ``image`` ``(H, H)`` with
    ``kernel`` ``(k, k)`` turned by ``r`` quarter turns (``np.rot90``), with "valid" padding
    and no bias (:func:`lib.convolution.cross_correlation` for each turn).
    :class:`lib.layers.LiftingConv2D` computes the same with one ``Conv2D``."""
    from lib.convolution import cross_correlation

    x, w = np.asarray(image, np.float64), np.asarray(kernel, np.float64)
    if x.ndim != 2 or w.ndim != 2 or x.shape[0] != x.shape[1] or w.shape[0] != w.shape[1]:
        raise ValueError(f"a square image and a square filter, got shapes {x.shape} and {w.shape}")
    return np.stack([cross_correlation(x, np.rot90(w, r)) for r in range(4)])
