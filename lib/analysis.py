"""Opening a trained network: where it fails, how its layers respond, where a unit looks.

Every function takes a model and/or arrays and returns arrays (or small records of arrays);
drawing is in :mod:`lib.plots`, so both halves are tested separately. Images are ``uint8``
``(N, H, W)`` as everywhere in the book and are converted to ``float32`` per batch by
:func:`lib.pipeline.batches`; activations over a data set are reduced batch by batch (means,
maxima), never stored whole.

Used in the chapter *Opening the black box* (``book/black_box.md``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

from lib.memory import release_freed_memory  # noqa: E402
from lib.pipeline import batches  # noqa: E402


def relative_error(actual, expected) -> float:
    """``max |actual - expected| / max |expected|``: the book's one measure of how far apart two
    arrays are, relative to the size of the expected one (``0`` for identical arrays; float32
    rounding gives about ``1e-7``). Raises ``ValueError`` if ``expected`` is all zeros."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: {actual.shape} and {expected.shape}")
    scale = np.abs(expected).max()
    if scale == 0:
        raise ValueError("the expected array is all zeros: a relative error is undefined")
    return float(np.abs(actual - expected).max() / scale)


def errors_text(errors) -> str:
    """The numbers in ``errors`` (any shape) as one line in the same format, ``.1e`` each
    (``"0.0e+00, 2.3e-07"``), so that exact zeros, rounding errors and real differences read
    alike in a printed check. Raises ``ValueError`` if there is nothing or a non-finite number."""
    values = np.asarray(errors, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"expected one or more finite numbers, got {values!r}")
    return ", ".join(f"{v:.1e}" for v in values)


# --- The architecture as a table -----------------------------------------------------------


def layer_table(model: keras.Model) -> list[dict]:
    """One row per layer: ``name``, ``kind`` (class name), ``output_shape`` (without batch),
    ``weight_shapes`` (list of tuples, as in ``get_weights()``) and ``params`` (int)."""
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else None
        rows.append({
            "name": layer.name,
            "kind": type(layer).__name__,
            "output_shape": tuple(shape[1:]) if shape is not None else None,
            "weight_shapes": [tuple(w.shape) for w in layer.get_weights()],
            "params": int(sum(int(np.prod(w.shape)) for w in layer.get_weights())),
        })
    return rows


def _operation(layer) -> str:
    """A layer in a few words, for a diagram: ``"conv 3×3, 16"``, ``"max pool 2×2"``, ``"ReLU"``."""
    layers = keras.layers
    if isinstance(layer, layers.Conv2D):
        k = layer.kernel_size[0]
        return f"conv {k}×{k}, {layer.filters}"
    if isinstance(layer, layers.Dense):
        act = layer.activation.__name__
        return f"dense {layer.units}" + ("" if act == "linear" else f", {_ACTIVATIONS.get(act, act)}")
    if isinstance(layer, layers.Activation):
        act = layer.activation.__name__
        return _ACTIVATIONS.get(act, act)
    if isinstance(layer, layers.BatchNormalization):
        return "batch norm"
    if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
        p = layer.pool_size[0]
        return f"{'max' if isinstance(layer, layers.MaxPooling2D) else 'mean'} pool {p}×{p}"
    if isinstance(layer, layers.GlobalMaxPooling2D):
        return "global max"
    if isinstance(layer, layers.GlobalAveragePooling2D):
        return "global mean"
    if isinstance(layer, layers.Dropout):
        return f"dropout {layer.rate:g}"
    if isinstance(layer, layers.Flatten):
        return "flatten"
    return type(layer).__name__


_ACTIVATIONS = {"relu": "ReLU", "softmax": "softmax", "tanh": "tanh", "sigmoid": "sigmoid"}
#: Layers that start a stage of :func:`stages`; the others join the stage before (dropout: after).
_STAGE_STARTS = (keras.layers.Conv2D, keras.layers.Dense, keras.layers.GlobalMaxPooling2D,
                 keras.layers.GlobalAveragePooling2D, keras.layers.Flatten)


