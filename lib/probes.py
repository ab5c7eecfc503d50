"""What single filters detect: synthetic probes, tuning curves, selectivity indices and chance.

A filter is probed with oriented bars and edges (:func:`oriented_bars`); its responses over the
angles give a tuning curve, a preferred angle and a selectivity index (:func:`orientation_tuning`).
The same indices computed for untrained copies of the network (:func:`untrained_null`) say what
chance gives, and a filter is named after what it detects only where its index stands clear of
both its layer and chance (:func:`stands_clear`). Images are ``uint8 (N, H, W)``.

Used in the chapter *Opening the black box* (``book/black_box.md``).
"""

from __future__ import annotations

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

from lib.analysis import activation_stats, class_selectivity, feature_maps  # noqa: E402


def oriented_bars(angles_deg, size: int = 28, width: float = 2.5, length: float | None = 14.0,
                  kind: str = "bar", intensity: int = 255) -> np.ndarray:
    """Synthetic probe images, uint8 ``(A, size, size)``, one per angle.

    ``kind="bar"``: a bright bar of ``width`` pixels through the centre pixel ``(size // 2,
    size // 2)``, ``length``
    pixels long (``None``: across the whole image), at angle ``theta`` measured counter-
    clockwise from the horizontal as the image is displayed (row index grows downwards).
    Bars at ``theta`` and ``theta + 180`` are identical.
    ``kind="edge"``: bright on the side the unit vector at ``theta`` points to, dark on the
    other, the boundary (a line at ``theta + 90``) through the centre: the edge of a thick
    stroke; ``theta`` and ``theta + 180`` are opposite polarities. Anti-aliased over one pixel.
    """
    if kind not in ("bar", "edge"):
        raise ValueError(f"kind must be 'bar' or 'edge', got {kind!r}")
    angles = np.deg2rad(np.atleast_1d(np.asarray(angles_deg, dtype=np.float64)))
    centre = size // 2  # a pixel centre: the middle unit of a 'same'-padded feature map
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    x, y = cols - centre, centre - rows  # y points up, as drawn
    images = np.empty((len(angles), size, size), dtype=np.uint8)
    for i, t in enumerate(angles):
        along = x * np.cos(t) + y * np.sin(t)
        across = -x * np.sin(t) + y * np.cos(t)
        if kind == "bar":
            value = np.clip(width / 2 + 0.5 - np.abs(across), 0, 1)
            if length is not None:
                value *= np.clip(length / 2 + 0.5 - np.abs(along), 0, 1)
        else:
            value = np.clip(along + 0.5, 0, 1)  # bright where the unit vector at theta points
        images[i] = np.round(value * intensity).astype(np.uint8)
    return images


def orientation_name(angle_deg: float) -> str:
    """Words for the orientation of a line at ``angle_deg`` (counter-clockwise from horizontal,
    modulo 180): ``"near-horizontal"`` within 22.5 degrees of 0, ``"near-vertical"`` within
    22.5 of 90, else ``"rising diagonal"`` (like /, 22.5-67.5) or ``"falling diagonal"`` (like \\)."""
    a = float(angle_deg) % 180
    if a < 22.5 or a >= 157.5:
        return "near-horizontal"
    if 67.5 <= a < 112.5:
        return "near-vertical"
    return "rising diagonal" if a < 90 else "falling diagonal"


