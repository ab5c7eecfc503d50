"""What the playground page (``book/playground.md``) states: its tables, its bundle and its glue values.

Every function takes the page's results (the trained networks of the chapters *Translation* and
*Rotation*, the probabilities of its sweeps) and returns a Markdown table, a dict of glue values
(``{glue name: value}``), or the arrays the page's cells pass on; sentences of the page that compare
results are checked here from the numbers, and a claim that the numbers contradict raises
``AssertionError`` with the words of the page. The export and the forward pass themselves are
in :mod:`lib.playground`.

The page's networks are ``{key: (Keras model, label, chapter, test accuracy)}`` (:func:`page_networks`),
keyed as in the page's JavaScript.
"""

from __future__ import annotations

import numpy as np

from lib import playground as pg
from lib.data import place_at
from lib.reader import claim

#: The page's key -> (label, chapter, the network's name in its chapter), in the order of its tables.
NETWORKS = {"dense": ("Dense network", 1, "dense"), "cnn": ("Best CNN", 1, "cnn"),
            "dense100": ("Dense 100", 3, "dense 100"), "dense400": ("Dense 400", 3, "dense 400"),
            "rotated": ("Rotated dense, max", 3, "rotated 100, max pool"), "p4": ("p4 CNN", 3, "p4 CNN")}

#: The networks of chapter 3 that are invariant to quarter turns by construction.
INVARIANT = ("rotated", "p4")

#: Largest difference of float32 probabilities that the page calls float32 rounding.
ROUNDING = 5e-5

#: Largest difference between the exported forward pass and Keras that the page accepts.
EXPORT_TOLERANCE = 1e-5


# --- the networks and their export -----------------------------------------------------------


def page_networks(results: dict) -> dict:
    """``{key: (model, label, chapter, test accuracy)}`` in the order of :data:`NETWORKS`, from
    ``{name in its chapter: lib.train.TrainResult}`` (anything with ``.model`` and
    ``.test_accuracy`` a float)."""
    return {key: (results[name].model, label, chapter, results[name].test_accuracy)
            for key, (label, chapter, name) in NETWORKS.items()}


def by_chapter(networks: dict) -> tuple:
    """``(chapter1, chapter3)``: ``{key: model}`` of the :func:`page_networks` of each chapter."""
    return tuple({key: entry[0] for key, entry in networks.items() if entry[2] == chapter} for chapter in (1, 3))


def menu_indices(labels, per_class: int = 4) -> np.ndarray:
    """``int64 (10 * per_class,)``: the first ``per_class`` test digits of each class (``labels``
    ``(N,)``), in the order of the test set: the page's menu."""
    labels = np.asarray(labels)
    picked = np.concatenate([np.flatnonzero(labels == d)[:per_class] for d in range(10)])
    picked.sort()
    return picked