def stages(model: keras.Model) -> list[dict]:
    """The network as a chain of stages, for a diagram: ``[{"ops": [str], "shape": tuple}]``.

    The input is the first stage; each convolution, dense layer, global pooling or flattening
    starts a new one, which takes the normalisation, activation and pooling after it and the
    dropout before it. ``shape``: the stage's output shape without the batch axis (a tuple of
    ints), ``ops``: its layers in a few words each (see :func:`_operation`)."""
    out = [{"ops": ["input"], "shape": tuple(model.inputs[0].shape[1:])}]
    pending = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Dropout):
            pending.append(_operation(layer))
            continue
        if isinstance(layer, _STAGE_STARTS):
            out.append({"ops": pending + [_operation(layer)], "shape": None})
            pending = []
        else:
            out[-1]["ops"].append(_operation(layer))
        out[-1]["shape"] = tuple(int(d) for d in layer.output.shape[1:])
    if pending:
        raise ValueError(f"{model.name}: dropout after the last layer that computes something ({pending})")
    return out


# --- Where it fails --------------------------------------------------------------------------


@dataclasses.dataclass
class Misclassified:
    """The wrongly classified examples, worst first (highest confidence in the wrong class).

    All arrays have length ``M`` (the number of errors): ``indices`` (int64, into the data),
    ``true`` and ``predicted`` (int64 labels), ``confidence`` (float32, probability of the
    predicted class) and ``true_probability`` (float32, probability given to the true class).
    """

    indices: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    true_probability: np.ndarray

    def __len__(self):
        return len(self.indices)


