"""Tests of lib.stats: t quantiles, intervals, verdicts that never overclaim, summaries, tables."""

import math

import numpy as np
import pytest

from lib.stats import (bonferroni, difference_interval, difference_text, markdown_table, mcnemar, mean_interval,
                       paired_interval, percent, seed_table, summarize_seeds, t_quantile, uniformity_test,
                       verdict)
from lib.train import TrainResult


@pytest.mark.parametrize("df,expected", [(1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (10, 2.2281),
                                         (30, 2.0423), (1000, 1.9623)])
def test_t_quantile_matches_published_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=2e-4)


def test_t_quantile_rejects_nonsense():
    with pytest.raises(ValueError):
        t_quantile(0.4, 3)
    with pytest.raises(ValueError):
        t_quantile(0.975, 0)


def test_mean_interval_by_hand_and_for_one_value():
    mean, half = mean_interval([0.90, 0.92, 0.94])
    assert mean == pytest.approx(0.92)
    assert half == pytest.approx(4.3027 * 0.02 / math.sqrt(3), rel=1e-4)
    assert math.isnan(mean_interval([0.9])[1])


def test_verdict_needs_the_whole_interval_on_one_side():
    base = [0.900, 0.905, 0.910]
    assert verdict([0.950, 0.955, 0.960], base) == "helps"
    assert verdict([0.850, 0.855, 0.860], base) == "hurts"
    assert verdict([0.901, 0.912, 0.899], base) == "within noise"
    assert verdict(base, base) == "within noise"             # +0.0 points never "helps"
    assert verdict([0.99], [0.5]) == "one seed: no verdict"  # one seed decides nothing
    d = difference_interval([0.950, 0.955, 0.960], base)
    assert d["low"] < d["diff"] < d["high"] and d["diff"] == pytest.approx(0.05)


def test_difference_text_in_points_with_its_interval():
    base = [0.900, 0.905, 0.910]
    # +5 points; t(0.975, 4) = 2.7764 times the standard error sqrt(2 * 0.005**2 / 3).
    half = 2.7764 * math.sqrt(2 * 0.005 ** 2 / 3) * 100
    assert difference_text([0.950, 0.955, 0.960], base) == f"+5.00 [{5 - half:+.2f}, {5 + half:+.2f}]"
    assert difference_text([0.85], base) == "-5.50"  # one seed: no interval to print


def test_two_seeds_span_the_wide_interval_of_one_degree_of_freedom():
    d = difference_interval([0.91, 0.93], [0.90, 0.90 + 1e-12])
    assert d["df"] == pytest.approx(1.0, rel=1e-3)
    assert d["high"] - d["low"] > 2 * 12 * np.std([0.91, 0.93], ddof=1) / math.sqrt(2)


def result(val, train=None, test=None, best_epoch=0):
    return TrainResult(name="m", model=None, history={"val_accuracy": list(val), "accuracy": list(train or val)},
                       test_loss=0.1, test_accuracy=test, train_seconds=3.0, params=42, from_cache=True, key="k",
                       best_epoch=best_epoch)


def test_summarize_seeds_means_intervals_and_curves():
    runs = [result([0.5, 0.90], test=0.89), result([0.6, 0.92], test=0.91), result([0.55, 0.94], test=0.93)]
    s = summarize_seeds("a", runs)
    assert (s["runs"], s["params"], s["epochs"]) == (3, 42, 2)
    assert s["val_mean"] == pytest.approx(0.92) and s["test_mean"] == pytest.approx(0.91)
    assert s["val_half"] == pytest.approx(mean_interval([0.90, 0.92, 0.94])[1])
    np.testing.assert_allclose(s["curves"]["val_accuracy"]["mean"], [0.55, 0.92])
    np.testing.assert_allclose(s["curves"]["val_accuracy"]["min"], [0.5, 0.90])
    one = summarize_seeds("b", runs[:1])
    assert math.isnan(one["val_half"]) and "test_mean" in one
    assert "test_mean" not in summarize_seeds("c", [result([0.5])])
    with pytest.raises(ValueError, match="no runs"):
        summarize_seeds("d", [])


