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


def forward(spec: dict, image) -> np.ndarray:
    """Class probabilities ``(classes,)`` float64 of one image ``(H, W)`` or ``(H, W, 1)`` in ``[0, 1]``."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    for layer in spec["layers"]:
        t = layer["type"]
        if t == "conv":
            x = _conv_forward(x, layer)
        elif t == "dense":
            x = x.reshape(-1) @ layer["kernel"] + layer["bias"]
        elif t == "maxpool":
            p, s = layer["size"], layer["strides"]
            oh, ow = (x.shape[0] - p) // s + 1, (x.shape[1] - p) // s + 1
            x = np.max([x[dy:dy + (oh - 1) * s + 1:s, dx:dx + (ow - 1) * s + 1:s]
                        for dy in range(p) for dx in range(p)], axis=0)
        elif t == "global_max":
            x = x.max(axis=(0, 1))
        elif t == "global_mean":
            x = x.mean(axis=(0, 1))
        elif t == "rotation_pool":
            x = x.reshape(x.shape[:-1] + (4, -1))
            x = x.max(axis=-2) if layer["mode"] == "max" else x.mean(axis=-2)
        elif t == "relu":
            x = np.maximum(x, 0)
        elif t == "softmax":
            e = np.exp(x - x.max())
            x = e / e.sum()
        else:
            raise ValueError(f"unknown layer type {t!r}")
        if layer.get("activation") == "relu":
            x = np.maximum(x, 0)
    return x


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
    text = ("// Generated by lib/playground.py while the book builds: do not edit.\n"
            "window.PLAYGROUND_BUNDLE = " + json.dumps(bundle, separators=(",", ":")) + ";\n")
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


# --- The Ising panel: the chapter's symmetric CNN, exported for the browser ----------------
#
# The panel (book/_extra/playground/ising.js) runs a Metropolis simulation on a 32 x 32 torus
# and asks the network of the chapter on the 2D Ising model whether the configuration is
# ordered. That network is lib.ising_models.symmetric_cnn with flip="pooled": circular group
# convolutions without bias and tanh, a mean over D4 and over positions, |.|, then a small
# dense head. Each D4 convolution is one ordinary convolution with its effective_kernel() on
# the circularly padded input, so the page needs only: circular conv + tanh (as often as there
# are convolutions), group mean, position mean, abs, dense (ReLU), dense, softmax.

#: Version of the Ising bundle's format (ising.js checks it).
ISING_FORMAT = 1

#: The side of the torus the panel simulates.
ISING_LATTICE = 32


def _refuse(layer, why):
    raise ValueError(f"not the playground's Ising network (lib.ising_models.symmetric_cnn with flip='pooled', "
                     f"even='abs'): layer {layer.name!r} ({type(layer).__name__}) {why}")


def export_ising_model(model) -> dict:
    """The Ising network as ``{"input_shape": [L, L, 1], "layers": [...]}`` for :func:`ising_forward`.

    Accepts exactly the architecture of :func:`lib.ising_models.symmetric_cnn` with
    ``flip="pooled"`` and ``even="abs"`` (any ``filters``, odd ``kernel_size``, circular padding,
    with or without the hidden layer, ``input_encoding`` ``"pixels"`` or ``"spins"``):

    - ``circular_conv``: kernel ``(k, k, 8 C_in, 8 F)`` (the layer's ``effective_kernel()``; the
      lifting convolution has ``C_in = 1`` spin channel instead of ``8 C_in``), no bias, ``tanh``.
      Channels are group-major, ``s * F + f``, as the next layer reshapes them;
    - ``group_mean`` (over the 8 elements: channel ``f`` is the mean of ``s * F + f``),
      ``global_mean`` (over positions), ``abs``;
    - ``dense`` (``activation`` ``"relu"`` or ``"linear"``) and ``softmax`` over 2 classes.

    The input of :func:`ising_forward` is spins ``-1/+1``: the ``Rescaling(2, offset=-1)`` of the
    pixels encoding maps the pixels 0 and 1 to exactly -1 and +1, so it is recorded
    (``input_encoding``), not run. ``L`` is ``None`` for a model that takes any lattice size.
    Weights are float64 arrays here (:func:`write_ising_bundle` stores float32).

    Raises
    ------
    ValueError
        For any other model, naming the first layer that does not fit.
    """
    import keras

    from lib import ising_layers as il

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not layers:
        raise ValueError("not the playground's Ising network: the model has no layers")
    shape = [None if d is None else int(d) for d in model.inputs[0].shape[1:]]
    if len(shape) != 3 or shape[2] != 1 or shape[0] != shape[1]:
        raise ValueError(f"not the playground's Ising network: input shape {tuple(shape)}, not (L, L, 1)")
    encoding = "spins"
    if isinstance(layers[0], keras.layers.Rescaling):
        if float(layers[0].scale) != 2.0 or float(layers[0].offset) != -1.0:
            _refuse(layers[0], "is not Rescaling(2, offset=-1) (pixels 0/1 -> spins -1/+1)")
        encoding, layers = "pixels", layers[1:]
    out: list[dict] = []
    i = 0
    while i < len(layers) and isinstance(layers[i], (il.D4LiftingConv2D, il.D4GroupConv2D)):
        layer = layers[i]
        first = i == 0
        if isinstance(layer, il.D4GroupConv2D) == first:
            _refuse(layer, "is out of place: one D4LiftingConv2D, then D4GroupConv2D layers")
        if layer.padding != "circular" or layer.use_bias or _activation_key(layer) != "tanh":
            _refuse(layer, f"has padding={layer.padding!r}, use_bias={layer.use_bias}, activation="
                           f"{_activation_key(layer)!r}; the odd body needs 'circular', False, 'tanh'")
        if first and layer.in_channels != 1:
            _refuse(layer, f"takes {layer.in_channels} channels, not 1 spin per site")
        out.append({"type": "circular_conv", "name": layer.name, "kernel": _np(layer.effective_kernel()),
                    "activation": "tanh"})
        i += 1
    if not out:
        _refuse(layers[0], "is not a D4LiftingConv2D")
    expected = [(il.D4GroupPool, "D4GroupPool('mean')"), (keras.layers.GlobalAveragePooling2D,
                                                          "GlobalAveragePooling2D"),
                (il.EvenActivation, "EvenActivation('abs')")]
    for cls, what in expected:
        if i >= len(layers):
            raise ValueError(f"not the playground's Ising network: the model ends before {what}")
        layer = layers[i]
        if not isinstance(layer, cls):
            _refuse(layer, f"is where {what} belongs")
        if cls is il.D4GroupPool and layer.mode != "mean":
            _refuse(layer, f"pools by {layer.mode!r}; the odd body needs 'mean'")
        if cls is il.EvenActivation and layer.function != "abs":
            _refuse(layer, f"applies {layer.function!r}; the playground runs 'abs'")
        if cls is keras.layers.GlobalAveragePooling2D and layer.keepdims:
            _refuse(layer, "keeps its dimensions")
        i += 1
    out += [{"type": "group_mean", "name": "pool_group", "order": il.D4_ORDER},
            {"type": "global_mean", "name": "pool_positions"}, {"type": "abs", "name": "even"}]
    while i < len(layers) and isinstance(layers[i], keras.layers.Dense):
        layer, act = layers[i], _activation_key(layers[i])
        if act not in ("relu", "linear"):
            _refuse(layer, f"has activation {act!r}; the head uses ReLU, then a linear layer")
        bias = _np(layer.bias) if layer.use_bias else np.zeros(layer.units)
        out.append(_dense(layer.name, _np(layer.kernel), bias, act))
        i += 1
    tail = layers[i:]
    if (len(tail) != 1 or type(tail[0]).__name__ != "Activation" or _activation_key(tail[0]) != "softmax"
            or out[-1]["type"] != "dense" or out[-1]["activation"] != "linear"
            or out[-1]["kernel"].shape[1] != 2):
        raise ValueError("not the playground's Ising network: the head must be Dense layers ending in "
                         "Dense(2) and a softmax (P(disordered), P(ordered))")
    out.append({"type": "softmax", "name": tail[0].name})
    lattice = shape[0]
    return {"input_shape": [lattice, lattice, 1], "input_encoding": encoding, "layers": out}


def _activation_key(layer) -> str:
    """The name of a layer's activation (``"tanh"``, ``"relu"``, ``"linear"``, ...)."""
    import keras

    name = keras.activations.serialize(layer.activation)
    if isinstance(name, dict):  # Keras 3 may serialise to a config dict
        name = name.get("config", name).get("name", str(name))
    return str(name)