def misclassified(probabilities, labels) -> Misclassified:
    """The examples whose most probable class differs from ``labels``, worst first.

    ``probabilities``: ``(N, C)`` float; ``labels``: ``(N,)`` int. Ties in the sort are
    broken by index, so the order is deterministic.
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels).astype(np.int64)
    if probabilities.ndim != 2 or probabilities.shape[0] != labels.shape[0]:
        raise ValueError(f"probabilities must be (N, C) with N = len(labels) = {len(labels)}, "
                         f"got {probabilities.shape}")
    predicted = probabilities.argmax(axis=1).astype(np.int64)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]].astype(np.float32)
    order = np.lexsort((wrong, -confidence))  # last key is primary: confidence descending
    wrong = wrong[order]
    return Misclassified(
        indices=wrong.astype(np.int64),
        true=labels[wrong],
        predicted=predicted[wrong],
        confidence=confidence[order],
        true_probability=probabilities[wrong, labels[wrong]].astype(np.float32),
    )


def confusion_matrix(labels, predictions, classes: int = 10) -> np.ndarray:
    """``(classes, classes)`` int64 counts: row = true label, column = predicted label.

    ``labels`` and ``predictions`` are integer arrays of one shape (any shape: they are
    flattened, e.g. ``(4, N)`` for the four rotations of chapter 3).
    """
    labels = np.asarray(labels).astype(np.int64)
    predictions = np.asarray(predictions).astype(np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predictions.shape} differ in shape")
    return np.bincount((labels * classes + predictions).ravel(),
                       minlength=classes * classes).reshape(classes, classes)


def most_confused_pairs(confusion, top: int = 5, symmetric: bool = False) -> list[tuple[int, int, int]]:
    """The off-diagonal cells of a confusion matrix with the most counts.

    Returns up to ``top`` tuples ``(true, predicted, count)`` with ``count > 0``, largest
    first (ties: smaller ``true``, then smaller ``predicted``). With ``symmetric=True`` the
    two directions are added, ``count = C[a, b] + C[b, a]``, and pairs are ``(a, b)`` with
    ``a < b``.
    """
    confusion = np.asarray(confusion)
    c = confusion.shape[0]
    cells = []
    for a in range(c):
        for b in range(c):
            if a == b or (symmetric and b < a):
                continue
            count = int(confusion[a, b] + (confusion[b, a] if symmetric else 0))
            if count > 0:
                cells.append((a, b, count))
    cells.sort(key=lambda t: (-t[2], t[0], t[1]))
    return cells[:top]


# --- Activations -----------------------------------------------------------------------------


def activation_model(model: keras.Model, layer_names) -> keras.Model:
    """A Keras model with the same input as ``model`` and the outputs of ``layer_names``
    (a list, in that order). It shares the weights; nothing is copied."""
    outputs = [model.get_layer(name).output for name in layer_names]
    return keras.Model(model.inputs, outputs, name=f"{model.name}_activations")


@dataclasses.dataclass
class ActivationStats:
    """Per-class means and per-image maxima of some layers' activations over a data set.

    ``class_means[name]``: float64 ``(C, *shape)``, the mean activation over the images of each
    class (``shape`` = the layer's output without batch, e.g. ``(H, W, F)`` or ``(U,)``);
    a class with no images gets NaN. ``counts``: int64 ``(C,)``, images per class.
    ``image_max[name]``: float32 ``(N, F)``, each image's largest activation of each filter
    (maximum over positions; for a dense layer, the activation itself).
    ``argmax[name]``: int64 ``(N, F, 2)``, the (row, column) of that maximum (zeros for dense).
    """

    layer_names: list
    class_means: dict
    counts: np.ndarray
    image_max: dict
    argmax: dict

    def overall_mean(self, name: str) -> np.ndarray:
        """Mean over all images: the count-weighted average of the class means, ``shape``."""
        weights = self.counts / self.counts.sum()
        means = np.nan_to_num(self.class_means[name])
        return np.tensordot(weights, means, axes=1)

    def unit_means(self, name: str) -> np.ndarray:
        """``(C, F)``: class means averaged over spatial positions (one number per filter)."""
        return spatial_mean(self.class_means[name])


def spatial_mean(means) -> np.ndarray:
    """Average every axis except the first and last: ``(C, H, W, F) -> (C, F)``; ``(C, U)`` unchanged."""
    means = np.asarray(means)
    return means.mean(axis=tuple(range(1, means.ndim - 1))) if means.ndim > 2 else means


def activation_stats(model: keras.Model, images, labels, layer_names, classes: int = 10,
                     batch_size: int = 500) -> ActivationStats:
    """Run ``images`` (uint8 ``(N, H, W)``) through ``model`` batch by batch and reduce the
    outputs of ``layer_names`` to an :class:`ActivationStats` (inference mode: dropout off).

    Memory: one batch of activations at a time plus the per-class sums, so the test set of
    MNIST needs a few tens of MB whatever its size (the heap is trimmed after each batch:
    :func:`lib.memory.release_freed_memory`).
    """
    layer_names = list(layer_names)
    labels = np.asarray(labels).astype(np.int64)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    extractor = activation_model(model, layer_names)
    sums, maxima, positions = {}, {n: [] for n in layer_names}, {n: [] for n in layer_names}
    start = 0
    for x in batches(images, None, batch_size):
        outputs = extractor(x, training=False)
        if len(layer_names) == 1:
            outputs = [outputs]
        y = labels[start:start + len(x)]
        onehot = np.eye(classes, dtype=np.float64)[y]  # (B, C)
        for name, out in zip(layer_names, outputs):
            a = keras.ops.convert_to_numpy(out).astype(np.float32)
            flat = a.reshape(len(a), -1)
            sums[name] = sums.get(name, 0.0) + onehot.T @ flat.astype(np.float64)
            if a.ndim == 4:
                b, h, w, f = a.shape
                spatial = a.reshape(b, h * w, f)
                idx = spatial.argmax(axis=1)  # (B, F)
                maxima[name].append(np.take_along_axis(spatial, idx[:, None, :], axis=1)[:, 0, :])
                positions[name].append(np.stack(np.divmod(idx, w), axis=-1))
            else:
                maxima[name].append(flat)
                positions[name].append(np.zeros(flat.shape + (2,), dtype=np.int64))
        start += len(x)
        release_freed_memory()  # else each batch's freed activations stay in the heap
    counts = np.bincount(labels, minlength=classes).astype(np.int64)
    class_means = {}
    for name in layer_names:
        with np.errstate(invalid="ignore", divide="ignore"):
            m = sums[name] / counts[:, None]
        m[counts == 0] = np.nan
        out_shape = tuple(model.get_layer(name).output.shape[1:])
        class_means[name] = m.reshape((classes,) + out_shape)
    return ActivationStats(
        layer_names=layer_names,
        class_means=class_means,
        counts=counts,
        image_max={n: np.concatenate(maxima[n]).astype(np.float32) for n in layer_names},
        argmax={n: np.concatenate(positions[n]).astype(np.int64) for n in layer_names},
    )


def feature_maps(model: keras.Model, images, layer_name: str, batch_size: int = 500) -> np.ndarray:
    """The output of one layer for a few ``uint8`` images: float32 ``(N, *shape)``.

    For a handful of images only (it keeps all of them); use :func:`activation_stats` for a data set.
    """
    extractor = activation_model(model, [layer_name])
    maps = []
    for x in batches(images, None, batch_size):
        maps.append(keras.ops.convert_to_numpy(extractor(x, training=False)).astype(np.float32))
        release_freed_memory()  # the batch's other activations, freed, leave the heap
    return np.concatenate(maps)


def class_selectivity(unit_means) -> tuple[np.ndarray, np.ndarray]:
    """For class x unit means ``(C, U)`` (non-negative, e.g. after ReLU): each unit's preferred
    class (int64 ``(U,)``, argmax over classes) and its class-selectivity index (float64 ``(U,)``)

    .. math:: \\mathrm{SI} = \\frac{\\mu_{\\max} - \\mu_{\\text{rest}}}{\\mu_{\\max} + \\mu_{\\text{rest}}},

    with :math:`\\mu_{\\text{rest}}` the mean over the other classes: 0 for a unit that responds
    equally to all classes, 1 for one that responds to one class only. A silent unit gets 0.
    """
    m = np.asarray(unit_means, dtype=np.float64)
    c = m.shape[0]
    preferred = m.argmax(axis=0).astype(np.int64)
    top = m.max(axis=0)
    rest = (m.sum(axis=0) - top) / (c - 1)
    denom = top + rest
    index = np.divide(top - rest, denom, out=np.zeros_like(top), where=denom > 0)
    return preferred, index


def _window(layer) -> tuple[int, int]:
    """``(window, step)`` of a square convolution or pooling layer; ``(1, 1)`` for other layers."""
    from lib.layers import SpatialMaxPool

    if isinstance(layer, SpatialMaxPool):
        return 2, 2
    k = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if k is None:
        return 1, 1
    k = k[0] if isinstance(k, (tuple, list)) else k
    s = getattr(layer, "strides", 1)
    s = s[0] if isinstance(s, (tuple, list)) else s
    return int(k), int(s or k)


def receptive_field(model: keras.Model, layer_name: str) -> tuple[int, int]:
    """Receptive field side (input pixels) and stride (input pixels per step of the feature
    map) of one unit of ``layer_name``, from the chain of square convolution / pooling layers
    before it (Conv2D, pooling, and the p4 layers of :mod:`lib.layers`):
    ``rf <- rf + (k - 1) * stride``, ``stride <- stride * s``. E.g. 5x5 conv -> (5, 1)."""
    rf, stride = 1, 1
    for layer in model.layers:
        k, s = _window(layer)
        rf += (k - 1) * stride
        stride *= s
        if layer.name == layer_name:
            return rf, stride
    raise ValueError(f"no layer named {layer_name!r} in {model.name}")


def to_input_pixels(positions, stride: int) -> np.ndarray:
    """Map (row, column) feature-map positions to the input pixel at the centre of each unit's
    receptive field (for 'same' padding and pooling windows equal to their strides):
    ``p * stride + (stride - 1) / 2``. float64, same shape as ``positions``."""
    return np.asarray(positions, dtype=np.float64) * stride + (stride - 1) / 2


def top_exciting(image_max, filter_index: int, top: int = 9) -> np.ndarray:
    """Indices (int64 ``(top,)``) of the images whose maximum activation of one filter is
    largest, from ``ActivationStats.image_max[name]`` ``(N, F)``; ties broken by index."""
    values = np.asarray(image_max)[:, filter_index]
    order = np.lexsort((np.arange(len(values)), -values))
    return order[:top].astype(np.int64)


# --- A network on the move: responses as the digit slides over the canvas -------------------


def responses_over_positions(model: keras.Model, digit, layer_name: str, canvas_size: int,
                             batch_size: int = 64) -> np.ndarray:
    """The output of ``layer_name`` for ``digit`` pasted at every position of an empty canvas.

    ``digit`` is ``uint8 (h, h)``; position ``(r, c)`` is its top-left corner, ``0 .. S - h``.
    Returns ``float32 (S - h + 1, S - h + 1, *shape)``, ``shape`` the layer's output without the
    batch axis (e.g. ``(F,)`` after global pooling, ``(10,)`` for the probabilities). Small
    batches: a deep network's activations of 256 canvases at once cost about 200 MB.
    """
    digit = np.asarray(digit)
    if digit.ndim != 2 or digit.shape[0] != digit.shape[1]:
        raise ValueError(f"digit must be one square image (h, h), got shape {digit.shape}")
    h = digit.shape[0]
    n = canvas_size - h + 1
    if n < 1:
        raise ValueError(f"a {h}x{h} digit does not fit on a {canvas_size}x{canvas_size} canvas")
    from lib.data import place_at

    out = []
    positions = np.stack(np.divmod(np.arange(n * n), n), axis=1)  # (row, column), row-major
    for start in range(0, n * n, batch_size):
        corners = positions[start:start + batch_size]
        canvases = place_at(np.broadcast_to(digit, (len(corners), h, h)), corners, canvas_size)
        out.append(feature_maps(model, canvases, layer_name, batch_size=batch_size))
    maps = np.concatenate(out)
    return maps.reshape((n, n) + maps.shape[1:])


def knock_out_unit(model: keras.Model, layer_name: str, unit: int, images, labels,
                   classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Per-class accuracy ``float64 (classes,)`` before and after silencing one unit.

    A copy of ``model`` gets zero incoming weights and bias for ``unit`` of the dense layer
    ``layer_name``, so the unit's ReLU output is always 0; ``model`` itself is not changed.
    ``images``: ``uint8 (N, H, W)``, ``labels``: ``(N,)``. Returns ``(before, after)``.
    """
    from lib.train import predict_proba

    labels = np.asarray(labels)
    kernel, bias = model.get_layer(layer_name).get_weights()
    if not 0 <= unit < kernel.shape[-1]:
        raise ValueError(f"layer {layer_name!r} has {kernel.shape[-1]} units; got unit {unit}")
    silenced = keras.models.clone_model(model)
    silenced.set_weights(model.get_weights())
    kernel, bias = kernel.copy(), bias.copy()
    kernel[..., unit], bias[unit] = 0, 0
    silenced.get_layer(layer_name).set_weights([kernel, bias])

    def per_class(m):
        predicted = predict_proba(m, images).argmax(-1)
        return np.array([np.mean(predicted[labels == c] == c) for c in range(classes)])

    return per_class(model), per_class(silenced)


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one forward pass of one image through ``model``'s weight layers.

    Counts ``Conv2D`` (output pixels x kernel entries), the p4 layers of :mod:`lib.layers`
    (each is one ordinary convolution with its effective kernel of ``4*filters`` output
    channels), ``RotatedDense`` (its ``(H*W, 4*filters)`` effective matrix) and ``Dense``.
    Pooling, normalisation and activations are left out (they cost a few operations per
    value, not per weight). A model with another weight layer raises ``ValueError``.
    """
    from lib import layers as symlayers

    total = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        if isinstance(layer, (keras.layers.Conv2D, symlayers.LiftingConv2D, symlayers.GroupConv2D)):
            out = layer.output.shape  # (None, H', W', C) or (None, H', W', 4, F)
            pixels = int(out[1]) * int(out[2])
            if isinstance(layer, keras.layers.Conv2D):
                kernel = tuple(layer.kernel.shape)
            else:
                kernel = tuple(keras.ops.convert_to_numpy(layer.effective_kernel()).shape)
            total += pixels * int(np.prod(kernel))
        elif isinstance(layer, symlayers.RotatedDense):
            total += int(np.prod(keras.ops.convert_to_numpy(layer.effective_kernel()).shape))
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.BatchNormalization):
            continue
        else:
            raise ValueError(f"multiply_adds does not know layer {layer.name} ({type(layer).__name__})")
    return total
