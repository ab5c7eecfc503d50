"""What the chapter on the Ising model states: its tables and the values it glues into the prose.

Every function takes the results of :mod:`lib.phases` (samples, trained networks, the phase
diagram) and returns a Markdown table, a dict of glue values (``{glue name: value}``), or the
arrays of a figure; sentences that compare results are computed here from the numbers.
"""

from __future__ import annotations

import numpy as np

from lib.ising_exact import CRITICAL_TEMPERATURE
from lib.phases import (DISORDERED_TEMPERATURES, EFFICIENCY_SIZES, EVAL_TEMPERATURES, ORDERED_TEMPERATURES,
                        NETWORKS, PER_TEMPERATURE, RECIPES, SIZES, dynamic_exponent, feature_correlations, observables,
                        pooled_features, samples, to_pixels)



# --- tables ---------------------------------------------------------------------------------------

_OBSERVABLE_NAMES = {"energy": "energy per spin ⟨e⟩", "abs_magnetisation": "⟨|m|⟩",
                     "specific_heat": "specific heat C"}


def exact_check_table(checks: dict) -> str:
    """Markdown: one row per observable, the exact value and each sampler's value ± error (its
    deviation from the exact value in units of the error).

    ``checks``: ``{sampler label: small_lattice_check dict}``."""
    from lib.stats import markdown_table

    first = next(iter(checks.values()))
    rows = [[_OBSERVABLE_NAMES[k], f"{first[k]['exact']:.4f}"]
            + [f"{c[k]['sampled']:.4f} ± {c[k]['error']:.4f} ({c[k]['z']:+.1f})" for c in checks.values()]
            for k in first]
    return markdown_table(["observable", "exact"] + [f"{label} (deviation / error)" for label in checks], rows)


def tau_table(table: dict) -> str:
    """Markdown: ``tau_int`` of ``|m|`` and ``e`` at ``T_c`` per ``L`` (rows) and algorithm."""
    from lib.stats import markdown_table

    algorithms = list(table)
    sizes = list(table[algorithms[0]])
    rows = [[str(L)] + [f"{table[a][L]['tau'][i]:.1f} ± {table[a][L]['error'][i]:.1f}"
                        for a in algorithms for i in (0, 1)] for L in sizes]
    header = ["L"] + [f"{a}, {o}" for a in algorithms for o in ("|m|", "e")]
    return markdown_table(header, rows)


def exponents(table: dict) -> dict:
    """``{algorithm: {"|m|": dynamic_exponent dict, "e": ...}}`` from :func:`autocorrelation_table`."""
    out = {}
    for algorithm, per_size in table.items():
        sizes = list(per_size)
        out[algorithm] = {name: dynamic_exponent(sizes, [per_size[L]["tau"][i] for L in sizes],
                                                 [per_size[L]["error"][i] for L in sizes])
                          for i, name in enumerate(("|m|", "e"))}
    return out


#: Nightingale and Bloete (1996): the dynamic exponent of local (Metropolis-like) dynamics.
LITERATURE_Z_LOCAL = (2.1665, 0.0012)


def tau_findings(table: dict, z: dict) -> dict:
    """Glue values of the autocorrelation section: ``z`` and its error per algorithm (for
    ``|m|``), the distance of Metropolis' ``z`` from the literature in errors, ``tau`` at the
    largest ``L``, the band where the data set uses Swendsen-Wang, and the spacing of samples."""
    from lib.ising import CLUSTER_BAND

    largest = max(table["metropolis"])
    value, error = LITERATURE_Z_LOCAL
    met = z["metropolis"]["|m|"]
    return {"ising-z-met": met["z"], "ising-z-met-err": met["error"],
            "ising-z-sw": z["swendsen-wang"]["|m|"]["z"], "ising-z-sw-err": z["swendsen-wang"]["|m|"]["error"],
            "ising-z-met-dev": float(abs(met["z"] - value) / np.hypot(met["error"], error)),
            "ising-tau-L": int(largest), "ising-tau-met": float(table["metropolis"][largest]["tau"][0]),
            "ising-tau-sw": float(table["swendsen-wang"][largest]["tau"][0]),
            "ising-band-low": CLUSTER_BAND[0], "ising-band-high": CLUSTER_BAND[1],
            "ising-spacing": spacing_range()}


