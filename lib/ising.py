"""Sampling the 2D Ising model: Metropolis and Swendsen-Wang, observables, autocorrelation, data sets.

The model is :math:`H = -J \\sum_{\\langle ij \\rangle} s_i s_j` with :math:`J = k_B = 1` on an
``L x L`` torus, spins ``s = +-1`` stored as ``int8``. Every sampler works on many independent
chains at once: ``spins`` has shape ``(chains, L, L)``, and one call advances every chain.

- :func:`metropolis_sweeps`: checkerboard Metropolis (local moves; slow near ``T_c``).
- :func:`swendsen_wang_sweeps`: Swendsen-Wang cluster updates (fast near ``T_c``), with
  :func:`cluster_labels`, a connected-component labelling of all chains at once.
- :func:`energy_per_spin`, :func:`magnetisation`, :func:`sample`: observables and their time series.
- :func:`integrated_autocorrelation_time`, :func:`mean_and_error`, :func:`variance_and_error`:
  the statistics of correlated series (Madras and Sokal 1988).
- :func:`configurations`: decorrelated configurations at many temperatures, for the chapter's
  network, with :func:`choose_algorithm` (which sampler at which temperature) and
  :func:`pilot_autocorrelation` (how far apart to keep samples).

A *sweep* is the unit of cost of both algorithms: one Metropolis sweep proposes a flip of every
spin once; one Swendsen-Wang sweep is one update of the whole lattice (every bond drawn, every
cluster flipped with probability 1/2). Autocorrelation times are in sweeps of the algorithm that
made the series. Exact results (small lattices, Onsager, Yang) are in :mod:`lib.ising_exact`.
NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import NamedTuple

import numpy as np

from lib.ising_exact import CRITICAL_TEMPERATURE, check_temperatures

__all__ = [
    "ALGORITHMS", "CLUSTER_BAND", "CRITICAL_TEMPERATURE", "random_spins", "aligned_spins", "check_spins",
    "metropolis_acceptance", "metropolis_sweeps", "cluster_labels", "swendsen_wang_update",
    "swendsen_wang_sweeps", "energy_per_spin", "magnetisation", "TimeSeries", "sample", "autocorrelation",
    "AutocorrelationTime", "integrated_autocorrelation_time", "mean_and_error", "variance_and_error",
    "choose_algorithm", "pilot_autocorrelation", "configurations",
]

#: The names of the two samplers, as :func:`sample` and :func:`configurations` take them.
ALGORITHMS = ("metropolis", "swendsen-wang")


# --- spins ---------------------------------------------------------------------------------


def _check_positive_int(value, name, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng


def _check_temperature(temperature):
    if not isinstance(temperature, numbers.Real) or isinstance(temperature, (bool, np.bool_)):
        raise TypeError(f"temperature must be a real number (k_B T / J), got {temperature!r}")
    return float(check_temperatures(temperature, "temperature"))


def random_spins(chains: int, L: int, rng: np.random.Generator) -> np.ndarray:
    """``int8 (chains, L, L)`` spins, each ``+1`` or ``-1`` with probability 1/2 (infinite temperature)."""
    chains, L = _check_positive_int(chains, "chains"), _check_positive_int(L, "L")
    return (2 * _check_rng(rng).integers(0, 2, size=(chains, L, L), dtype=np.int8) - 1).astype(np.int8)


def aligned_spins(chains: int, L: int) -> np.ndarray:
    """``int8 (chains, L, L)``, every spin ``+1`` (the ground state, a start below ``T_c``)."""
    chains, L = _check_positive_int(chains, "chains"), _check_positive_int(L, "L")
    return np.ones((chains, L, L), dtype=np.int8)


def check_spins(spins, need_even: bool = False) -> np.ndarray:
    """Return ``spins`` if it is an ``int8 (chains, L, L)`` array of ``+-1``, else raise a clear error.

    ``need_even``: also require an even side ``L`` (the checkerboard of :func:`metropolis_sweeps`
    only tiles the torus when ``L`` is even: with odd ``L`` a site and its neighbour across the
    boundary would have the same colour and be updated together).
    """
    if not isinstance(spins, np.ndarray):
        raise TypeError(f"spins must be a NumPy array of shape (chains, L, L), got {type(spins).__name__}")
    if spins.dtype != np.int8:
        raise TypeError(f"spins must have dtype int8 (values +1 and -1), got {spins.dtype}; "
                        "convert with spins.astype(np.int8)")
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2] or spins.shape[1] < 2:
        raise ValueError(f"spins must have shape (chains, L, L) with L >= 2, got {spins.shape}; "
                         "for one configuration use spins[None]")
    if spins.shape[0] == 0:
        raise ValueError("spins holds no chains (shape[0] == 0)")
    if need_even and spins.shape[1] % 2:
        raise ValueError(f"the checkerboard update needs an even side L, got L={spins.shape[1]}: on a "
                         "torus of odd side two neighbours across the boundary share a colour. "
                         "Use an even L, or swendsen_wang_sweeps, which takes any L")
    if not np.all(np.abs(spins) == 1):
        bad = np.unique(spins[np.abs(spins) != 1])[:5].tolist()
        raise ValueError(f"spins must be +1 or -1, found {bad}")
    return spins


def _neighbour_sum(spins):
    """``int8 (chains, L, L)``: the sum of each site's four neighbours on the torus."""
    return (np.roll(spins, 1, axis=1) + np.roll(spins, -1, axis=1)
            + np.roll(spins, 1, axis=2) + np.roll(spins, -1, axis=2))


