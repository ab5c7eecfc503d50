"""Computations of the chapter *Rotation and group convolution* (``book/rotation.md``).

- :func:`rotation_counts`: the balanced rotated dataset, class by rotation.
- :func:`train_seeds`, :func:`summarize`, :func:`markdown_table`: several seeds per model,
  mean and spread of test accuracy and training time.
- :func:`per_rotation_accuracy`: every test image in all four rotations.
- :func:`six_nine_confusion`: how often 6 and 9 are swapped (the full confusion matrix is
  :func:`lib.analysis.confusion_matrix`).
- :func:`rotated_dense_shift_error`, :func:`invariance_error`: equivariance measured on digits.

Computing only: the plots are in :mod:`lib.plots`.
"""

from __future__ import annotations

import dataclasses
import gc

import numpy as np

import keras

from lib.data import rotate90
from lib.train import fit


def rotation_counts(labels, k, classes: int = 10) -> np.ndarray:
    """``int64`` ``(classes, 4)`` table: how many images of each class have each rotation power."""
    labels, k = np.asarray(labels), np.asarray(k)
    if labels.shape != k.shape:
        raise ValueError(f"labels and k must have the same shape, got {labels.shape} and {k.shape}")
    counts = np.zeros((classes, 4), dtype=np.int64)
    np.add.at(counts, (labels.astype(np.int64), k.astype(np.int64) % 4), 1)
    return counts


# --- Several seeds per model ----------------------------------------------------------------


@dataclasses.dataclass
class ModelSpec:
    """One model of the comparison: a label, its builder and config, and how to train it."""

    label: str
    build: object
    config: dict
    epochs: int
    seeds: tuple = (0, 1, 2)
    train_size: int | None = None  # None: the whole training set
    learning_rate: float = 1e-3


def train_seeds(spec: ModelSpec, train_data, test_data, progress: str = "summary", keep_models: int = 1) -> list:
    """Train ``spec`` once per seed with :func:`lib.train.fit` (cached); list of ``TrainResult``.

    Only the models of the first ``keep_models`` seeds are kept (the others' ``model`` is set
    to ``None`` and freed): their histories and accuracies are all a comparison needs, and a
    chapter that keeps every model grows by tens of MiB per model.
    """
    x, y = train_data
    if spec.train_size is not None:
        x, y = x[:spec.train_size], y[:spec.train_size]
    name = spec.label.lower().replace(" ", "_").replace("(", "").replace(")", "").replace(",", "")
    results = []
    for i, seed in enumerate(spec.seeds):
        result = fit(f"{name}-seed{seed}", spec.build, spec.config, (x, y), test_data, epochs=spec.epochs,
                     seed=seed, learning_rate=spec.learning_rate, progress=progress)
        if i >= keep_models:
            result.model = None
        results.append(result)
        gc.collect()
    return results


def summarize(label: str, results: list, spec: ModelSpec | None = None) -> dict:
    """Mean and spread over seeds: one row of the comparison table.

    Keys: ``model, params, seeds, epochs, train_images, accuracy_mean, accuracy_std`` (sample
    standard deviation, 0 for one seed), ``accuracy_min, accuracy_max, seconds_mean``.
    """
    acc = np.array([r.test_accuracy for r in results], dtype=np.float64)
    return {
        "model": label,
        "params": int(results[0].params),
        "seeds": len(results),
        "epochs": len(results[0].history["val_accuracy"]),
        "train_images": None if spec is None else spec.train_size,
        "accuracy_mean": float(acc.mean()),
        "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
        "accuracy_min": float(acc.min()),
        "accuracy_max": float(acc.max()),
        "seconds_mean": float(np.mean([r.train_seconds for r in results])),
    }


def markdown_table(rows: list, train_size_default: int) -> str:
    """The comparison as a Markdown table (rows from :func:`summarize`)."""
    lines = ["| model | parameters | seeds × epochs × images | test accuracy (mean ± sd) | range | "
             "training time per run |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        images = r["train_images"] or train_size_default
        lines.append(
            f"| {r['model']} | {r['params']:,} | {r['seeds']} × {r['epochs']} × {images:,} | "
            f"{100 * r['accuracy_mean']:.2f}% ± {100 * r['accuracy_std']:.2f} | "
            f"{100 * r['accuracy_min']:.2f}–{100 * r['accuracy_max']:.2f}% | {r['seconds_mean']:.0f} s |")
    return "\n".join(lines)


def mean_curve(results: list, key: str = "val_accuracy"):
    """``(epochs,)`` mean and min and max over seeds of a history entry."""
    curves = np.array([r.history[key] for r in results], dtype=np.float64)
    return curves.mean(0), curves.min(0), curves.max(0)


# --- Rotations of the test set --------------------------------------------------------------


def predictions_all_rotations(model, images, channel_axis: bool = True, batch_size: int = 256) -> np.ndarray:
    """``float32`` ``(4, N, classes)``: class probabilities for every image rotated by k = 0..3.

    ``images`` are ``uint8`` ``(N, H, W)``, scaled to ``[0, 1]`` batch by batch as in training.
    Calls the model directly on batches (no ``predict`` pipeline to build per call: faster and
    lighter in memory for a handful of evaluations).
    """
    images = np.asarray(images)
    out = []
    for k in range(4):
        rotated = rotate90(images, k)
        probs = []
        for start in range(0, len(rotated), batch_size):
            x = rotated[start:start + batch_size].astype(np.float32) / 255.0
            probs.append(keras.ops.convert_to_numpy(model(x[..., None] if channel_axis else x, training=False)))
        out.append(np.concatenate(probs).astype(np.float32))
    return np.stack(out)


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
    return {
        "six_as_nine": float(six_as_nine.mean()),
        "nine_as_six": float(nine_as_six.mean()),
        "swapped": float((six_as_nine.sum() + nine_as_six.sum()) / (six.sum() + nine.sum())),
        "other_errors": float((predicted[other] != labels[other]).mean()) if other.any() else 0.0,
    }


# --- Equivariance measured on real digits ---------------------------------------------------


def rotated_dense_shift_error(layer, images) -> np.ndarray:
    """``(4,)`` max relative deviation from ``y(rot^k x) == roll(y(x), k, axis=1)``, k = 0..3.

    ``layer`` is a built :class:`lib.layers.RotatedDense`; ``images`` uint8 ``(N, H, H)``.
    Relative to ``max |y(x)|``; float32 rounding gives about 1e-7.
    """
    x = np.asarray(images, dtype=np.float32) / 255.0
    y = keras.ops.convert_to_numpy(layer(x))
    scale = np.abs(y).max()
    return np.array([np.abs(keras.ops.convert_to_numpy(layer(rotate90(x, k))) - np.roll(y, k, axis=1)).max()
                     / scale for k in range(4)])


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

    scale = np.abs(y).max()
    return np.array([np.abs(keras.ops.convert_to_numpy(layer(act_input(x, k).copy())) - act_output(y, k)).max()
                     / scale for k in range(4)])


def invariance_error(probabilities) -> float:
    """Largest change of any class probability between rotations: ``max |p(rot^k x) - p(x)|``.

    ``probabilities`` from :func:`predictions_all_rotations`.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    return float(np.abs(probabilities - probabilities[:1]).max())


def prediction_agreement(probabilities) -> float:
    """Fraction of images whose predicted class is the same in all four rotations."""
    predicted = np.asarray(probabilities).argmax(-1)
    return float((predicted == predicted[:1]).all(axis=0).mean())