def test_runs_with_a_stopping_rule_are_summarised_at_their_kept_epoch():
    # Seed 0 stopped after 4 epochs and kept epoch 2; seed 1 ran 3 epochs and kept epoch 3.
    runs = [result([0.5, 0.9, 0.8, 0.85], train=[0.6, 0.91, 0.95, 0.97], best_epoch=2),
            result([0.6, 0.7, 0.8], best_epoch=3)]
    s = summarize_seeds("a", runs)
    assert s["val_values"] == [0.9, 0.8] and s["train_values"] == [0.91, 0.8]
    assert (s["epochs"], s["epochs_values"], s["best_epochs"]) == (4, [4, 3], [2, 3])
    np.testing.assert_allclose(s["curves"]["val_accuracy"]["mean"], [0.55, 0.8, 0.8, 0.85])
    # Negative control: the last epoch is not what was kept.
    assert s["val_values"][0] != runs[0].history["val_accuracy"][-1]


def test_seed_table_rows_and_verdicts():
    a = summarize_seeds("base", [result([0.90], test=0.9), result([0.905], test=0.9), result([0.91], test=0.9)])
    b = summarize_seeds("better", [result([0.95], test=0.95), result([0.955], test=0.95), result([0.96], test=0.95)])
    table = seed_table([a, b], reference="base").splitlines()
    assert len(table) == 4 and table[0].startswith("| model (3 seeds each) |") and "vs base" in table[0]
    assert table[3].startswith("| better | 42 |") and "| helps |" in table[3]
    assert "+5.00 [" in table[3] and ",\u00a0+" in table[3]  # the interval does not wrap inside
    # Models with different numbers of seeds get a column for it instead.
    one = summarize_seeds("one", [result([0.9], test=0.9)])
    mixed = seed_table([a, one]).splitlines()
    assert mixed[0].startswith("| model | parameters | seeds |") and mixed[3].startswith("| one | 42 | 1 |")
    with pytest.raises(ValueError, match="reference"):
        seed_table([a], reference="missing")
    stopped = summarize_seeds("stopped", [result([0.9, 0.95, 0.94], best_epoch=2), result([0.9], best_epoch=1)])
    assert "| stopped | 42 | 2, 1 |" in seed_table([stopped], test=False, epochs=True)


def test_markdown_table_and_percent():
    assert markdown_table(["a", "b"], [[1, 2]]) == "| a | b |\n|---|---:|\n| 1 | 2 |"
    with pytest.raises(ValueError):
        markdown_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="l or r"):
        markdown_table(["a", "b"], [[1, 2]], align="lc")


def test_markdown_table_code_columns_alignment_and_escaping():
    table = markdown_table(["layer", "kind", "n"], [["conv1", "Conv2D", 416], ["a|b", "x|y", 1]],
                           align="llr", code_columns=[0])
    assert table.splitlines() == ["| layer | kind | n |", "|---|---|---:|", "| `conv1` | Conv2D | 416 |",
                                  "| `a\\|b` | x\\|y | 1 |"]
    # Negative control: without code columns no cell is code, and the header never is.
    plain = markdown_table(["layer", "kind", "n"], [["conv1", "Conv2D", 416]], align="llr")
    assert "`" not in plain and plain != table.splitlines()[2]
    assert percent(0.91234) == "91.23" and percent(0.9, 0.0012) == "90.00\u00a0±\u00a00.12"


# --- Paired comparisons -----------------------------------------------------------------------


def test_paired_interval_by_hand():
    a, b = [0.91, 0.95, 0.93], [0.90, 0.93, 0.92]  # differences 0.01, 0.02, 0.01
    d = paired_interval(a, b)
    half = 4.3027 * np.std([0.01, 0.02, 0.01], ddof=1) / math.sqrt(3)
    assert d["diff"] == pytest.approx(0.04 / 3) and d["df"] == 2
    assert d["low"] == pytest.approx(0.04 / 3 - half, abs=1e-6)
    assert math.isnan(paired_interval([0.9], [0.8])["low"])
    with pytest.raises(ValueError, match="same seed order"):
        paired_interval([0.9, 0.8], [0.9, 0.8, 0.7])


