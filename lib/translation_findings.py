"""What the chapter on translation states: the values it glues into the prose, and its claims.

Every function takes results of :mod:`lib.translation` (trained networks, checks, sweeps, the
ablation) and returns ``{glue name: value}``; a sentence that compares results is computed here
from the numbers. Where the prose states a fact the numbers must bear out ("far outside the
spread of the seeds", "exact on the grid, not off it"), the function checks it and raises
:class:`AssertionError` quoting the claim when they do not.
"""

from __future__ import annotations

import inspect

import numpy as np

from lib.data import CANVAS_SIZE, DIGIT_SIZE
from lib.reader import claim
from lib.stats import bonferroni, mcnemar, rounding_words, t_quantile, uniformity_test, verdict
from lib.translation import (ABLATION, ABLATION_EPOCHS, ABLATION_SEEDS, BASE_CONFIG, BEST_BATCH_SIZE, BEST_CONFIG,
                             BEST_EPOCHS, BEST_LEARNING_RATE, BEST_TRAIN_CANVAS, DENSE_EPOCHS, DENSE_SEEDS,
                             N_TRAIN_EVAL)

#: Relative changes below this are float32 rounding; above it, a real change.
ROUNDING = 1e-5


def convolution_check(feature, keras_map, flipped) -> dict:
    """Eq. (1.1) by loops against Keras' ``Conv2D``: ``feature``, ``keras_map`` and ``flipped``
    (Keras with the kernel flipped, the convolution of signal processing) are ``(H, W)`` maps of
    one image. Glues both relative errors; the first must be float32 rounding, the second not."""
    from lib.analysis import relative_error

    same, flip = relative_error(keras_map, feature), relative_error(flipped, feature)
    claim(same < ROUNDING < flip, "Keras' Conv2D computes Eq. (1.1), and a flipped kernel does not")
    return {"conv-keras-err": same, "conv-flip-err": flip}


def dense_networks(dense, dense_centred, centred_test_accuracy: float) -> dict:
    """The dense network trained on translated digits, and the one trained on centred digits
    (:class:`lib.train.TrainResult`), with the latter's accuracy on centred test digits."""
    return {"dense-params": dense.params, "dense-acc": dense.test_accuracy,
            "dense-centred-acc": dense_centred.test_accuracy,
            "dense-centred-centred-acc": centred_test_accuracy, "dense-epochs": DENSE_EPOCHS}


def best_network(cnn, dense, field: tuple[int, int]) -> dict:
    """The best CNN (:class:`lib.train.TrainResult`): its size, recipe, training canvas and last
    validation accuracies, against the ``dense`` network; ``field``: ``(size, stride)`` of its
    last block's receptive field (:func:`lib.analysis.receptive_field`)."""
    widths = [str(f) for f in BEST_CONFIG["filters"]]
    claim(len(widths) == 4, "four such layers")
    side = BEST_TRAIN_CANVAS
    places = side - DIGIT_SIZE + 1
    claim(places >= 8, "every offset (modulo 8) along each axis")
    last_three = cnn.history["val_accuracy"][-3:]
    return {"cnn-acc": cnn.test_accuracy, "cnn-err": 1 - cnn.test_accuracy, "cnn-params": cnn.params,
            "cnn-epochs": BEST_EPOCHS, "cnn-batch": BEST_BATCH_SIZE, "cnn-lr": BEST_LEARNING_RATE,
            "cnn-filters": ", ".join(widths[:-1]) + " and " + widths[-1],
            "cnn-dense-units": BEST_CONFIG["dense_units"], "cnn-dropout": BEST_CONFIG["dropout"],
            "cnn-train-canvas": side, "cnn-train-places": places, "cnn-train-area": side**2 / CANVAS_SIZE**2,
            "cnn-seconds": cnn.train_seconds,
            "cnn-val-last-three": ", ".join(f"{v:.2%}" for v in last_three),
            "cnn-val-trend": "was still improving" if last_three[-1] > max(last_three[:-1]) else "had levelled off",
            "cnn-vs-dense-params": dense.params / cnn.params, "rf-size": field[0], "rf-stride": field[1]}