def invariance_table(errors: dict) -> str:
    """Markdown: the largest change of P(ordered) under each symmetry, per network."""
    from lib.stats import markdown_table

    rows = [[name] + [f"{e[k]:.1e}" for k in ("shift", "d4", "flip")] for name, e in errors.items()]
    return markdown_table(["network", "all L² shifts", "the 8 elements of D4", "spin flip"], rows)


def crossing_table(diagram: dict) -> str:
    """Markdown: the crossing ``T_L ± error`` per network (rows) and ``L``, and the extrapolation."""
    from lib.stats import markdown_table

    kinds = list(diagram["crossings"])
    sizes = list(diagram["crossings"][kinds[0]])
    rows = []
    for kind in kinds:
        c = diagram["crossings"][kind]
        fit = diagram["fits"][kind]
        rows.append([kind] + [f"{c[L]['crossing']:.3f} ± {c[L]['error']:.3f}" for L in sizes]
                    + [f"{fit['T_c']:.3f} ± {fit['error']:.3f}", f"{fit['T_c'] - CRITICAL_TEMPERATURE:+.3f}"])
    return markdown_table(["network"] + [f"L = {L}" for L in sizes] + ["L → ∞", "minus Onsager's"], rows)


def _range_text(values) -> str:
    return f"T = {min(values):.1f} to {max(values):.1f}"


