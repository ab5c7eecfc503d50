"""Tests of lib.ising and lib.ising_exact: the samplers against exact results, and their statistics.

Every sampler test compares a Monte Carlo average with an exact number within 4 standard
errors, the errors themselves computed from measured autocorrelation times; every such test
has a negative control, a deliberately wrong sampler that the same comparison must reject.
All random numbers come from fixed seeds, so a failure reproduces.
"""

import itertools
import math

import numpy as np
import pytest

from lib.ising import (
    aligned_spins, autocorrelation, choose_algorithm, cluster_labels, configurations, energy_per_spin,
    integrated_autocorrelation_time, magnetisation, mean_and_error, metropolis_acceptance, metropolis_sweeps,
    pilot_autocorrelation, random_spins, sample, swendsen_wang_sweeps, swendsen_wang_update, variance_and_error,
)
from lib.ising_exact import (
    CRITICAL_TEMPERATURE, all_configurations, elliptic_k_from_complement, energy_and_magnetisation_counts,
    exact_small, onsager_energy, yang_magnetisation,
)

T_C = CRITICAL_TEMPERATURE
#: A low temperature and one near T_c for the exact comparisons on the 4 x 4 torus.
LOW_T, NEAR_T_C = 1.5, 2.3


def z_score(value, error, exact):
    """(value - exact) / error; infinite for a wrong value with zero error (a stuck chain)."""
    with np.errstate(divide="ignore"):
        return np.float64(value - exact) / error


# --- exact enumeration ---------------------------------------------------------------------