def position_uniformity(correct, positions, grid, bin_size: int = 2) -> dict:
    """Is the CNN equally good everywhere? ``correct``: ``bool (N,)`` per test digit;
    ``positions``: ``int (N, 2)``, each digit's top-left corner; ``grid``: ``float (B, B)``, the
    accuracy per bin of ``bin_size`` x ``bin_size`` positions (``nan`` for an empty bin). A
    permutation test of the errors per bin (:func:`lib.stats.uniformity_test`) gives ``p``."""
    bins = np.asarray(positions) // bin_size
    even = uniformity_test(correct, bins[:, 0] * grid.shape[1] + bins[:, 1])
    return {"cnn-bin-min": float(np.nanmin(grid)), "cnn-bin-max": float(np.nanmax(grid)),
            "cnn-bin-n": len(correct) / even["groups"], "cnn-bin-p": even["p"],
            "cnn-bin-verdict": "no evidence that some positions are harder than others" if even["p"] >= 0.05
            else "some positions are harder than others"}


def recipe_or_architecture(recipes: list, cnn) -> dict:
    """What the fresh places buy the dense network, and what the architecture buys on top.

    ``recipes``: the two :func:`lib.stats.summarize_seeds` rows (fixed places, fresh places);
    ``cnn``: the best CNN, trained with the fresh-places recipe."""
    one, anew = recipes
    recipe_gain = anew["test_mean"] - one["test_mean"]
    architecture_gain = cnn.test_accuracy - anew["test_mean"]
    spread = max(r["test_max"] - r["test_min"] for r in recipes)
    claim(architecture_gain > 5 * spread, "that gap is far outside the spread of the dense networks' seeds")
    return {"dense-n-seeds": len(DENSE_SEEDS), "t-three-seeds": t_quantile(0.975, 2),
            "dense-fresh-test": anew["test_mean"], "dense-fixed-test": one["test_mean"],
            "recipe-gain": 100 * recipe_gain, "architecture-gain": 100 * architecture_gain,
            "recipe-verdict": verdict(anew["val_values"], one["val_values"]),
            "recipe-larger": "the architecture" if architecture_gain > recipe_gain else "the recipe"}


def invariance_checks(check: dict, control: dict, change: dict, canvas_error: float, relu4_size: int) -> dict:
    """The equivariance and invariance checks on the large canvas and on the task's canvas.

    ``check``: :func:`lib.translation.equivariance_check` for the shift (16, 16); ``control``:
    the same for a shift between the multiples of the stride (``nearest=True``); ``change``:
    ``{(dy, dx): relative change of the pooled features}`` for (8, 0), (4, 0) and (17, 13);
    ``canvas_error``: that change for (16, 16) on the 50x50 canvas; ``relu4_size``: the side of
    the fourth block's ReLU map on the large canvas."""
    odd, by_eight, by_four = change[(17, 13)], change[(8, 0)], change[(4, 0)]
    claim(by_eight < ROUNDING < by_four, "exact for shifts by multiples of 8, not for 4")
    claim(check["equivariance_error"] < ROUNDING < control["equivariance_error"],
          "zero up to float32 rounding; between the multiples of the stride no map shift matches")
    return {"eq-err-control": control["equivariance_error"],
            "eq-control-shift": "({}, {})".format(*control["shift"]),
            "eq-control-map-shift": "({}, {})".format(*control["map_shift"]),
            "eq-err": check["equivariance_error"], "inv-err": check["invariance_error"], "inv-err-odd": odd,
            "inv-err-8": by_eight, "inv-err-4": by_four, "relu4-size": relu4_size, "inv-err-canvas": canvas_error,
            "eq-err-words": rounding_words(check["equivariance_error"]),
            "inv-err-words": rounding_words(check["invariance_error"]),
            "inv-err-8-words": rounding_words(by_eight)}


