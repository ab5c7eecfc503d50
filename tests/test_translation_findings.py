"""lib.translation_findings: the chapter's glued values and its checked claims, on small made-up results."""

from types import SimpleNamespace

import numpy as np
import pytest

from lib import translation_findings as findings


def result(test=0.99, val=0.98, params=1000, history=(0.95, 0.96, 0.97)):
    return SimpleNamespace(test_accuracy=test, val_accuracy=val, params=params, train_seconds=12.0,
                           history={"val_accuracy": list(history)})


def test_best_network_reads_its_trend_and_size():
    found = findings.best_network(result(params=100), result(params=2500), field=(62, 16))
    assert found["cnn-filters"] == "16, 32, 64 and 128"
    assert found["cnn-vs-dense-params"] == 25 and found["cnn-err"] == pytest.approx(0.01)
    assert found["cnn-val-trend"] == "was still improving"
    assert found["cnn-val-last-three"] == "95.00%, 96.00%, 97.00%"
    assert (found["rf-size"], found["rf-stride"]) == (62, 16)
    # Negative control: a last epoch below the best before it has levelled off.
    levelled = findings.best_network(result(history=(0.97, 0.98, 0.975)), result(), field=(62, 16))
    assert levelled["cnn-val-trend"] == "had levelled off"


def test_position_uniformity_finds_a_hard_corner_and_only_then():
    positions = np.array([(r, c) for r in range(4) for c in range(4)] * 25)  # 400 digits, 2x2 bins of 4 places
    bins = positions // 2
    grid = np.ones((2, 2))
    even = np.ones(400, dtype=bool)
    even[::10] = False  # 40 errors spread over every bin
    found = findings.position_uniformity(even, positions, grid)
    assert found["cnn-bin-n"] == 100 and found["cnn-bin-p"] > 0.05
    assert found["cnn-bin-verdict"] == "no evidence that some positions are harder than others"
    corner = np.ones(400, dtype=bool)
    corner[np.flatnonzero((bins == 0).all(axis=1))[:40]] = False  # the same 40 errors, all in one bin
    assert findings.position_uniformity(corner, positions, grid)["cnn-bin-verdict"] == \
        "some positions are harder than others"


def row(name, test=(), val=(), train=None, params=100, curve=(0.5, 0.6)):
    test, val = np.asarray(test, float), np.asarray(val, float)
    out = {"model": name, "val_values": list(val), "val_mean": float(val.mean()), "params": params,
           "train_mean": float(val.mean()) + 0.02 if train is None else train,
           "curves": {"val_accuracy": {"mean": list(curve)}}}
    if len(test):
        out.update(test_mean=float(test.mean()), test_min=float(test.min()), test_max=float(test.max()))
    return out


def test_recipe_or_architecture_says_which_buys_more_and_checks_the_gap():
    fixed = row("fixed", test=[0.60, 0.61, 0.62], val=[0.60, 0.61, 0.62])
    fresh = row("fresh", test=[0.70, 0.71, 0.72], val=[0.70, 0.71, 0.72])
    found = findings.recipe_or_architecture([fixed, fresh], result(test=0.99))
    assert found["recipe-gain"] == pytest.approx(10) and found["architecture-gain"] == pytest.approx(28)
    assert found["recipe-larger"] == "the architecture" and found["recipe-verdict"] == "helps"
    assert found["t-three-seeds"] == pytest.approx(4.303, abs=1e-3)
    # Negative control: a CNN inside the seeds' spread contradicts "far outside the spread".
    with pytest.raises(AssertionError, match="far outside the spread"):
        findings.recipe_or_architecture([fixed, fresh], result(test=0.75))


def test_invariance_checks_need_exactness_by_8_and_not_by_4():
    check = {"equivariance_error": 1e-7, "invariance_error": 2e-7}
    control = {"equivariance_error": 0.3, "shift": (17, 13), "map_shift": (4, 3)}
    change = {(8, 0): 1e-7, (4, 0): 0.1, (17, 13): 0.2}
    found = findings.invariance_checks(check, control, change, 0.05, 18)
    assert found["inv-err-8"] == 1e-7 and found["inv-err-odd"] == 0.2 and found["relu4-size"] == 18
    assert (found["eq-err-control"], found["eq-control-map-shift"]) == (0.3, "(4, 3)")
    # Rounding in words: its order of magnitude, or "exactly 0".
    assert found["inv-err-8-words"] == "less than 10⁻⁶, float32 rounding"
    assert findings.invariance_checks({**check, "equivariance_error": 0.0}, control, change, 0.05,
                                      18)["eq-err-words"] == "exactly 0"
    with pytest.raises(AssertionError, match="multiples of 8"):
        findings.invariance_checks(check, control, {**change, (8, 0): 1e-3}, 0.05, 18)
    # the negative control must fail
    with pytest.raises(AssertionError, match="no map shift matches"):
        findings.invariance_checks(check, {**control, "equivariance_error": 1e-7}, change, 0.05, 18)


