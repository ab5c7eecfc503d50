"""The playground's Ising panel: the symmetric CNN of the chapter on the Ising model, for the browser.

The panel (``book/_extra/playground/ising.js``) runs a Metropolis simulation on a 32 x 32 torus
and asks the network of that chapter whether the configuration is ordered. This module exports
the network (:func:`export_ising_model`), runs the same forward pass in NumPy as the reference
for the JavaScript one (:func:`ising_forward`, checked against Keras in the tests), and writes
the panel's bundle (:func:`ising_panel_bundle`). The digit networks' export is
:mod:`lib.playground`, whose bundle helpers this module shares.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lib.playground import (LAYER_OPS, _dense, _np, rounded_spec, run_layers, to_json, write_json,
                            write_script)


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


#: The digits' layer operations and the Ising network's own (the ``tanh`` of the odd body is
#: the circular convolution's ``activation``).
ISING_OPS = {
    **LAYER_OPS,
    "circular_conv": lambda x, layer: _circular_conv(x, layer["kernel"]),
    "group_mean": lambda x, layer: x.reshape(x.shape[:-1] + (layer["order"], -1)).mean(axis=-2),  # s * F + f
    "abs": lambda x, _layer: np.abs(x),
}


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
    return run_layers(x, spec["layers"], ISING_OPS)


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
    return write_script(path, "ISING_BUNDLE", bundle)


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