def example_configurations(train: dict, eval_: dict, temperatures) -> tuple:
    """``(spins int8 (n, L, L), temperatures (n,))``: a typical sample at each of ``temperatures``,
    from the training or the eval split (:func:`samples` dicts), whichever holds it: the one whose
    ``|m|`` is the median of that temperature's samples (for an even count, the lower middle)."""
    chosen, found = [], []
    for t in temperatures:
        for s in (train, eval_):
            hit = np.flatnonzero(np.isclose(s["temperatures"], t))
            if len(hit):
                abs_m = np.abs(s["spins"][hit].mean(axis=(1, 2), dtype=np.float64))
                middle = np.argsort(abs_m, kind="stable")[(len(hit) - 1) // 2]
                chosen.append(s["spins"][hit[middle]])
                found.append(float(t))
                break
        else:
            raise ValueError(f"no samples at T = {t}; the splits hold {sorted(set(train['temperatures']))} "
                             f"and {sorted(set(eval_['temperatures']))}")
    return np.stack(chosen), np.array(found)


def curve_points(c: dict) -> tuple:
    """:func:`against_onsager`'s dict -> ``(T, e, e error, |m|, |m| error)`` for the figure."""
    return (c["temperature"], c["energy"], c["energy_error"], c["abs_magnetisation"],
            c["abs_magnetisation_error"])


#: "Far from T_c" for the comparison with Onsager and Yang: ``|T - T_c|`` above this.
FAR_FROM_TC = 0.25


def agreement_far_from_tc(curves: dict, shift: float = 0.05) -> dict:
    """The largest ``|z|`` of the samples against Onsager's energy (``|T - T_c| >`` :data:`FAR_FROM_TC`)
    and Yang's magnetisation (below ``T_c - FAR_FROM_TC``) over all sizes, and (``"shifted"``,
    a control that must fail) against Onsager's energy at ``T + shift``.

    ``curves``: ``{L: against_onsager(L)}``. Returns floats."""
    from lib.ising_exact import onsager_energy

    out = {"energy": 0.0, "abs_magnetisation": 0.0, "shifted": 0.0}
    for c in curves.values():
        t = c["temperature"]
        far = np.abs(t - CRITICAL_TEMPERATURE) > FAR_FROM_TC
        below = t < CRITICAL_TEMPERATURE - FAR_FROM_TC
        out["energy"] = max(out["energy"], float(np.max(np.abs((c["energy"] - c["onsager"])
                                                               / c["energy_error"])[far])))
        out["abs_magnetisation"] = max(out["abs_magnetisation"], float(np.max(np.abs(
            (c["abs_magnetisation"] - c["yang"]) / c["abs_magnetisation_error"])[below])))
        out["shifted"] = max(out["shifted"], float(np.max(np.abs(
            (c["energy"] - onsager_energy(t + shift)) / c["energy_error"])[far])))
    return out


def spacing_range(sizes=SIZES) -> str:
    """``"a and b"``: the fewest and most sweeps between kept samples in the chapter's data."""
    spacing = np.concatenate([samples(L, split)["spacing"] for L in sizes for split in PER_TEMPERATURE])
    return f"{spacing.min()} and {spacing.max()}"


def data_findings(data: dict) -> dict:
    """Glue values describing the data sets (``{glue name: value}``)."""
    first = data[min(data)]
    return {"ising-n-train": len(first["train"][0]), "ising-n-val": len(first["val"][0]),
            "ising-n-eval": len(first["eval"][0]), "ising-n-eval-t": len(EVAL_TEMPERATURES),
            "ising-per-train": PER_TEMPERATURE["train"], "ising-per-eval": PER_TEMPERATURE["eval"],
            "ising-ordered-range": _range_text(ORDERED_TEMPERATURES),
            "ising-disordered-range": _range_text(DISORDERED_TEMPERATURES)}


def network_findings(networks: dict) -> dict:
    """Glue values describing the trained networks: sizes, budget, the lowest validation accuracy."""
    dense = [networks[L]["dense"][0].params for L in sorted(networks)]
    first = networks[min(networks)]
    return {"ising-epochs-dense": RECIPES["dense"]["epochs"], "ising-lr-dense": RECIPES["dense"]["learning_rate"],
            "ising-l2-dense": RECIPES["dense"]["config"]["l2"], "ising-epochs-cnn": RECIPES["symmetric CNN"]["epochs"],
            "ising-lr-ord": RECIPES["ordinary CNN"]["learning_rate"],
            "ising-lr-sym": RECIPES["symmetric CNN"]["learning_rate"], "ising-params-sym": first["symmetric CNN"][0].params,
            "ising-params-ord": first["ordinary CNN"][0].params, "ising-params-dense-min": min(dense),
            "ising-params-dense-max": max(dense),
            "ising-val-min": min(r.history["val_accuracy"][-1] for per in networks.values()
                                 for results in per.values() for r in results)}


def invariance_probe(data32: dict) -> np.ndarray:
    """``int8 (2, L, L)``: a training configuration at ``T = 1.8`` and an eval one at ``T = 2.25``."""
    images_train, _, t_train = data32["train"]
    images_eval, _, t_eval = data32["eval"]
    chosen = [images_train[np.flatnonzero(np.isclose(t_train, 1.8))[0]],
              images_eval[np.flatnonzero(np.isclose(t_eval, 2.25))[0]]]
    return np.where(np.stack(chosen) > 0, 1, -1).astype(np.int8)


def crossing_points(crossings: dict) -> dict:
    """``{kind: (crossings (n_L,), errors (n_L,))}`` for :func:`lib.plots.ising.plot_finite_size`,
    from ``{kind: {L: crossing_with_error dict}}`` (a phase diagram's ``"crossings"``)."""
    return {kind: (np.array([c[L]["crossing"] for L in c]), np.array([c[L]["error"] for L in c]))
            for kind, c in crossings.items()}


def trend(crossings: dict) -> str:
    """``"fall"``, ``"rise"`` or ``"do not move monotonically"``: how ``{L: crossing dict}`` moves
    as ``L`` grows."""
    values = np.array([crossings[L]["crossing"] for L in sorted(crossings)])
    steps = np.diff(values)
    return "fall" if np.all(steps < 0) else "rise" if np.all(steps > 0) else "do not move monotonically"


def finite_size_panels(diagram: dict, across: dict) -> dict:
    """The two panels of :func:`lib.plots.ising.plot_finite_size`: every network trained and read
    on each lattice, and the CNNs trained on the largest lattice and read on every one."""
    largest = max(SIZES)
    return {"a network per lattice, read on its own":
            (crossing_points(diagram["crossings"]), diagram["fits"]),
            f"one network, trained at L = {largest}, read on every lattice":
            (crossing_points({kind: rows[largest]["crossings"] for kind, rows in across.items()}),
             {kind: rows[largest]["fit"] for kind, rows in across.items() if rows[largest]["fit"]})}


def across_table(across: dict) -> str:
    """Markdown: for each network (``{kind: read_across_sizes dict}``) and size it was trained
    at, the crossing on every lattice and the extrapolation."""
    from lib.stats import markdown_table

    rows = []
    for kind, by_training in across.items():
        for trained_at, row in by_training.items():
            fit = row["fit"]
            rows.append([kind, f"{trained_at}"]
                        + [f"{c['crossing']:.3f} ± {c['error']:.3f}" for c in row["crossings"].values()]
                        + ([f"{fit['T_c']:.3f} ± {fit['error']:.3f}", f"{fit['T_c'] - CRITICAL_TEMPERATURE:+.3f}"]
                           if fit else ["none", ""]))
    sizes = list(next(iter(next(iter(across.values())).values()))["crossings"])
    return markdown_table(["network", "trained at L"] + [f"read at L = {L}" for L in sizes]
                          + ["L → ∞", "minus Onsager's"], rows)


def agreement(fit: dict) -> str:
    """How a fit's ``T_c`` compares with Onsager's: the difference and how many errors it is."""
    gap = fit["T_c"] - CRITICAL_TEMPERATURE
    errors = abs(gap) / fit["error"]
    return (f"{gap:+.3f} from Onsager's value, {errors:.1f} times its error "
            f"({'consistent with it' if errors <= 2 else 'not consistent with it'} within two errors)")


def across_findings(diagram: dict, across: dict) -> dict:
    """Glue values of the two ways to read the networks: their trends with ``L``, and the
    estimate of ``T_c`` from the symmetric CNN trained on the largest lattice, read on all.

    ``diagram``: :func:`lib.phases.phase_diagram`; ``across``: ``{kind:
    read_across_sizes dict}``."""
    largest = max(SIZES)
    per_size = {kind: trend(diagram["crossings"][kind]) for kind in diagram["crossings"]}
    rows = [row["crossings"] for by_training in across.values() for row in by_training.values()]
    lower = sum(c[max(c)]["crossing"] < c[min(c)]["crossing"] for c in rows)
    sym = across["symmetric CNN"][largest]["fit"]
    estimates = [row["fit"]["T_c"] for row in across["symmetric CNN"].values() if row["fit"]]
    return {**{f"ising-trend-{_short(kind)}": text for kind, text in per_size.items()},
            "ising-read-falls": f"{lower} of the {len(rows)}",
            "ising-largest": largest, "ising-tc-read": f"{sym['T_c']:.3f} ± {sym['error']:.3f}",
            "ising-tc-read-verdict": agreement(sym),
            "ising-tc-read-range": f"{min(estimates):.3f} to {max(estimates):.3f}"}


def _short(kind: str) -> str:
    return {"dense": "dense", "ordinary CNN": "ord", "symmetric CNN": "sym"}[kind]


def tc_findings(diagram: dict, tolerance: float = 0.01) -> dict:
    """Glue values: each network's extrapolated ``T_c`` and what it says against Onsager's.

    ``"ising-tc-sym-verdict"``: whether the symmetric CNN's estimate is within ``tolerance`` of
    Onsager's value and how many errors away; ``"ising-tc-summary"``: which estimates agree
    with Onsager's within two errors."""
    fits = diagram["fits"]
    missing = "no estimate (its P(ordered) does not cross 1/2 at every L)"
    text = {kind: (f"{fits[kind]['T_c']:.3f} ± {fits[kind]['error']:.3f}" if kind in fits else missing)
            for kind in NETWORKS}
    if "symmetric CNN" in fits:
        sym = fits["symmetric CNN"]
        gap = sym["T_c"] - CRITICAL_TEMPERATURE
        within = abs(gap) <= tolerance
        verdict = (f"{'within' if within else 'not within'} {tolerance} of it (a difference of {gap:+.3f}, "
                   f"{abs(gap) / sym['error']:.1f} times its error)")
    else:
        verdict = "there is no estimate to compare"
    agree = [kind for kind, f in fits.items() if abs(f["T_c"] - CRITICAL_TEMPERATURE) <= 2 * f["error"]]
    disagree = [kind for kind in NETWORKS if kind not in agree]
    summary = ("All three agree with Onsager's value within two errors." if not disagree else
               "None of the three agrees with Onsager's value within two errors." if not agree else
               f"Within two errors, {', '.join(agree) if agree else 'none'} "
               f"{'agrees' if len(agree) == 1 else 'agree'} with Onsager's value; "
               f"{', '.join(disagree)} {'does' if len(disagree) == 1 else 'do'} not.")
    return {"ising-tc-sym": text["symmetric CNN"], "ising-tc-dense": text["dense"],
            "ising-tc-ord": text["ordinary CNN"], "ising-tc-sym-verdict": verdict, "ising-tc-summary": summary}


def collapse_spread(grid, curves: dict, nu: float = 1.0) -> dict:
    """How far apart the curves of different ``L`` lie: the mean ``|P_L - P_L'|`` over pairs of
    sizes, at equal ``T`` (``"temperature"``) and at equal ``(T - T_c) L^(1/nu)`` (``"scaled"``,
    one curve interpolated linearly onto the other's points where their ranges overlap)."""
    grid = np.asarray(grid, dtype=float)
    sizes = sorted(curves)
    raw, scaled = [], []
    for i, a in enumerate(sizes):
        for b in sizes[i + 1:]:
            raw.append(np.mean(np.abs(np.asarray(curves[a]) - np.asarray(curves[b]))))
            xa = (grid - CRITICAL_TEMPERATURE) * a ** (1 / nu)
            xb = (grid - CRITICAL_TEMPERATURE) * b ** (1 / nu)
            inside = (xa >= xb.min()) & (xa <= xb.max())
            scaled.append(np.mean(np.abs(np.asarray(curves[a])[inside] - np.interp(xa[inside], xb, curves[b]))))
    return {"temperature": float(np.mean(raw)), "scaled": float(np.mean(scaled))}


def efficiency_series(efficiency: dict) -> tuple:
    """``(sizes, {kind: [accuracies per seed, one list per size]})`` for the figure."""
    first = next(iter(efficiency.values()))
    sizes = sorted(first)
    return np.array(sizes), {kind: [per[n] for n in sizes] for kind, per in efficiency.items()}


def efficiency_findings(efficiency: dict) -> dict:
    """Glue values: the sizes, and a sentence comparing the symmetric CNN with the others at the
    smallest size and the largest, with t-intervals over seeds."""
    from lib.stats import difference_text, verdict

    sizes, per_kind = efficiency_series(efficiency)
    small = [f"{n:,}" for n in EFFICIENCY_SIZES]
    sentences = []
    for index, where in ((0, f"on {sizes[0]:,} configurations"), (-1, f"on all {sizes[-1]:,}")):
        sym = per_kind["symmetric CNN"][index]
        parts = []
        for other in ("dense", "ordinary CNN"):
            theirs = per_kind[other][index]
            parts.append(f"against the {other} network {difference_text(sym, theirs)} points "
                         f"({verdict(sym, theirs)})" if other == "dense" else
                         f"against the {other} {difference_text(sym, theirs)} ({verdict(sym, theirs)})")
        sentences.append(f"Trained {where}, the symmetric CNN reaches {100 * np.mean(sym):.1f} % near "
                         f"T_c; its difference {parts[0]}, {parts[1]}.")
    return {"ising-eff-sizes": ", ".join(small[:-1]) + f" and {small[-1]}",
            "ising-eff-summary": " ".join(sentences) + " (Differences in percentage points, mean over 3 seeds "
                                 "with a 95 % t-interval; \"within noise\" where the interval holds zero.)"}


def feature_study(model, eval_samples: dict, at: float = 2.25) -> dict:
    """The symmetric CNN's pooled features on the eval configurations, with ``|m|`` and ``e``.

    Returns ``"feature"`` (``(N,)``, the pooled feature most correlated with ``|m|`` over all
    configurations), ``"abs_magnetisation"``, ``"energy"``, ``"temperatures"`` (each ``(N,)``),
    ``"correlations"`` (:func:`feature_correlations` of that feature) and ``"at"``."""
    spins = eval_samples["spins"]
    features = pooled_features(model, to_pixels(spins))
    correlations = feature_correlations(features, spins, eval_samples["temperatures"], at)
    best = int(np.argmax(np.abs(correlations["all"]["abs_magnetisation"])))
    obs = observables(spins)
    return {"feature": features[:, best], **obs, "temperatures": eval_samples["temperatures"],
            "correlations": {scope: {k: float(v[best]) for k, v in c.items()} for scope, c in correlations.items()},
            "at": at, "n_at": int(np.isclose(eval_samples["temperatures"], at).sum())}


def feature_findings(found: dict) -> dict:
    """Glue values of :func:`feature_study`, with a sentence saying which observable the feature
    follows more closely at fixed temperature."""
    c = found["correlations"]
    m, e = abs(c["fixed_T"]["abs_magnetisation"]), abs(c["fixed_T"]["energy"])
    verdict = ("at fixed temperature the feature follows |m| more closely than the energy." if m > e else
               "at fixed temperature the feature follows the energy at least as closely as |m|.")
    return {"ising-r-m-all": c["all"]["abs_magnetisation"], "ising-r-e-all": c["all"]["energy"],
            "ising-r-m-fixed": c["fixed_T"]["abs_magnetisation"], "ising-r-e-fixed": c["fixed_T"]["energy"],
            "ising-n-fixed": found["n_at"], "ising-t-fixed": found["at"], "ising-feature-verdict": verdict}
