"""The digit playground (``book/playground.md``): the book's networks, exported for the browser.

The playground page runs the trained networks of the chapters *Translation* and *Rotation* in
the reader's browser, with a short forward pass in plain JavaScript
(``book/_extra/playground/playground.js``). This module writes what it needs:

- :func:`export_model`: a trained Keras model as a list of simple layers (``conv``, ``dense``,
  ``maxpool``, ``rotation_pool``, ``global_max``, ``global_mean``, ``relu``, ``softmax``) with
  float32 weights. Batch normalisation is folded into the convolution before it, dropout is
  dropped (it does nothing at test time), and the layers of :mod:`lib.layers` become ordinary
  convolutions and dense layers through their ``effective_kernel()``.
- :func:`forward`: the same forward pass in NumPy, the reference for the JavaScript one; the
  tests check it against Keras.
- The page turns a digit by any angle with the arithmetic of :func:`lib.data.rotate_image`
  (bilinear interpolation about the image centre; at multiples of 90 degrees it equals
  :func:`lib.data.rotate90` exactly); :func:`reference_values` uses it for the browser check.
- :func:`write_bundle`: everything into one JavaScript file that the page loads with a
  ``<script>`` tag (it works from ``file://`` too, where a browser refuses ``fetch``).

Layout of activations: one image is an array ``(H, W, C)`` in row-major order, as in Keras
(``channels_last``); a vector is ``(C,)``. The ``(…, 4, F)`` features of the p4 layers are kept
flattened as ``4 * F`` channels, rotation-major (channel ``r * F + f``), exactly as the layers
reshape them before their ``Conv2D``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from lib.data import place_at, rotate_image

#: Version of the exported format (the page checks it).
FORMAT = 1


# --- Export ---------------------------------------------------------------------------------


def _np(x) -> np.ndarray:
    """A Keras variable or tensor as a float64 NumPy array (folding is done in float64)."""
    import keras

    if hasattr(x, "numpy"):  # a variable (np.asarray on a Keras variable warns)
        x = x.numpy()
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def _activation_name(layer) -> str:
    import keras

    name = keras.activations.serialize(layer.activation)
    if isinstance(name, dict):  # Keras 3 may serialise to a config dict
        name = name.get("config", name).get("name", str(name))
    if name not in ("linear", "relu", "softmax"):
        raise ValueError(f"layer {layer.name}: activation {name!r} is not supported by the playground")
    return name


def _conv(name, kernel, bias, strides, padding, activation):
    return {"type": "conv", "name": name, "kernel": np.asarray(kernel, np.float64),
            "bias": np.asarray(bias, np.float64), "strides": int(strides), "padding": padding,
            "activation": activation}


def _dense(name, kernel, bias, activation):
    return {"type": "dense", "name": name, "kernel": np.asarray(kernel, np.float64),
            "bias": np.asarray(bias, np.float64), "activation": activation}


def export_model(model) -> dict:
    """A trained Keras model as ``{"input_shape": [H, W, 1], "layers": [...]}`` for :func:`forward`.

    Works for the chain-shaped models of :mod:`lib.models` (each layer feeds the next).
    Weights are float64 arrays here; :func:`write_bundle` stores them as float32.

    Raises
    ------
    ValueError
        For a layer the playground cannot run (the message names it).
    """
    import keras

    from lib import layers as symlayers

    out: list[dict] = []

    def set_activation(act, layer_name):
        """Fuse an activation into the layer before it, or add it as a layer of its own."""
        if act == "linear":
            return
        if act == "relu" and out and out[-1]["type"] in ("conv", "dense") and out[-1]["activation"] == "linear":
            out[-1]["activation"] = "relu"
        else:
            out.append({"type": act, "name": layer_name})

    input_shape = [int(d) for d in model.inputs[0].shape[1:]]
    if len(input_shape) == 2:
        input_shape.append(1)
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, keras.layers.InputLayer) or kind in ("Flatten", "Dropout"):
            continue  # Flatten: the layout is already row-major; Dropout: identity at test time
        if kind == "Conv2D":
            strides = layer.strides[0]
            if layer.strides[0] != layer.strides[1] or layer.dilation_rate != (1, 1) or layer.groups != 1:
                raise ValueError(f"layer {layer.name}: only square strides, no dilation or groups")
            bias = _np(layer.bias) if layer.use_bias else np.zeros(layer.filters)
            out.append(_conv(layer.name, _np(layer.kernel), bias, strides, layer.padding, "linear"))
            set_activation(_activation_name(layer), layer.name)
        elif isinstance(layer, keras.layers.BatchNormalization):  # incl. RotationBatchNorm
            # y = gamma (x - mean) / sqrt(var + eps) + beta, per channel: fold into the conv before it.
            prev = out[-1] if out else None
            if prev is None or prev["type"] != "conv" or prev["activation"] != "linear":
                raise ValueError(f"layer {layer.name}: batch normalisation must follow a convolution")
            gamma = _np(layer.gamma) if layer.scale else 1.0
            beta = _np(layer.beta) if layer.center else 0.0
            scale = gamma / np.sqrt(_np(layer.moving_variance) + layer.epsilon)
            shift = beta - _np(layer.moving_mean) * scale
            copies = prev["kernel"].shape[-1] // scale.shape[0]
            if copies * scale.shape[0] != prev["kernel"].shape[-1]:
                raise ValueError(f"layer {layer.name}: {scale.shape[0]} channels do not fit the "
                                 f"{prev['kernel'].shape[-1]} outputs of {prev['name']}")
            # After a p4 layer (rotation-major channels k * F + f) one mean and scale per filter
            # serve its 4 rotated copies: repeat them once per rotation.
            scale, shift = np.tile(scale, copies), np.tile(shift, copies)
            prev["kernel"] = prev["kernel"] * scale
            prev["bias"] = prev["bias"] * scale + shift
        elif kind == "Activation":
            set_activation(_activation_name(layer), layer.name)
        elif kind == "Dense":
            bias = _np(layer.bias) if layer.use_bias else np.zeros(layer.units)
            out.append(_dense(layer.name, _np(layer.kernel), bias, "linear"))
            set_activation(_activation_name(layer), layer.name)
        elif kind == "MaxPooling2D":
            if layer.padding != "valid" or layer.pool_size[0] != layer.pool_size[1]:
                raise ValueError(f"layer {layer.name}: only square 'valid' max pooling")
            out.append({"type": "maxpool", "name": layer.name, "size": int(layer.pool_size[0]),
                        "strides": int(layer.strides[0])})
        elif kind == "GlobalMaxPooling2D":
            out.append({"type": "global_max", "name": layer.name})
        elif kind == "GlobalAveragePooling2D":
            out.append({"type": "global_mean", "name": layer.name})
        elif isinstance(layer, symlayers.RotatedDense):
            # A dense layer with 4 * filters units: column k * F + f is filter f turned k times.
            bias = np.tile(_np(layer.bias), 4) if layer.use_bias else np.zeros(4 * layer.filters)
            out.append(_dense(layer.name, _np(layer.effective_kernel()), bias, "linear"))
            set_activation(_activation_name(layer), layer.name)
        elif isinstance(layer, (symlayers.LiftingConv2D, symlayers.GroupConv2D)):
            # One ordinary convolution to 4 * filters channels (rotation-major), bias shared by the 4.
            bias = np.tile(_np(layer.bias), 4) if layer.use_bias else np.zeros(4 * layer.filters)
            out.append(_conv(layer.name, _np(layer.effective_kernel()), bias, 1, layer.padding, "linear"))
            set_activation(_activation_name(layer), layer.name)
        elif isinstance(layer, symlayers.SpatialMaxPool):
            out.append({"type": "maxpool", "name": layer.name, "size": 2, "strides": 2})
        elif isinstance(layer, symlayers.RotationPool):
            out.append({"type": "rotation_pool", "name": layer.name, "mode": layer.mode})
        else:
            raise ValueError(f"layer {layer.name} ({kind}) is not supported by the playground")
    if not out or out[-1]["type"] != "softmax":
        raise ValueError("the model must end in a softmax")
    return {"input_shape": input_shape, "layers": out}


# --- The forward pass, in NumPy (the reference for playground.js) --------------------------


def _same_padding(size, k, s):
    """(before, output size) of Keras/TensorFlow 'same' padding along one axis."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, out