def between_the_strides(changes, scale, p_right, digit_class: int = 7) -> dict:
    """The shift sweep: ``changes``: ``float (2, n, 17)``, the relative change of the pooled
    features for shifts 0..16 down and right (:func:`lib.translation.shift_sweep`); ``scale``:
    ``float (m,)``, the change from one handwritten ``digit_class`` to another; ``p_right``:
    ``float (2, n, 17)``, the probability of the right class (:func:`lib.translation.prediction_sweep`)."""
    changes, p_right = np.asarray(changes), np.asarray(p_right)
    on_grid = changes[:, :, ::8]
    between = np.delete(changes, np.s_[::8], axis=2)
    claim(on_grid.max() < ROUNDING < between.min(), "exact on the grid of multiples of 8, and not between")
    claim(np.median(between) < np.median(scale),
          "a typical small shift changes its features less than a typical change of handwriting")
    moved = np.abs(p_right - p_right[:, :, :1])
    claim(moved[:, :, ::8].max() < ROUNDING < moved.max(), "the probability repeats exactly every 8 pixels")
    flips = int(np.sum(p_right < 0.5))
    return {"sweep-n": changes.shape[1], "sweep-class": digit_class, "sweep-grid-max": float(on_grid.max()),
            "sweep-between-median": float(np.median(between)), "sweep-between-max": float(between.max()),
            "sweep-scale-median": float(np.median(scale)), "sweep-p-grid-max": float(moved[:, :, ::8].max()),
            "sweep-p-max": float(moved.max()), "sweep-p-min": float(p_right.min()), "sweep-flips": flips,
            "sweep-cases": p_right.size, "sweep-grid-max-words": rounding_words(float(on_grid.max())),
            "sweep-p-grid-max-words": rounding_words(float(moved[:, :, ::8].max())),
            "sweep-conclusion": "at every one of these shifts" if flips == 0 else
            "at most of these shifts, though not all"}


def averaging_check(log_change: dict, probabilities) -> dict:
    """The exactness check of shift averaging. ``log_change``: ``{shift: (relative change of
    log f, of the log of the average)}`` for the even shift (2, 6) and the odd control (1, 0);
    ``probabilities``: ``float (10,)``, the network's class probabilities for the digit."""
    averaged = {u: a for u, (_, a) in log_change.items()}
    alone = log_change[2, 6][0]
    claim(averaged[2, 6] < 1e-6 < averaged[1, 0],
          "the average is exactly invariant to the even shift, not to the odd one")
    claim(alone > 1e-6, "the network alone is not invariant to the even shift")
    p = np.asarray(probabilities)
    return {"avg-sure": float(np.max(np.minimum(p, 1 - p))), "avg-err-even": averaged[2, 6],
            "avg-err-even-words": rounding_words(averaged[2, 6]),
            "avg-err-odd": averaged[1, 0], "avg-alone-even": alone}


def averaging_scored(cnn, val_acc: dict, chosen: str, avg_test: float, alone_correct, avg_correct) -> dict:
    """The validation choice between the network alone and its shift averages, and the chosen
    one's test score, paired with the network alone digit by digit (McNemar's exact test).

    ``alone_correct``: ``bool (N,)``, the network alone right on each test digit;
    ``avg_correct``: the same for the chosen average (``None`` when the network alone is chosen)."""
    alone_correct = np.asarray(alone_correct, dtype=bool)
    averaged = alone_correct if avg_correct is None else avg_correct
    claim(abs(alone_correct.mean() - cnn.test_accuracy) < 0.5 / len(alone_correct),
          "the network alone, as tested")
    pair = mcnemar(alone_correct, averaged)
    return {"avg-chosen": chosen, "avg-chosen-val": float(val_acc[chosen]), "avg-alone-val": float(cnn.val_accuracy),
            "avg-test": avg_test, "avg-gain": 100 * (avg_test - cnn.test_accuracy), "avg-fixed": pair["fixed"],
            "avg-broken": pair["broken"], "avg-differ": pair["fixed"] + pair["broken"], "avg-p": pair["p"],
            "avg-verdict": "more than chance would give" if pair["p"] < 0.05
            else "within noise: chance gives such a split easily"}


def _names(verdicts: dict, which: str) -> str:
    return ", ".join(n for n, v in verdicts.items() if v == which) or "none"


def fit_batch_size() -> int:
    """The batch size the ablation trains with: :func:`lib.train.fit`'s default."""
    from lib.train import fit

    return inspect.signature(fit).parameters["batch_size"].default