# --- Metropolis ----------------------------------------------------------------------------


def _checkerboard(L):
    """``bool (L, L)``: the black sites, ``(row + column)`` even."""
    return (np.add.outer(np.arange(L), np.arange(L)) % 2) == 0


def metropolis_acceptance(temperature: float) -> np.ndarray:
    """``float64 (9,)``: ``min(1, exp(-dE / T))`` at index ``s*h + 4``, where ``dE = 2 s h`` is the
    energy cost of flipping spin ``s`` whose neighbours sum to ``h`` (``s*h`` in ``-4, -2, .., 4``)."""
    temperature = _check_temperature(temperature)
    sh = np.arange(-4, 5)
    return np.minimum(1.0, np.exp(-2.0 * sh / temperature))


def metropolis_sweeps(spins: np.ndarray, temperature: float, sweeps: int, rng: np.random.Generator,
                      measure=None):
    """Checkerboard Metropolis on many chains at once; updates ``spins`` **in place** and returns it.

    One sweep updates all black sites (``row + column`` even), then all white sites. A site's
    four neighbours all have the other colour, so the sites of one colour are independent given
    the rest and can all be updated at once: each proposes to flip, costing ``dE = 2 s h``
    (``h`` the sum of its neighbours, taken with ``np.roll``, exact on the torus), and flips with
    probability ``min(1, exp(-dE / T))``. Each half-sweep satisfies detailed balance, so the sweep
    leaves the Boltzmann distribution invariant. The uniform numbers are ``float32`` (steps of
    ``2**-24``: every acceptance probability is off by less than ``1e-7``).

    Parameters
    ----------
    spins
        ``int8 (chains, L, L)``, entries ``+-1``, ``L`` even (see :func:`check_spins`).
    temperature
        ``k_B T / J > 0``.
    sweeps
        Number of sweeps, ``>= 0``.
    rng
        A :class:`numpy.random.Generator`; the same generator state gives the same result.
    measure
        Optional callable ``measure(spins, sweep_index)`` called after every sweep (used by
        :func:`sample` to record observables).

    Returns
    -------
    ``spins``, the same array, updated.
    """
    check_spins(spins, need_even=True)
    acceptance = metropolis_acceptance(temperature).astype(np.float32)
    sweeps = _check_positive_int(sweeps, "sweeps", minimum=0)
    _check_rng(rng)
    L = spins.shape[1]
    black = _checkerboard(L)
    colours = (black, ~black)
    for sweep in range(sweeps):
        for colour in colours:
            sh = spins * _neighbour_sum(spins)  # int8, -4..4
            u = rng.random(spins.shape, dtype=np.float32)
            flip = (u < acceptance[sh + 4]) & colour
            np.negative(spins, out=spins, where=flip)
        if measure is not None:
            measure(spins, sweep)
    return spins


# --- Swendsen-Wang -------------------------------------------------------------------------