def _conv_forward(x, spec):
    kernel, bias, s = spec["kernel"], spec["bias"], spec["strides"]
    k = kernel.shape[0]
    h, w, c = x.shape
    if spec["padding"] == "same":
        top, oh = _same_padding(h, k, s)
        left, ow = _same_padding(w, k, s)
    else:
        top = left = 0
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
    padded = np.zeros((max(h + 2 * k, (oh - 1) * s + k + top), max(w + 2 * k, (ow - 1) * s + k + left), c))
    padded[top:top + h, left:left + w] = x
    y = np.tile(bias, (oh, ow, 1))
    for ky in range(k):
        for kx in range(k):
            patch = padded[ky:ky + (oh - 1) * s + 1:s, kx:kx + (ow - 1) * s + 1:s]
            y += patch @ kernel[ky, kx]
    return y


def _max_pool(x, layer):
    p, s = layer["size"], layer["strides"]
    oh, ow = (x.shape[0] - p) // s + 1, (x.shape[1] - p) // s + 1
    return np.max([x[dy:dy + (oh - 1) * s + 1:s, dx:dx + (ow - 1) * s + 1:s]
                   for dy in range(p) for dx in range(p)], axis=0)


def _rotation_pool(x, layer):
    x = x.reshape(x.shape[:-1] + (4, -1))
    return x.max(axis=-2) if layer["mode"] == "max" else x.mean(axis=-2)


