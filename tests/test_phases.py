"""The chapter on the Ising model: its measurement functions, its samples and its exact checks."""

import math

import numpy as np
import pytest

from lib import cache, ising_checks, phases
from lib.ising_exact import CRITICAL_TEMPERATURE

# --- the crossing and the finite-size fit ---------------------------------------------------------


def test_crossing_interpolates_linearly_and_says_nan_when_there_is_none():
    t = np.array([2.0, 2.1, 2.2, 2.3])
    assert phases.crossing(t, [0.9, 0.7, 0.3, 0.1]) == pytest.approx(2.15)
    assert phases.crossing(t, [0.9, 0.6, 0.5, 0.1]) == pytest.approx(2.2)  # 0.5 itself counts as above
    assert math.isnan(phases.crossing(t, [0.9, 0.8, 0.7, 0.6]))  # never below
    assert math.isnan(phases.crossing(t, [0.4, 0.3, 0.2, 0.1]))  # below from the start
    with pytest.raises(ValueError, match="increasing"):
        phases.crossing(t[::-1], [0.9, 0.7, 0.3, 0.1])


def test_crossing_with_error_combines_seeds_and_samples():
    grid = np.array([2.0, 2.2, 2.4])
    temperatures = np.repeat(grid, 50)
    rng = np.random.default_rng(0)
    curve = np.repeat([0.9, 0.5 - 1e-9, 0.1], 50)
    same = np.stack([curve, curve, curve])
    flat = phases.crossing_with_error(same, temperatures, grid)
    assert flat["seed_error"] == 0 and flat["sample_error"] < 1e-12  # no spread anywhere
    assert flat["crossing"] == pytest.approx(2.2, abs=1e-6)
    noisy = np.clip(same + rng.normal(0, 0.2, same.shape), 0, 1)
    noisy[1] = np.clip(noisy[1] - 0.1, 0, 1)  # one seed reads lower: its crossing moves
    out = phases.crossing_with_error(noisy, temperatures, grid)
    assert out["seed_error"] > 0 and out["sample_error"] > 0
    assert out["error"] == pytest.approx(math.hypot(out["seed_error"], out["sample_error"]))
    assert out["crossing"] == pytest.approx(np.mean(out["per_seed"]))
    with pytest.raises(ValueError, match="grid's temperatures"):
        phases.crossing_with_error(noisy, temperatures[::-1], grid)


def test_finite_size_fit_recovers_a_known_law_and_inflates_errors_for_scatter():
    sizes = np.array([16, 24, 32, 48])
    exact = 2.269 + 0.8 / sizes
    fit = phases.finite_size_fit(sizes, exact, np.full(4, 0.002))
    assert fit["T_c"] == pytest.approx(2.269, abs=1e-9) and fit["a"] == pytest.approx(0.8)
    assert fit["chi2"] == pytest.approx(0, abs=1e-12) and fit["dof"] == 2
    scattered = exact + np.array([0.01, -0.01, 0.01, -0.01])
    loose = phases.finite_size_fit(sizes, scattered, np.full(4, 0.002))
    assert loose["chi2"] > 10 and loose["error"] > 3 * fit["error"]  # the Birge factor
    with pytest.raises(ValueError, match="at least 3"):
        phases.finite_size_fit(sizes[:2], exact[:2], [0.1, 0.1])
    with pytest.raises(ValueError, match="finite"):
        phases.finite_size_fit(sizes, [np.nan, 1, 1, 1], np.ones(4))


def test_dynamic_exponent_recovers_a_power_law():
    sizes = np.array([16, 24, 32, 48])
    tau = 0.05 * sizes ** 2.1
    fit = phases.dynamic_exponent(sizes, tau, 0.05 * tau)
    assert fit["z"] == pytest.approx(2.1) and fit["error"] > 0


