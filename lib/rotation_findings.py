"""What the chapter on rotation states: the values it glues into the prose, and its claims checked.

Every ``*_findings`` function takes results of :mod:`lib.rotation` (summaries over seeds from
:func:`lib.stats.summarize_seeds`, per-model reports, accuracies against the angle) and returns a
dict of glue values (``{glue name: value}``); sentences that compare results are computed here
from the numbers. Where the prose states a claim about the numbers, the function checks it and
raises ``AssertionError`` quoting the prose when the numbers say otherwise.

``settings`` is the chapter's settings module, :mod:`lib.rotation` (any object with the names a
function reads will do), passed in so that this module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import numpy as np

from lib.stats import bonferroni, difference_text, rounding_words, small_error_text, verdict

#: Labels of the chapter's models (:func:`lib.rotation.benchmark_specs`, :func:`lib.rotation.cnn_specs`).
MAX_POOL, MEAN_POOL, NO_POOLING = "rotated 100, max pool", "rotated 100, mean pool", "rotated 100, no pooling"
#: The exactly invariant networks: panel (a) of the sweep over angles.
INVARIANT = (MAX_POOL, MEAN_POOL, "p4 CNN")
#: The p4 CNN's layers whose feature maps the prose lists (:func:`lib.models.p4_cnn`).
P4_LAYERS = ("lift", "pool1", "gconv1", "pool2", "gconv2")


def _key(label: str) -> str:
    """A model label as part of a glue name: ``"rotated 100, max pool"`` -> ``"rotated-100-max-pool"``."""
    return label.replace(" ", "-").replace(",", "")


def _seed_values(rows, half: str) -> dict:
    """Per :func:`lib.stats.summarize_seeds` row: test mean, half-width of its interval (percentage
    points) and parameters, glued as ``rot-acc-KEY``, ``rot-HALF-KEY`` and ``rot-params-KEY``."""
    out = {}
    for r in rows:
        key = _key(r["model"])
        out[f"rot-acc-{key}"] = r["test_mean"]
        out[f"rot-{half}-{key}"] = 100 * r["test_half"]
        out[f"rot-params-{key}"] = r["params"]
    return out


def data_findings(splits: dict, counts, n_train: int, n_test: int) -> dict:
    """Glue values describing rotated MNIST: the sizes of its splits and of MNIST's.

    ``splits``: :func:`lib.data.rotated_mnist_splits` (``x_train``, ``x_val``, ``x_test``);
    ``counts``: ``int64 (10, 4)`` training images per class and rotation
    (:func:`lib.rotation.rotation_counts`); ``n_train``, ``n_test``: MNIST's training and test
    images, before the validation digits are set aside."""
    from lib.data import split_validation

    return {"rot-n-train": len(splits["x_train"]), "rot-n-val": len(splits["x_val"]),
            "rot-n-test": len(splits["x_test"]), "rot-per-class": int(counts.sum(axis=1)[0]),
            "rot-n-fit": len(split_validation(n_train)[0]),  # left after the split
            "rot-n-test-orig": n_test, "rot-n-test-all": 4 * n_test}


def benchmark_findings(rows: list, settings) -> dict:
    """Glue values of the benchmarks on rotated MNIST: the stopping rule and kept epochs, each
    model's test accuracy (``rot-acc-*``, ``rot-sd-*``: half-width in percentage points) and
    parameters, and the max-pooled rotated layer's lead over the dense layers and the mean
    pooling (validation accuracy over seeds, 95% t-intervals).

    ``rows``: :func:`lib.stats.summarize_seeds` dicts of :func:`lib.rotation.benchmark_specs`;
    ``settings`` reads ``DENSE_PATIENCE`` and ``DENSE_MAX_EPOCHS``. Raises ``AssertionError``
    when a run stopped at the cap on epochs, or the models are not ordered as the prose says."""
    capped = [r["model"] for r in rows if max(r["epochs_values"]) >= settings.DENSE_MAX_EPOCHS]
    if capped:
        raise AssertionError(f"the prose says 'Every run was trained until it stopped improving', but {capped} "
                             f"ran to the cap of {settings.DENSE_MAX_EPOCHS} epochs")
    val = {r["model"]: r["val_values"] for r in rows}
    for better, worse in ((MAX_POOL, "dense 400"), ("dense 400", "dense 100")):
        said = verdict(val[better], val[worse])
        if said != "helps":
            raise AssertionError(f"the prose says 'On validation accuracy the rotated-filter layer with max pooling "
                                 f"is ahead of both dense layers' (and dense 400 of dense 100), but {better} "
                                 f"against {worse} is '{said}'")
    best = [e for r in rows for e in r["best_epochs"]]
    mean_vals, max_vals = val[MEAN_POOL], val[MAX_POOL]
    return {"rot-dense-patience": settings.DENSE_PATIENCE, "rot-best-min": min(best), "rot-best-max": max(best),
            **_seed_values(rows, "sd"),
            "rot-max-vs-d100": difference_text(max_vals, val["dense 100"]),
            "rot-max-vs-d400": difference_text(max_vals, val["dense 400"]),
            "rot-mean-vs-max": f"{verdict(mean_vals, max_vals)} ({difference_text(mean_vals, max_vals)} points)"}


def agreement_findings(reports: dict) -> dict:
    """Glue values of the test digits in all four rotations: how often each model gives the same
    class in all four (fractions, floats), and the largest change of a probability of the
    max-pooled model, in words (float32 rounding); ``rot-agree-note`` says for how many digits both pooled models agree.

    ``reports``: ``{label: lib.rotation.rotation_report dict}``."""
    agree = min(reports[k]["agreement"] for k in (MAX_POOL, MEAN_POOL))
    note = ("every digit" if agree == 1 else
            f"{agree:.2%} of the digits (ties between two classes of equal probability can break differently "
            "after rounding)")
    return {"rot-agree-max": reports[MAX_POOL]["agreement"], "rot-agree-note": note,
            "rot-agree-flat": reports[NO_POOLING]["agreement"], "rot-agree-d400": reports["dense 400"]["agreement"],
            "rot-inv-max": rounding_words(reports[MAX_POOL]["change"])}


def how_often(invariant: float, others) -> str:
    """How the invariant model's 6/9 swap rate compares with the ``others``' (fractions): less
    often than all, no more often than the least, between them, or more often than all."""
    return ("less often than either of the other two" if invariant < min(others) else
            "no more often than either of the other two" if invariant <= min(others) else
            "about as often as the other two" if invariant <= max(others) else
            "more often than the other two")


def six_nine_findings(six_nine: dict, labels) -> dict:
    """Glue values of the 6/9 swaps on rotated digits: swap rate, median other pair and rank of
    6/9 among the 45 pairs for three models, how the max-pooled model compares, its swaps as a
    count, and the range of ranks over all models.

    ``six_nine``: ``{label: lib.rotation.six_nine_confusion dict}``; ``labels``: the true
    classes of the digits it was measured on, any shape (integers)."""
    out = {}
    for label, key in ((MAX_POOL, "max"), (NO_POOLING, "flat"), ("dense 400", "d400")):
        out.update({f"rot-swap-{key}": six_nine[label]["swapped"], f"rot-pairs-{key}": six_nine[label]["pair_median"],
                    f"rot-rank-{key}": six_nine[label]["pair_rank"]})
    inv = six_nine[MAX_POOL]["swapped"]
    n_69 = int(np.isin(labels, [6, 9]).sum())
    return {**out, "rot-69-how": how_often(inv, [six_nine[k]["swapped"] for k in (NO_POOLING, "dense 400")]),
            "rot-69-models": len(six_nine), "rot-swap-max-n": int(round(inv * n_69)),
            "rot-rank-worst": max(s["pair_rank"] for s in six_nine.values()),
            "rot-rank-best": min(s["pair_rank"] for s in six_nine.values())}


def upright_findings(swaps: dict, labels, settings) -> dict:
    """Glue values of the price of invariance on upright digits: test accuracy, 6/9 swap rate
    and swapped digits of the dense layer and the max-pooled rotated layer, how many more errors
    the invariant model makes and how many of them are 6/9 swaps, and the training budget.

    ``swaps``: ``{label: six_nine_confusion dict with "test_mean" and "errors" (int)}``, the
    dense layer first, then the invariant one; ``labels``: the test classes (``(N,)`` integers);
    ``settings`` reads ``UPRIGHT_EPOCHS`` and ``UPRIGHT_BATCH_SIZE``. Raises ``AssertionError``
    unless the invariant model makes more errors and fewer than half of them are 6/9 swaps."""
    n_69 = np.isin(labels, [6, 9]).sum()
    out = {}
    for label, key in zip(swaps, ["dense", "max"]):
        s = swaps[label]
        out.update({f"rot-upright-acc-{key}": s["test_mean"], f"rot-upright-swap-{key}": s["swapped"],
                    f"rot-upright-n-{key}": int(round(s["swapped"] * n_69))})
    dense_up, max_up = swaps.values()
    extra = max_up["errors"] - dense_up["errors"]
    extra_69 = int(round((max_up["swapped"] - dense_up["swapped"]) * n_69))
    if not (extra > 0 and extra_69 < extra / 2):
        raise AssertionError(f"the prose says the invariant model makes more errors and 'only {extra_69} of them are "
                             f"additional 6/9 swaps ... the rest of the price is spread over the other classes', "
                             f"but it makes {extra} more errors")
    return {**out, "rot-upright-extra": extra, "rot-upright-epochs": settings.UPRIGHT_EPOCHS,
            "rot-upright-batch": settings.UPRIGHT_BATCH_SIZE, "rot-upright-extra-69": extra_69}


def cnn_findings(cnn_rows: list, rows: list, changes: dict, settings) -> dict:
    """Glue values of the two CNNs: test accuracy (``rot-half-*``: half-width in percentage
    points) and parameters, their training, the p4 CNN's verdicts against the ordinary CNN and
    the max-pooled rotated layer (validation accuracy over seeds; two comparisons, so
    Bonferroni-corrected intervals) and each CNN's largest change of a probability between the
    rotations of a digit.

    ``cnn_rows``, ``rows``: :func:`lib.stats.summarize_seeds` dicts of
    :func:`lib.rotation.cnn_specs` and :func:`lib.rotation.benchmark_specs`; ``changes``:
    ``{label: float}`` (:func:`lib.rotation.max_probability_change`); ``settings`` reads
    ``CNN_EPOCHS``, ``CNN_BATCH_SIZE`` and ``N_INVARIANCE``. Raises ``AssertionError`` unless
    the p4 CNN is ahead of both."""
    two = bonferroni(2)
    val = {r["model"]: r["val_values"] for r in [*cnn_rows, *rows]}
    p4 = val["p4 CNN"]
    for other in ("plain CNN", MAX_POOL):
        said = verdict(p4, val[other], two)
        if said != "helps":
            raise AssertionError(f"the prose says the p4 CNN is ahead of the ordinary CNN and of the max-pooled "
                                 f"rotated layer on validation accuracy, but against {other} it is '{said}'")
    return {**_seed_values(cnn_rows, "half"), "rot-cnn-epochs": settings.CNN_EPOCHS,
            "rot-cnn-batch": settings.CNN_BATCH_SIZE, "rot-n-inv": settings.N_INVARIANCE,
            "rot-p4-confidence": 100 * two,
            "rot-p4-vs-plain": f"{verdict(p4, val['plain CNN'], two)} "
                               f"({difference_text(p4, val['plain CNN'], two)} points)",
            "rot-inv-p4": small_error_text(changes["p4 CNN"]), "rot-inv-plain": changes["plain CNN"],
            "rot-p4-vs-rotated": f"{verdict(p4, val[MAX_POOL], two)} "
                                 f"({difference_text(p4, val[MAX_POOL], two)} points)"}


def p4_findings(model, settings) -> dict:
    """Glue values of the p4 CNN's layout: its filters per layer, hidden units, and the shapes
    of its feature maps (``"24×24×4×12, ..."``, height × width × rotation × filter).

    ``model``: a built :func:`lib.models.p4_cnn` (anything with ``get_layer(name).output.shape``);
    ``settings`` reads ``P4_CONFIG``. Raises ``AssertionError`` unless pooling over rotations and
    positions leaves one number per filter of the last layer."""
    f1, f2, f3 = settings.P4_CONFIG["filters"]
    pooled = tuple(model.get_layer("pool_positions").output.shape[1:])
    if pooled != (f3,):
        raise AssertionError(f"the prose says 'the maximum over the rotations and the average over positions then "
                             f"leave {f3} numbers, one per filter', but they leave shape {pooled}")
    shapes = ", ".join("×".join(str(d) for d in model.get_layer(name).output.shape[1:]) for name in P4_LAYERS)
    return {"rot-p4-shapes": shapes, "rot-p4-f1": f1, "rot-p4-f2": f2, "rot-p4-f3": f3,
            "rot-p4-hidden": settings.P4_CONFIG["dense_units"]}


def macs_findings(macs: dict) -> dict:
    """Glue values of the work per image: multiply-adds (``int``) of the p4 CNN, the ordinary
    CNN and the max-pooled rotated layer (``{"p4 CNN", "plain CNN", "rotated"}``), their ratio
    for the CNNs, and the width factor (its square root) that would equalise them."""
    ratio = macs["p4 CNN"] / macs["plain CNN"]
    return {"rot-macs-p4": macs["p4 CNN"], "rot-macs-plain": macs["plain CNN"], "rot-macs-rotated": macs["rotated"],
            "rot-macs-ratio": ratio, "rot-macs-width": float(np.sqrt(ratio))}


def efficiency_settings(settings) -> dict:
    """Glue values of how the small training sets are run: sizes, seeds, images per run and per
    epoch, repeats of the smallest set, batch-norm momentum, batch size, the most steps of a run
    and the epochs of the largest set.

    ``settings`` reads ``EFFICIENCY_SIZES``, ``EFFICIENCY_SEEDS``, ``EFFICIENCY_IMAGES``,
    ``EFFICIENCY_EPOCH_IMAGES``, ``EFFICIENCY_BN_MOMENTUM``, ``EFFICIENCY_BATCH_SIZE`` and
    ``efficiency_specs(size)`` (specs with ``epochs``, ``train_size``, ``repeats``, ``batch_size``)."""
    sizes = settings.EFFICIENCY_SIZES
    specs = {n: settings.efficiency_specs(n) for n in sizes}
    steps = [s.epochs * -(-s.train_size * s.repeats // s.batch_size) for n in sizes for s in specs[n]]
    return {"rot-eff-sizes": ", ".join(f"{n:,}" for n in sizes), "rot-eff-seeds": len(settings.EFFICIENCY_SEEDS),
            "rot-eff-images": settings.EFFICIENCY_IMAGES, "rot-eff-epoch-images": settings.EFFICIENCY_EPOCH_IMAGES,
            "rot-eff-smallest": sizes[0], "rot-eff-repeats": specs[sizes[0]][0].repeats,
            "rot-eff-momentum": settings.EFFICIENCY_BN_MOMENTUM, "rot-eff-batch": settings.EFFICIENCY_BATCH_SIZE,
            "rot-eff-steps": max(steps), "rot-eff-largest-epochs": specs[sizes[-1]][0].epochs}


def efficiency_findings(efficiency: dict, sizes, small: int) -> dict:
    """Glue values of what equivariance is worth in data: the mean test accuracy of both CNNs
    trained on ``small`` images, and the two measured sizes between which the ordinary CNN
    reaches the p4 CNN's accuracy on ``small`` (``rot-eff-above`` names all images when it
    reaches it only there), as sizes and as multiples of ``small``.

    ``efficiency``: ``{"p4 CNN": [[test accuracy per seed], ...], "plain CNN": ...}``, one list
    per size of ``sizes`` (``int``, ascending, the last all training images). Raises
    ``AssertionError`` if a run stayed near chance, the p4 CNN is not ahead at every size, or
    the ordinary CNN does not reach it at a size larger than ``small``."""
    sizes = list(sizes)
    i = sizes.index(small)
    mean = {label: [float(np.mean(v)) for v in runs] for label, runs in efficiency.items()}
    worst = min(min(v) for runs in efficiency.values() for v in runs)
    if not worst > 0.5:
        raise AssertionError(f"every run should have learned, far above chance (10%); one reached {worst:.1%}")
    if not all(p > q for p, q in zip(mean["p4 CNN"], mean["plain CNN"])):
        raise AssertionError("the figure says 'The p4 CNN's line lies above the ordinary CNN's at every size', but "
                             f"the means are {mean['p4 CNN']} against {mean['plain CNN']}")
    reached = np.asarray(mean["plain CNN"]) >= mean["p4 CNN"][i]
    if not reached.any() or reached[:i + 1].any():
        raise AssertionError(f"the prose says the ordinary CNN 'falls short of that with' more than {small:,} images "
                             f"and then reaches it, but it reaches it at the sizes {reached.tolist()}")
    above = int(sizes[np.argmax(reached)])
    below = int(sizes[np.argmax(reached) - 1])
    return {"rot-eff-small": small, "rot-eff-p4-small": mean["p4 CNN"][i],
            "rot-eff-plain-small": mean["plain CNN"][i],
            "rot-eff-above": f"all {above:,} training images" if above == sizes[-1] else f"{above:,}",
            "rot-eff-below": below, "rot-eff-below-factor": below / small, "rot-eff-above-factor": above / small}


def sweep_groups(labels) -> dict:
    """The panels of the sweep over angles: ``{panel title: [label, ...]}``, the invariant
    networks, the others trained on rotated digits, and those trained on upright digits
    (labels ending in ``"upright"``), each label in one panel."""
    upright = [k for k in labels if k.endswith("upright")]
    return {"(a) invariant, trained on rotated digits": list(INVARIANT),
            "(b) not invariant, trained on rotated digits":
                [k for k in labels if k not in (*INVARIANT, *upright)],
            "(c) trained on upright digits": upright}


def sweep_findings(by_angle: dict, settings, best_epoch: int) -> dict:
    """Glue values of the sweep over angles: how exactly the invariant networks repeat every
    quarter turn (in digits), the smallest loss half-way between quarter turns (percentage
    points) over the networks trained on rotated digits, and accuracies at a few angles.

    ``by_angle``: ``{label: float (n_angles,)}`` fractions correct at ``settings.SWEEP_ANGLES``
    (``int (n_angles,)``, degrees, a step dividing 45) on ``settings.N_SWEEP`` digits;
    ``best_epoch``: the epoch kept of the ordinary CNN trained on upright digits. Raises
    ``AssertionError`` where the numbers contradict the prose."""
    angles, n = settings.SWEEP_ANGLES, settings.N_SWEEP
    quarter, half_way = angles % 90 == 0, angles % 90 == 45
    step = int(np.flatnonzero(angles == 90)[0])  # samples per quarter turn
    period = max(np.abs(by_angle[k][step:] - by_angle[k][:-step]).max() for k in INVARIANT)
    dip = {k: float(v[quarter].mean() - v[half_way].mean())
           for k, v in by_angle.items() if "upright" not in k}  # the networks trained on rotated digits
    up = by_angle["dense 100, upright"]
    if not period <= 2 / n:
        raise AssertionError("the prose says the invariant networks 'repeat every quarter turn' (up to a digit or "
                             f"two), but they differ by {period * n:.0f} of {n} digits")
    if not min(dip.values()) > 0:
        raise AssertionError("the prose says 'Between the quarter turns *every* network trained on rotated digits "
                             f"is worse', but the differences are {dip}")
    if not up[angles == 180][0] < 0.5 < up[0]:
        raise AssertionError("the prose says 'the networks trained on upright digits are accurate only near 0°', "
                             f"but the upright dense layer has {up[0]:.1%} at 0° and "
                             f"{up[angles == 180][0]:.1%} at 180°")
    off = int(round(period * n))
    return {"rot-n-sweep": n, "rot-upright-cnn-epochs": best_epoch, "rot-sweep-step": int(angles[1] - angles[0]),
            "rot-sweep-period": "at every angle of the sweep" if off == 0 else f"to within {off} digits",
            "rot-sweep-dip-min": 100 * min(dip.values()),
            "rot-sweep-p4-45": float(by_angle["p4 CNN"][angles == 45][0]),
            "rot-sweep-p4-0": float(by_angle["p4 CNN"][0]),
            "rot-sweep-up-0": float(up[0]), "rot-sweep-up-180": float(up[angles == 180][0])}