def _softmax(x, _layer):
    e = np.exp(x - x.max())
    return e / e.sum()


#: What each layer type of a spec does to one example, ``(H, W, C)`` or ``(C,)``: the NumPy
#: reference of the page's JavaScript. :mod:`lib.playground_ising` adds the Ising layers.
LAYER_OPS = {
    "conv": _conv_forward,
    "dense": lambda x, layer: x.reshape(-1) @ layer["kernel"] + layer["bias"],
    "maxpool": _max_pool,
    "global_max": lambda x, _layer: x.max(axis=(0, 1)),
    "global_mean": lambda x, _layer: x.mean(axis=(0, 1)),
    "rotation_pool": _rotation_pool,
    "relu": lambda x, _layer: np.maximum(x, 0),
    "softmax": _softmax,
}
#: A layer's ``activation``, applied after its operation.
ACTIVATIONS = {"linear": lambda x: x, "relu": lambda x: np.maximum(x, 0), "tanh": np.tanh}


def run_layers(x, layers: list, ops: dict = LAYER_OPS) -> np.ndarray:
    """Apply the layers of a spec in turn to one example ``x`` (float64), each by ``ops[type]``
    and then its ``activation`` (:data:`ACTIVATIONS`); raises on a type ``ops`` does not know."""
    for layer in layers:
        if layer["type"] not in ops:
            raise ValueError(f"unknown layer type {layer['type']!r}; known: {', '.join(sorted(ops))}")
        x = ACTIVATIONS[layer.get("activation", "linear")](ops[layer["type"]](x, layer))
    return x


def forward(spec: dict, image) -> np.ndarray:
    """Class probabilities ``(classes,)`` float64 of one image ``(H, W)`` or ``(H, W, 1)`` in ``[0, 1]``."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    return run_layers(x, spec["layers"])


# --- Writing the bundle for the page --------------------------------------------------------


def _b64(array) -> str:
    """Little-endian float32 bytes of an array, base64 (what the page decodes into a Float32Array)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def to_json(spec: dict, label: str, accuracy: float | None = None) -> dict:
    """One exported model as JSON-ready data, weights as base64 float32 with their shapes."""
    layers = []
    for layer in spec["layers"]:
        entry = {}
        for key, value in layer.items():
            if isinstance(value, np.ndarray):
                entry[key] = {"shape": list(value.shape), "data": _b64(value)}
            else:
                entry[key] = value
        layers.append(entry)
    return {"label": label, "input_shape": spec["input_shape"], "accuracy": accuracy, "layers": layers}


def rounded_spec(spec: dict) -> dict:
    """The spec with its weights rounded to float32, as the page receives them."""
    return {**spec, "layers": [{k: (v.astype(np.float32).astype(np.float64) if isinstance(v, np.ndarray) else v)
                                for k, v in layer.items()} for layer in spec["layers"]]}


def write_bundle(path, models: dict, digits, labels) -> int:
    """Write ``playground-models.js``: the models and some test digits; returns its size in bytes.

    ``models`` maps a key (``"dense"``, ``"cnn"``, ...) to ``(spec, label, test_accuracy)``;
    ``digits`` are ``uint8`` ``(N, 28, 28)`` test digits with their ``labels``.
    """
    digits = np.asarray(digits, dtype=np.uint8)
    bundle = {
        "format": FORMAT,
        "models": {key: to_json(spec, label, acc) for key, (spec, label, acc) in models.items()},
        "digits": {"size": int(digits.shape[1]), "labels": [int(y) for y in labels],
                   "pixels": base64.b64encode(digits.tobytes()).decode("ascii")},
    }
    return write_script(path, "PLAYGROUND_BUNDLE", bundle)