def test_efficiency_subset_is_balanced_and_as_long_as_the_full_set():
    grid = phases.split_temperatures("train")
    temperatures = np.repeat(grid, 40)
    images = np.arange(len(temperatures))[:, None, None] * np.ones((1, 2, 2), int)  # an id per image
    y = phases.labels(temperatures)
    x, yy = phases.efficiency_subset((images, y, temperatures), 30)
    assert len(x) == 30 * (len(temperatures) // 30)  # whole copies
    chosen = np.unique(x[:, 0, 0])
    assert len(chosen) == 30
    np.testing.assert_array_equal(np.bincount(chosen // 40, minlength=len(grid)), np.full(len(grid), 3))
    assert yy.mean() == pytest.approx(y.mean())
    with pytest.raises(ValueError, match="multiple of"):
        phases.efficiency_subset((images, y, temperatures), 25)


def test_labels_are_the_side_of_onsagers_temperature():
    np.testing.assert_array_equal(phases.labels([2.0, CRITICAL_TEMPERATURE, 2.3]), [1, 0, 0])
    assert phases.split_temperatures("train").min() > 0 and len(phases.split_temperatures("eval")) == 13
    with pytest.raises(ValueError, match="split"):
        phases.split_temperatures("test")


# --- the generated-data cache ---------------------------------------------------------------------


def make_numbers(n, seed):
    return {"x": np.random.default_rng(seed).random(n)}


def test_generated_data_is_keyed_on_code_and_arguments(tmp_path):
    first = cache.generated("numbers", make_numbers, directory=tmp_path, n=5, seed=1)
    again = cache.generated("numbers", make_numbers, directory=tmp_path, n=5, seed=1)
    np.testing.assert_array_equal(first["x"], again["x"])
    assert len(list(tmp_path.glob("numbers-*.npz"))) == 1
    cache.generated("numbers", make_numbers, directory=tmp_path, n=6, seed=1)
    assert len(list(tmp_path.glob("numbers-*.npz"))) == 2  # another argument, another entry
    assert cache.data_key(make_numbers, {"n": 5, "seed": 1}) != cache.data_key(make_numbers, {"n": 5, "seed": 2})
    path = next(tmp_path.glob(f"numbers-{cache.data_key(make_numbers, {'n': 5, 'seed': 1})}.npz"))
    path.write_bytes(b"not an npz")  # a damaged file is made again, not trusted
    np.testing.assert_array_equal(cache.generated("numbers", make_numbers, directory=tmp_path, n=5, seed=1)["x"],
                                  first["x"])
    with pytest.raises(TypeError, match="dict of NumPy arrays"):
        cache.generated("bad", lambda: [1, 2], directory=tmp_path)
    with pytest.raises(ValueError, match="file name"):
        cache.generated("a/b", make_numbers, directory=tmp_path, n=1, seed=0)


def test_every_split_of_every_size_ships_and_matches_its_description():
    for L in phases.SIZES:
        for split in phases.PER_TEMPERATURE:
            s = phases.samples(L, split)
            grid = phases.split_temperatures(split)
            assert s["spins"].shape == (len(grid) * phases.PER_TEMPERATURE[split], L, L)
            assert s["spins"].dtype == np.int8 and set(np.unique(s["spins"])) <= {-1, 1}
            np.testing.assert_array_equal(s["temperatures"], np.repeat(grid, phases.PER_TEMPERATURE[split]))
            # Samples are kept at least 2 tau_int apart (the measured spacing).
            tau = np.maximum(s["tau_abs_magnetisation"], s["tau_energy"])
            assert np.all(s["spacing"] >= 2 * tau - 1e-9)
    assert list(cache.samples_dir().glob("*.npz")), "the samples ship in weights/samples/"


def test_the_samples_agree_with_onsager_and_yang_away_from_the_transition():
    """Far from T_c the finite-size corrections are exponentially small: within 4 standard errors."""
    for L in (24, 32):
        c = ising_checks.against_onsager(L)
        far = np.abs(c["temperature"] - CRITICAL_TEMPERATURE) > 0.25
        z_energy = (c["energy"] - c["onsager"]) / c["energy_error"]
        assert np.all(np.abs(z_energy[far]) < 4), z_energy[far]
        below = c["temperature"] < CRITICAL_TEMPERATURE - 0.25
        z_m = (c["abs_magnetisation"] - c["yang"]) / c["abs_magnetisation_error"]
        assert np.all(np.abs(z_m[below]) < 4), z_m[below]
        # The negative control: the same samples against the wrong temperature's exact energy.
        from lib.ising_exact import onsager_energy
        wrong = (c["energy"] - onsager_energy(c["temperature"] + 0.05)) / c["energy_error"]
        assert np.max(np.abs(wrong[far])) > 4


# --- exact checks in the page ------------------------------------------------------------------------


def test_the_small_lattice_check_passes_for_the_samplers_and_fails_for_a_wrong_one():
    for algorithm, sweeps in (("metropolis", 3000), ("swendsen-wang", 1500)):
        check = ising_checks.small_lattice_check(CRITICAL_TEMPERATURE, algorithm, sweeps=sweeps)
        assert all(abs(v["z"]) < 4 for v in check.values()), check
    wrong = ising_checks.small_lattice_check(CRITICAL_TEMPERATURE, ising_checks.swendsen_wang_with_weak_bonds, sweeps=1500)
    assert abs(wrong["energy"]["z"]) > 10, wrong


def test_invariance_errors_of_the_symmetric_network_and_its_controls():
    import keras

    from lib import ising_models

    rng = np.random.default_rng(3)
    spins = rng.choice(np.array([-1, 1], np.int8), size=(2, 8, 8))
    keras.utils.set_random_seed(0)
    symmetric = ising_models.symmetric_cnn(input_encoding="pixels")
    zero = ising_models.symmetric_cnn(padding="same", input_encoding="pixels")
    zero.set_weights(symmetric.get_weights())  # the same weights, only the padding differs
    ordinary = ising_models.ordinary_cnn(input_encoding="pixels")
    sym = ising_checks.invariance_errors(symmetric, spins)
    assert max(sym.values()) < 1e-6, sym
    z = ising_checks.invariance_errors(zero, spins)
    assert z["shift"] > 1e-4 and max(z["d4"], z["flip"]) < 1e-6, z
    assert min(ising_checks.invariance_errors(ordinary, spins).values()) > 1e-4


# --- what the page states (lib.ising_findings) -----------------------------------------------------

from lib import ising_findings as findings  # noqa: E402


def test_collapse_spread_is_zero_for_a_scaling_function_and_not_for_a_fixed_one():
    grid = np.linspace(2.0, 2.6, 13)
    scaling = {L: 1 / (1 + np.exp((grid - CRITICAL_TEMPERATURE) * L / 0.5)) for L in (16, 24, 32)}
    out = findings.collapse_spread(grid, scaling)
    assert out["scaled"] < 0.02 < out["temperature"]  # only interpolation error is left
    fixed = {L: 1 / (1 + np.exp((grid - CRITICAL_TEMPERATURE) * 16 / 0.5)) for L in (16, 24, 32)}
    control = findings.collapse_spread(grid, fixed)  # the same curve for every L: no collapse to do
    assert control["temperature"] == 0 and control["scaled"] > 0.02


def test_tc_findings_state_what_the_numbers_say():
    def fit(t_c, error):
        return {"T_c": t_c, "error": error, "a": 1.0, "chi2": 0.0, "dof": 1}

    good = findings.tc_findings({"fits": {"dense": fit(2.30, 0.01), "ordinary CNN": fit(2.27, 0.01),
                                          "symmetric CNN": fit(2.272, 0.004)}})
    assert good["ising-tc-sym"] == "2.272 ± 0.004"
    assert good["ising-tc-sym-verdict"].startswith("within 0.01")
    assert "dense does not" in good["ising-tc-summary"] and "symmetric CNN" in good["ising-tc-summary"]
    bad = findings.tc_findings({"fits": {"dense": fit(2.27, 0.01), "ordinary CNN": fit(2.27, 0.01),
                                         "symmetric CNN": fit(2.30, 0.004)}})
    assert bad["ising-tc-sym-verdict"].startswith("not within")
    all_agree = findings.tc_findings({"fits": {k: fit(2.27, 0.01) for k in phases.NETWORKS}})
    assert all_agree["ising-tc-summary"].startswith("All three agree")
    no_dense = findings.tc_findings({"fits": {"ordinary CNN": fit(2.27, 0.01), "symmetric CNN": fit(2.27, 0.01)}})
    assert no_dense["ising-tc-dense"].startswith("no estimate") and "dense does not" in no_dense["ising-tc-summary"]


def test_efficiency_findings_give_intervals_and_verdicts():
    efficiency = {"dense": {20: [0.6, 0.62, 0.61], 4000: [0.9, 0.91, 0.9]},
                  "ordinary CNN": {20: [0.7, 0.72, 0.71], 4000: [0.93, 0.93, 0.94]},
                  "symmetric CNN": {20: [0.85, 0.86, 0.84], 4000: [0.93, 0.94, 0.93]}}
    sizes, per_kind = findings.efficiency_series(efficiency)
    assert sizes.tolist() == [20, 4000] and per_kind["dense"][0] == [0.6, 0.62, 0.61]
    text = findings.efficiency_findings(efficiency)["ising-eff-summary"]
    assert "(helps)" in text and "(within noise)" in text and "t-interval" in text


def test_tables_have_a_row_per_entry():
    errors = {"a": {"shift": 1e-8, "d4": 0.0, "flip": 0.0}, "b": {"shift": 0.1, "d4": 0.2, "flip": 0.3}}
    table = findings.invariance_table(errors)
    assert table.count("\n") == 3 and "1.0e-08" in table
    checks = {"x": {"energy": {"sampled": -1.5, "error": 0.01, "exact": -1.49, "z": -1.0}}}
    assert "-1.4900" in findings.exact_check_table(checks)


def test_the_shipped_samples_are_reproduced_bit_for_bit_from_their_seed(tmp_path, monkeypatch):
    """Made again in an empty folder, the smallest split equals the shipped one (NumPy's
    generators and integer arithmetic do not depend on the CPU)."""
    shipped = phases.samples(16, "val")
    monkeypatch.setenv("SYMBOOK_SAMPLES", str(tmp_path))
    again = phases.samples(16, "val")
    assert list(tmp_path.glob("ising-val-L16-*.npz")), "made anew, not read from weights/samples/"
    np.testing.assert_array_equal(again["spins"], shipped["spins"])
    np.testing.assert_array_equal(again["spacing"], shipped["spacing"])


class _Result:  # what read_across_sizes needs of a lib.train.TrainResult
    def __init__(self, model):
        self.model = model


def _toy_networks_and_data(shift_by_training):
    """Networks whose P(ordered) is a steep step at ``T_c + 1/L + shift(L_train)``; the eval
    'images' carry each configuration's temperature and lattice size."""
    grid = np.array(phases.EVAL_TEMPERATURES)
    data, networks = {}, {}
    for L in phases.SIZES:
        temperatures = np.repeat(grid, 4)
        images = np.stack([temperatures, np.full(len(temperatures), L)], axis=1)
        data[L] = {"eval": (images, phases.labels(temperatures), temperatures)}

        def step(images, trained_at=L, seed=0):
            t, size = images[:, 0], images[:, 1]
            centre = CRITICAL_TEMPERATURE + 1.0 / size + shift_by_training(trained_at) + 1e-4 * seed
            return 1.0 / (1.0 + np.exp((t - centre) / 0.02))

        networks[L] = {kind: [_Result(lambda x, L=L, s=s: step(x, L, s)) for s in phases.SEEDS]
                       for kind in ("ordinary CNN", "symmetric CNN")}
    return networks, data


def test_read_across_sizes_recovers_the_scaling_of_one_network(monkeypatch):
    monkeypatch.setattr(phases, "ordered_probability", lambda model, images: model(images))
    networks, data = _toy_networks_and_data(lambda trained_at: 0.1 - trained_at / 1000)
    across = {kind: phases.read_across_sizes(networks, data, kind) for kind in ("ordinary CNN", "symmetric CNN")}
    for trained_at, row in across["symmetric CNN"].items():  # a step at T_c + shift + 1/L: a = 1
        assert row["fit"]["T_c"] == pytest.approx(CRITICAL_TEMPERATURE + 0.1 - trained_at / 1000, abs=0.01)
        assert row["fit"]["a"] == pytest.approx(1.0, abs=0.15)
        assert findings.trend(row["crossings"]) == "fall"
    with pytest.raises(ValueError, match="dense"):
        phases.read_across_sizes(networks, data, "dense")
    diagram = {"crossings": {kind: {L: across[kind][L]["crossings"][L] for L in phases.SIZES}
                             for kind in across}, "fits": {}}
    glued = findings.across_findings(diagram, across)
    assert glued["ising-read-falls"] == "6 of the 6" and glued["ising-largest"] == max(phases.SIZES)
    assert "not consistent with it" in glued["ising-tc-read-verdict"]  # the shift of 0.1 - 0.032
    assert glued["ising-trend-sym"] == "fall"  # on its own lattice: 1/L - L/1000 still falls
    table = findings.across_table(across)
    assert table.count("\n") == 2 + 2 * len(phases.SIZES) - 1 and "read at L = 16" in table
    panels = findings.finite_size_panels(diagram, across)
    assert len(panels) == 2 and all(len(p[0]) == 2 for p in panels.values())


def test_trend_says_how_the_crossings_move():
    def c(*values):
        return {L: {"crossing": v} for L, v in zip((16, 24, 32), values)}
    assert findings.trend(c(2.3, 2.29, 2.28)) == "fall"
    assert findings.trend(c(2.28, 2.29, 2.3)) == "rise"
    assert findings.trend(c(2.28, 2.30, 2.29)) == "do not move monotonically"