def cluster_labels(bond_right: np.ndarray, bond_down: np.ndarray) -> np.ndarray:
    """Connected components of the bond graph of many tori at once.

    Parameters
    ----------
    bond_right, bond_down
        ``bool (chains, L, L)``: ``bond_right[c, i, j]`` joins site ``(i, j)`` to its right
        neighbour ``(i, (j + 1) % L)`` of chain ``c``, ``bond_down[c, i, j]`` to ``((i + 1) % L, j)``.

    Returns
    -------
    ``int32 (chains, L, L)`` (``int64`` beyond ``2**31`` sites): every site labelled with the
    smallest flat index
    ``c * L * L + i * L + j`` in its cluster. Labels are thus unique across chains, and the
    site a label names belongs to the cluster (the cluster's *root*).

    Method: every site starts as its own label; each round, a site takes the smallest label of
    itself and its bonded neighbours, and *hooks* its old root onto it (the root's label drops to
    that value too); then labels are shortcut by pointer jumping (``label = label[label]``) until
    they stop changing. A label always names a site of the same cluster, and at the fixed point
    every cluster carries its smallest index. Hooking and jumping spread a label much faster than
    one site per round: at ``T_c`` (32 chains, measured) a labelling took 22 to 30 whole-array
    passes, rounds and jumps together, for ``L = 16`` to ``64``, growing slowly with ``L``.
    """
    if bond_right.shape != bond_down.shape or bond_right.ndim != 3 or bond_right.dtype != bool:
        raise ValueError(f"bond_right and bond_down must be bool arrays of one shape (chains, L, L), "
                         f"got {bond_right.dtype} {bond_right.shape} and {bond_down.dtype} {bond_down.shape}")
    shape = bond_right.shape
    n = int(np.prod(shape))
    bond_left = np.roll(bond_right, 1, axis=2)  # bond_left[c, i, j] joins (i, j) to (i, j - 1)
    bond_up = np.roll(bond_down, 1, axis=1)
    label = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64).reshape(shape)
    none = label.dtype.type(n)  # larger than every label: "no bond"
    while True:
        smallest = label.copy()
        for bond, shift, axis in ((bond_right, -1, 2), (bond_left, 1, 2), (bond_down, -1, 1), (bond_up, 1, 1)):
            np.minimum(smallest, np.where(bond, np.roll(label, shift, axis=axis), none), out=smallest)
        flat = smallest.ravel()
        np.minimum.at(flat, label.ravel(), flat.copy())  # hook each old root onto the new label
        while True:
            jumped = flat[flat]
            if np.array_equal(jumped, flat):
                break
            flat = jumped
        new = flat.reshape(shape)
        if np.array_equal(new, label):
            return label
        label = new


def swendsen_wang_update(spins: np.ndarray, bond_probability: float, rng: np.random.Generator) -> np.ndarray:
    """One Swendsen-Wang update of every chain with a given bond probability, **in place**.

    Each pair of equal neighbouring spins is bonded with probability ``bond_probability``
    (``1 - exp(-2 J / T)`` samples the Ising model at ``T``; :func:`swendsen_wang_sweeps` passes
    that), clusters are found with :func:`cluster_labels`, and each cluster is flipped as a whole
    with probability 1/2. ``spins``: ``int8 (chains, L, L)``, any ``L >= 2``. Returns ``spins``.
    This building block takes the probability itself so that a test can pass a wrong one.
    """
    check_spins(spins)
    _check_rng(rng)
    if not 0.0 <= bond_probability <= 1.0:
        raise ValueError(f"bond_probability must lie in [0, 1], got {bond_probability}")
    p = np.float32(bond_probability)
    bond_right = (spins == np.roll(spins, -1, axis=2)) & (rng.random(spins.shape, dtype=np.float32) < p)
    bond_down = (spins == np.roll(spins, -1, axis=1)) & (rng.random(spins.shape, dtype=np.float32) < p)
    label = cluster_labels(bond_right, bond_down)
    flip_root = rng.random(spins.size) < 0.5  # one coin per site; only the roots' coins are used
    np.negative(spins, out=spins, where=flip_root[label])
    return spins


def swendsen_wang_sweeps(spins: np.ndarray, temperature: float, sweeps: int, rng: np.random.Generator,
                         measure=None):
    """Swendsen-Wang cluster updates on many chains at once; updates ``spins`` **in place**.

    One *sweep* is one Swendsen-Wang update of the whole lattice (see
    :func:`swendsen_wang_update`, with bond probability ``p = 1 - exp(-2/T)``): every spin belongs
    to exactly one cluster and every cluster flips with probability 1/2, so on average half the
    spins flip. The labelling makes a sweep cost 5 to 10 Metropolis sweeps here (measured at
    ``T_c`` with 32 chains: 2.3 ms against 0.42 ms at ``L = 16``, 17.7 ms against 1.8 ms at
    ``L = 48``). Detailed balance holds for the joint spin-bond distribution of Fortuin and
    Kasteleyn, so the Boltzmann distribution is invariant.

    ``spins``: ``int8 (chains, L, L)``, ``+-1``, any ``L >= 2``; ``temperature > 0``; ``sweeps >= 0``;
    ``rng`` a :class:`numpy.random.Generator`; ``measure`` as in :func:`metropolis_sweeps`.
    Returns ``spins``.
    """
    check_spins(spins)
    temperature = _check_temperature(temperature)
    sweeps = _check_positive_int(sweeps, "sweeps", minimum=0)
    _check_rng(rng)
    bond_probability = -math.expm1(-2.0 / temperature)
    for sweep in range(sweeps):
        swendsen_wang_update(spins, bond_probability, rng)
        if measure is not None:
            measure(spins, sweep)
    return spins