def _circular_conv(x, kernel):
    """Correlation on the torus: ``(L, L, C)`` and kernel ``(k, k, C, F)`` -> ``(L, L, F)``, float64."""
    k = kernel.shape[0]
    p = k // 2
    L = x.shape[0]
    padded = np.pad(x, ((p, p), (p, p), (0, 0)), mode="wrap")
    y = np.zeros((L, L, kernel.shape[3]))
    for a in range(k):
        for b in range(k):
            y += padded[a:a + L, b:b + L] @ kernel[a, b]
    return y


def ising_forward(spec: dict, spins) -> np.ndarray:
    """``float64 (2,)`` probabilities (disordered, ordered) of one configuration of spins.

    ``spins``: ``(L, L)`` or ``(L, L, 1)``, entries ``-1`` and ``+1`` (any number dtype); ``spec``
    from :func:`export_ising_model`. The same loops as ``ising.js``, in float64.
    """
    x = np.asarray(spins, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[0] != x.shape[1] or x.shape[2] != 1:
        raise ValueError(f"spins must have shape (L, L) or (L, L, 1), got {np.asarray(spins).shape}")
    if not np.all(np.abs(x) == 1):
        raise ValueError("spins must be -1 or +1")
    fixed = spec["input_shape"][0]
    if fixed is not None and fixed != x.shape[0]:
        raise ValueError(f"the network takes L = {fixed}, got L = {x.shape[0]}")
    for layer in spec["layers"]:
        t = layer["type"]
        if t == "circular_conv":
            x = np.tanh(_circular_conv(x, layer["kernel"]))
        elif t == "group_mean":
            x = x.reshape(x.shape[:-1] + (layer["order"], -1)).mean(axis=-2)  # channel s * F + f
        elif t == "global_mean":
            x = x.mean(axis=(0, 1))
        elif t == "abs":
            x = np.abs(x)
        elif t == "dense":
            x = x @ layer["kernel"] + layer["bias"]
            if layer["activation"] == "relu":
                x = np.maximum(x, 0)
        elif t == "softmax":
            e = np.exp(x - x.max())
            x = e / e.sum()
        else:
            raise ValueError(f"unknown layer type {t!r}")
    return x


def ising_keras_proba(model, spins) -> np.ndarray:
    """Keras' probabilities ``float32 (N, 2)`` of spins ``(N, L, L)`` in ``{-1, +1}``.

    Fed as the model's training data was: for the pixels encoding :func:`lib.ising_models.spins_to_pixels`
    (``uint8`` 0/255) through :func:`lib.train.predict_proba`; float32 spins otherwise.
    """
    import keras

    from lib.ising_models import spins_to_pixels
    from lib.train import predict_proba

    if any(isinstance(layer, keras.layers.Rescaling) for layer in model.layers):
        return predict_proba(model, spins_to_pixels(spins), batch_size=64)
    x = np.asarray(spins, dtype=np.float32)[..., None]
    return np.asarray(model.predict(x, batch_size=64, verbose=0), dtype=np.float32)


def ising_reference_configurations(L: int = ISING_LATTICE, seed: int = 0) -> np.ndarray:
    """``int8 (11, L, L)`` spins for the agreement checks: ordered and disordered, and in between.

    All up, all down, a checkerboard, two stripes, four uniformly random configurations, and
    three Metropolis samples (:func:`lib.ising.metropolis_sweeps`, 20 sweeps from random spins
    at ``T = 1.5, 2.27, 3.5``: domains, as on the page). ``L`` even.
    """
    from lib import ising

    rng = np.random.default_rng(seed)
    up = np.ones((L, L), np.int8)
    parity = np.add.outer(np.arange(L), np.arange(L)) % 2
    fixed = [up, -up, np.where(parity == 0, 1, -1), np.where(np.arange(L)[:, None] < L // 2, up, -up)]
    random = np.where(rng.random((4, L, L)) < 0.5, 1, -1).astype(np.int8)
    sampled = [ising.metropolis_sweeps(ising.random_spins(1, L, rng), t, 20, rng)[0] for t in (1.5, 2.27, 3.5)]
    return np.concatenate([np.stack(fixed), random, np.stack(sampled)]).astype(np.int8)


def write_ising_bundle(path, spec: dict, label: str, trained: bool, note: str = "") -> int:
    """Write ``ising-model.js`` (``window.ISING_BUNDLE``) for the page; returns its size in bytes.

    ``trained``: False for a stand-in with random weights, which the panel says it is.
    """
    bundle = {"format": ISING_FORMAT, "lattice": ISING_LATTICE, "trained": bool(trained), "note": note,
              "input_encoding": spec["input_encoding"], **to_json(spec, label)}
    text = ("// Generated by lib/playground.py while the book builds: do not edit.\n"
            "window.ISING_BUNDLE = " + json.dumps(bundle, separators=(",", ":")) + ";\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path.stat().st_size


def ising_panel_bundle(model, folder, trained: bool = True, label: str = "symmetric CNN") -> dict:
    """Export ``model`` for the Ising panel into ``folder``; returns a summary for the page.

    Writes ``ising-model.js`` (:func:`write_ising_bundle`) and ``ising-reference.json``: the
    configurations of :func:`ising_reference_configurations` (``int8`` lists) with Keras'
    probabilities (float64 lists, 9 decimals), which the browser check compares the page with.
    Checks :func:`ising_forward` (with the float32 weights the page gets) against Keras first.
    Summary: ``{"weights", "bytes", "numpy_vs_keras"}``.
    """
    spec = export_ising_model(model)
    spins = ising_reference_configurations()
    expected = ising_keras_proba(model, spins).astype(np.float64)
    exact = rounded_spec(spec)
    got = np.stack([ising_forward(exact, s) for s in spins])
    err = float(np.abs(got - expected).max())
    if not err < 1e-5:
        raise AssertionError(f"the exported Ising network differs from Keras by {err:.1e}")
    note = "" if trained else "untrained stand-in: random weights"
    folder = Path(folder)
    size = write_ising_bundle(folder / "ising-model.js", spec, label, trained, note)
    write_json(folder / "ising-reference.json",
               {"spins": spins.reshape(len(spins), -1).tolist(), "probabilities": expected.round(9).tolist()})
    return {"weights": int(model.count_params()), "bytes": size, "numpy_vs_keras": err}
