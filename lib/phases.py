"""Chapter 4 (the Ising model): its samples, its networks, and what they measure.

The chapter follows Carrasquilla and Melko, *Machine learning phases of matter*, Nature Physics
13, 431 (2017): networks learn to tell ordered from disordered configurations of the 2D Ising
model far from ``T_c`` only, then read configurations near ``T_c``; where their output
``P(ordered)`` crosses 1/2 on an ``L x L`` torus is an estimate ``T_L`` of the transition,
and finite-size scaling ``T_L = T_c + a / L`` (``nu = 1``) extrapolates it to ``L -> inf``.

- :func:`samples`: the chapter's Monte Carlo data (:func:`lib.ising.configurations`), made once
  and shipped (:func:`lib.cache.generated`); :func:`dataset` turns them into ``uint8`` images
  and labels; :func:`autocorrelation_table` measures ``tau_int`` at ``T_c``.
- :func:`train_networks`: the three networks (:data:`NETWORKS`), :data:`SEEDS` each.
- :func:`p_ordered`, :func:`crossing`, :func:`crossing_with_error`, :func:`finite_size_fit`:
  the measurement.
- :func:`data_efficiency`: accuracy against the number of training configurations.
- :func:`pooled_features`: what the symmetric network's pooled features follow.

NumPy and the book's training loop; the figures are in :mod:`lib.plots`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lib import cache as store
from lib import ising
from lib.ising_exact import CRITICAL_TEMPERATURE

#: Lattice sides ``L`` of the torus.
SIZES = (16, 24, 32)

#: Training temperatures, far from ``T_c = 2.269`` on both sides: ordered (label 1) below it,
#: disordered (label 0) above it.
ORDERED_TEMPERATURES = (1.6, 1.7, 1.8, 1.9, 2.0)
DISORDERED_TEMPERATURES = (2.6, 2.8, 3.0, 3.2, 3.4)

#: Temperatures at which the trained networks are read: through the transition, every 0.05.
EVAL_TEMPERATURES = tuple(float(t) for t in np.round(np.linspace(2.0, 2.6, 13), 2))

#: Independent configurations per temperature in each split.
PER_TEMPERATURE = {"train": 200, "val": 100, "eval": 200}

#: Each split (and each ``L``) has its own Monte Carlo seed.
SPLIT_SEEDS = {"train": 1, "val": 2, "eval": 3}

#: Chains per temperature in the sampler.
CHAINS = 50

#: The three networks compared, by name.
NETWORKS = ("dense", "ordinary CNN", "symmetric CNN")

#: Seeds of every network.
SEEDS = (0, 1, 2)

#: How every network trains: Adam, cosine decay, a fixed budget (the task is easy far from
#: ``T_c``; the validation accuracies show it is enough).
TRAINING = {"batch_size": 64, "schedule": "cosine"}

#: Epochs, Adam's learning rate and extra settings per network, chosen on the validation set
#: (L = 16 and 32; docs/experiments.md). The dense network has 100 times the weights of the
#: CNNs and memorises the training set: an L2 penalty, as in Carrasquilla and Melko, and more
#: epochs (it is cheap) bring it from about 80 % to 99.8 % on the validation set at L = 32.
RECIPES = {"dense": {"epochs": 20, "learning_rate": 1e-2, "config": {"l2": 1e-3}},
           "ordinary CNN": {"epochs": 6, "learning_rate": 3e-3, "config": {}},
           "symmetric CNN": {"epochs": 6, "learning_rate": 1e-2, "config": {}}}

#: Training-set sizes of the data-efficiency comparison (configurations, all temperatures).
EFFICIENCY_SIZES = (20, 100, 500)

#: The lattice of the data-efficiency comparison.
EFFICIENCY_SIZE = 16

#: Lattices and sweeps of the autocorrelation measurement at ``T_c``.
TAU_SIZES = (16, 24, 32, 48)
TAU_CHAINS = 32
TAU_SWEEPS = {"metropolis": 60, "swendsen-wang": 1000}  # Metropolis: this many times L**2 / 16


def _split(split):
    if split not in PER_TEMPERATURE:
        raise ValueError(f"split must be one of {tuple(PER_TEMPERATURE)}, got {split!r}")
    return split


def split_temperatures(split: str) -> np.ndarray:
    """``float64 (n_T,)``: the temperatures of a split (training and validation: far from ``T_c``)."""
    if _split(split) == "eval":
        return np.array(EVAL_TEMPERATURES)
    return np.array(ORDERED_TEMPERATURES + DISORDERED_TEMPERATURES)


def make_samples(L: int, temperatures: tuple, per_temperature: int, seed: int, chains: int) -> dict:
    """Run the sampler (:func:`lib.ising.configurations`) and pack its configurations.

    Returns ``{"bits": uint8 (N, L, ceil(L/8))`` (``np.packbits`` of ``s > 0`` along rows),
    ``"temperatures": float64 (N,)``, and per temperature ``"spacing"`` (sweeps between kept
    samples), ``"tau_abs_magnetisation"``, ``"tau_energy"`` and ``"algorithm"``}.
    """
    spins, temperatures, info = ising.configurations(L, np.array(temperatures), per_temperature, seed=seed,
                                                     chains=chains, details=True)
    return {"bits": np.packbits(spins > 0, axis=-1), "temperatures": temperatures,
            "spacing": info["spacing"], "tau_abs_magnetisation": info["tau_abs_magnetisation"],
            "tau_energy": info["tau_energy"], "algorithm": info["algorithm"].astype(str)}


def _check_size(L):
    if isinstance(L, (bool, np.bool_)) or not isinstance(L, numbers.Integral) or L < 4 or L % 2:
        raise ValueError(f"L must be an even integer >= 4 (the side of the torus), got {L!r}")
    return int(L)


def samples(L: int, split: str) -> dict:
    """The chapter's configurations of one split on the ``L x L`` torus, made once and shipped.

    Returns :func:`make_samples`' dict plus ``"spins": int8 (N, L, L)`` (+-1), grouped by
    temperature in the order of :func:`split_temperatures`.
    """
    L = _check_size(L)
    split = _split(split)
    made = store.generated(f"ising-{split}-L{L}", make_samples, L=L,
                           temperatures=tuple(float(t) for t in split_temperatures(split)),
                           per_temperature=PER_TEMPERATURE[split], seed=100 * SPLIT_SEEDS[split] + L,
                           chains=CHAINS)
    bits = np.unpackbits(made["bits"], axis=-1, count=L)
    return {**made, "spins": (2 * bits.astype(np.int8) - 1)}


def labels(temperatures) -> np.ndarray:
    """``int64 (N,)``: 1 (ordered) below Onsager's ``T_c``, 0 (disordered) above."""
    return (np.asarray(temperatures) < CRITICAL_TEMPERATURE).astype(np.int64)