_SWEEPERS = {"metropolis": metropolis_sweeps, "swendsen-wang": swendsen_wang_sweeps}


def _check_algorithm(algorithm):
    if algorithm not in _SWEEPERS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    return algorithm


# --- observables ---------------------------------------------------------------------------


def energy_per_spin(spins: np.ndarray) -> np.ndarray:
    """``float64 (chains,)``: ``e = -(1/L^2) sum_i s_i (s_right(i) + s_down(i))``, each bond once."""
    return _energy_per_spin(check_spins(spins))


def _energy_per_spin(spins):
    bonds = spins * (np.roll(spins, -1, axis=1) + np.roll(spins, -1, axis=2))  # int8, -2..2
    return -bonds.sum(axis=(1, 2), dtype=np.int64) / float(spins.shape[1] * spins.shape[2])


def magnetisation(spins: np.ndarray) -> np.ndarray:
    """``float64 (chains,)``: the signed magnetisation per spin, ``m = (1/L^2) sum_i s_i``."""
    return _magnetisation(check_spins(spins))


def _magnetisation(spins):
    return spins.sum(axis=(1, 2), dtype=np.int64) / float(spins.shape[1] * spins.shape[2])


class TimeSeries(NamedTuple):
    """Observables recorded after every sweep: ``float64 (chains, sweeps)`` each."""

    energy: np.ndarray  #: energy per spin ``e``
    magnetisation: np.ndarray  #: signed magnetisation per spin ``m``

    @property
    def abs_magnetisation(self) -> np.ndarray:
        """``|m|``, ``float64 (chains, sweeps)``."""
        return np.abs(self.magnetisation)


def sample(spins: np.ndarray, temperature: float, sweeps: int, rng: np.random.Generator,
           algorithm="metropolis", thermalisation: int = 0) -> TimeSeries:
    """Run ``thermalisation`` sweeps unrecorded, then ``sweeps`` sweeps recording ``e`` and ``m``.

    ``spins``: ``int8 (chains, L, L)``, advanced **in place** (it holds the last configurations
    afterwards); ``algorithm``: ``"metropolis"`` (:func:`metropolis_sweeps`, ``L`` even) or
    ``"swendsen-wang"`` (:func:`swendsen_wang_sweeps`), or a function with their signature
    ``(spins, temperature, sweeps, rng, measure=None)`` (a sampler of your own, e.g. a
    deliberately wrong one to see the checks fail). Returns a :class:`TimeSeries` of
    ``float64 (chains, sweeps)`` arrays: entry ``[c, t]`` is measured after sweep ``t`` of chain ``c``.
    """
    sweep = algorithm if callable(algorithm) else _SWEEPERS[_check_algorithm(algorithm)]
    check_spins(spins)
    sweeps = _check_positive_int(sweeps, "sweeps")
    sweep(spins, temperature, _check_positive_int(thermalisation, "thermalisation", 0), rng)
    energy = np.empty((spins.shape[0], sweeps))
    m = np.empty((spins.shape[0], sweeps))

    def measure(s, t):
        energy[:, t] = _energy_per_spin(s)
        m[:, t] = _magnetisation(s)

    sweep(spins, temperature, sweeps, rng, measure=measure)
    return TimeSeries(energy, m)


# --- statistics of correlated series -------------------------------------------------------


class AutocorrelationTime(NamedTuple):
    """The integrated autocorrelation time of a series and how it was estimated."""

    tau: float  #: ``tau_int = 1/2 + sum_{t=1}^{W} rho(t)``, in steps of the series
    error: float  #: Madras-Sokal statistical error, ``tau * sqrt((4 W + 2) / n_total)``
    window: int  #: the summation window ``W``
    reliable: bool  #: the window was found within half the series and ``n_total >= 100 tau``


