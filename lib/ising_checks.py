"""Chapter 4's exactness checks: the sampler against exact results, the networks' symmetry.

- :func:`small_lattice_check`: the sampler on a 4x4 torus against exact enumeration of its 2^16
  states, with a deliberately wrong sampler as the negative control
  (:func:`swendsen_wang_with_weak_bonds`);
- :func:`against_onsager`: the shipped samples against Onsager's energy and Yang's magnetisation;
- :func:`invariance_errors`: a network's output under D4, the spin flip and every cyclic shift.
"""

from __future__ import annotations

import math

import numpy as np

from lib import ising
from lib.phases import by_temperature, observables, probabilities, samples, split_temperatures, to_pixels


def z_score(value: float, error: float, exact: float) -> float:
    """``(value - exact) / error``: how many standard errors a measurement is from the exact value."""
    return float((value - exact) / error) if error > 0 else (0.0 if value == exact else float("inf"))


def small_lattice_check(temperature: float, algorithm="metropolis", L: int = 4, sweeps: int = 3000,
                        chains: int = 64, seed: int = 0) -> dict:
    """The sampler on the ``L x L`` torus (``L <= 4``) against exact enumeration.

    ``algorithm``: a name of :data:`lib.ising.ALGORITHMS` or a sampler function (see
    :func:`lib.ising.sample`). Returns ``{observable: {"sampled", "error", "exact", "z"}}`` for
    ``"energy"``, ``"abs_magnetisation"`` and ``"specific_heat"``, errors from ``tau_int``."""
    from lib.ising_exact import exact_small

    rng = np.random.default_rng(seed)
    series = ising.sample(ising.random_spins(chains, L, rng), temperature, sweeps, rng, algorithm=algorithm,
                          thermalisation=200)
    exact = exact_small(L, [temperature])
    scale = L * L / temperature ** 2
    e, de = ising.mean_and_error(series.energy)
    m, dm = ising.mean_and_error(series.abs_magnetisation)
    var, dvar = ising.variance_and_error(series.energy)
    out = {}
    for name, value, error in (("energy", e, de), ("abs_magnetisation", m, dm),
                               ("specific_heat", scale * var, scale * dvar)):
        out[name] = {"sampled": value, "error": error, "exact": float(exact[name][0]),
                     "z": z_score(value, error, float(exact[name][0]))}
    return out


def swendsen_wang_with_weak_bonds(spins, temperature, sweeps, rng, measure=None):
    """A deliberately WRONG sampler, the negative control of :func:`small_lattice_check`: bonds
    with probability ``1 - exp(-1/T)`` instead of ``1 - exp(-2/T)`` (a classic slip of a factor
    of 2), which samples the model at twice the temperature."""
    for sweep in range(sweeps):
        ising.swendsen_wang_update(spins, -math.expm1(-1.0 / temperature), rng)
        if measure is not None:
            measure(spins, sweep)
    return spins


def against_onsager(L: int) -> dict:
    """Mean energy per spin and ``|m|`` of the shipped samples at every temperature of ``L``,
    with standard errors (the samples are independent).

    Returns ``float64 (n_T,)`` arrays ``"temperature"``, ``"energy"``, ``"energy_error"``,
    ``"abs_magnetisation"``, ``"abs_magnetisation_error"``, ``"onsager"`` (Onsager's energy)
    and ``"yang"`` (Yang's magnetisation), sorted by temperature."""
    from lib.ising_exact import onsager_energy, yang_magnetisation

    rows = []
    for split in ("train", "eval"):
        s = samples(L, split)
        grid = split_temperatures(split)
        obs = observables(s["spins"])
        e = by_temperature(obs["energy"], s["temperatures"], grid)
        m = by_temperature(obs["abs_magnetisation"], s["temperatures"], grid)
        for k, t in enumerate(grid):
            rows.append((t, e[k].mean(), e[k].std(ddof=1) / math.sqrt(e.shape[1]),
                         m[k].mean(), m[k].std(ddof=1) / math.sqrt(m.shape[1])))
    rows.sort()
    t, e, de, m, dm = (np.array(v) for v in zip(*rows))
    return {"temperature": t, "energy": e, "energy_error": de, "abs_magnetisation": m,
            "abs_magnetisation_error": dm, "onsager": onsager_energy(t), "yang": yang_magnetisation(t)}


def invariance_errors(model, spins, shifts: bool = True) -> dict:
    """Max ``|P(transformed) - P(s)|`` of a model's output over the 8 elements of D4 (``"d4"``),
    the spin flip (``"flip"``) and, with ``shifts``, all ``L**2`` cyclic shifts (``"shift"``).

    ``spins``: ``(N, L, L)`` of +-1 (any dtype); the model takes ``uint8`` images
    (``input_encoding="pixels"``). Returns floats."""
    from lib.ising_layers import D4_ORDER, d4_transform

    s = np.asarray(spins)
    size = s.shape[1]
    p = probabilities(model, to_pixels(s))
    out = {"d4": max(float(np.abs(probabilities(model, to_pixels(d4_transform(s, g))) - p).max())
                     for g in range(D4_ORDER)),
           "flip": float(np.abs(probabilities(model, to_pixels(-s)) - p).max())}
    if shifts:
        moved = np.concatenate([np.roll(s, (a, b), axis=(1, 2)) for a in range(size) for b in range(size)])
        out["shift"] = float(np.abs(probabilities(model, to_pixels(moved)).reshape(size * size, len(s), -1)
                                    - p[None]).max())
    return out