def to_pixels(spins) -> np.ndarray:
    """``int8 (N, L, L)`` spins -> ``uint8 (N, L, L)`` images, ``-1 -> 0`` and ``+1 -> 255``."""
    return np.where(np.asarray(spins) > 0, 255, 0).astype(np.uint8)


def dataset(L: int) -> dict:
    """The ``L x L`` data as the networks see it.

    ``{"train", "val", "eval"}`` -> ``(images uint8 (N, L, L), labels int64 (N,), temperatures
    float64 (N,))``; the eval labels are the side of Onsager's ``T_c`` (for the accuracy near it).
    """
    out = {}
    for split in PER_TEMPERATURE:
        s = samples(L, split)
        out[split] = (to_pixels(s["spins"]), labels(s["temperatures"]), s["temperatures"])
    return out


# --- the networks ------------------------------------------------------------------------------


def network(kind: str, L: int):
    """``(build, config)`` of a network of :data:`NETWORKS` for ``L x L`` images."""
    from lib import ising_models

    builders = {"dense": ising_models.dense_network, "ordinary CNN": ising_models.ordinary_cnn,
                "symmetric CNN": ising_models.symmetric_cnn}
    if kind not in builders:
        raise ValueError(f"kind must be one of {NETWORKS}, got {kind!r}")
    config = {"size": int(L)} if kind == "dense" else {}
    return builders[kind], {**config, "input_encoding": "pixels", **RECIPES[kind]["config"]}


def _slug(kind):
    return kind.replace(" CNN", "-cnn").replace(" ", "-")


