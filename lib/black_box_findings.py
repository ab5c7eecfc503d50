"""What the chapter *Opening the black box* states: the values it glues into the prose.

Every function takes results the chapter has computed with :mod:`lib.analysis` (tuning curves,
selectivity indices, responses over positions, per-class accuracies) and returns a dict of glue
values (``{glue name: value}``, for :func:`lib.reader.glue_all`); sentences that compare results
are computed here from the numbers. Where the prose makes a claim that the numbers must bear out,
the function raises ``AssertionError`` with the claim in its message.
"""

from __future__ import annotations

import numpy as np

#: The percentile of the untrained filters' indices that a trained filter must beat ("one
#: untrained filter in twenty").
NULL_PERCENTILE = 95


def conv1_findings(conv1: dict, bar_filter: int, edge_filter: int, edge_angles, boundary: float,
                   bar_words: str) -> dict:
    """Glue values of the line and edge probes of the two chosen ``conv1`` filters.

    ``conv1``: the chapter's tuning dict of the layer: ``"bars"`` float32 ``(A, F)`` (responses to
    lines), ``"edges"`` float32 ``(E, F)`` (to edges at ``edge_angles``, ``(E,)`` degrees evenly
    spaced over 360), ``"orientation"`` and ``"direction"`` (each ``(preferred angle, index)``,
    float64 ``(F,)``, from :func:`lib.probes.orientation_tuning`). ``bar_filter``,
    ``edge_filter``: the chosen filters (int); ``boundary``: the angle of the edge filter's
    boundary line (degrees, mod 180); ``bar_words``: the bar filter's orientation in words.

    ``"bb-edge-opposite"`` says how the edge filter answers the edge opposite its best one (the
    same boundary, ink on the other side): no response at all, or a share of the best response.
    """
    preferred, osi = conv1["orientation"]
    direction, dsi = conv1["direction"]
    bar_r = conv1["bars"][:, bar_filter]
    edge_r = conv1["edges"][:, edge_filter]
    best = int(np.argmax(edge_r))
    opposite = (best + len(edge_angles) // 2) % len(edge_angles)  # + 180 degrees
    share = float(edge_r[opposite] / edge_r[best])
    return {"bb-bar-filter": bar_filter, "bb-bar-pref": float(preferred[bar_filter]),
            "bb-bar-osi": float(osi[bar_filter]), "bb-bar-osi-median": float(np.median(osi)),
            "bb-bar-ratio": float(bar_r.max() / bar_r.min()), "bb-bar-dsi": float(dsi[bar_filter]),
            "bb-edge-filter": edge_filter, "bb-edge-dir": float(direction[edge_filter]),
            "bb-edge-dsi": float(dsi[edge_filter]), "bb-edge-dsi-median": float(np.median(dsi)),
            "bb-edge-boundary": float(boundary), "bb-edge-line-pref": float(preferred[edge_filter]),
            "bb-bar-words": bar_words, "bb-edge-best": int(edge_angles[best]),
            "bb-edge-opposite": ("no response at all (its ReLU stays closed)" if share == 0
                                 else f"{share:.0%} of that response")}


def exciting_findings(top_images: list, top_ink: float, ink, n_top: int) -> dict:
    """Glue values of the gallery of most exciting test images.

    ``top_images``: one ``uint8 (TOP, H, W)`` array per chosen filter; ``top_ink``: the mean ink
    (sum of pixel values) of those images; ``ink``: int64 ``(N,)``, the ink of every test image;
    ``n_top``: how many of the last row's images show the class that filter prefers."""
    return {"bb-top-ink-ratio": float(top_ink / np.mean(ink)), "bb-top": len(top_images[0]),
            "bb-top-all": sum(len(row) for row in top_images), "bb-class-filter-top": n_top}


def null_levels(null: dict, q: float = NULL_PERCENTILE) -> dict:
    """``{"bb-null-conv1-osi": ..., ...}``: the ``q``-th percentile (float) of each index of the
    untrained filters (``{"conv1 osi": float64 (n,), ...}`` from :func:`lib.probes.untrained_null`;
    NaNs are left out)."""
    return {f"bb-null-{key.replace(' ', '-')}": float(np.nanpercentile(values, q))
            for key, values in null.items()}


_CLASS_CLEAR = {
    (True, True): "Both indices stand clear of the layer and of chance.",
    (True, False): "Its orientation selectivity stands clear of the layer and of chance; its class selectivity "
                   "does not.",
    (False, True): "Its class selectivity stands clear of the layer and of chance; its orientation selectivity "
                   "does not.",
    (False, False): "Neither index stands clear of both the layer and chance."}


def role_names(clear: dict, label: int, class_words: str) -> dict:
    """The names the prose gives the three chosen filters, from whether their indices stand clear
    (:func:`lib.probes.stands_clear`).

    ``clear``: ``{"bar", "edge", "class", "class-osi"}`` -> bool: the bar filter's OSI, the edge
    filter's DSI, and the ``conv2`` filter's class selectivity and OSI; ``label``: the class that
    filter prefers; ``class_words``: its preferred orientation in words. A filter whose index does
    not stand clear is named by how it was chosen, not by what it would detect."""
    names = [f"a {class_words} stroke detector"] if clear["class-osi"] else []
    names += [f'on average the "{label}" filter'] if clear["class"] else []
    named = [name for name, key in (("the stroke detector", "bar"), ("the edge detector", "edge")) if clear[key]]
    named += ["the second-layer filter"] if clear["class"] or clear["class-osi"] else []
    return {"bb-bar-name": ("an oriented stroke detector" if clear["bar"]
                            else "the most orientation-selective filter of its layer"),
            "bb-edge-name": ("an edge detector with a polarity" if clear["edge"]
                             else "the filter most selective to the side of an edge"),
            "bb-class-name": ", and ".join(names) or "the most class-selective filter of the second layer",
            "bb-class-clear": _CLASS_CLEAR[clear["class-osi"], clear["class"]],
            "bb-named": f"{len(named)} of the three chosen filters stand clear of chance"
                        + (": " + " and ".join(named) if named else "")}


def role_findings(tuning: dict, conv2_selectivity: tuple, filters: dict, null: dict, class_words: str) -> dict:
    """Glue values of the three chosen filters measured against their layer and against chance.

    ``tuning``: the chapter's ``{"conv1": ..., "conv2": ...}`` tuning dicts (see
    :func:`conv1_findings`); ``conv2_selectivity``: ``(preferred class int64 (F,), SI float64
    (F,))`` of ``conv2`` (:func:`lib.analysis.class_selectivity`); ``filters``: ``{"bar", "edge",
    "class"}`` -> the chosen filter (int); ``null``: :func:`lib.probes.untrained_null`'s indices;
    ``class_words``: the ``conv2`` filter's preferred orientation in words.

    Returns the ``conv2`` filter's numbers and its layer's medians, :func:`null_levels`,
    :func:`role_names`, and a sentence per ``conv1`` filter (:func:`lib.probes.clearance`)."""
    from lib.probes import clearance, stands_clear

    conv1_osi, conv1_dsi = tuning["conv1"]["orientation"][1], tuning["conv1"]["direction"][1]
    conv2_pref, conv2_osi = tuning["conv2"]["orientation"]
    conv2_class, conv2_si = conv2_selectivity
    bar, edge, k = filters["bar"], filters["edge"], filters["class"]
    clear = {"bar": stands_clear(conv1_osi[bar], conv1_osi, null["conv1 osi"]),
             "edge": stands_clear(conv1_dsi[edge], conv1_dsi, null["conv1 dsi"]),
             "class": stands_clear(conv2_si[k], conv2_si, null["conv2 si"]),
             "class-osi": stands_clear(conv2_osi[k], conv2_osi, null["conv2 osi"])}
    return {"bb-class-filter": k, "bb-class-filter-class": int(conv2_class[k]),
            "bb-class-filter-si": float(conv2_si[k]), "bb-class-filter-pref": float(conv2_pref[k]),
            "bb-class-filter-osi": float(conv2_osi[k]), **null_levels(null),
            "bb-conv2-si-median": float(np.median(conv2_si)),
            "bb-conv2-osi-median": float(np.median(conv2_osi)), "bb-class-filter-words": class_words,
            **role_names(clear, int(conv2_class[k]), class_words),
            "bb-bar-clear": clearance(conv1_osi[bar], conv1_osi, null["conv1 osi"]),
            "bb-edge-clear": clearance(conv1_dsi[edge], conv1_dsi, null["conv1 dsi"])}


def position_findings(p_cnn, p_dense, change, label: int, receptive_field: int, shift: int = 8) -> dict:
    """Glue values of one digit pasted at every position of the canvas.

    ``p_cnn``, ``p_dense``: float32 ``(P, P, C)``, each network's class probabilities with the
    digit's top-left corner at each of the ``P x P`` positions (``P - 1`` = canvas side minus
    digit side); ``change``: float ``(P, P)``, the relative change of the CNN's pooled features
    from their value with the digit in the centre (position ``P // 2``); ``label``: the digit's
    class; ``receptive_field``: the side (pixels) of the window a unit of the CNN's last feature
    map sees; ``shift``: the move up from the centre whose change the prose quotes.

    Raises ``AssertionError`` where the numbers contradict the prose: that the window reaches the
    border from every position of the digit (it is wider than the ``P - 1`` pixels the digit
    moves), and that the dense network's probability falls lower than the CNN's."""
    cnn, dense = p_cnn[..., label], p_dense[..., label]
    centre = change.shape[0] // 2
    if not 0 <= centre - shift < change.shape[0]:
        raise ValueError(f"{shift} positions up from the centre ({centre}) is off the {change.shape} map")
    found = {"bb-pos-label": label, "bb-pos-n": int(np.prod(change.shape)),
             "bb-pos-cnn-min": float(cnn.min()), "bb-pos-dense-min": float(dense.min()),
             "bb-pos-change-max": float(change.max()), f"bb-pos-change-{shift}": float(change[centre - shift, centre]),
             "bb-pos-cnn-right": float(np.mean(p_cnn.argmax(-1) == label)),
             "bb-pos-dense-right": float(np.mean(p_dense.argmax(-1) == label)), "bb-pos-rf": receptive_field}
    moves = change.shape[0] - 1
    assert receptive_field > moves, (
        f'"each unit of the last feature map ... sees a window of {receptive_field} pixels, nearly the whole '
        f'... canvas, so most windows reach past the border": but the digit moves over {moves} pixels')
    assert found["bb-pos-cnn-min"] > found["bb-pos-dense-min"], (
        f'"the convolutional network gives the right class a probability of at least '
        f'{found["bb-pos-cnn-min"]:.3%} ...; the dense network\'s falls to {found["bb-pos-dense-min"]:.1%}"')
    return found


def knockout_findings(before, after, preferred: int) -> dict:
    """Glue values of the exercise "Knock out a unit": ``before``, ``after``: float64 ``(C,)``,
    the accuracy on each class before and after silencing the unit
    (:func:`lib.analysis.knock_out_unit`); ``preferred``: the class the unit prefers.

    ``"bb-ko-most"`` says whether the preferred class is the one that loses most accuracy."""
    drop = 100 * (np.asarray(before) - np.asarray(after))  # percentage points lost per class
    return {"bb-ko-before": float(before[preferred]), "bb-ko-after": float(after[preferred]),
            "bb-ko-worst": int(drop.argmax()), "bb-ko-worst-drop": float(drop.max()),
            "bb-ko-mean-change": -float(np.mean(drop)),
            "bb-ko-most": "suffers most" if drop.argmax() == preferred else "is not the class that suffers most"}