def test_pairing_sees_a_steady_gain_that_seed_noise_hides():
    # Seeds differ by a lot, the variant beats its own seed by about 0.5 points every time.
    base = np.array([0.90, 0.94, 0.92])
    variant = base + [0.005, 0.006, 0.004]
    assert verdict(variant, base, paired=True) == "helps"
    assert verdict(variant, base) == "within noise"  # Welch's interval ignores the pairing
    # Negative control: no gain, no verdict of "helps" however it is paired.
    assert verdict(base + [0.005, -0.006, 0.001], base, paired=True) == "within noise"


def test_bonferroni_widens_each_interval():
    assert bonferroni(1) == pytest.approx(0.95) and bonferroni(5) == pytest.approx(0.99)
    base = np.array([0.90, 0.94, 0.92])
    variant = base + [0.010, 0.016, 0.013]
    d95, d99 = paired_interval(variant, base), paired_interval(variant, base, bonferroni(5))
    assert d99["low"] < d95["low"] and d99["high"] > d95["high"]
    with pytest.raises(ValueError):
        bonferroni(0)


def test_seed_table_pairs_and_corrects_when_asked():
    base = summarize_seeds("base", [result([v]) for v in (0.90, 0.94, 0.92)])
    plus = summarize_seeds("plus", [result([v]) for v in (0.905, 0.946, 0.924)])
    other = summarize_seeds("other", [result([v]) for v in (0.90, 0.94, 0.92)])
    paired = seed_table([base, plus, other], reference="base", test=False, paired=True)
    assert "paired, 98% interval" in paired and "| helps |" in paired  # two comparisons
    assert "| helps |" not in seed_table([base, plus, other], reference="base", test=False)
    assert "time" not in paired  # nothing that depends on the machine


def test_mcnemar_exact_by_hand():
    a = np.ones(10_000, bool)
    b = a.copy()
    a[:15], b[15:19] = False, False  # b fixes 15 images that a gets wrong and breaks 4
    out = mcnemar(a, b)
    assert (out["fixed"], out["broken"]) == (15, 4)
    # 2 * P(X <= 4), X ~ Binomial(19, 1/2) = 2 * (1 + 19 + 171 + 969 + 3876) / 2**19
    assert out["p"] == pytest.approx(2 * 5036 / 2 ** 19, rel=1e-12)
    assert mcnemar(a, a) == {"fixed": 0, "broken": 0, "p": 1.0}  # never differ: no evidence
    assert mcnemar([True, False], [False, True])["p"] == 1.0  # one each way: a fair split
    with pytest.raises(ValueError, match="same images"):
        mcnemar(a, b[:10])


def test_uniformity_test_finds_a_bad_corner_and_not_noise():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(50), 80)
    even = rng.random(groups.size) > 0.02  # 2 % errors everywhere
    assert uniformity_test(even, groups, permutations=500)["p"] > 0.05
    bad = even.copy()
    bad[groups == 7] = rng.random(80) > 0.3  # one group with 30 % errors
    out = uniformity_test(bad, groups, permutations=500)
    assert out["p"] < 0.01 and out["groups"] == 50
    # Same seed, same answer; no errors at all: nothing to test.
    assert uniformity_test(bad, groups, permutations=100) == uniformity_test(bad, groups, permutations=100)
    assert uniformity_test(np.ones(10, bool), np.arange(10))["p"] == 1.0
    with pytest.raises(ValueError, match="one group per item"):
        uniformity_test(even, groups[:10])


def test_small_error_text_gives_the_order_of_magnitude():
    from lib.stats import small_error_text

    assert small_error_text(6.0e-8) == "less than 10⁻⁷" and small_error_text(1.2e-7) == "less than 10⁻⁶"
    assert small_error_text(1e-7) == "less than 10⁻⁶"  # not less than itself
    assert small_error_text(0.0) == "exactly 0" and small_error_text(0.3) == "less than 10⁰"
    for bad in (-1e-9, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite number >= 0"):
            small_error_text(bad)


def test_rounding_words_names_the_rounding_only_when_there_is_some():
    from lib.stats import rounding_words

    assert rounding_words(6.0e-8) == "less than 10⁻⁷, float32 rounding"
    assert rounding_words(0.0) == "exactly 0"
    with pytest.raises(ValueError, match="finite number >= 0"):
        rounding_words(-1.0)