def ablation(summary: list, dense_fixed: dict, fields: dict) -> dict:
    """The ablation's verdicts, paired by seed and Bonferroni-corrected for the comparisons with
    the base model, its generalisation gaps and whether the variants still improve at the end.

    ``summary``: one :func:`lib.stats.summarize_seeds` row per variant, the first named ``"base"``;
    ``dense_fixed``: the dense network's row (fixed places); ``fields``: ``{variant: side of the
    receptive field of its last layer}`` for ``"base"``, ``"+ max pooling"``, ``"deeper (3 conv)"``."""
    abl = {s["model"]: s for s in summary}
    base = abl["base"]
    n_compared = len(abl) - 1
    paired = {"confidence": bonferroni(n_compared), "paired": True}
    claim(base["val_mean"] > dense_fixed["val_mean"], "the base model is ahead of the dense network")
    gap = {name: 100 * (s["train_mean"] - s["val_mean"]) for name, s in abl.items()}
    claim(gap["base"] > 0, "it fits its training images better than new ones")
    gains = {name: 100 * (s["val_mean"] - base["val_mean"]) for name, s in abl.items() if name != "base"}
    best = max(gains, key=gains.get)
    verdicts = {name: verdict(abl[name]["val_values"], base["val_values"], **paired) for name in gains}
    claim(verdicts["deeper (3 conv)"] == verdicts["+ batch norm"] == "helps", "depth and batch norm help")
    claim("helps" not in (verdicts["+ max pooling"], verdicts["+ global max pooling"]),
          "the two poolings do not help")
    # Still improving when the budget ends? The mean validation accuracy, last epoch against the one before.
    last_gain = {name: 100 * np.diff(s["curves"]["val_accuracy"]["mean"][-2:])[0] for name, s in abl.items()}
    improving = [name for name, g in last_gain.items() if g > 0]
    return {"abl-f1": BASE_CONFIG["filters"][0], "abl-f2": BASE_CONFIG["filters"][1],
            "abl-f3": ABLATION["deeper (3 conv)"]["filters"][2], "abl-epochs": ABLATION_EPOCHS,
            "abl-batch": fit_batch_size(), "abl-seeds": len(ABLATION_SEEDS), "abl-n-train-eval": N_TRAIN_EVAL,
            "abl-base-val": base["val_mean"], "abl-base-train": base["train_mean"],
            "abl-dense-val": dense_fixed["val_mean"], "abl-compared": n_compared,
            "abl-confidence": 100 * paired["confidence"], "abl-base-gap": gap["base"],
            "abl-dropout-gap": gap["+ dropout 0.5"],
            "abl-dropout-verdict": verdict(abl["+ dropout 0.5"]["val_values"], base["val_values"], **paired),
            "abl-dropout-shrinks": "shrinks" if gap["+ dropout 0.5"] < gap["base"] else "does not shrink",
            "abl-best-change": best, "abl-best-gain": gains[best], "abl-best-verdict": verdicts[best],
            "abl-helps": _names(verdicts, "helps"), "abl-noise": _names(verdicts, "within noise"),
            "abl-hurts": _names(verdicts, "hurts"), "base-rf": fields["base"], "pool-rf": fields["+ max pooling"],
            "deep-rf": fields["deeper (3 conv)"], "gmp-params": abl["+ global max pooling"]["params"],
            "pool-params": abl["+ max pooling"]["params"], "abl-pool-verdict": verdicts["+ max pooling"],
            "base-params": base["params"],
            "abl-improving": "every variant is still improving" if len(improving) == len(abl)
            else f"{len(improving)} of the {len(abl)} variants are still improving",
            "abl-last-gain-min": float(min(last_gain.values())), "abl-last-gain-max": float(max(last_gain.values()))}


def ablation_fields() -> dict:
    """``{variant: side of its last layer's receptive field}`` for the base model, "+ max pooling"
    and "deeper (3 conv)" (built untrained: the field depends on the architecture only)."""
    from lib.analysis import receptive_field
    from lib.models import conv_classifier
    from lib.translation import ablation_configs

    configs = ablation_configs()
    return {name: receptive_field(conv_classifier(**configs[name]), layer)[0]
            for name, layer in [("base", "relu2"), ("+ max pooling", "pool2"), ("deeper (3 conv)", "relu3")]}