def _as_chains(series, name="series"):
    x = np.asarray(series)
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric array, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (chains, n), got {x.shape}")
    if x.shape[1] < 2:
        raise ValueError(f"{name} needs at least 2 time steps per chain, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity")
    return x


def autocorrelation(series) -> np.ndarray:
    """The normalised autocorrelation function ``rho(t)``, ``float64 (n,)``, ``rho(0) = 1``.

    ``series``: ``(n,)`` or ``(chains, n)``, several independent chains of one process.
    ``C(t) = sum_chains sum_{i < n - t} (x_i - xbar)(x_{i+t} - xbar) / (chains (n - t))`` with
    ``xbar`` the mean over all chains and times (one process, one mean), by FFT; ``rho = C / C(0)``.
    A constant series has no fluctuations to correlate: its ``rho`` is ``1`` at ``t = 0``, ``0`` after.
    """
    x = _as_chains(series)
    chains, n = x.shape
    if np.all(x == x.flat[0]):
        rho = np.zeros(n)
        rho[0] = 1.0
        return rho
    x = x - x.mean()
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(x, n=size, axis=1)
    summed = np.fft.irfft((f * f.conj()).real.sum(axis=0), n=size)[:n]
    c = summed / (chains * (n - np.arange(n)))
    return c / c[0]


def integrated_autocorrelation_time(series, c: float = 6.0) -> AutocorrelationTime:
    """The integrated autocorrelation time with Sokal's automatic window.

    Convention: ``tau_int = 1/2 + sum_{t >= 1} rho(t)``, so an uncorrelated series has
    ``tau_int = 1/2`` and the variance of a mean of ``n`` correlated samples is
    ``2 tau_int var / n``. For an AR(1) process ``x_t = phi x_{t-1} + noise``, ``rho(t) = phi^t``
    and ``tau_int = (1 + phi) / (2 (1 - phi))``.

    Estimator (Madras and Sokal 1988; Sokal 1997): ``tau(W) = 1/2 + sum_{t=1}^{W} rho(t)`` with
    :func:`autocorrelation`; the window ``W`` is the smallest with ``W >= c tau(W)``, which
    keeps the bias (``~ exp(-c)`` for a single exponential) and the noise of the sum small
    together. The error is ``tau sqrt((4 W + 2) / n_total)``, ``n_total = chains * n``. It assumes
    nearly Gaussian fluctuations; a series driven by rare large excursions scatters more than it
    says (measured: ``|m|`` under Metropolis at ``L = 32``, ``T = 2.13``, where blocks of
    16 x 3000 sweeps gave 6.6 to 13.3 against a stated error of about 0.7).

    Parameters
    ----------
    series
        ``(n,)``, or ``(chains, n)`` independent chains of one stationary process (e.g. one
        observable of many chains at one temperature after thermalisation).
    c
        The window constant, ``c = 6`` by default (Sokal suggests 4 to 10; 6 is good for nearly
        exponential autocorrelation).

    Returns
    -------
    :class:`AutocorrelationTime` ``(tau, error, window, reliable)``. ``reliable`` requires a window
    ``W >= c tau(W)`` with ``W <= n / 2`` (each chain is long enough to show the decay) and
    ``n_total >= 100 tau`` (subtracting the estimated mean biases ``tau`` by about
    ``-2 W tau / n_total``, here at most 12 %). Otherwise a ``RuntimeWarning`` says the series is
    too short, and ``tau`` is likely an underestimate (with no window found, it is the sum over the
    whole series): run longer. A constant series gives ``tau = 0.5``, error 0, and is reliable.
    """
    if not (isinstance(c, numbers.Real) and c > 0):
        raise ValueError(f"c must be a positive number, got {c!r}")
    x = _as_chains(series)
    chains, n = x.shape
    rho = autocorrelation(x)
    if not np.any(rho[1:]):  # a constant series
        return AutocorrelationTime(0.5, 0.0, 1, True)
    tau_w = 0.5 + np.cumsum(rho[1:])  # tau_w[W - 1] = tau(W)
    windows = np.arange(1, n)
    found = windows >= c * tau_w
    w = int(np.argmax(found)) + 1 if found.any() else n - 1
    tau = float(tau_w[w - 1])
    reliable = bool(found.any() and w <= n / 2 and chains * n >= 100 * tau)
    if not reliable:
        warnings.warn(f"integrated_autocorrelation_time: {chains} x {n} steps are too short for tau = "
                      f"{tau:.3g} (window W = {w}{'' if found.any() else ', none found'}; needs W >= {c:g} tau, "
                      f"W <= n/2 and chains * n >= 100 tau); tau is likely underestimated: run longer",
                      RuntimeWarning, stacklevel=2)
    return AutocorrelationTime(tau, tau * math.sqrt((4 * w + 2) / (chains * n)), w, reliable)


