"""Tests of lib.rotation_findings: what the rotation chapter glues into its prose, from small
synthetic results (no training, no networks), and the claims it checks, each with an input
where the claim fails."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lib import rotation_findings as findings
from lib.stats import bonferroni, difference_text

ROOT = Path(__file__).resolve().parent.parent
MAX, MEAN, FLAT = findings.MAX_POOL, findings.MEAN_POOL, findings.NO_POOLING


def _row(label, val, test_mean=0.9, half=0.004, params=1000, epochs=(8, 9, 10), best=(5, 6, 7)):
    """A :func:`lib.stats.summarize_seeds` row with what the findings read."""
    return {"model": label, "val_values": list(val), "test_mean": test_mean, "test_half": half, "params": params,
            "epochs_values": list(epochs), "best_epochs": list(best)}


def _benchmark_rows(max_vals=(0.96, 0.962, 0.958)):
    return [_row("dense 100", (0.91, 0.915, 0.905), best=(9, 12, 10)),
            _row("dense 400", (0.94, 0.942, 0.938), params=4000),
            _row(FLAT, (0.955, 0.95, 0.96)),
            _row(MAX, max_vals, test_mean=0.963, half=0.003),
            _row(MEAN, (0.95, 0.96, 0.955), best=(4, 19, 6))]


def test_the_module_imports_no_tensorflow():
    code = "import sys, lib.rotation_findings; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_data_findings_count_the_splits():
    splits = {"x_train": np.zeros((40, 2, 2)), "x_val": np.zeros((7, 2, 2)), "x_test": np.zeros((9, 2, 2))}
    counts = np.full((10, 4), 1, dtype=np.int64)
    counts[:, 0] = 2  # 5 images per class, dealt 2, 1, 1, 1
    out = findings.data_findings(splits, counts, n_train=60_000, n_test=10_000)
    assert out == {"rot-n-train": 40, "rot-n-val": 7, "rot-n-test": 9, "rot-per-class": 5, "rot-n-fit": 54_000,
                   "rot-n-test-orig": 10_000, "rot-n-test-all": 40_000}
    assert type(out["rot-per-class"]) is int


def test_benchmark_findings_glue_every_model_and_the_leads():
    rows = _benchmark_rows()
    settings = SimpleNamespace(DENSE_PATIENCE=3, DENSE_MAX_EPOCHS=60)
    out = findings.benchmark_findings(rows, settings)
    assert out["rot-dense-patience"] == 3 and (out["rot-best-min"], out["rot-best-max"]) == (4, 19)
    assert {f"rot-{k}-rotated-100-max-pool" for k in ("acc", "sd", "params")} <= set(out)
    assert out["rot-acc-rotated-100-max-pool"] == 0.963
    assert out["rot-sd-rotated-100-max-pool"] == pytest.approx(0.3)  # percentage points
    assert out["rot-params-dense-400"] == 4000
    assert out["rot-max-vs-d100"] == difference_text(rows[3]["val_values"], rows[0]["val_values"])
    assert out["rot-max-vs-d100"].startswith("+5.00 [")
    assert out["rot-mean-vs-max"].startswith("within noise (") and out["rot-mean-vs-max"].endswith(" points)")


def test_benchmark_findings_refuse_a_capped_run_and_a_wrong_order():
    settings = SimpleNamespace(DENSE_PATIENCE=3, DENSE_MAX_EPOCHS=10)  # dense 100 ran 8, 9, 10 epochs
    with pytest.raises(AssertionError, match="Every run was trained until it stopped improving"):
        findings.benchmark_findings(_benchmark_rows(), settings)
    settings.DENSE_MAX_EPOCHS = 60
    behind = _benchmark_rows(max_vals=(0.935, 0.94, 0.93))  # below dense 400
    with pytest.raises(AssertionError, match="ahead of both dense layers"):
        findings.benchmark_findings(behind, settings)


def test_agreement_findings_say_for_how_many_digits_the_pooled_models_agree():
    def report(agreement, change=1e-6):
        return {"agreement": agreement, "change": change}

    reports = {MAX: report(1.0), MEAN: report(1.0), FLAT: report(0.95), "dense 400": report(0.9)}
    out = findings.agreement_findings(reports)
    assert out["rot-agree-note"] == "every digit"
    assert (out["rot-agree-flat"], out["rot-agree-d400"], out["rot-inv-max"]) == (
        0.95, 0.9, "less than 10⁻⁵, float32 rounding")
    reports[MEAN] = report(0.9999)
    note = findings.agreement_findings(reports)["rot-agree-note"]
    assert note.startswith("99.99% of the digits (ties")


def test_how_often_compares_the_invariant_model_with_the_others():
    assert findings.how_often(0.001, [0.002, 0.003]) == "less often than either of the other two"
    assert findings.how_often(0.002, [0.002, 0.003]) == "no more often than either of the other two"
    assert findings.how_often(0.0025, [0.002, 0.003]) == "about as often as the other two"
    assert findings.how_often(0.004, [0.002, 0.003]) == "more often than the other two"


def test_six_nine_findings_count_the_swaps_and_rank_range():
    def confusion(swapped, rank):
        return {"swapped": swapped, "pair_median": swapped / 2, "pair_rank": rank}

    six_nine = {"dense 100": confusion(0.01, 13), "dense 400": confusion(0.009, 12), FLAT: confusion(0.005, 15),
                MAX: confusion(0.006, 11), MEAN: confusion(0.007, 16)}
    labels = np.tile(np.repeat([1, 6, 9], 250), (4, 1))  # 2000 sixes and nines in all
    out = findings.six_nine_findings(six_nine, labels)
    assert out["rot-69-how"] == "about as often as the other two" and out["rot-69-models"] == 5
    assert out["rot-swap-max-n"] == 12 and (out["rot-rank-best"], out["rot-rank-worst"]) == (11, 16)
    assert (out["rot-swap-flat"], out["rot-pairs-d400"], out["rot-rank-max"]) == (0.005, 0.0045, 11)
    six_nine[MAX] = confusion(0.001, 40)
    assert findings.six_nine_findings(six_nine, labels)["rot-69-how"].startswith("less often")


def _upright(dense_errors, max_errors, max_swapped):
    return {"dense 100, upright": {"test_mean": 0.97, "swapped": 0.0, "errors": dense_errors},
            "rotated 100, max pool, upright": {"test_mean": 0.958, "swapped": max_swapped, "errors": max_errors}}


def test_upright_findings_split_the_price_of_invariance():
    labels = np.repeat([0, 6, 9], [800, 100, 100])  # 200 sixes and nines
    settings = SimpleNamespace(UPRIGHT_EPOCHS=5, UPRIGHT_BATCH_SIZE=128)
    out = findings.upright_findings(_upright(300, 400, 0.07), labels, settings)
    assert (out["rot-upright-n-dense"], out["rot-upright-n-max"]) == (0, 14)
    assert (out["rot-upright-extra"], out["rot-upright-extra-69"]) == (100, 14)
    assert (out["rot-upright-acc-max"], out["rot-upright-epochs"], out["rot-upright-batch"]) == (0.958, 5, 128)
    with pytest.raises(AssertionError, match="the rest of the price is spread over the other classes"):
        findings.upright_findings(_upright(300, 320, 0.07), labels, settings)  # 14 of 20: mostly 6/9
    with pytest.raises(AssertionError, match="more errors"):
        findings.upright_findings(_upright(300, 290, 0.0), labels, settings)  # no price at all


def test_cnn_findings_give_bonferroni_verdicts_and_refuse_a_p4_cnn_behind():
    rows = _benchmark_rows()
    settings = SimpleNamespace(CNN_EPOCHS=8, CNN_BATCH_SIZE=64, N_INVARIANCE=2000)
    cnn_rows = [_row("plain CNN", (0.972, 0.973, 0.971)), _row("p4 CNN", (0.985, 0.986, 0.984), half=0.0014)]
    changes = {"p4 CNN": 1e-6, "plain CNN": 0.99}
    out = findings.cnn_findings(cnn_rows, rows, changes, settings)
    assert out["rot-p4-confidence"] == 100 * bonferroni(2) == 97.5
    lead = difference_text([0.985, 0.986, 0.984], [0.972, 0.973, 0.971], 0.975)
    assert out["rot-p4-vs-plain"] == f"helps ({lead} points)"
    assert out["rot-p4-vs-rotated"].startswith("helps (+2.50 [")
    assert out["rot-half-p4-CNN"] == pytest.approx(0.14) and "rot-params-plain-CNN" in out
    assert (out["rot-inv-plain"], out["rot-cnn-epochs"], out["rot-n-inv"]) == (0.99, 8, 2000)
    cnn_rows[1]["val_values"] = [0.972, 0.974, 0.970]  # level with the ordinary CNN
    with pytest.raises(AssertionError, match="the p4 CNN is ahead"):
        findings.cnn_findings(cnn_rows, rows, changes, settings)


def _model(shapes):
    layers = {name: SimpleNamespace(output=SimpleNamespace(shape=(None, *shape))) for name, shape in shapes.items()}
    return SimpleNamespace(get_layer=layers.__getitem__)


def test_p4_findings_list_the_feature_maps_and_check_the_pooling():
    shapes = {"lift": (24, 24, 4, 12), "pool1": (12, 12, 4, 12), "gconv1": (10, 10, 4, 24),
              "pool2": (5, 5, 4, 24), "gconv2": (3, 3, 4, 24), "pool_positions": (24,)}
    settings = SimpleNamespace(P4_CONFIG={"filters": [12, 24, 24], "dense_units": 64})
    out = findings.p4_findings(_model(shapes), settings)
    assert out["rot-p4-shapes"] == "24×24×4×12, 12×12×4×12, 10×10×4×24, 5×5×4×24, 3×3×4×24"
    assert (out["rot-p4-f1"], out["rot-p4-f2"], out["rot-p4-f3"], out["rot-p4-hidden"]) == (12, 24, 24, 64)
    shapes["pool_positions"] = (4, 24)  # rotations left unpooled
    with pytest.raises(AssertionError, match="one per filter"):
        findings.p4_findings(_model(shapes), settings)


def test_macs_findings_give_the_ratio_and_the_width_that_equalises_it():
    out = findings.macs_findings({"p4 CNN": 4000, "plain CNN": 1000, "rotated": 300})
    assert (out["rot-macs-ratio"], out["rot-macs-width"], out["rot-macs-rotated"]) == (4.0, 2.0, 300)
    assert type(out["rot-macs-width"]) is float


def _efficiency_settings(sizes=(500, 2000, 8000)):
    """Settings with lib.rotation's rule: small sets repeated to 4000 images, 16,000 images a run."""
    def specs(size):
        repeats = -(-4000 // size)
        spec = SimpleNamespace(epochs=-(-16_000 // (size * repeats)), train_size=size, repeats=repeats,
                               batch_size=128)
        return [spec, spec]

    return SimpleNamespace(EFFICIENCY_SIZES=sizes, EFFICIENCY_SEEDS=(0, 1, 2), EFFICIENCY_IMAGES=16_000,
                           EFFICIENCY_EPOCH_IMAGES=4000, EFFICIENCY_BN_MOMENTUM=0.9, EFFICIENCY_BATCH_SIZE=128,
                           efficiency_specs=specs)


def test_efficiency_settings_count_repeats_and_steps():
    out = findings.efficiency_settings(_efficiency_settings())
    assert out["rot-eff-sizes"] == "500, 2,000, 8,000" and out["rot-eff-seeds"] == 3
    # 500 images x 8 repeats = 4000 a epoch, 4 epochs of 32 steps; 8000 images: 2 epochs of 63 steps
    assert (out["rot-eff-repeats"], out["rot-eff-steps"], out["rot-eff-largest-epochs"]) == (8, 128, 2)
    out = findings.efficiency_settings(_efficiency_settings(sizes=(300, 8000)))
    assert (out["rot-eff-repeats"], out["rot-eff-steps"]) == (14, 4 * 33)  # 4200 images an epoch


def _efficiency(p4, plain):
    return {"plain CNN": [[m - 0.01, m, m + 0.01] for m in plain], "p4 CNN": [[m - 0.01, m, m + 0.01] for m in p4]}


def test_efficiency_findings_bracket_the_data_the_symmetry_is_worth():
    sizes = [500, 2000, 8000, 49_010]
    out = findings.efficiency_findings(_efficiency([0.85, 0.93, 0.96, 0.985], [0.6, 0.8, 0.9, 0.97]), sizes, 2000)
    assert out["rot-eff-above"] == "all 49,010 training images" and out["rot-eff-below"] == 8000
    assert (out["rot-eff-below-factor"], out["rot-eff-above-factor"]) == (4.0, 24.505)
    assert out["rot-eff-p4-small"] == pytest.approx(0.93) and out["rot-eff-plain-small"] == pytest.approx(0.8)
    earlier = findings.efficiency_findings(_efficiency([0.85, 0.93, 0.96, 0.985], [0.6, 0.8, 0.94, 0.97]),
                                           sizes, 2000)
    assert (earlier["rot-eff-above"], earlier["rot-eff-below"]) == ("8,000", 2000)


@pytest.mark.parametrize("p4, plain, claim", [
    ([0.85, 0.93, 0.96, 0.985], [0.6, 0.8, 0.9, 0.92], "falls short of that"),  # never reaches it
    ([0.85, 0.93, 0.96, 0.985], [0.6, 0.8, 0.97, 0.97], "at every size"),  # the p4 CNN behind at 8000
    ([0.85, 0.93, 0.96, 0.985], [0.12, 0.8, 0.9, 0.97], "far above chance"),  # a run at chance
])
def test_efficiency_findings_refuse_what_the_prose_does_not_say(p4, plain, claim):
    with pytest.raises(AssertionError, match=claim):
        findings.efficiency_findings(_efficiency(p4, plain), [500, 2000, 8000, 49_010], 2000)


def test_efficiency_findings_refuse_a_cnn_that_reaches_it_on_fewer_images():
    # The ordinary CNN on 500 images is as good as the p4 CNN on 2000: no bracket above 2000.
    efficiency = _efficiency([0.97, 0.96, 0.975, 0.985], [0.965, 0.9, 0.95, 0.97])
    with pytest.raises(AssertionError, match="falls short of that"):
        findings.efficiency_findings(efficiency, [500, 2000, 8000, 49_010], 2000)


def test_sweep_groups_put_every_network_in_one_panel():
    labels = ["dense 100", MAX, FLAT, MEAN, "p4 CNN", "plain CNN", "dense 100, upright", "plain CNN, upright"]
    groups = findings.sweep_groups(labels)
    assert sorted(k for members in groups.values() for k in members) == sorted(labels)
    a, b, c = groups.values()
    assert a == [MAX, MEAN, "p4 CNN"] and c == ["dense 100, upright", "plain CNN, upright"]
    assert b == ["dense 100", FLAT, "plain CNN"]


ANGLES = np.arange(0, 361, 5)


def _sweep():
    periodic = 0.95 - 0.2 * np.abs(np.sin(np.radians(2 * (ANGLES % 90))))  # 95% at quarter turns, 75% half-way
    return {MAX: periodic, MEAN: periodic - 0.01, "p4 CNN": periodic + 0.03, "dense 100": periodic - 0.1,
            "dense 100, upright": 0.97 * np.cos(np.radians(ANGLES) / 2) ** 2}


def test_sweep_findings_measure_the_period_and_the_dip():
    settings = SimpleNamespace(SWEEP_ANGLES=ANGLES, N_SWEEP=1000)
    out = findings.sweep_findings(_sweep(), settings, best_epoch=10)
    assert out["rot-sweep-period"] == "at every angle of the sweep" and out["rot-sweep-step"] == 5
    assert out["rot-sweep-dip-min"] == pytest.approx(20.0)
    assert (out["rot-sweep-p4-0"], out["rot-sweep-p4-45"]) == (pytest.approx(0.98), pytest.approx(0.78))
    assert (out["rot-sweep-up-0"], out["rot-sweep-up-180"]) == (pytest.approx(0.97), pytest.approx(0.0))
    assert (out["rot-n-sweep"], out["rot-upright-cnn-epochs"]) == (1000, 10)
    by_angle = _sweep()
    by_angle[MAX] = by_angle[MAX].copy()
    by_angle[MAX][ANGLES == 100] += 0.001  # one digit more at 100 degrees than at 10 and 190
    assert findings.sweep_findings(by_angle, settings, 10)["rot-sweep-period"] == "to within 1 digits"


@pytest.mark.parametrize("change, claim", [
    (lambda b: b[MAX].__setitem__(ANGLES == 100, b[MAX][ANGLES == 100] + 0.003), "repeat every quarter turn"),
    (lambda b: b.__setitem__("dense 100", np.full(len(ANGLES), 0.9)), "worse"),
    (lambda b: b.__setitem__("dense 100, upright", np.full(len(ANGLES), 0.9)), "accurate only near 0°"),
])
def test_sweep_findings_refuse_what_the_prose_does_not_say(change, claim):
    by_angle = {k: v.copy() for k, v in _sweep().items()}
    change(by_angle)
    with pytest.raises(AssertionError, match=claim):
        findings.sweep_findings(by_angle, SimpleNamespace(SWEEP_ANGLES=ANGLES, N_SWEEP=1000), 10)