def efficiency_subset(train, n: int):
    """The first ``n / n_T`` configurations of each training temperature, repeated in whole copies
    to the full training set's length (or just under it), so every size trains for the same
    number of steps.

    ``train``: ``(images uint8 (N, L, L), labels (N,), temperatures (N,))`` grouped by
    temperature. Returns ``(images, labels)`` of length ``n * (N // n)``."""
    images, y, temperatures = train
    grid = split_temperatures("train")
    per = len(temperatures) // len(grid)
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n % len(grid) or not \
            0 < n <= len(temperatures):
        raise ValueError(f"n must be a multiple of {len(grid)} (the training temperatures) up to "
                         f"{len(temperatures)}, got {n!r}")
    chosen = (np.arange(len(grid))[:, None] * per + np.arange(n // len(grid))[None, :]).ravel()
    index = np.tile(chosen, len(temperatures) // n)
    return images[index], y[index]


def train_network(kind: str, L: int, data: dict, seed: int, n_train: int | None = None,
                  progress: str = "auto"):
    """One network trained on ``data["train"]`` (or on :func:`efficiency_subset` of ``n_train``
    configurations), validated on ``data["val"]``: a :class:`lib.train.TrainResult`, loaded
    from the shipped cache when it is there."""
    from lib.train import fit

    build, config = network(kind, L)
    train = data["train"][:2] if n_train is None else efficiency_subset(data["train"], n_train)
    name = f"ising-{_slug(kind)}-L{L}" + ("" if n_train is None else f"-n{n_train}")
    return fit(f"{name}-s{seed}", build, config, train, data["val"][:2], seed=seed, progress=progress,
               learning_rate=RECIPES[kind]["learning_rate"], epochs=RECIPES[kind]["epochs"], **TRAINING)


def train_networks(L: int, data: dict, kinds=NETWORKS, seeds=SEEDS, progress: str = "auto") -> dict:
    """``{kind: [TrainResult per seed]}`` for the ``L x L`` data."""
    return {kind: [train_network(kind, L, data, seed, progress=progress) for seed in seeds] for kind in kinds}


def probabilities(model, images, batch_size: int = 512) -> np.ndarray:
    """``float32 (N, 2)``: a network's class probabilities for ``uint8`` configurations.

    The model runs eagerly, batch by batch, instead of through ``model.predict``: the chapter
    reads some sixty networks once each, and tracing a graph of the D4 layers for every
    network and lattice size costs about ten seconds each, many times the prediction itself
    (the outputs agree to 1e-7)."""
    from lib.train import to_float

    images = np.asarray(images)
    return np.concatenate([np.asarray(model(to_float(images[i:i + batch_size]), training=False), dtype=np.float32)
                           for i in range(0, len(images), batch_size)])


def ordered_probability(model, images) -> np.ndarray:
    """``float32 (N,)``: the network's probability that each ``uint8`` configuration is ordered."""
    return probabilities(model, images)[:, 1]


def by_temperature(values, temperatures, grid) -> np.ndarray:
    """``(..., N)`` values of configurations grouped by temperature -> ``(..., n_T, N / n_T)``.

    ``temperatures``: ``(N,)``, equal within consecutive blocks in the order of ``grid``."""
    grid = np.asarray(grid)
    temperatures = np.asarray(temperatures)
    per = len(temperatures) // len(grid)
    if per * len(grid) != len(temperatures) or not np.array_equal(np.repeat(grid, per), temperatures):
        raise ValueError("temperatures must be the grid's temperatures in order, each repeated equally often")
    values = np.asarray(values)
    return values.reshape(values.shape[:-1] + (len(grid), per))


# --- the crossing and its finite-size scaling ----------------------------------------------------


def crossing(temperatures, p, level: float = 0.5) -> float:
    """Where ``p`` (``(n_T,)``, mostly falling with ``T``) crosses ``level``, by linear interpolation.

    The crossing is taken between the last temperature with ``p >= level`` before the first one
    below it, so a curve that falls once gives its crossing. ``nan`` if ``p`` never crosses.
    """
    t = np.asarray(temperatures, dtype=float)
    p = np.asarray(p, dtype=float)
    if t.shape != p.shape or t.ndim != 1 or len(t) < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("temperatures must be increasing, with one p per temperature")
    below = np.flatnonzero(p < level)
    if len(below) == 0 or below[0] == 0:
        return float("nan")
    i = below[0] - 1
    return float(t[i] + (p[i] - level) * (t[i + 1] - t[i]) / (p[i] - p[i + 1]))


def crossing_with_error(probabilities, temperatures, grid, resamples: int = 400, seed: int = 0) -> dict:
    """The crossing of the seed-averaged curve, and its error from the seeds and the samples.

    ``probabilities``: ``(seeds, N)`` P(ordered) of each network seed for the ``N`` eval
    configurations. Each seed's curve (mean over the configurations at each temperature) gives
    a crossing; the estimate is their mean. Its error combines the spread of the seeds (their
    standard error) and the sampling error of the configurations (a bootstrap over the
    configurations at each temperature, shared by the seeds), in quadrature. Returns a dict of
    floats: ``"crossing"``, ``"error"``, ``"seed_error"``, ``"sample_error"``, and
    ``"per_seed"`` (a list).
    """
    p = by_temperature(np.asarray(probabilities, dtype=float), temperatures, grid)  # (S, n_T, per)
    per_seed = np.array([crossing(grid, curve) for curve in p.mean(axis=-1)])
    rng = np.random.default_rng(seed)
    index = rng.integers(0, p.shape[-1], size=(resamples,) + p.shape[1:])  # (B, n_T, per)
    resampled = np.take_along_axis(p[:, None], index[None], axis=-1).mean(axis=-1)  # (S, B, n_T)
    boot = np.array([[crossing(grid, c) for c in seed_curves] for seed_curves in resampled]).mean(axis=0)
    seed_error = float(per_seed.std(ddof=1) / math.sqrt(len(per_seed))) if len(per_seed) > 1 else 0.0
    sample_error = float(np.nanstd(boot, ddof=1))
    return {"crossing": float(per_seed.mean()), "error": math.hypot(seed_error, sample_error),
            "seed_error": seed_error, "sample_error": sample_error, "per_seed": per_seed.tolist()}


def finite_size_fit(sizes, crossings, errors, nu: float = 1.0) -> dict:
    """Weighted least squares of ``T_L = T_c + a L^(-1/nu)``.

    Returns floats ``"T_c"``, ``"error"`` (from the covariance, multiplied by
    ``sqrt(chi2 / dof)`` when that is above 1: the scatter is then larger than the errors
    say), ``"a"``, ``"chi2"``, ``"dof"``.
    """
    L = np.asarray(sizes, dtype=float)
    y = np.asarray(crossings, dtype=float)
    sigma = np.asarray(errors, dtype=float)
    if not (L.shape == y.shape == sigma.shape) or len(L) < 3:
        raise ValueError("need a crossing and an error for each of at least 3 sizes")
    if np.any(~np.isfinite(y)) or np.any(sigma <= 0):
        raise ValueError(f"crossings must be finite and errors positive, got {y.tolist()} +- {sigma.tolist()}")
    design = np.stack([np.ones_like(L), L ** (-1.0 / nu)], axis=1) / sigma[:, None]
    (t_c, a), *_ = np.linalg.lstsq(design, y / sigma, rcond=None)
    covariance = np.linalg.inv(design.T @ design)
    chi2 = float(np.sum(((y - t_c - a * L ** (-1.0 / nu)) / sigma) ** 2))
    dof = len(L) - 2
    scale = max(1.0, math.sqrt(chi2 / dof))
    return {"T_c": float(t_c), "error": float(math.sqrt(covariance[0, 0]) * scale), "a": float(a),
            "chi2": chi2, "dof": dof}


# --- the autocorrelation time at T_c -------------------------------------------------------------


def make_autocorrelation(L: int, algorithm: str, sweeps: int, chains: int, seed: int) -> dict:
    """``tau_int`` of ``|m|`` and ``e`` at ``T_c`` on the ``L x L`` torus, from ``chains`` chains of
    ``sweeps`` sweeps after ``sweeps // 5`` of thermalisation (started from Swendsen-Wang-
    equilibrated configurations). Returns ``float64 (2,)`` arrays ``"tau"``, ``"error"`` and
    ``int64 (2,)`` ``"window"`` (for ``|m|``, ``e``), and ``"seconds_per_sweep"`` (``(1,)``)."""
    import time

    rng = np.random.default_rng(seed)
    spins = ising.random_spins(chains, L, rng)
    ising.swendsen_wang_sweeps(spins, CRITICAL_TEMPERATURE, 100, rng)
    start = time.process_time()
    series = ising.sample(spins, CRITICAL_TEMPERATURE, sweeps, rng, algorithm=algorithm,
                          thermalisation=sweeps // 5)
    seconds = (time.process_time() - start) / (sweeps + sweeps // 5)
    taus = [ising.integrated_autocorrelation_time(s) for s in (series.abs_magnetisation, series.energy)]
    return {"tau": np.array([t.tau for t in taus]), "error": np.array([t.error for t in taus]),
            "window": np.array([t.window for t in taus]), "reliable": np.array([t.reliable for t in taus]),
            "seconds_per_sweep": np.array([seconds])}


def autocorrelation_table(sizes=TAU_SIZES) -> dict:
    """``{algorithm: {L: make_autocorrelation's dict}}`` at ``T_c``, made once and shipped."""
    out = {}
    for algorithm in ising.ALGORITHMS:
        out[algorithm] = {}
        for L in sizes:
            sweeps = TAU_SWEEPS[algorithm] * L * L // 16 if algorithm == "metropolis" else TAU_SWEEPS[algorithm]
            out[algorithm][L] = store.generated(f"tau-{algorithm}-L{L}", make_autocorrelation, L=int(L),
                                                algorithm=algorithm, sweeps=int(sweeps), chains=TAU_CHAINS,
                                                seed=int(L))
    return out


def dynamic_exponent(sizes, taus, errors) -> dict:
    """``z`` from a weighted fit of ``log tau = z log L + b``: floats ``"z"``, ``"error"``, ``"chi2"``."""
    L = np.log(np.asarray(sizes, dtype=float))
    tau = np.asarray(taus, dtype=float)
    weights = tau / np.asarray(errors, dtype=float)  # 1 / error of log tau
    design = np.stack([L, np.ones_like(L)], axis=1) * weights[:, None]
    (z, _), residual, *_ = np.linalg.lstsq(design, np.log(tau) * weights, rcond=None)
    covariance = np.linalg.inv(design.T @ design)
    chi2 = float(residual[0]) if len(residual) else 0.0
    return {"z": float(z), "error": float(math.sqrt(covariance[0, 0])), "chi2": chi2, "dof": len(L) - 2}


# --- what the symmetry is worth in data ------------------------------------------------------------


def near_critical_accuracy(probabilities, data_eval) -> float:
    """Accuracy on the eval configurations labelled by the side of Onsager's ``T_c``."""
    images, y, _ = data_eval
    return float(np.mean((np.asarray(probabilities) >= 0.5) == (y == 1)))


def data_efficiency(data: dict, full: dict | None = None, sizes=EFFICIENCY_SIZES, kinds=NETWORKS,
                    seeds=SEEDS, progress: str = "auto") -> dict:
    """``{kind: {n: [accuracy per seed]}}`` near ``T_c`` for networks trained on ``n`` configurations.

    ``data``: :func:`dataset` of :data:`EFFICIENCY_SIZE`. ``full``: the networks trained on all
    configurations (:func:`train_networks`), scored as the largest size."""
    out = {}
    for kind in kinds:
        out[kind] = {}
        for n in sizes:
            results = [train_network(kind, EFFICIENCY_SIZE, data, seed, n_train=n, progress=progress)
                       for seed in seeds]
            out[kind][n] = [near_critical_accuracy(ordered_probability(r.model, data["eval"][0]), data["eval"])
                            for r in results]
        if full is not None:
            out[kind][len(data["train"][0])] = [
                near_critical_accuracy(ordered_probability(r.model, data["eval"][0]), data["eval"])
                for r in full[kind]]
    return out


# --- what the network learned ---------------------------------------------------------------------


def pooled_features(model, images) -> np.ndarray:
    """``float32 (N, filters)``: the symmetric network's features after pooling and ``|.|``
    (the layer ``"even"``), the only thing its head sees."""
    import keras

    from lib.train import to_float

    probe = keras.Model(model.input, model.get_layer("even").output)
    return np.concatenate([np.asarray(probe(to_float(images[i:i + 256]), training=False))
                           for i in range(0, len(images), 256)])


def observables(spins) -> dict:
    """``{"abs_magnetisation", "energy"}``: ``float64 (N,)`` per configuration (``int8`` spins)."""
    s = np.asarray(spins)
    return {"abs_magnetisation": np.abs(ising.magnetisation(s)), "energy": ising.energy_per_spin(s)}


def feature_correlations(features, spins, temperatures, at: float) -> dict:
    """Pearson correlations of each pooled feature with ``|m|`` and ``e``: over all configurations
    (``"all"``), and among the configurations at temperature ``at`` only (``"fixed_T"``), where
    the temperature no longer drives both. Returns ``{scope: {observable: float64 (filters,)}}``."""
    obs = observables(spins)
    features = np.asarray(features, dtype=float)
    out = {}
    for scope, mask in (("all", np.ones(len(features), bool)), ("fixed_T", np.isclose(temperatures, at))):
        if mask.sum() < 3:
            raise ValueError(f"no configurations at T = {at}")
        out[scope] = {name: np.array([np.corrcoef(f[mask], value[mask])[0, 1] for f in features.T])
                      for name, value in obs.items()}
    return out


# --- the measurement -------------------------------------------------------------------------------


def phase_diagram(networks: dict, data: dict) -> dict:
    """Read the trained networks on the eval configurations of every ``L``.

    ``networks``: ``{L: {kind: [TrainResult per seed]}}`` (:func:`train_networks`); ``data``:
    ``{L: dataset(L)}``. Returns a dict:

    - ``"grid"``: the eval temperatures, ``float64 (n_T,)``;
    - ``"probabilities"``: ``{kind: {L: float32 (seeds, N)}}``, P(ordered) per configuration;
    - ``"curves"``: ``{kind: {L: (mean, lowest seed, highest seed)}}``, each ``(n_T,)``;
    - ``"crossings"``: ``{kind: {L: crossing_with_error dict}}``;
    - ``"fits"``: ``{kind: finite_size_fit dict}`` over the sizes, for the networks whose curve
      crosses 1/2 at every size (no entry for one that does not);
    - ``"accuracy"``: ``{kind: {L: [accuracy per seed]}}`` near ``T_c`` (:func:`near_critical_accuracy`).
    """
    grid = np.array(EVAL_TEMPERATURES)
    out = {"grid": grid, "probabilities": {}, "curves": {}, "crossings": {}, "fits": {}, "accuracy": {}}
    sizes = sorted(networks)
    kinds = list(networks[sizes[0]])
    for kind in kinds:
        for key in ("probabilities", "curves", "crossings", "accuracy"):
            out[key][kind] = {}
        for L in sizes:
            images, _, temperatures = data[L]["eval"]
            p = np.stack([ordered_probability(r.model, images) for r in networks[L][kind]])
            per_seed = by_temperature(p, temperatures, grid).mean(axis=-1)  # (seeds, n_T)
            out["probabilities"][kind][L] = p
            out["curves"][kind][L] = (per_seed.mean(axis=0), per_seed.min(axis=0), per_seed.max(axis=0))
            out["crossings"][kind][L] = crossing_with_error(p, temperatures, grid)
            out["accuracy"][kind][L] = [near_critical_accuracy(q, data[L]["eval"]) for q in p]
        c = out["crossings"][kind]
        if len(sizes) >= 3 and all(np.isfinite(c[L]["crossing"]) for L in sizes):
            out["fits"][kind] = finite_size_fit(sizes, [c[L]["crossing"] for L in sizes],
                                                [c[L]["error"] for L in sizes])
    return out


def read_across_sizes(networks: dict, data: dict, kind: str = "symmetric CNN", diagram: dict | None = None) -> dict:
    """One trained network read on every lattice: a network of ``kind`` trained at each ``L``
    (its seeds) gives P(ordered) on the eval configurations of every ``L'``.

    Only networks that accept any lattice size can do this (the CNNs: they average over the
    sites). ``networks``, ``data``: as :func:`phase_diagram`, whose result ``diagram`` (if given)
    supplies the networks read on their own lattice. Returns ``{L_train: {"curves":
    {L': (n_T,) seed-mean curve}, "crossings": {L': crossing_with_error dict}, "fit":
    finite_size_fit dict or None (a curve that does not cross 1/2)}}``.
    """
    if kind == "dense":
        raise ValueError("the dense network reads only the lattice it was trained on; use a CNN")
    grid = np.array(EVAL_TEMPERATURES)
    sizes = sorted(networks)
    out = {}
    for trained_at in sizes:
        models = [r.model for r in networks[trained_at][kind]]
        row = {"curves": {}, "crossings": {}}
        for L in sizes:
            images, _, temperatures = data[L]["eval"]
            if diagram is not None and L == trained_at:
                p = diagram["probabilities"][kind][L]
            else:
                p = np.stack([ordered_probability(m, images) for m in models])
            row["curves"][L] = by_temperature(p, temperatures, grid).mean(axis=-1).mean(axis=0)
            row["crossings"][L] = crossing_with_error(p, temperatures, grid)
        c = row["crossings"]
        finite = all(np.isfinite(c[L]["crossing"]) for L in sizes)
        row["fit"] = (finite_size_fit(sizes, [c[L]["crossing"] for L in sizes], [c[L]["error"] for L in sizes])
                      if finite and len(sizes) >= 3 else None)
        out[trained_at] = row
    return out


def playground_network():
    """The symmetric CNN of the ``L = 32`` torus, seed 0, for the playground (a Keras model that
    takes ``uint8`` images)."""
    L = max(SIZES)
    return train_network("symmetric CNN", L, dataset(L), SEEDS[0], progress="none").model