def mean_and_error(series, tau: float | None = None, c: float = 6.0) -> tuple[float, float]:
    """The mean of a correlated series and its standard error.

    ``series``: ``(n,)`` or ``(chains, n)`` independent chains of one process. The error is
    ``sqrt(2 tau_int var / (chains * n))``: each chain's mean has variance ``2 tau var / n``
    and averaging ``chains`` independent means divides it by ``chains``. ``var`` is the variance
    about the overall mean; ``tau`` is measured with :func:`integrated_autocorrelation_time`
    (window constant ``c``) unless given. A measured ``tau`` below 0 (a series that alternates
    from step to step, whose mean converges faster than ``1/sqrt(n)``) counts as 0.
    Returns ``(mean, error)`` as floats.
    """
    x = _as_chains(series)
    if tau is None:
        tau = max(0.0, integrated_autocorrelation_time(x, c).tau)
    elif not (isinstance(tau, numbers.Real) and tau > 0):
        raise ValueError(f"tau must be a positive number (tau_int = 1/2 for independent samples), got {tau!r}")
    return float(x.mean()), math.sqrt(2.0 * tau * x.var() / x.size)


def variance_and_error(series, c: float = 6.0) -> tuple[float, float]:
    """The variance ``<(x - <x>)^2>`` of a correlated series and its standard error.

    The variance is the mean of the series ``z = (x - xbar)^2`` (``xbar`` over all chains and
    times), and its error is :func:`mean_and_error` of ``z``, with ``z``'s own autocorrelation
    time (the uncertainty of ``xbar`` adds a relative ``O(tau / n)``, neglected). Use it for the
    specific heat ``C = L^2 var(e) / T^2`` and the susceptibility ``chi = L^2 var(|m|) / T``.
    Returns ``(variance, error)``.
    """
    x = _as_chains(series)
    return mean_and_error((x - x.mean()) ** 2, c=c)


# --- the data set of the chapter -----------------------------------------------------------

#: :func:`configurations` uses Swendsen-Wang within this band of temperatures around ``T_c``
#: (``0.9 T_c ... 1.15 T_c``, i.e. 2.042 to 2.610) and Metropolis outside it (see
#: :func:`choose_algorithm` for why).
CLUSTER_BAND = (0.9 * CRITICAL_TEMPERATURE, 1.15 * CRITICAL_TEMPERATURE)


def choose_algorithm(temperature: float) -> str:
    """``"swendsen-wang"`` inside :data:`CLUSTER_BAND` around ``T_c``, ``"metropolis"`` outside.

    Near ``T_c`` the correlation length ``xi`` is large and Metropolis needs ``~ min(xi, L)^z``
    sweeps (``z ~ 2``) to decorrelate, while a Swendsen-Wang sweep flips whole correlated regions.
    Far from ``T_c`` both decorrelate within a few sweeps and a Metropolis sweep is 5 to 10 times
    cheaper (no labelling). Measured at ``L = 32`` with 16 chains (``python benchmarks/ising_sampler.py``), the
    CPU time of an independent sample (``2 tau_int`` sweeps, ``tau_int`` the larger of ``|m|``'s
    and ``e``'s) favours Swendsen-Wang between about ``0.95 T_c`` and ``1.1 T_c`` (at
    ``T = 2.342``: 24 to 28 ms against 39 to 41 ms for Metropolis, in two runs). The band is
    wider because just outside that range Metropolis' ``tau_int`` of ``|m|`` is set by rare large
    excursions of ``|m|``, and its estimate from a pilot run scatters by a factor of two
    (measured at ``T = 2.13``: 5.7 to 13 sweeps between runs), which would make the spacing
    unreliable; Swendsen-Wang's is small and steady there, and at most about 50 % dearer
    (``T = 2.13``: 19 to 20 ms against 13 to 15 ms). For larger ``L`` the range where the
    clusters win widens further.
    """
    temperature = _check_temperature(temperature)
    return "swendsen-wang" if CLUSTER_BAND[0] <= temperature <= CLUSTER_BAND[1] else "metropolis"