def export_inputs(spec: dict, digits, canvas_size: int = 50) -> np.ndarray:
    """``float32 (N, H, W)`` in ``[0, 1]``: ``uint8 (N, 28, 28)`` digits as an exported network
    (``spec``, :func:`lib.playground.export_model`) takes them, placed at the centre of the
    canvas (top-left corner at ``(11, 11)``) if it reads ``canvas_size`` pixels."""
    x = np.asarray(digits)
    if spec["input_shape"][0] == canvas_size:
        x = place_at(x, ((canvas_size - x.shape[1]) // 2,) * 2, canvas_size)
    return x.astype(np.float32) / np.float32(255)


def export_error(spec: dict, inputs, keras_probabilities, key: str) -> float:
    """Largest ``|Keras - forward pass of the export|`` over ``inputs`` (:func:`export_inputs`)
    given Keras' probabilities ``(N, classes)``; raises ``AssertionError`` from
    :data:`EXPORT_TOLERANCE` on (the page says that they agree to float rounding)."""
    err = float(np.abs(np.asarray(keras_probabilities) - np.stack([pg.forward(spec, x) for x in inputs])).max())
    claim(err < EXPORT_TOLERANCE, "they agree to float rounding", {key: err})
    return err


def networks_table(networks: dict, errors: dict, size: int, n_digits: int) -> str:
    """Markdown: per network its chapter, test accuracy, weights and :func:`export_error`
    (``{key: float}``), then the bundle's ``size`` in bytes with ``n_digits`` test digits."""
    rows = [f"| {label} | {chapter} | {100 * acc:.2f}% | {model.count_params():,} | {errors[key]:.0e} |"
            for key, (model, label, chapter, acc) in networks.items()]
    return ("| network | chapter | test accuracy (seed 0) | weights | NumPy export vs Keras |\n"
            "|---|---:|---:|---:|---:|\n" + "\n".join(rows)
            + f"\n\nAll weights, and {n_digits} test digits: {size / 1e6:.1f} MB.")


def export_for_page(networks: dict, digits, labels, reference_digits, folder) -> str:
    """Export the :func:`page_networks` for the page and return :func:`networks_table`.

    Each network's export is checked against Keras on the first 8 of the menu's ``uint8
    (N, 28, 28)`` ``digits`` (:func:`export_error`). Writes ``playground-models.js`` (the
    networks, ``digits`` and ``labels``) and ``reference.json`` (Keras' probabilities on
    ``reference_digits``, :func:`lib.playground.reference_values`) into ``folder``."""
    from lib.rotation import predict_float

    exported, errors = {}, {}
    for key, (model, label, _, acc) in networks.items():
        spec = pg.export_model(model)
        exported[key] = (spec, label, acc)
        x = export_inputs(spec, digits[:8])
        errors[key] = export_error(spec, x, predict_float(model, x), key)
    size = pg.write_bundle(f"{folder}/playground-models.js", exported, digits, labels)
    chapter1, chapter3 = by_chapter(networks)
    pg.write_json(f"{folder}/reference.json", pg.reference_values(chapter1, chapter3, reference_digits))
    return networks_table(networks, errors, size, len(digits))


# --- the tasks -------------------------------------------------------------------------------


def task_answers(tasks: dict) -> dict:
    """Glue values ``task-{name}`` of :func:`lib.playground.task_findings`, whose answers'
    claims are checked: the invariant networks give a 6 turned by 180 degrees the upright
    probabilities, and the CNN is back after one stride, closer than the dense network."""
    six = {key: tasks[f"six-{key}-change"] for key in INVARIANT}
    claim(max(six.values()) < ROUNDING, "The last two give the upright digit's probabilities again", six)
    stride = {k: tasks[f"stride-{k}"] for k in ("swing", "back", "dense-back")}
    claim(stride["back"] < stride["swing"] / 5, "after 8 pixels it is back within", stride)
    claim(stride["dense-back"] > stride["back"], "The dense network, with a weight per pixel, ends the same walk "
                                                  "... away from where it started", stride)
    return {f"task-{name}": value for name, value in tasks.items()}


# --- what to look for: moving ----------------------------------------------------------------


def diagonal_findings(diag: dict, centre: int = 11) -> dict:
    """Glue values of the diagonal sweep, ``diag`` ``{"dense": p, "cnn": p}`` with ``p``
    ``float64 (steps, N, classes)`` (:func:`lib.playground.diagonal_sweep`).

    ``pg-spread-{key}``: for the median digit, the largest change of a probability from its value
    at step ``centre`` (percentage points); ``pg-step-{key}``: the same from one step to the
    next; ``pg-flips-{key}``: the share of digits whose answer changes somewhere. Checks that
    the CNN keeps nearly the same probabilities, and the dense network does not."""
    spread = {k: np.median(np.abs(p - p[centre]).max(axis=(0, 2))) for k, p in diag.items()}
    step = {k: np.median(np.abs(np.diff(p, axis=0)).max(axis=(0, 2))) for k, p in diag.items()}
    flips = {k: float((np.diff(p.argmax(-1), axis=0) != 0).any(axis=0).mean()) for k, p in diag.items()}
    claim(spread["cnn"] < 0.05 and spread["cnn"] < spread["dense"] / 3, "The convolutional network gives nearly "
           "the same probabilities wherever the digit sits on the diagonal", spread)
    claim(step["cnn"] < step["dense"], "and by up to ... points from one position to the next (the convolutional "
           "network: ...)", step)
    claim(0 < flips["dense"] and flips["cnn"] < flips["dense"], "It changes its answer somewhere along the "
           "diagonal for ... of the digits, the convolutional network for ...", flips)
    out = {}
    for k in diag:
        out.update({f"pg-spread-{k}": 100 * float(spread[k]), f"pg-step-{k}": 100 * float(step[k]),
                    f"pg-flips-{k}": flips[k]})
    return out


# --- what to look for: turning ---------------------------------------------------------------


def turning_findings(sweep: dict, accuracy: dict, angles) -> dict:
    """Glue values of the angle sweep: ``sweep`` ``{key: float32 (len(angles), N, classes)}``
    (:func:`lib.rotation.angle_sweep`), ``accuracy`` ``{key: float64 (len(angles),)}``, at
    ``angles`` (degrees, evenly spaced from 0, dividing 90).

    ``pg-quarter-{key}``: the largest change of a probability, over all digits, from upright to
    a quarter turn; ``pg-quarter-median-{key}``: the same for the median digit (percentage
    points); ``pg-period-{key}``: the largest change from an angle to that angle plus 90 degrees.
    Checks that the networks of :data:`INVARIANT` are invariant to quarter turns, that the others
    are not, and that every network is less accurate half-way than at any quarter turn."""
    angles = np.asarray(angles)
    step = int(angles[1] - angles[0])
    if angles[0] != 0 or 90 % step or np.any(np.diff(angles) != step):
        raise ValueError(f"angles must start at 0 in equal steps that divide 90; got {angles}")
    quarter, half_way, per_90 = angles % 90 == 0, angles % 90 == 45, 90 // step
    out = {}
    for k, p in sweep.items():
        p = p.astype(np.float64)  # differences of float32 probabilities, exact
        to_quarter = np.abs(p[quarter] - p[0]).max()
        period = np.abs(p[per_90:] - p[:-per_90]).max()
        typical = np.median(np.abs(p[quarter] - p[0]).max(axis=(0, 2)))
        out.update({f"pg-quarter-{k}": float(to_quarter), f"pg-quarter-median-{k}": 100 * float(typical),
                    f"pg-period-{k}": float(period)})
        numbers = {"network": k, "quarter": float(to_quarter), "period": float(period), "median": float(typical)}
        if k in INVARIANT:
            claim(to_quarter < ROUNDING and period < ROUNDING, "give the same probabilities at 0°, 90°, 180° and "
                   "270°", numbers)
        else:
            claim(typical > 1e-3 and to_quarter > 0.1 and period > 0.1, "The dense networks are not", numbers)
        claim(accuracy[k][half_way].max() < accuracy[k][quarter].min(),
               "Between the quarter turns all of them lose accuracy", {k: accuracy[k].tolist()})
    return out


def turning_table(accuracy: dict, angles, networks: dict) -> str:
    """Markdown: each network's accuracy (``{key: float64 (len(angles),)}``) at the quarter
    turns and half-way between them (means), and its lowest with the angle; labels from
    :func:`page_networks`."""
    angles = np.asarray(angles)
    quarter, half = angles % 90 == 0, angles % 90 == 45
    rows = []
    for k, a in accuracy.items():
        worst = int(a.argmin())
        rows.append(f"| {networks[k][1]} | {a[quarter].mean():.1%} | {a[half].mean():.1%} | "
                    f"{a[worst]:.1%} ({angles[worst]}°) |")
    return ("| accuracy | at the quarter turns (mean) | half-way: 45°, 135°, 225°, 315° (mean) | "
            "lowest (at angle) |\n|---|---:|---:|---:|\n" + "\n".join(rows))


# --- what to look for: 6 and 9 ---------------------------------------------------------------


def sixes_and_nines(digits, labels, n: int) -> tuple:
    """``(images uint8 (2n, H, W), truth int64 (2n,))``: the first ``n`` 6s, then the first ``n`` 9s."""
    digits, labels = np.asarray(digits), np.asarray(labels)
    return np.concatenate([digits[labels == 6][:n], digits[labels == 9][:n]]), np.repeat([6, 9], n)


def six_nine_swaps(probs: dict, truth, turns) -> tuple:
    """``(swapped, six_kept)`` from ``probs`` ``{key: (len(turns), N, classes)}`` of
    :func:`sixes_and_nines` turned by ``turns`` (degrees, 180 among them): ``swapped[key]``
    ``float64 (len(turns),)``, the share of 6s called 9 and 9s called 6 at each turn;
    ``six_kept[key]``, the share of the 6s still called 6 at 180 degrees."""
    truth = np.asarray(truth)
    swapped, six_kept = {}, {}
    for k, p in probs.items():
        pred = p.argmax(-1)
        swapped[k] = (pred == 15 - truth).mean(axis=1)  # 6 -> 9 or 9 -> 6
        six_kept[k] = (pred[list(turns).index(180), truth == 6] == 6).mean()
    return swapped, six_kept


def swap_table(swapped: dict, turns, networks: dict) -> str:
    """Markdown: per network (labels from :func:`page_networks`) the share of 6 and 9 swapped
    at each of ``turns``."""
    return ("| 6 and 9 swapped | " + " | ".join(f"{a}°" for a in turns) + " |\n|---|" + "---:|" * len(turns) + "\n"
            + "\n".join(f"| {networks[k][1]} | " + " | ".join(f"{v:.1%}" for v in s) + " |"
                        for k, s in swapped.items()))


def six_nine_findings(swapped: dict, six_kept: dict, turns, n: int) -> dict:
    """Glue values of :func:`six_nine_swaps` on ``n`` 6s and ``n`` 9s: ``pg-n-69``, and the
    lowest and highest share of 6s called 6 at 180 degrees. Checks the page's sentences: most 6s
    stay 6s; the invariant networks swap exactly as often at 90 and 180 degrees as upright;
    every network swaps more often at 45 and 135 degrees than upright."""
    claim(min(six_kept.values()) > 0.5, "the networks of chapter 3 still call most 6s a 6", six_kept)
    for k, s in swapped.items():
        at = dict(zip(turns, (float(v) for v in s)))
        if k in INVARIANT:
            claim(at[90] == at[180] == at[0], "at the quarter turns the invariant networks swap exactly as often "
                   "as upright", {k: at})
        claim(min(at[45], at[135]) > at[0], "half-way between the quarter turns every network swaps them more "
               "often than upright", {k: at})
    return {"pg-n-69": n, "pg-six-180-min": float(min(six_kept.values())),
            "pg-six-180-max": float(max(six_kept.values()))}
