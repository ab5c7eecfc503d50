"""Exact results for the square-lattice Ising model: small tori enumerated, and Onsager and Yang.

The model is :math:`H = -J \\sum_{\\langle ij \\rangle} s_i s_j` with :math:`J = k_B = 1`, spins
:math:`s_i = \\pm 1` on an ``L x L`` torus. Its bonds are the right and lower neighbour of every
site, ``2 L**2`` bonds in all, so the energy of a configuration is
``E = -sum(s * (roll(s, -1, row) + roll(s, -1, column)))`` for every ``L``. (On the ``2 x 2``
torus the right and the left neighbour are the same site, so each neighbouring pair is joined by
two bonds; the samplers of :mod:`lib.ising` see the same doubled bonds.)

- :func:`exact_small`: exact thermal averages on a torus of up to ``4 x 4`` spins, from all
  ``2**(L*L)`` configurations (65,536 for ``L = 4``).
- :data:`CRITICAL_TEMPERATURE`, :func:`onsager_energy` and :func:`yang_magnetisation`: the infinite
  lattice, for comparing a large sampled lattice with the exact answer.

NumPy only; the samplers that these results check live in :mod:`lib.ising`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Onsager's critical temperature ``2 / ln(1 + sqrt(2)) = 2.269185314...`` (``J = k_B = 1``).
CRITICAL_TEMPERATURE = 2.0 / math.log1p(math.sqrt(2.0))

#: The largest side :func:`exact_small` enumerates: ``2**16`` configurations; ``L = 5`` would be
#: ``2**25``, about 33 million, too many to hold as spins in memory.
MAX_EXACT_SIDE = 4


def check_temperatures(temperatures, name="temperatures"):
    """``temperatures`` as a ``float64`` array (any shape), or a clear error.

    Raises ``TypeError`` for non-numbers (and bools) and ``ValueError`` for a temperature that is
    not a positive finite number (``T = 0`` is the ground state, not a temperature a Boltzmann
    weight ``exp(-E / T)`` can be computed at).
    """
    array = np.asarray(temperatures)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must be a number or an array of numbers (k_B T in units of J), "
                        f"got {temperatures!r}")
    array = array.astype(np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty: give at least one temperature")
    bad = ~(np.isfinite(array) & (array > 0))
    if bad.any():
        raise ValueError(f"every temperature must be a positive finite number (k_B T / J), "
                         f"got {array[bad].ravel()[:5].tolist()} in {name}")
    return array


def all_configurations(L: int) -> np.ndarray:
    """Every configuration of the ``L x L`` torus, ``int8 (2**(L*L), L, L)``, entries ``+-1``.

    Configuration ``n`` has spin ``s_k = 1 - 2 * bit_k(n)`` at flat site ``k = L * row + column``,
    so configuration 0 is all up and the last one all down.
    """
    L = _check_small_side(L)
    n_sites = L * L
    codes = np.arange(2 ** n_sites, dtype=np.uint32)[:, None]
    bits = (codes >> np.arange(n_sites, dtype=np.uint32)) & 1
    return (1 - 2 * bits).astype(np.int8).reshape(-1, L, L)


def _check_small_side(L):
    if isinstance(L, bool) or not isinstance(L, numbers.Integral):
        raise TypeError(f"L must be an integer side length, got {L!r}")
    if not 1 <= L <= MAX_EXACT_SIDE:
        raise ValueError(f"exact enumeration needs 1 <= L <= {MAX_EXACT_SIDE} (2**(L*L) configurations); "
                         f"got L={L}. For larger lattices sample with lib.ising")
    return int(L)


def energy_and_magnetisation_counts(L: int):
    """The joint density of states of the ``L x L`` torus, by enumeration.

    Returns
    -------
    energies, magnetisations, counts
        Three ``int64`` arrays of one length: every distinct pair ``(E, M)`` of total energy
        ``E = -sum_<ij> s_i s_j`` and total magnetisation ``M = sum_i s_i`` that occurs, and how many
        of the ``2**(L*L)`` configurations have it (``counts.sum() == 2**(L*L)``).
    """
    spins = all_configurations(L).astype(np.int64)
    energies = -(spins * (np.roll(spins, -1, axis=1) + np.roll(spins, -1, axis=2))).sum(axis=(1, 2))
    magnetisations = spins.sum(axis=(1, 2))
    pairs, counts = np.unique(np.stack([energies, magnetisations], axis=1), axis=0, return_counts=True)
    return pairs[:, 0], pairs[:, 1], counts.astype(np.int64)


def exact_small(L: int = 4, temperatures=(CRITICAL_TEMPERATURE,)) -> dict:
    """Exact thermal averages on the ``L x L`` torus (``L <= 4``), from every configuration.

    Parameters
    ----------
    L
        Side of the torus, ``1 <= L <= 4`` (``L = 4``: 65,536 configurations, about 0.1 s).
    temperatures
        A temperature or an array of them, positive (``k_B T / J``).

    Returns
    -------
    dict of ``float64`` arrays of shape ``(n_T,)`` (``n_T = np.size(temperatures)``), with
    ``N = L * L``, ``e = E / N`` the energy and ``m = M / N`` the magnetisation per spin:

    - ``"temperature"``: the temperatures;
    - ``"energy"``: ``<e>``;
    - ``"abs_magnetisation"``: ``<|m|>``;
    - ``"energy_variance"``: ``<e^2> - <e>^2``;
    - ``"magnetisation_sq"``: ``<m^2>``;
    - ``"specific_heat"``: ``C = N (<e^2> - <e>^2) / T^2``, per spin;
    - ``"susceptibility"``: ``chi = N (<m^2> - <|m|>^2) / T``, per spin (the finite-lattice
      susceptibility built on ``|m|``, which stays finite at and below ``T_c``).

    Averages are sums over the joint density of states (:func:`energy_and_magnetisation_counts`)
    with weights ``exp(-(E - E_min) / T)``, so no temperature overflows.
    """
    temperatures = check_temperatures(temperatures).ravel()
    energies, magnetisations, counts = energy_and_magnetisation_counts(L)
    n_sites = L * L
    e = energies / n_sites
    abs_m = np.abs(magnetisations) / n_sites
    log_weights = np.log(counts)[None, :] - (energies - energies.min())[None, :] / temperatures[:, None]
    weights = np.exp(log_weights - log_weights.max(axis=1, keepdims=True))
    p = weights / weights.sum(axis=1, keepdims=True)  # (n_T, n_pairs)
    mean_e = p @ e
    # Variances about the mean (not <x^2> - <x>^2, which cancels at low temperature).
    variance_e = (p * (e[None, :] - mean_e[:, None]) ** 2).sum(axis=1)
    mean_abs_m = p @ abs_m
    mean_m2 = p @ abs_m ** 2
    variance_abs_m = (p * (abs_m[None, :] - mean_abs_m[:, None]) ** 2).sum(axis=1)
    return {
        "temperature": temperatures,
        "energy": mean_e,
        "abs_magnetisation": mean_abs_m,
        "energy_variance": variance_e,
        "magnetisation_sq": mean_m2,
        "specific_heat": n_sites * variance_e / temperatures ** 2,
        "susceptibility": n_sites * variance_abs_m / temperatures,
    }


# --- the infinite lattice: Onsager and Yang ------------------------------------------------


def _agm(a, b, rtol=1e-15, max_iterations=64):
    """The arithmetic-geometric mean of arrays ``a, b >= 0``, elementwise (quadratic convergence)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    a, b = a.copy(), b.copy()
    for _ in range(max_iterations):
        if np.all(np.abs(a - b) <= rtol * np.abs(a)):
            break
        a, b = 0.5 * (a + b), np.sqrt(a * b)
    return a