def pilot_autocorrelation(spins: np.ndarray, temperature: float, rng: np.random.Generator,
                          algorithm: str = "metropolis", sweeps: int = 200, precision: float = 0.15,
                          max_sweeps: int = 12_800):
    """Measure ``tau_int`` of ``|m|`` and ``e`` to a given relative precision, running as long as needed.

    Runs ``sweeps`` sweeps of ``algorithm`` from ``spins`` (``int8 (chains, L, L)``, equilibrated,
    advanced **in place**), recording ``|m|`` and ``e``, and doubles the run (extending the same
    series) until both estimates are reliable and their Madras-Sokal relative error
    ``sqrt((4 W + 2) / (chains n))`` is at most ``precision``, or ``max_sweeps`` is reached (then a
    ``RuntimeWarning``). A short run is not enough near ``T_c``: an estimate from a few hundred
    sweeps scatters widely and mostly low, because the rare large excursions of ``|m|`` that set
    ``tau`` may not have happened yet (measured at ``L = 32``, ``T = 2.13``, Metropolis: 8 chains
    of 200 sweeps gave 4.7 and 17 where 16 chains of 12,000 gave 9.3 to 10.2).

    Returns ``(tau_abs_magnetisation, tau_energy)``, two :class:`AutocorrelationTime`, in sweeps.
    """
    sweeps = _check_positive_int(sweeps, "sweeps", minimum=2)
    max_sweeps = _check_positive_int(max_sweeps, "max_sweeps", minimum=sweeps)
    if not (isinstance(precision, numbers.Real) and 0 < precision < 1):
        raise ValueError(f"precision must be a relative error in (0, 1), got {precision!r}")
    blocks, total, new = [], 0, sweeps
    while True:
        blocks.append(sample(spins, temperature, new, rng, algorithm=algorithm))
        total += new
        abs_m = np.concatenate([b.abs_magnetisation for b in blocks], axis=1)
        energy = np.concatenate([b.energy for b in blocks], axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            taus = (integrated_autocorrelation_time(abs_m), integrated_autocorrelation_time(energy))
        if all(t.reliable and t.error <= precision * t.tau for t in taus):
            return taus
        if total >= max_sweeps:
            warnings.warn(f"pilot_autocorrelation: at T={temperature:g} tau_int (|m|: {taus[0].tau:.3g} +- "
                          f"{taus[0].error:.2g}, e: {taus[1].tau:.3g} +- {taus[1].error:.2g}) is not measured to "
                          f"{precision:.0%} after {total} sweeps; raise max_sweeps or chains",
                          RuntimeWarning, stacklevel=2)
            return taus
        new = min(total, max_sweeps - total)  # double the series


def configurations(L: int, temperatures, per_temperature: int, seed: int = 0, chains: int = 8,
                   thermalisation: int = 200, pilot_sweeps: int = 200, spacing=None,
                   algorithm: str = "auto", flip_symmetric: bool = True, details: bool = False):
    """Decorrelated equilibrium configurations of the ``L x L`` Ising torus at given temperatures.

    For each temperature, independently and reproducibly: ``chains`` chains start aligned below
    ``T_c`` (the ordered phase, so no domain walls need to anneal away) and at random at or
    above it, and run ``thermalisation`` sweeps. Unless ``spacing`` is given,
    :func:`pilot_autocorrelation` then measures ``tau_int`` of ``|m|`` and of ``e`` to 15 %
    (from ``pilot_sweeps`` sweeps on, doubled as needed), and the spacing between kept samples is
    ``ceil(2 (tau + error))`` sweeps for the larger of the two: at least ``2 tau_int`` unless the
    estimate is more than one error low. Then every chain keeps one configuration every
    ``spacing`` sweeps until ``per_temperature`` are kept (spread over the chains, as evenly as
    they divide). The algorithm is :func:`choose_algorithm` (Swendsen-Wang within
    :data:`CLUSTER_BAND` around ``T_c``, Metropolis elsewhere) unless ``algorithm`` names one.

    With ``flip_symmetric`` (default) each kept configuration is multiplied by ``+1`` or ``-1`` at
    random: ``H`` is invariant under the global flip, so this is an exact Monte Carlo move, and
    it restores the ``m -> -m`` symmetry that Metropolis below ``T_c`` breaks for longer than any
    run (a chain started aligned stays at ``m > 0``). Set it ``False`` to keep the chains' signs.

    Parameters
    ----------
    L
        Side of the torus (even when Metropolis is used).
    temperatures
        ``(n_T,)`` positive temperatures.
    per_temperature
        Configurations kept at each temperature.
    seed
        Non-negative integer. Temperature ``k`` uses the generator of
        ``np.random.SeedSequence(seed).spawn(n_T)[k]``, so a temperature's samples depend only on
        the seed and its position in ``temperatures``.
    chains, thermalisation, pilot_sweeps
        Chains per temperature, sweeps before the pilot, and the pilot's first length.
    spacing
        ``None`` (measure, as above), an integer for all temperatures, or ``(n_T,)`` integers.
    algorithm
        ``"auto"``, ``"metropolis"`` or ``"swendsen-wang"``.
    details
        Also return a dict of per-temperature arrays: ``"algorithm"``, ``"spacing"``,
        ``"tau_abs_magnetisation"``, ``"tau_energy"`` and their ``"..._error"`` (``nan`` where
        ``spacing`` was given), and ``"seconds"`` (wall-clock).

    Returns
    -------
    spins
        ``int8 (n_T * per_temperature, L, L)``, grouped by temperature in the order given;
        within a temperature in time order, the chains interleaved (``chains`` configurations
        from one moment, then the next ``spacing`` sweeps later).
    temperatures
        ``float64 (n_T * per_temperature,)``, the temperature of each configuration.
    """
    L = _check_positive_int(L, "L", minimum=2)
    temperatures = check_temperatures(temperatures)
    if temperatures.ndim != 1:
        raise ValueError(f"temperatures must be one-dimensional, got shape {temperatures.shape}")
    n_t = len(temperatures)
    per_temperature = _check_positive_int(per_temperature, "per_temperature")
    chains = _check_positive_int(chains, "chains")
    thermalisation = _check_positive_int(thermalisation, "thermalisation", minimum=0)
    pilot_sweeps = _check_positive_int(pilot_sweeps, "pilot_sweeps", minimum=2)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if algorithm != "auto":
        _check_algorithm(algorithm)
    if spacing is not None:
        spacing = np.broadcast_to(np.asarray(spacing), (n_t,))
        if not np.issubdtype(spacing.dtype, np.integer) or np.any(spacing < 1):
            raise ValueError(f"spacing must be None or positive integers (one, or one per temperature), "
                             f"got {spacing.tolist()}")
    chains = min(chains, per_temperature)
    out = np.empty((n_t * per_temperature, L, L), dtype=np.int8)
    keys = ("algorithm", "spacing", "tau_abs_magnetisation", "tau_abs_magnetisation_error", "tau_energy",
            "tau_energy_error", "seconds")
    info = {key: [] for key in keys}
    for k, (temperature, sequence) in enumerate(zip(temperatures, np.random.SeedSequence(seed).spawn(n_t))):
        start = time.perf_counter()
        temperature = float(temperature)
        rng = np.random.default_rng(sequence)
        name = choose_algorithm(temperature) if algorithm == "auto" else algorithm
        if name == "metropolis" and L % 2:
            raise ValueError(f"Metropolis (used at T={temperature:g}) needs an even L, got L={L}; "
                             "use an even L or algorithm='swendsen-wang'")
        sweep = _SWEEPERS[name]
        spins = aligned_spins(chains, L) if temperature < CRITICAL_TEMPERATURE else random_spins(chains, L, rng)
        sweep(spins, temperature, thermalisation, rng)
        measured = [float("nan")] * 4
        if spacing is None:
            tau_abs_m, tau_energy = pilot_autocorrelation(spins, temperature, rng, name, pilot_sweeps)
            slowest = max(tau_abs_m, tau_energy, key=lambda t: t.tau + t.error)
            step = max(1, math.ceil(2.0 * (slowest.tau + slowest.error)))
            measured = [tau_abs_m.tau, tau_abs_m.error, tau_energy.tau, tau_energy.error]
        else:
            step = int(spacing[k])
        rounds = -(-per_temperature // chains)
        kept = np.empty((rounds, chains, L, L), dtype=np.int8)
        for r in range(rounds):
            sweep(spins, temperature, step, rng)
            kept[r] = spins
        kept = kept.reshape(-1, L, L)[:per_temperature]
        if flip_symmetric:
            kept = kept * rng.choice(np.array([-1, 1], dtype=np.int8), size=(per_temperature, 1, 1))
        out[k * per_temperature:(k + 1) * per_temperature] = kept
        for key, value in zip(keys, (name, step, *measured, time.perf_counter() - start)):
            info[key].append(value)
    temperatures_out = np.repeat(temperatures, per_temperature)
    if details:
        return out, temperatures_out, {key: np.asarray(value) for key, value in info.items()}
    return out, temperatures_out