def test_exact_small_on_the_2x2_torus_matches_the_closed_form():
    # The 2x2 torus is a ring of 4 spins a-b-d-c-a with every bond doubled (the right and the
    # left neighbour coincide): E = -2 (number of satisfied minus broken ring bonds). States:
    # 2 aligned (E = -8, |m| = 1), 8 with one spin flipped (E = 0, |m| = 1/2), 4 with an
    # adjacent pair flipped (E = 0, m = 0), 2 with a diagonal pair flipped (E = +8, m = 0).
    temperatures = np.array([0.5, 1.0, T_C, 4.0, 50.0])
    b = 8.0 / temperatures
    z = 2 * np.exp(b) + 12 + 2 * np.exp(-b)
    mean_e = (-8 * 2 * np.exp(b) + 8 * 2 * np.exp(-b)) / z / 4
    mean_e2 = (64 * 2 * np.exp(b) + 64 * 2 * np.exp(-b)) / z / 16
    mean_abs_m = (2 * np.exp(b) + 8 * 0.5) / z
    mean_m2 = (2 * np.exp(b) + 8 * 0.25) / z
    exact = exact_small(2, temperatures)
    np.testing.assert_allclose(exact["energy"], mean_e, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(exact["abs_magnetisation"], mean_abs_m, rtol=1e-12)
    np.testing.assert_allclose(exact["magnetisation_sq"], mean_m2, rtol=1e-12)
    np.testing.assert_allclose(exact["specific_heat"], 4 * (mean_e2 - mean_e ** 2) / temperatures ** 2,
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(exact["susceptibility"], 4 * (mean_m2 - mean_abs_m ** 2) / temperatures,
                               rtol=1e-9, atol=1e-14)
    # Negative control: the same ring with single bonds (forgetting the doubling) is another model.
    b_single = 4.0 / temperatures
    z_single = 2 * np.exp(b_single) + 12 + 2 * np.exp(-b_single)
    wrong_e = (-4 * 2 * np.exp(b_single) + 4 * 2 * np.exp(-b_single)) / z_single / 4
    assert np.abs(exact["energy"] - wrong_e)[:3].min() > 0.05


def plain_python_averages(L, temperature):
    """<e>, <|m|>, <e^2>, <m^2> by a loop over all states, with the neighbours written out."""
    z, sums = 0.0, np.zeros(4)
    n = L * L
    for state in itertools.product((1, -1), repeat=n):
        s = [state[L * i:L * (i + 1)] for i in range(L)]
        energy = 0
        for i in range(L):
            for j in range(L):
                energy -= s[i][j] * (s[i][(j + 1) % L] + s[(i + 1) % L][j])
        m = abs(sum(state)) / n
        w = math.exp(-energy / temperature)
        z += w
        sums += w * np.array([energy / n, m, (energy / n) ** 2, m * m])
    return sums / z


@pytest.mark.parametrize("L, temperature", [(3, 1.7), (3, 4.0), (4, NEAR_T_C)])
def test_exact_small_matches_a_plain_python_loop(L, temperature):
    e, abs_m, e2, m2 = plain_python_averages(L, temperature)
    exact = exact_small(L, [temperature])
    np.testing.assert_allclose(exact["energy"], e, rtol=1e-10)
    np.testing.assert_allclose(exact["abs_magnetisation"], abs_m, rtol=1e-10)
    np.testing.assert_allclose(exact["energy_variance"], e2 - e * e, rtol=1e-9)
    np.testing.assert_allclose(exact["magnetisation_sq"], m2, rtol=1e-10)
    np.testing.assert_allclose(exact["susceptibility"], L * L * (m2 - abs_m ** 2) / temperature, rtol=1e-9)


def test_all_configurations_are_distinct_and_complete():
    states = all_configurations(3)
    assert states.shape == (512, 3, 3) and states.dtype == np.int8
    assert len(np.unique(states.reshape(512, -1), axis=0)) == 512
    assert (states[0] == 1).all() and (states[-1] == -1).all()


def test_density_of_states_counts_every_configuration_once():
    energies, magnetisations, counts = energy_and_magnetisation_counts(4)
    assert counts.sum() == 2 ** 16 and counts.dtype == np.int64
    # Spin-flip symmetry: (E, M) and (E, -M) occur equally often; two ground states.
    table = dict(zip(zip(energies.tolist(), magnetisations.tolist()), counts.tolist()))
    assert all(table[(e, -m)] == c for (e, m), c in table.items())
    assert table[(-32, 16)] == table[(-32, -16)] == 1 and energies.min() == -32


def test_exact_small_limits():
    # Ground state at low T, independent spins at high T (<e> ~ -2 tanh(1/T) ~ -2/T).
    cold, hot = exact_small(4, [0.2, 1000.0])["energy"]
    assert cold == pytest.approx(-2.0, abs=1e-12)
    assert hot == pytest.approx(-2e-3, rel=1e-2)


# --- observables ---------------------------------------------------------------------------


def test_energy_and_magnetisation_of_known_configurations():
    L = 6
    up = aligned_spins(1, L)
    checkerboard = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2 == 0, 1, -1).astype(np.int8)[None]
    stripes = np.repeat(np.array([1, 1, 1, -1, -1, -1], dtype=np.int8)[None, :, None], L, axis=2)
    spins = np.concatenate([up, -up, checkerboard, stripes])
    # Stripes of width 3 break 2 L vertical bonds: e = (-2 L^2 + 2 * 2 L) / L^2.
    np.testing.assert_allclose(energy_per_spin(spins), [-2.0, -2.0, 2.0, -2.0 + 4 * L / L ** 2], rtol=1e-15)
    np.testing.assert_array_equal(magnetisation(spins), [1.0, -1.0, 0.0, 0.0])
    assert energy_per_spin(spins).dtype == np.float64 and magnetisation(spins).dtype == np.float64
    # Agrees with the enumeration's energy for every 3 x 3 state.
    states = all_configurations(3)
    direct = -(states.astype(int) * (np.roll(states, -1, 1) + np.roll(states, -1, 2))).sum(axis=(1, 2)) / 9
    np.testing.assert_array_equal(energy_per_spin(states), direct)


# --- the samplers against the exact 4 x 4 torus --------------------------------------------


def measure_against_exact(series, temperature, L=4):
    """z-scores of <e>, <|m|> and C against exact_small, errors from the tau_int machinery."""
    exact = exact_small(L, [temperature])
    e, de = mean_and_error(series.energy)
    m, dm = mean_and_error(series.abs_magnetisation)
    var, dvar = variance_and_error(series.energy)
    scale = L * L / temperature ** 2
    return {
        "energy": z_score(e, de, exact["energy"][0]),
        "abs_magnetisation": z_score(m, dm, exact["abs_magnetisation"][0]),
        "specific_heat": z_score(scale * var, scale * dvar, exact["specific_heat"][0]),
    }


@pytest.mark.parametrize("algorithm, sweeps", [("metropolis", 3000), ("swendsen-wang", 1500)])
@pytest.mark.parametrize("temperature", [LOW_T, NEAR_T_C])
def test_samplers_reproduce_the_exact_4x4_averages(algorithm, sweeps, temperature):
    rng = np.random.default_rng(11)
    series = sample(random_spins(64, 4, rng), temperature, sweeps, rng, algorithm=algorithm, thermalisation=200)
    scores = measure_against_exact(series, temperature)
    assert all(abs(z) < 4 for z in scores.values()), scores


def synchronous_metropolis(spins, temperature, sweeps, rng, measure=None):
    """A WRONG sampler: every site proposes at once from the same old neighbours (no checkerboard),
    so two neighbours can flip together and detailed balance fails."""
    acceptance = metropolis_acceptance(temperature)
    for sweep in range(sweeps):
        sh = spins * (np.roll(spins, 1, 1) + np.roll(spins, -1, 1) + np.roll(spins, 1, 2) + np.roll(spins, -1, 2))
        np.negative(spins, out=spins, where=rng.random(spins.shape) < acceptance[sh + 4])
        if measure is not None:
            measure(spins, sweep)
    return spins


def swendsen_wang_with_weak_bonds(spins, temperature, sweeps, rng, measure=None):
    """A WRONG sampler: bond probability 1 - exp(-1/T) instead of 1 - exp(-2/T), the classic
    factor of 2, which samples the model at twice the temperature."""
    for sweep in range(sweeps):
        swendsen_wang_update(spins, -math.expm1(-1.0 / temperature), rng)
        if measure is not None:
            measure(spins, sweep)
    return spins


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a stuck chain's tau cannot be measured
@pytest.mark.parametrize("wrong_sampler, sweeps", [(synchronous_metropolis, 3000),
                                                   (swendsen_wang_with_weak_bonds, 1500)])
def test_negative_control_wrong_samplers_are_many_errors_off(wrong_sampler, sweeps):
    # The same comparison as above. The synchronous sampler even gets stuck: about half its
    # chains end in the antiferromagnetic checkerboard, where every spin flips with probability 1,
    # back and forth for ever (e = +2).
    rng = np.random.default_rng(11)
    series = sample(random_spins(64, 4, rng), NEAR_T_C, sweeps, rng, algorithm=wrong_sampler, thermalisation=200)
    scores = measure_against_exact(series, NEAR_T_C)
    assert abs(scores["energy"]) > 10, scores


def state_index(spins):
    """The index of each 2 x 2 configuration in all_configurations(2) (bit k = spin k down)."""
    bits = (1 - spins.reshape(len(spins), -1).astype(np.int64)) // 2
    return bits @ (1 << np.arange(bits.shape[1]))


@pytest.mark.parametrize("update", ["metropolis", "swendsen-wang", "synchronous (wrong)"])
def test_one_sweep_keeps_the_boltzmann_distribution_on_the_2x2_torus(update):
    # Stationarity, the property detailed balance guarantees: start 200,000 chains exactly in
    # the Boltzmann distribution of the 16 states, sweep once, and the distribution is unchanged
    # (chi-squared with 15 degrees of freedom: mean 15, so 45 is a p < 1e-4 failure).
    temperature = 3.0
    states = all_configurations(2)
    energy = energy_per_spin(states) * 4
    p = np.exp(-energy / temperature)
    p /= p.sum()
    rng = np.random.default_rng(5)
    spins = states[rng.choice(16, size=200_000, p=p)].copy()
    if update == "metropolis":
        metropolis_sweeps(spins, temperature, 1, rng)
    elif update == "swendsen-wang":
        swendsen_wang_sweeps(spins, temperature, 1, rng)
    else:
        synchronous_metropolis(spins, temperature, 1, rng)
    counts = np.bincount(state_index(spins), minlength=16)
    expected = p * len(spins)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    if update.startswith("synchronous"):
        assert chi2 > 1000  # negative control
    else:
        assert chi2 < 45


def test_magnetisation_is_symmetric_at_high_temperature_and_not_in_a_stuck_chain():
    rng = np.random.default_rng(3)
    for algorithm in ("metropolis", "swendsen-wang"):
        series = sample(random_spins(32, 8, rng), 5.0, 400, rng, algorithm=algorithm, thermalisation=50)
        m, dm = mean_and_error(series.magnetisation)
        assert abs(m) < 4 * dm, (algorithm, m, dm)
        assert 0.45 < (series.magnetisation > 0).mean() / (series.magnetisation != 0).mean() < 0.55
    # Negative control: below T_c, Metropolis started aligned never reaches m < 0 on 16 x 16,
    # so the same test sees the broken symmetry (an ergodicity limit, not a bug).
    series = sample(aligned_spins(32, 16), 1.8, 400, rng, algorithm="metropolis")
    m, dm = mean_and_error(series.magnetisation)
    assert m > 100 * dm
    # Swendsen-Wang flips the whole percolating cluster and restores the symmetry.
    series = sample(aligned_spins(32, 16), 1.8, 400, rng, algorithm="swendsen-wang")
    m, dm = mean_and_error(series.magnetisation)
    assert abs(m) < 4 * dm


def test_samplers_are_reproducible_and_work_in_place():
    for sweep in (metropolis_sweeps, swendsen_wang_sweeps):
        a, b = random_spins(4, 8, np.random.default_rng(0)), random_spins(4, 8, np.random.default_rng(0))
        out = sweep(a, 2.5, 3, np.random.default_rng(1))
        assert out is a
        np.testing.assert_array_equal(a, sweep(b, 2.5, 3, np.random.default_rng(1)))
        assert a.dtype == np.int8 and set(np.unique(a)) <= {-1, 1}
    assert not np.array_equal(metropolis_sweeps(random_spins(4, 8, np.random.default_rng(0)), 2.5, 3,
                                                np.random.default_rng(2)), a)


def test_metropolis_acceptance_table():
    t = 2.0
    # Index s*h + 4; flipping costs dE = 2 s h, so s*h = 2 and 4 cost 4 and 8 (odd s*h never occur).
    expected = [1, 1, 1, 1, 1, math.exp(-2 / t), math.exp(-4 / t), math.exp(-6 / t), math.exp(-8 / t)]
    np.testing.assert_allclose(metropolis_acceptance(t), expected, rtol=1e-15)


# --- cluster labelling ---------------------------------------------------------------------


def breadth_first_labels(bond_right, bond_down):
    """Plain-Python connected components, each labelled with its smallest flat index."""
    chains, L, _ = bond_right.shape
    label = -np.ones(bond_right.shape, dtype=np.int64)
    for c, i0, j0 in itertools.product(range(chains), range(L), range(L)):
        if label[c, i0, j0] >= 0:
            continue
        members, frontier = [(i0, j0)], [(i0, j0)]
        label[c, i0, j0] = 0
        while frontier:
            i, j = frontier.pop()
            neighbours = [((i, (j + 1) % L), bond_right[c, i, j]), ((i, (j - 1) % L), bond_right[c, i, (j - 1) % L]),
                          (((i + 1) % L, j), bond_down[c, i, j]), (((i - 1) % L, j), bond_down[c, (i - 1) % L, j])]
            for site, bonded in neighbours:
                if bonded and label[c][site] < 0:
                    label[c][site] = 0
                    members.append(site)
                    frontier.append(site)
        smallest = min(c * L * L + i * L + j for i, j in members)
        for site in members:
            label[c][site] = smallest
    return label


def test_cluster_labels_match_breadth_first_search():
    rng = np.random.default_rng(0)
    for L in (2, 3, 5, 8, 12):
        for p in (0.1, 0.5, 0.7, 0.95):
            bond_right, bond_down = rng.random((3, L, L)) < p, rng.random((3, L, L)) < p
            np.testing.assert_array_equal(cluster_labels(bond_right, bond_down),
                                          breadth_first_labels(bond_right, bond_down))
    # A spiral-like worst case: one long snake through a 12 x 12 lattice (a single cluster).
    L = 12
    bond_right = np.zeros((1, L, L), bool)
    bond_right[0, :, :-1] = True
    bond_down = np.zeros((1, L, L), bool)
    bond_down[0, :-1, np.where(np.arange(L - 1) % 2 == 0, L - 1, 0)] = True
    assert (cluster_labels(bond_right, bond_down) == 0).all()


# --- Onsager and Yang ----------------------------------------------------------------------


def test_critical_temperature():
    assert abs(CRITICAL_TEMPERATURE - 2.269185314213022) < 1e-12
    assert math.sinh(2 / CRITICAL_TEMPERATURE) == pytest.approx(1.0, abs=1e-15)  # the self-dual point


def onsager_energy_by_quadrature(temperature, n=1024):
    """u = d(beta f)/dK from Onsager's double integral, by the midpoint rule on the periodic square.

    -beta f = ln 2 + 1/(8 pi^2) int int ln[cosh^2 2K - sinh 2K (cos a + cos b)] da db over [0, 2 pi]^2,
    so u = -1/(8 pi^2) int int 2 cosh 2K (2 sinh 2K - cos a - cos b) / (cosh^2 2K - sinh 2K (cos a + cos b)).
    The integrand is smooth and periodic away from T_c, where the midpoint rule converges exponentially.
    """
    k = 1.0 / temperature
    angles = 2 * np.pi * (np.arange(n) + 0.5) / n
    c = np.cos(angles)[:, None] + np.cos(angles)[None, :]
    ch, sh = np.cosh(2 * k), np.sinh(2 * k)
    return -(2 * ch * (2 * sh - c) / (ch * ch - sh * c)).mean() / 2


def test_onsager_energy_matches_the_integral_form():
    temperatures = np.array([1.0, 1.5, 2.0, 2.6, 3.5, 10.0])
    by_quadrature = [onsager_energy_by_quadrature(t) for t in temperatures]
    np.testing.assert_allclose(onsager_energy(temperatures), by_quadrature, rtol=1e-9)
    # Negative control: without the elliptic-integral term the energy is wrong by > 0.01.
    without_elliptic = -1 / np.tanh(2 / temperatures)
    assert np.abs(without_elliptic - by_quadrature)[1:5].min() > 0.01
    # At T_c, u = -sqrt(2) exactly, and u is continuous through it.
    assert float(onsager_energy(T_C)) == pytest.approx(-math.sqrt(2), abs=1e-14)
    near = onsager_energy(T_C * np.array([1 - 1e-9, 1 + 1e-9]))
    np.testing.assert_allclose(near, -math.sqrt(2), atol=1e-6)


def test_elliptic_integral_matches_quadrature():
    for k in (0.0, 0.3, 0.9, 0.999):
        theta = (np.arange(20000) + 0.5) * (np.pi / 2) / 20000
        by_quadrature = (np.pi / 2) * np.mean(1 / np.sqrt(1 - (k * np.sin(theta)) ** 2))
        assert float(elliptic_k_from_complement(math.sqrt(1 - k * k))) == pytest.approx(by_quadrature, rel=1e-8)


def test_yang_magnetisation():
    temperatures = np.array([0.5, 1.0, 1.8, 2.2, 2.26])
    t = np.tanh(1 / temperatures)  # sinh 2K = 2t / (1 - t^2), an independent form of the formula
    np.testing.assert_allclose(yang_magnetisation(temperatures), (1 - (1 - t * t) ** 4 / (16 * t ** 4)) ** 0.125,
                               rtol=1e-12)
    np.testing.assert_array_equal(yang_magnetisation([T_C, 2.3, 3.0, 100.0]), 0.0)
    assert float(yang_magnetisation(0.1)) == pytest.approx(1.0, abs=1e-12)
    assert 0 < float(yang_magnetisation(T_C * (1 - 1e-6))) < 0.25  # m ~ (T_c - T)^(1/8)


@pytest.mark.parametrize("algorithm, sweeps", [("metropolis", 500), ("swendsen-wang", 150)])
def test_large_lattice_approaches_onsager_and_yang(algorithm, sweeps):
    # L = 32 is many correlation lengths (xi ~ 1-2 at these temperatures), so the finite-size
    # corrections to the energy are ~ exp(-L / xi) < 1e-6, far below the statistical errors;
    # the test allows 4 standard errors and nothing else.
    rng = np.random.default_rng(7)
    L = 32
    below = sample(aligned_spins(16, L), 1.8, sweeps, rng, algorithm=algorithm, thermalisation=100)
    e, de = mean_and_error(below.energy)
    assert abs(z_score(e, de, float(onsager_energy(1.8)))) < 4
    # Below T_c, <|m|> - m_Yang = O(1/L^2) (Gaussian fluctuations about +-m do not shift |m|),
    # so 4 standard errors plus 1/L^2 ~ 1e-3.
    m, dm = mean_and_error(below.abs_magnetisation)
    assert abs(m - float(yang_magnetisation(1.8))) < 4 * dm + 1 / L ** 2
    above = sample(random_spins(16, L, rng), 3.0, sweeps, rng, algorithm=algorithm, thermalisation=100)
    e, de = mean_and_error(above.energy)
    assert abs(z_score(e, de, float(onsager_energy(3.0)))) < 4
    # Above T_c, m is a sum of L^2 spins correlated over a few sites: Gaussian with variance
    # <m^2> = chi0 / L^2, so <|m|> = sqrt(2 <m^2> / pi) ~ 1/L, not Yang's 0: it vanishes only as
    # L -> infinity. Here chi0 = L^2 <m^2> is about 11, so <|m|> is about 0.08.
    m, dm = mean_and_error(above.abs_magnetisation)
    gaussian = math.sqrt(2 * (above.magnetisation ** 2).mean() / math.pi)
    assert m < 0.1 and abs(m - gaussian) < 4 * dm + 0.005


# --- autocorrelation and errors ------------------------------------------------------------


def ar1(phi, chains, n, rng):
    """AR(1) series x_t = phi x_{t-1} + noise, started stationary; float64 (chains, n)."""
    noise = rng.standard_normal((chains, n))
    x = np.empty((chains, n))
    x[:, 0] = noise[:, 0] / math.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def test_autocorrelation_of_ar1_is_a_power_of_phi():
    rho = autocorrelation(ar1(0.7, 16, 20_000, np.random.default_rng(6)))
    assert rho[0] == 1.0
    np.testing.assert_allclose(rho[1:5], 0.7 ** np.arange(1, 5), atol=0.01)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_tau_int_of_ar1_matches_the_exact_value(phi):
    exact = (1 + phi) / (2 * (1 - phi))  # convention tau_int = 1/2 + sum_{t>=1} rho(t)
    result = integrated_autocorrelation_time(ar1(phi, 32, 20_000, np.random.default_rng(1)))
    assert result.reliable
    assert abs(result.tau - exact) < 3 * result.error, (result, exact)
    # The stated error is the right size: a few percent here, not vanishingly small.
    assert 0.001 * exact < result.error < 0.05 * exact


def test_tau_int_of_one_series_and_of_a_short_one():
    series = ar1(0.8, 1, 50_000, np.random.default_rng(2))[0]
    result = integrated_autocorrelation_time(series)
    assert abs(result.tau - 4.5) < 3 * result.error  # phi = 0.8: (1 + phi) / (2 (1 - phi)) = 4.5
    with pytest.warns(RuntimeWarning, match="too short"):  # tau = 99.5 from 100 steps
        short = integrated_autocorrelation_time(ar1(0.99, 1, 100, np.random.default_rng(3)))
    assert not short.reliable
    constant = integrated_autocorrelation_time(np.ones((3, 10)))
    assert constant.tau == 0.5 and constant.error == 0.0


def test_standard_error_of_correlated_means_covers_the_scatter():
    # 400 independent AR(1) chains (phi = 0.9, tau_int = 9.5): the error each chain claims for its
    # own mean should match the scatter of the means (true mean 0), i.e. z-scores of spread 1.
    x = ar1(0.9, 400, 5000, np.random.default_rng(4))
    z = np.array([mean / error for mean, error in (mean_and_error(chain) for chain in x)])
    assert 0.85 < z.std() < 1.15
    # Negative control: the naive error std / sqrt(n) ignores the correlation and is too small by
    # sqrt(2 tau_int) = sqrt(19) ~ 4.4.
    naive = x.mean(axis=1) / (x.std(axis=1) / math.sqrt(x.shape[1]))
    assert 3.5 < naive.std() < 5.5
    # Many chains together: the error of the grand mean is the per-chain error / sqrt(chains).
    grand, error = mean_and_error(x)
    assert error == pytest.approx(math.sqrt(2 * 9.5 * x.var() / x.size), rel=0.1)
    assert abs(grand) < 4 * error
    # variance_and_error: the stationary variance of AR(1) is 1 / (1 - phi^2).
    variance, dvariance = variance_and_error(x)
    assert abs(variance - 1 / (1 - 0.81)) < 4 * dvariance


def test_cluster_updates_decorrelate_far_faster_than_metropolis_at_t_c():
    # L = 16 at T_c, both started from the same equilibrated configurations (thermalised by
    # Swendsen-Wang, which is fast, so the Metropolis run needs no long thermalisation).
    rng = np.random.default_rng(8)
    spins = random_spins(64, 16, rng)
    swendsen_wang_sweeps(spins, T_C, 100, rng)
    metropolis = sample(spins.copy(), T_C, 2500, rng, algorithm="metropolis").abs_magnetisation
    cluster = sample(spins.copy(), T_C, 300, rng, algorithm="swendsen-wang").abs_magnetisation
    tau_metropolis = integrated_autocorrelation_time(metropolis)
    tau_cluster = integrated_autocorrelation_time(cluster)
    assert tau_metropolis.reliable and tau_cluster.reliable
    # Per sweep, at 4 standard errors each: Metropolis' tau is more than twice the cluster's
    # (about 10 against 3 sweeps; the gap grows with L, as L^2 against ~L^0.3).
    assert tau_metropolis.tau - 4 * tau_metropolis.error > 2 * (tau_cluster.tau + 4 * tau_cluster.error)
    # The pilot of configurations(): 8 chains, run until tau is known to 15 %, agrees with this
    # long run (its short first stretch alone would not be reliable: tau is ~10 sweeps).
    pilot_m, pilot_e = pilot_autocorrelation(spins[:8].copy(), T_C, rng, "metropolis", sweeps=200)
    assert pilot_m.error <= 0.15 * pilot_m.tau and pilot_m.reliable
    assert abs(pilot_m.tau - tau_metropolis.tau) < 3 * math.hypot(pilot_m.error, tau_metropolis.error)


# --- the data set --------------------------------------------------------------------------


def test_choose_algorithm_uses_clusters_only_near_t_c():
    assert choose_algorithm(T_C) == "swendsen-wang"
    assert [choose_algorithm(t) for t in (0.89 * T_C, 0.91 * T_C, 1.14 * T_C, 1.16 * T_C)] == [
        "metropolis", "swendsen-wang", "swendsen-wang", "metropolis"]


def test_configurations_are_reproducible_and_shaped():
    temperatures = [1.6, T_C, 3.4]
    spins, t, info = configurations(8, temperatures, 12, seed=4, chains=4, thermalisation=50,
                                    pilot_sweeps=100, details=True)
    assert spins.shape == (36, 8, 8) and spins.dtype == np.int8 and set(np.unique(spins)) <= {-1, 1}
    assert t.dtype == np.float64 and t.tolist() == np.repeat(temperatures, 12).tolist()
    assert info["algorithm"].tolist() == ["metropolis", "swendsen-wang", "metropolis"]
    assert np.all(info["spacing"] >= np.ceil(2 * np.maximum(info["tau_abs_magnetisation"], info["tau_energy"])))
    assert np.all(info["tau_abs_magnetisation_error"] <= 0.15 * info["tau_abs_magnetisation"])
    again = configurations(8, temperatures, 12, seed=4, chains=4, thermalisation=50, pilot_sweeps=100)
    np.testing.assert_array_equal(spins, again[0])
    other = configurations(8, temperatures, 12, seed=5, chains=4, thermalisation=50, pilot_sweeps=100)
    assert not np.array_equal(spins, other[0])
    # A temperature's samples depend only on the seed and that temperature's position.
    alone = configurations(8, temperatures[:2], 12, seed=4, chains=4, thermalisation=50, pilot_sweeps=100)
    np.testing.assert_array_equal(alone[0], spins[:24])
    # Fixed spacing, and Swendsen-Wang on an odd lattice.
    odd, _, info = configurations(5, [2.0], 6, seed=1, chains=3, spacing=3, algorithm="swendsen-wang",
                                  details=True)
    assert odd.shape == (6, 5, 5) and info["spacing"].tolist() == [3]


def test_configurations_are_decorrelated_equilibrium_samples():
    # On the 4 x 4 torus: the kept configurations reproduce the exact averages, and consecutive
    # kept samples of a chain are nearly uncorrelated (tau_int close to its minimum 1/2).
    temperatures = [LOW_T, NEAR_T_C, 3.5]
    chains, per_temperature = 8, 2400
    spins, _ = configurations(4, temperatures, per_temperature, seed=0, chains=chains, pilot_sweeps=400)
    exact = exact_small(4, temperatures)
    for k in range(len(temperatures)):
        block = spins[k * per_temperature:(k + 1) * per_temperature]
        energy = energy_per_spin(block).reshape(-1, chains).T  # (chains, kept), in time order
        abs_m = np.abs(magnetisation(block)).reshape(-1, chains).T
        for series, key in ((energy, "energy"), (abs_m, "abs_magnetisation")):
            tau = integrated_autocorrelation_time(series)
            assert tau.tau < 1.0, (temperatures[k], key, tau)
            value, error = mean_and_error(series)
            assert abs(z_score(value, error, exact[key][k])) < 4, (temperatures[k], key)
        m, dm = mean_and_error(magnetisation(block))  # random global flips: symmetric even at low T
        assert abs(m) < 4 * dm


# --- bad input -----------------------------------------------------------------------------


def test_bad_spins_are_refused_with_clear_errors():
    rng = np.random.default_rng(0)
    good = random_spins(2, 4, rng)
    with pytest.raises(ValueError, match="even side L"):
        metropolis_sweeps(random_spins(2, 5, rng), 2.0, 1, rng)
    with pytest.raises(TypeError, match="int8"):
        metropolis_sweeps(good.astype(np.float64), 2.0, 1, rng)
    with pytest.raises(ValueError, match=r"\+1 or -1, found \[0\]"):
        metropolis_sweeps(np.zeros((2, 4, 4), np.int8), 2.0, 1, rng)
    with pytest.raises(ValueError, match=r"\+1 or -1, found \[2\]"):
        swendsen_wang_sweeps(np.full((2, 4, 4), 2, np.int8), 2.0, 1, rng)
    with pytest.raises(ValueError, match=r"shape \(chains, L, L\).*spins\[None\]"):
        energy_per_spin(good[0])
    with pytest.raises(ValueError, match=r"shape \(chains, L, L\)"):
        magnetisation(np.ones((2, 4, 6), np.int8))
    with pytest.raises(TypeError, match="NumPy array"):
        energy_per_spin(good.tolist())


def test_bad_temperatures_and_arguments_are_refused():
    rng = np.random.default_rng(0)
    spins = random_spins(2, 4, rng)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive finite"):
            metropolis_sweeps(spins, bad, 1, rng)
        with pytest.raises(ValueError, match="positive finite"):
            swendsen_wang_sweeps(spins, bad, 1, rng)
        with pytest.raises(ValueError, match="positive finite"):
            exact_small(4, [1.0, bad])
        with pytest.raises(ValueError, match="positive finite"):
            onsager_energy(bad)
    with pytest.raises(TypeError, match="real number"):
        metropolis_sweeps(spins, "2.0", 1, rng)
    with pytest.raises(TypeError, match="real number"):
        metropolis_sweeps(spins, True, 1, rng)
    with pytest.raises(TypeError, match="Generator"):
        metropolis_sweeps(spins, 2.0, 1, 42)
    with pytest.raises(ValueError, match="sweeps must be at least 0"):
        swendsen_wang_sweeps(spins, 2.0, -1, rng)
    with pytest.raises(TypeError, match="sweeps must be an integer"):
        metropolis_sweeps(spins, 2.0, 1.5, rng)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        sample(spins, 2.0, 10, rng, algorithm="wolff")
    with pytest.raises(ValueError, match="bond_probability"):
        swendsen_wang_update(spins, 1.5, rng)
    with pytest.raises(ValueError, match="1 <= L <= 4"):
        exact_small(5, [2.0])
    with pytest.raises(ValueError, match="even L"):
        configurations(5, [1.0], 4, seed=0)
    with pytest.raises(ValueError, match="positive finite"):
        configurations(4, [2.0, -1.0], 4, seed=0)
    with pytest.raises(TypeError, match="seed"):
        configurations(4, [2.0], 4, seed=None)
    with pytest.raises(ValueError, match="seed"):
        configurations(4, [2.0], 4, seed=-1)
    with pytest.raises(ValueError, match="precision"):
        pilot_autocorrelation(spins, 2.0, rng, precision=1.5)
    with pytest.raises(ValueError, match="spacing"):
        configurations(4, [2.0], 4, seed=0, spacing=0)


def test_bad_series_are_refused():
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(chains, n\)"):
        integrated_autocorrelation_time(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="at least 2 time steps"):
        integrated_autocorrelation_time(np.zeros((5, 1)))
    with pytest.raises(ValueError, match="NaN"):
        mean_and_error([1.0, float("nan"), 2.0])
    with pytest.raises(TypeError, match="numeric"):
        mean_and_error(["a", "b"])
    with pytest.raises(ValueError, match="c must be a positive"):
        integrated_autocorrelation_time(np.zeros(10), c=0)
    with pytest.raises(ValueError, match="tau must be a positive"):
        mean_and_error(np.zeros(10), tau=0.0)


def test_example_configurations_picks_the_median_magnetisation():
    from lib.ising_findings import example_configurations

    spins = np.ones((3, 4, 4), np.int8)
    spins[0, :2] = -1  # |m| = 0
    spins[2, 0, :2] = -1  # |m| = 0.75; spins[1]: |m| = 1
    split = {"spins": spins, "temperatures": np.array([2.0, 2.0, 2.0])}
    empty = {"spins": spins[:0], "temperatures": np.array([])}
    chosen, found = example_configurations(split, empty, [2.0])
    np.testing.assert_array_equal(chosen[0], spins[2])
    assert list(found) == [2.0]
    with pytest.raises(ValueError, match="no samples at T = 3"):
        example_configurations(split, empty, [3.0])