def elliptic_k_from_complement(k_complement):
    """The complete elliptic integral of the first kind, ``K1(k)``, from ``k' = sqrt(1 - k^2)``.

    ``K1(k) = int_0^{pi/2} dtheta / sqrt(1 - k^2 sin^2 theta) = pi / (2 AGM(1, k'))``. Taking ``k'``
    rather than ``k`` keeps full precision near ``k = 1``, where ``1 - k^2`` would cancel; the
    integral diverges logarithmically there and is ``inf`` at ``k' = 0``. ``float64``, any shape.
    """
    k_complement = np.asarray(k_complement, dtype=np.float64)
    if np.any((k_complement < 0) | (k_complement > 1)):
        raise ValueError("k' = sqrt(1 - k^2) must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.pi / (2.0 * _agm(1.0, k_complement))


def onsager_energy(temperatures):
    """Onsager's exact energy per spin of the infinite square lattice, ``u(T)``, ``float64``.

    ``u = -coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K1(k)]`` with ``K = 1/T`` and
    ``k = 2 sinh(2K) / cosh^2(2K)``. With ``s = sinh(2K)`` this is computed as
    ``2 tanh^2(2K) - 1 = (s^2 - 1) / (1 + s^2)`` and ``k' = sqrt(1 - k^2) = |1 - s^2| / (1 + s^2)``
    (exact identities), so nothing cancels near ``T_c`` (``s = 1``), where ``K1`` diverges
    logarithmically but its factor vanishes linearly: ``u(T_c) = -sqrt(2)`` exactly.
    Returns an array of the shape of ``temperatures`` (a 0-d array for a number).
    """
    temperatures = check_temperatures(temperatures)
    two_k = 2.0 / temperatures
    s2 = np.sinh(two_k) ** 2
    factor = (s2 - 1.0) / (1.0 + s2)
    k_complement = np.abs(1.0 - s2) / (1.0 + s2)
    with np.errstate(invalid="ignore"):
        term = np.where(k_complement > 0, factor * elliptic_k_from_complement(k_complement), 0.0)
    return -(1.0 / np.tanh(two_k)) * (1.0 + (2.0 / np.pi) * term)


def yang_magnetisation(temperatures):
    """Yang's exact spontaneous magnetisation per spin, ``m(T) = (1 - sinh(2K)^-4)^(1/8)`` for
    ``T < T_c`` and ``0`` for ``T >= T_c`` (``K = 1/T``); ``float64``, the shape of ``temperatures``."""
    temperatures = check_temperatures(temperatures)
    inverse_s4 = np.sinh(2.0 / temperatures) ** -4.0
    return np.where(temperatures < CRITICAL_TEMPERATURE, np.clip(1.0 - inverse_s4, 0.0, None) ** 0.125, 0.0)