def sweep(grid_change=0.0):
    changes = np.full((2, 3, 17), 0.2)
    changes[:, :, ::8] = grid_change
    p_right = np.full((2, 3, 17), 0.9)
    p_right[:, :, ::8] = 0.99
    p_right[0, 0, 3] = 0.4  # one shifted digit read wrong
    return changes, np.array([0.3, 0.5, 0.4]), p_right


def test_between_the_strides_exact_on_the_grid_only():
    found = findings.between_the_strides(*sweep())
    assert found["sweep-grid-max"] == 0 and found["sweep-between-median"] == pytest.approx(0.2)
    assert found["sweep-flips"] == 1 and found["sweep-cases"] == 102
    assert found["sweep-conclusion"] == "at most of these shifts, though not all"
    assert found["sweep-p-max"] == pytest.approx(0.59)
    with pytest.raises(AssertionError, match="exact on the grid"):
        findings.between_the_strides(*sweep(grid_change=1e-3))


def test_averaging_check_and_its_negative_control():
    p = np.array([1 - 1e-6, 1e-6] + [0.0] * 8)
    found = findings.averaging_check({(2, 6): (1e-3, 1e-8), (1, 0): (2e-3, 1e-3)}, p)
    assert found["avg-sure"] == pytest.approx(1e-6) and found["avg-err-even"] == 1e-8
    with pytest.raises(AssertionError, match="exactly invariant to the even shift"):
        findings.averaging_check({(2, 6): (1e-3, 1e-3), (1, 0): (2e-3, 1e-3)}, p)


def test_averaging_scored_pairs_the_predictions():
    alone = np.ones(1000, dtype=bool)
    alone[:30] = False
    cnn = result(test=0.97, val=0.98)
    same = findings.averaging_scored(cnn, {"network alone": 0.98}, "network alone", 0.97, alone, None)
    assert (same["avg-fixed"], same["avg-broken"], same["avg-p"]) == (0, 0, 1.0)
    assert same["avg-verdict"] == "within noise: chance gives such a split easily"
    better = alone.copy()
    better[:20] = True  # 20 digits fixed, none broken
    found = findings.averaging_scored(cnn, {"avg": 0.99}, "avg", 0.99, alone, better)
    assert found["avg-differ"] == 20 and found["avg-verdict"] == "more than chance would give"
    assert found["avg-gain"] == pytest.approx(2)
    with pytest.raises(AssertionError, match="as tested"):
        findings.averaging_scored(result(test=0.5), {"avg": 0.99}, "avg", 0.99, alone, better)


def ablation_rows(pool=(0.89, 0.92, 0.91)):
    base = [0.90, 0.91, 0.92]
    return [row("base", val=base, params=5000),
            row("+ dropout 0.5", val=[0.905, 0.905, 0.925], train=0.915),
            row("+ batch norm", val=[0.94, 0.951, 0.96], curve=(0.9, 0.89)),
            row("+ max pooling", val=pool, params=800),
            row("+ global max pooling", val=[0.80, 0.81, 0.83], params=900),
            row("deeper (3 conv)", val=[0.96, 0.972, 0.98])]


def test_ablation_verdicts_paired_and_corrected():
    fields = {"base": 7, "+ max pooling": 15, "deeper (3 conv)": 15}
    found = findings.ablation(ablation_rows(), row("dense", val=[0.5, 0.5, 0.5]), fields)
    assert found["abl-compared"] == 5 and found["abl-confidence"] == pytest.approx(99)
    assert found["abl-helps"] == "+ batch norm, deeper (3 conv)" and found["abl-hurts"] == "+ global max pooling"
    assert found["abl-noise"] == "+ dropout 0.5, + max pooling" and found["abl-best-change"] == "deeper (3 conv)"
    assert found["abl-dropout-shrinks"] == "shrinks" and found["gmp-params"] == 900
    assert found["abl-improving"] == "5 of the 6 variants are still improving"
    assert found["abl-batch"] > 0 and found["pool-rf"] == 15
    # Negative control: max pooling that helps contradicts "the two poolings do not help".
    with pytest.raises(AssertionError, match="poolings do not help"):
        findings.ablation(ablation_rows(pool=(0.99, 0.995, 0.999)), row("dense", val=[0.5] * 3), fields)


def test_convolution_check_needs_equal_maps_and_a_different_flip():
    feature = np.array([[0.0, 1.0], [2.0, -1.0]])
    found = findings.convolution_check(feature, feature + 1e-8, feature[::-1, ::-1])
    assert found["conv-keras-err"] < 1e-7 and found["conv-flip-err"] == 0.5  # 1 / 2
    # Negative control: a flip that changes nothing (a symmetric map) contradicts the claim.
    symmetric = np.ones((2, 2))
    with pytest.raises(AssertionError, match="flipped kernel does not"):
        findings.convolution_check(symmetric, symmetric, symmetric)