def probe_responses(model: keras.Model, probes, layer_name: str, where: str = "max") -> np.ndarray:
    """Response of every filter of ``layer_name`` to each probe image: float32 ``(A, F)``.

    ``where="max"``: the largest activation over positions (a detector anywhere on the bar);
    ``where="centre"``: the activation at the centre of the feature map.
    """
    maps = feature_maps(model, probes, layer_name)
    if maps.ndim == 2:
        return maps
    if where == "max":
        return maps.max(axis=(1, 2))
    if where == "centre":
        return maps[:, maps.shape[1] // 2, maps.shape[2] // 2, :]
    raise ValueError(f"where must be 'max' or 'centre', got {where!r}")


def orientation_tuning(responses, angles_deg, period: float = 180.0) -> tuple[np.ndarray, np.ndarray]:
    """Preferred angle and selectivity of tuning curves by the vector average.

    ``responses``: ``(A, F)`` non-negative, one row per angle in ``angles_deg`` ``(A,)`` (evenly
    spaced over one ``period``). With :math:`z = \\sum_a r_a e^{2\\pi i\\theta_a/P}`, returns the
    preferred angle :math:`\\arg(z) P / 2\\pi` in ``[0, P)`` degrees (float64 ``(F,)``) and the
    selectivity :math:`|z| / \\sum_a r_a` in ``[0, 1]`` (float64 ``(F,)``): 0 for a flat curve,
    1 for a response at a single angle. ``period=180`` for bars (orientation), 360 for edges
    (direction of the bright side). A filter silent at every angle gets angle NaN, selectivity 0.
    """
    r = np.asarray(responses, dtype=np.float64)
    phase = np.exp(2j * np.pi * np.asarray(angles_deg, dtype=np.float64) / period)
    z = phase @ r
    total = r.sum(axis=0)
    selectivity = np.divide(np.abs(z), total, out=np.zeros_like(total), where=total > 0)
    preferred = np.mod(np.angle(z) * period / (2 * np.pi), period)
    preferred[total <= 0] = np.nan
    return preferred, selectivity


def filter_indices(model: keras.Model, bars, bar_angles, edges, edge_angles, images, labels) -> dict:
    """The indices the chapter reads for every filter of ``conv1`` and ``conv2``.

    ``bars`` and ``edges``: ``uint8`` probes from :func:`oriented_bars` at ``bar_angles`` (mod
    180) and ``edge_angles`` (mod 360); ``images``, ``labels``: the data for class selectivity.
    Returns ``{"conv1 osi", "conv1 dsi", "conv2 osi", "conv2 si"}``, each ``float64 (F,)``: the
    orientation selectivity to lines (largest response over positions), the direction
    selectivity to edges (at the centre), and the class selectivity of the mean activation.
    """
    out = {}
    for name in ("conv1", "conv2"):
        lines = probe_responses(model, bars, name, where="max")
        out[f"{name} osi"] = orientation_tuning(lines, bar_angles, 180)[1]
    out["conv1 dsi"] = orientation_tuning(probe_responses(model, edges, "conv1", where="centre"),
                                          edge_angles, 360)[1]
    stats = activation_stats(model, images, labels, ["conv2"])
    out["conv2 si"] = class_selectivity(stats.unit_means("conv2"))[1]
    return out


def reinitialised(model: keras.Model, rng: np.random.Generator) -> keras.Model:
    """A copy of ``model`` as Keras' defaults would start it before training: every kernel
    drawn from Glorot's uniform distribution (limit ``sqrt(6 / (fan_in + fan_out))``), every
    bias zero. Drawn from ``rng``, so the reader's global random state is left alone."""
    fresh = keras.models.clone_model(model)
    for layer in fresh.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kernel = weights[0]
        receptive = int(np.prod(kernel.shape[:-2])) if kernel.ndim > 2 else 1
        fan_in, fan_out = kernel.shape[-2] * receptive, kernel.shape[-1] * receptive
        limit = np.sqrt(6 / (fan_in + fan_out))
        new = [rng.uniform(-limit, limit, kernel.shape).astype(np.float32)]
        new += [np.zeros_like(w) for w in weights[1:]]
        layer.set_weights(new)
    return fresh


def untrained_null(model: keras.Model, *probes_and_data, seeds=range(5)) -> dict:
    """:func:`filter_indices` of untrained copies of ``model`` (:func:`reinitialised`, one per
    seed), pooled over the copies: what the indices look like by chance, for the same
    architecture. ``probes_and_data``: the arguments of :func:`filter_indices` after the model.
    Returns the same keys, each ``float64 (len(seeds) * F,)``."""
    runs = [filter_indices(reinitialised(model, np.random.default_rng(seed)), *probes_and_data)
            for seed in seeds]
    return {key: np.concatenate([run[key] for run in runs]) for key in runs[0]}


def standards(layer_values, null_values, q: float = 95) -> tuple[float, float]:
    """The two bars an index must clear: its layer's median and the ``q``-th percentile of the same
    index for untrained filters (non-finite values, such as an index of a filter that never
    responds, are left out). Returns ``(median, percentile)``."""
    null_values = np.asarray(null_values, np.float64)
    return float(np.median(layer_values)), float(np.percentile(null_values[np.isfinite(null_values)], q))


def stands_clear(value: float, layer_values, null_values, q: float = 95) -> bool:
    """Whether an index is above both its layer's median and the ``q``-th percentile of the
    same index for untrained filters (:func:`untrained_null`): only then does a name rest on it."""
    median, top = standards(layer_values, null_values, q)
    return bool(value > median and value > top)


def clearance(value: float, layer_values, null_values, q: float = 95) -> str:
    """One sentence saying whether an index stands clear (:func:`stands_clear`) and, if not,
    of which standard: the layer's median or the ``q``-th percentile of untrained filters."""
    median, top = standards(layer_values, null_values, q)
    if stands_clear(value, layer_values, null_values, q):
        return f"It stands clear of both ({value:.2f} against {top:.2f} and {median:.2f})."
    if value <= top:
        return (f"It does not stand clear of chance: one untrained filter in "
                f"{round(100 / (100 - q))} reaches {top:.2f} or more, at least as much as "
                f"this one's {value:.2f}.")
    return f"It does not stand above its layer's median ({value:.2f} against {median:.2f})."
