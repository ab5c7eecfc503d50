"""How fast the Ising samplers decorrelate at T_c, and what a data set costs (CPU time, one process).

Prints ``tau_int`` at ``T_c`` per algorithm and lattice size with power-law fits of the dynamic
exponent, the cost of an independent sample at each temperature for both algorithms (which
justifies :data:`lib.ising.CLUSTER_BAND`), and the time to make a data set. The chapter's own
table is :func:`lib.phases.autocorrelation_table`; this is the wider survey behind its choices.

    python benchmarks/ising_sampler.py [--sizes 16 24 32 48] [--chains 32]
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.ising import (CRITICAL_TEMPERATURE, aligned_spins, choose_algorithm, configurations,  # noqa: E402
                       integrated_autocorrelation_time, random_spins, sample, swendsen_wang_sweeps)


def measure(sizes=(16, 24, 32, 48), chains=32, seed=0):
    """Print tau_int at T_c per algorithm and size with power-law fits, the choice of
    :data:`CLUSTER_BAND` at L = 32, and the cost of a data set (CPU seconds, one process)."""
    rng = np.random.default_rng(seed)
    clock = time.process_time
    print(f"tau_int at T_c in sweeps (chains={chains}); CPU seconds per run")
    fits = {}
    for name, sweeps_per_tau, guess in (("metropolis", 300, lambda L: 0.06 * L ** 2.0),
                                        ("swendsen-wang", None, lambda L: 3000)):
        for L in sizes:
            spins = random_spins(chains, L, rng)
            swendsen_wang_sweeps(spins, CRITICAL_TEMPERATURE, 200, rng)  # equilibrate fast
            n = int(sweeps_per_tau * guess(L)) if sweeps_per_tau else guess(L)
            start = clock()
            series = sample(spins, CRITICAL_TEMPERATURE, n, rng, algorithm=name)
            seconds = clock() - start
            row = []
            for key, values in (("|m|", series.abs_magnetisation), ("e", series.energy)):
                tau = integrated_autocorrelation_time(values)
                fits.setdefault((name, key), []).append((L, tau.tau, tau.error))
                row.append(f"{key}: {tau.tau:7.2f} +- {tau.error:5.2f} (W={tau.window}{'' if tau.reliable else ', UNRELIABLE'})")
            print(f"  {name:13s} L={L:2d} {n:6d} sweeps {seconds:6.1f} s  " + "  ".join(row)
                  + f"  {1e3 * seconds / n:.2f} ms/sweep", flush=True)
    print("dynamic exponent z from a weighted fit of log tau = z log L + b:")
    for (name, key), rows in fits.items():
        L, tau, error = (np.array(v, dtype=float) for v in zip(*rows))
        weights = tau / error  # 1 / error of log tau
        design = np.stack([np.log(L), np.ones_like(L)], axis=1) * weights[:, None]
        (z, _), residual, *_ = np.linalg.lstsq(design, np.log(tau) * weights, rcond=None)
        covariance = np.linalg.inv(design.T @ design)
        chi2 = float(residual[0]) if len(residual) else float("nan")
        print(f"  {name:13s} {key:3s}: z = {z:.2f} +- {math.sqrt(covariance[0, 0]):.2f} "
              f"(chi2 = {chi2:.1f} for {len(L) - 2} degrees of freedom)")
    temperatures = np.linspace(1.5, 3.5, 20)
    print("L=32, 16 chains: 2 tau_int (max of |m| and e) times CPU ms per sweep = CPU ms per independent sample")
    for t in temperatures:
        row = []
        for name, n in (("metropolis", 1500), ("swendsen-wang", 300)):
            spins = aligned_spins(16, 32) if t < CRITICAL_TEMPERATURE else random_spins(16, 32, rng)
            swendsen_wang_sweeps(spins, t, 100, rng)
            start = clock()
            series = sample(spins, t, n, rng, algorithm=name)
            ms = 1e3 * (clock() - start) / n
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                taus = [integrated_autocorrelation_time(v) for v in (series.abs_magnetisation, series.energy)]
            tau = max(x.tau for x in taus)
            flag = "" if all(x.reliable for x in taus) else "?"
            row.append(f"{name} {tau:6.1f}{flag:1s} x {ms:5.2f} = {2 * tau * ms:6.1f}")
        print(f"  T={t:.3f} ({choose_algorithm(t):13s})  " + "   ".join(row), flush=True)
    for per_temperature in (50, 1000):
        start = clock()
        spins, _, info = configurations(32, temperatures, per_temperature, seed=seed, details=True)
        print(f"configurations(32, 20 temperatures in [1.5, 3.5], per_temperature={per_temperature}): "
              f"{len(spins)} configurations in {clock() - start:.1f} CPU s; spacing per temperature "
              f"{info['spacing'].tolist()}", flush=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=measure.__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 24, 32, 48])
    parser.add_argument("--chains", type=int, default=32)
    arguments = parser.parse_args()
    measure(tuple(arguments.sizes), arguments.chains)