def write_script(path, name: str, bundle: dict) -> int:
    """Write ``bundle`` as a script that sets ``window.<name>``; returns its size in bytes."""
    text = ("// Generated by lib/playground.py while the book builds: do not edit.\n"
            f"window.{name} = " + json.dumps(bundle, separators=(",", ":")) + ";\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path.stat().st_size


# --- The page: export, reference values, figures --------------------------------------------

#: Positions (top-left corner) and angles of the reference values that the browser check uses.
REFERENCE_ANGLES = (0, 17, 45, 90, 123, 180, 270, 333)


def reference_cases(digits, seed: int = 0, canvas_size: int = 50):
    """Positions (3 per digit: centre, a corner, a random one) and angles for the agreement check."""
    n, size = len(digits), np.asarray(digits).shape[1]
    rng = np.random.default_rng(seed)
    corners = [(0, 0), (0, canvas_size - size), (canvas_size - size, 0), (canvas_size - size,) * 2]
    positions = []
    for i in range(n):
        centre = (canvas_size - size) // 2
        positions += [(i, centre, centre), (i,) + corners[i % 4],
                      (i,) + tuple(int(v) for v in rng.integers(0, canvas_size - size + 1, 2))]
    angles = [(i, a) for i in range(n) for a in REFERENCE_ANGLES]
    return positions, angles


def reference_values(translation: dict, rotation: dict, digits) -> dict:
    """Keras' probabilities for :func:`reference_cases`: what the browser must reproduce.

    ``translation`` and ``rotation`` map the page's keys to Keras models (float32). Digits are
    ``uint8`` ``(N, 28, 28)``; the page scales them by 1/255 in float32, as here. The placed
    digits are ``uint8`` canvases (:func:`lib.train.predict_proba`); the turned ones lie between
    the ``uint8`` levels (:func:`lib.rotation.predict_float`). Probabilities are float64
    lists rounded to 9 decimals.
    """
    from lib.rotation import predict_float
    from lib.train import predict_proba

    digits = np.asarray(digits, dtype=np.uint8)
    scaled = digits.astype(np.float32) / np.float32(255)
    positions, angles = reference_cases(digits)
    canvases = place_at(digits[[i for i, _, _ in positions]], [(r, c) for _, r, c in positions])
    turned = np.stack([rotate_image(scaled[i], a) for i, a in angles]).astype(np.float32)
    return {
        "digits": digits.reshape(len(digits), -1).tolist(),
        "positions": positions,
        "angles": angles,
        "translation": {k: predict_proba(m, canvases, batch_size=256).astype(np.float64).round(9).tolist()
                        for k, m in translation.items()},
        "rotation": {k: predict_float(m, turned, batch_size=256).astype(np.float64).round(9).tolist()
                     for k, m in rotation.items()},
    }


def diagonal_sweep(model, digits, canvas_size: int = 50) -> np.ndarray:
    """Probabilities ``float64 (canvas_size - h + 1, N, classes)`` of ``uint8 (N, h, h)`` digits
    moved along the diagonal: step ``t`` has every digit's top-left corner at ``(t, t)``.
    Accuracy at each step: :func:`lib.rotation.sweep_accuracy`."""
    digits = np.asarray(digits)
    steps = range(canvas_size - digits.shape[1] + 1)
    return _at_positions(model, digits, [(t, t) for t in steps], canvas_size)


def _at_positions(model, digits, positions, canvas_size: int) -> np.ndarray:
    """Probabilities ``float64 (len(positions), N, classes)``: every digit with its top-left
    corner at each position in turn (the one loop behind the page's sweeps)."""
    from lib.train import predict_proba

    return np.stack([predict_proba(model, place_at(digits, tuple(p), canvas_size), batch_size=256)
                     for p in positions]).astype(np.float64)


def stride_walk(model, digits, start=(11, 11), length: int = 8,
                canvas_size: int = 50) -> np.ndarray:
    """Probabilities ``float64 (length + 1, N, classes)`` of ``uint8 (N, h, h)`` digits moved to
    the right one pixel at a time: step ``k`` has every digit's top-left corner at
    ``(start[0], start[1] + k)``, as pressing the right arrow ``k`` times on the page's canvas."""
    digits = np.asarray(digits)
    row, col = start
    if not 0 <= col + length <= canvas_size - digits.shape[2]:
        raise ValueError(f"a walk of {length} pixels from column {col} leaves the "
                         f"{canvas_size}-pixel canvas: start further left or walk less")
    return _at_positions(model, digits, [(row, col + k) for k in range(length + 1)], canvas_size)


def stride_wobble(walk, labels):
    """How the probability of the right class moves along a :func:`stride_walk`.

    Returns ``(p_right, swing, back)``: ``float64 (steps, N)`` the probability of each digit's
    label at each step; ``float64 (N,)`` its largest change from the start at the steps in
    between; ``float64 (N,)`` its change from the start at the last step."""
    labels = np.asarray(labels)
    p_right = walk[:, np.arange(len(labels)), labels]
    swing = np.abs(p_right[1:-1] - p_right[0]).max(axis=0)
    back = np.abs(p_right[-1] - p_right[0])
    return p_right, swing, back


def blank_answers(models: dict) -> dict:
    """``{key: (class, probability)}``: what each model answers for an empty input (all zeros,
    of the model's own input shape), where only its biases decide."""
    from lib.train import predict_proba

    answers = {}
    for key, model in models.items():
        p = predict_proba(model, np.zeros((1, *model.input_shape[1:3]), np.uint8))[0]
        answers[key] = (int(p.argmax()), float(p.max()))
    return answers


def task_findings(chapter1: dict, chapter3: dict, digits, labels) -> dict:
    """The numbers behind the answers of the playground's tasks, for the digits of its menu.

    ``chapter1``: ``{"dense": model, "cnn": model}`` (50x50 canvases); ``chapter3``: key ->
    model (28x28 digits); ``digits`` ``uint8 (N, 28, 28)`` and ``labels`` ``(N,)``: the menu, in
    its order (entry ``i`` is "test digit ``i + 1``"). Returns a flat dict, ready to glue:

    - ``six``: the menu number of its first 6; ``six-{key}-45``, ``six-{key}-180``: the class each
      network of chapter 3 gives it turned by 45 and 180 degrees; ``six-{key}-change``: the
      largest change of a probability between upright and 180 degrees.
    - ``stride``: the menu number of the digit whose CNN probability of its label swings most
      while it moves right by 1 to 7 pixels from the centre (:func:`stride_walk`);
      ``stride-label``; ``stride-walk``: those probabilities at 0, 1, ..., 8 pixels (percent,
      one decimal, as the page shows them); ``stride-swing`` and ``stride-back`` (percentage
      points: the largest change in between, the change after 8 pixels); ``stride-dense-swing``
      and ``stride-dense-back``: the same for the dense network on that digit.
    - ``blank-{key}`` and ``blank-{key}-p``: each network's answer for an empty input.
    """
    from lib.rotation import angle_sweep

    labels = np.asarray(labels)
    out = {}
    first_six = int(np.flatnonzero(labels == 6)[0])
    out["six"] = first_six + 1
    turned = angle_sweep(chapter3, digits[first_six:first_six + 1], [0, 45, 180])
    for key, p in turned.items():
        p = p[:, 0].astype(np.float64)
        out[f"six-{key}-45"], out[f"six-{key}-180"] = int(p[1].argmax()), int(p[2].argmax())
        out[f"six-{key}-change"] = float(np.abs(p[2] - p[0]).max())

    p_right, swing, back = stride_wobble(stride_walk(chapter1["cnn"], digits), labels)
    j = int(swing.argmax())
    out["stride"], out["stride-label"] = j + 1, int(labels[j])
    out["stride-walk"] = ", ".join(f"{100 * v:.1f}" for v in p_right[:, j])
    out["stride-swing"], out["stride-back"] = 100 * float(swing[j]), 100 * float(back[j])
    _, swing_d, back_d = stride_wobble(stride_walk(chapter1["dense"], digits[j:j + 1]), labels[j:j + 1])
    out["stride-dense-swing"], out["stride-dense-back"] = 100 * float(swing_d[0]), 100 * float(back_d[0])

    for key, (answer, p) in blank_answers({**chapter1, **chapter3}).items():
        out[f"blank-{key}"], out[f"blank-{key}-p"] = answer, p
    return out


def write_json(path, value) -> int:
    """Write ``value`` as compact JSON (creating folders); returns the size in bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, separators=(",", ":")))
    return path.stat().st_size
