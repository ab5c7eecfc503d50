"""Results over seeds: means, t-intervals, verdicts that the spread supports, and tables.

A comparison of two models trained with a few seeds each asks whether the difference of
their mean accuracies is larger than run-to-run noise. We answer with a 95% Student
t-interval (Welch's, which does not assume equal spreads): a model "helps" only when the
whole interval of the difference lies above zero, "hurts" when it lies below, and the
difference is "within noise" when the interval holds zero. From one seed no interval
exists, and no verdict is given. NumPy only (the t quantile is computed, not looked up).

Where the runs are paired (variant and reference trained with the same seeds, so the same
initial draws and the same order of the data), the interval is the paired one, of the mean of
the per-seed differences, and several comparisons against one reference are corrected together
(Bonferroni: each interval at ``1 - (1 - CONFIDENCE) / m``, so that all ``m`` hold at once with
95%). Two predictions on the same test images are compared image by image (:func:`mcnemar`).
"""

from __future__ import annotations

import math

import numpy as np

#: Confidence of every interval in the book.
CONFIDENCE = 0.95


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom (``p > 0.5``).

    Found by bisection on the cumulative distribution, which is integrated numerically
    (Simpson's rule on a substitution that keeps the heavy tail of ``df = 1`` finite);
    accurate to about 1e-6 for ``df >= 1``.
    """
    if not 0.5 < p < 1:
        raise ValueError(f"p must lie in (0.5, 1), got {p}")
    if not df > 0:
        raise ValueError(f"df must be positive, got {df}")
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def cdf(t):  # P(T <= t) for t >= 0, with t = tan(u)
        u = np.linspace(0.0, math.atan(t), 4001)
        x = np.tan(u)
        f = np.exp(log_norm - (df + 1) / 2 * np.log1p(x * x / df)) / np.cos(u) ** 2
        h = u[1] - u[0]
        return 0.5 + h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())

    lo, hi = 0.0, 1.0
    while cdf(hi) < p:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def mean_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """``(mean, half_width)`` of the t-interval of the mean; ``half_width`` is ``nan`` for one value."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("no values to summarise")
    if v.size == 1:
        return float(v[0]), float("nan")
    half = t_quantile((1 + confidence) / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


def difference_interval(a, b, confidence: float = CONFIDENCE) -> dict:
    """Welch's t-interval of ``mean(a) - mean(b)``.

    Returns ``diff, low, high, df``; ``low`` and ``high`` are ``nan`` when either side has
    fewer than two values (no spread, no interval).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return {"diff": diff, "low": float("nan"), "high": float("nan"), "df": float("nan")}
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0.0:  # identical runs: the difference is exact
        return {"diff": diff, "low": diff, "high": diff, "df": float("inf")}
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = t_quantile((1 + confidence) / 2, df) * se
    return {"diff": diff, "low": diff - half, "high": diff + half, "df": float(df)}


def paired_interval(a, b, confidence: float = CONFIDENCE) -> dict:
    """The t-interval of the mean of the paired differences ``a[i] - b[i]`` (run ``i`` of both
    with the same seed). Returns ``diff, low, high, df`` like :func:`difference_interval`;
    ``low`` and ``high`` are ``nan`` for one pair."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired values need one value per seed on both sides, in the same "
                         f"seed order; got shapes {a.shape} and {b.shape}")
    diff, half = mean_interval(a - b, confidence)
    if math.isnan(half):
        return {"diff": diff, "low": half, "high": half, "df": half}
    return {"diff": diff, "low": diff - half, "high": diff + half, "df": float(a.size - 1)}


def bonferroni(m: int, confidence: float = CONFIDENCE) -> float:
    """The confidence of each of ``m`` intervals so that all of them hold at once with
    ``confidence``: ``1 - (1 - confidence) / m``."""
    if m < 1:
        raise ValueError(f"m must be at least 1 comparison, got {m}")
    return 1 - (1 - confidence) / m


def _interval(a, b, confidence, paired):
    return paired_interval(a, b, confidence) if paired else difference_interval(a, b, confidence)


def difference_text(a, b, confidence: float = CONFIDENCE, paired: bool = False) -> str:
    """``mean(a) - mean(b)`` in percentage points with its :func:`difference_interval` (or
    :func:`paired_interval`), e.g. ``"+2.16 [+1.06, +3.25]"``, for accuracies over seeds given
    as fractions; without the interval when a side has one seed."""
    d = _interval(a, b, confidence, paired)
    span = "" if math.isnan(d["low"]) else f" [{100 * d['low']:+.2f}, {100 * d['high']:+.2f}]"
    return f"{100 * d['diff']:+.2f}{span}"


def verdict(a, b, confidence: float = CONFIDENCE, paired: bool = False) -> str:
    """``"helps"``, ``"hurts"``, ``"within noise"`` or ``"one seed: no verdict"`` for ``a`` against ``b``.

    ``a`` and ``b`` are accuracies over seeds. "helps" needs the whole interval of the
    difference (Welch's, or with ``paired`` the paired one) above zero, so it can never be
    printed for a difference of 0 or from one seed.
    """
    d = _interval(a, b, confidence, paired)
    if math.isnan(d["low"]):
        return "one seed: no verdict"
    if d["low"] > 0:
        return "helps"
    if d["high"] < 0:
        return "hurts"
    return "within noise"


def mcnemar(a_correct, b_correct) -> dict:
    """Two predictions on the same images, compared image by image (McNemar's exact test).

    ``a_correct``, ``b_correct``: ``bool (N,)``, whether each prediction is right on image ``i``.
    Only the images on which they differ tell them apart: ``fixed`` (b right, a wrong) and
    ``broken`` (a right, b wrong). Under "neither is better" each such image is a fair coin, so
    ``p`` is the two-sided binomial probability of a split at least as uneven (1 when they never
    differ). Returns ``fixed, broken, p``.
    """
    a, b = np.asarray(a_correct, dtype=bool), np.asarray(b_correct, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"both predictions must be scored on the same images: got shapes "
                         f"{a.shape} and {b.shape}")
    fixed, broken = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    n, k = fixed + broken, min(fixed, broken)
    if n == 0:
        return {"fixed": 0, "broken": 0, "p": 1.0}
    # P(X <= k) for X ~ Binomial(n, 1/2), in logs (n can be large), doubled for two sides.
    log_terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2)
                 for i in range(k + 1)]
    top = max(log_terms)
    tail = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return {"fixed": fixed, "broken": broken, "p": min(1.0, 2 * tail)}


def uniformity_test(correct, groups, permutations: int = 2000, seed: int = 0) -> dict:
    """Is the error rate the same in every group (for example every bin of positions)?

    ``correct``: ``bool (N,)``; ``groups``: ``int (N,)``, the group of each item. The statistic
    is Pearson's chi-squared of the groups' error counts against one common rate. With few
    errors per group its chi-squared distribution is a poor guide, so ``p`` comes from a
    permutation test: the fraction of ``permutations`` random reassignments of the same
    right and wrong answers to the items (seeded) whose statistic is at least as large.
    Returns ``chi2, p, groups`` (the number of non-empty groups).
    """
    correct, groups = np.asarray(correct, dtype=bool), np.asarray(groups)
    if correct.shape != groups.shape or correct.ndim != 1:
        raise ValueError(f"one group per item: got shapes {correct.shape} and {groups.shape}")
    _, index = np.unique(groups, return_inverse=True)
    n = np.bincount(index).astype(np.float64)
    rate = 1 - correct.mean()
    if rate in (0.0, 1.0):  # all right or all wrong: nothing can differ
        return {"chi2": 0.0, "p": 1.0, "groups": int(n.size)}

    def chi2(wrong):
        errors = np.bincount(index, weights=wrong, minlength=n.size)
        return float(np.sum((errors - n * rate) ** 2 / (n * rate * (1 - rate))))

    wrong = (~correct).astype(np.float64)
    observed = chi2(wrong)
    rng = np.random.default_rng(seed)
    larger = sum(chi2(rng.permutation(wrong)) >= observed - 1e-9 for _ in range(permutations))
    return {"chi2": observed, "p": (1 + larger) / (1 + permutations), "groups": int(n.size)}


def summarize_seeds(label: str, results: list) -> dict:
    """One model trained with several seeds (:class:`lib.train.TrainResult` list): a summary.

    Keys: ``model, runs, params, epochs`` (most epochs trained by a seed),
    ``epochs_values`` and ``best_epochs`` (per seed: epochs trained, and the epoch whose
    weights were kept, :attr:`lib.train.TrainResult.best_epoch`), ``seconds_mean``,
    ``train_measured`` (``"final model"`` or ``"during the epoch"``); for ``train`` (the
    results' ``train_accuracy`` where every result has one, the final model's accuracy on
    training images as :func:`lib.translation.run_ablation` measures it; otherwise the
    training accuracy of the kept epoch, measured during the epoch with dropout active), ``val``
    (validation accuracy at the kept epoch) and ``test`` (the one test evaluation; absent
    without test data): ``{s}_values`` (one per seed), ``{s}_mean``, ``{s}_half``
    (t-interval half-width, ``nan`` for one seed), ``{s}_min``, ``{s}_max``; and ``curves``:
    per-epoch mean, min and max over the seeds still training at that epoch of
    ``accuracy`` and ``val_accuracy`` (``float64 (epochs,)`` each).
    """
    if not results:
        raise ValueError(f"{label}: no runs to summarise")
    trained = [len(r.history["val_accuracy"]) for r in results]
    kept = [r.best_epoch if getattr(r, "best_epoch", 0) else n for r, n in zip(results, trained)]
    out = {"model": label, "runs": len(results), "params": int(results[0].params),
           "epochs": max(trained), "epochs_values": trained, "best_epochs": kept,
           "seconds_mean": float(np.mean([r.train_seconds for r in results]))}
    if all(getattr(r, "train_accuracy", None) is not None for r in results):
        train, out["train_measured"] = [r.train_accuracy for r in results], "final model"
    else:
        train = [r.history["accuracy"][e - 1] for r, e in zip(results, kept)]
        out["train_measured"] = "during the epoch"
    finals = {"train": train, "val": [r.history["val_accuracy"][e - 1] for r, e in zip(results, kept)]}
    if all(r.test_accuracy is not None for r in results):
        finals["test"] = [r.test_accuracy for r in results]
    for split, values in finals.items():
        mean, half = mean_interval(values)
        out.update({f"{split}_values": [float(v) for v in values], f"{split}_mean": mean, f"{split}_half": half,
                    f"{split}_min": float(min(values)), f"{split}_max": float(max(values))})
    out["curves"] = {}
    for key in ("accuracy", "val_accuracy"):
        c = np.full((len(results), max(trained)), np.nan)
        for i, r in enumerate(results):  # runs stopped early leave NaN behind their last epoch
            c[i, :len(r.history[key])] = r.history[key]
        out["curves"][key] = {"mean": np.nanmean(c, 0), "min": np.nanmin(c, 0), "max": np.nanmax(c, 0)}
    return out


def percent(mean: float, half: float = float("nan")) -> str:
    """``"97.12"`` or ``"97.12 ± 0.08"`` (percent; the half-width of a t-interval), with
    no-break spaces: a mean and its interval read as one number and never wrap apart in a
    table cell (the headers wrap instead)."""
    nb = "\u00a0"
    return f"{100 * mean:.2f}" if math.isnan(half) else f"{100 * mean:.2f}{nb}±{nb}{100 * half:.2f}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def small_error_text(value: float) -> str:
    """A small non-negative error in words: ``"less than 10⁻⁷"`` (the smallest power of ten
    above ``value``), or ``"exactly 0"``. For numbers that are float32 rounding, where the
    digits of ``6.0e-08`` say nothing that the order of magnitude does not."""
    if not value >= 0 or math.isinf(value):
        raise ValueError(f"an error is a finite number >= 0, got {value!r}")
    if value == 0:
        return "exactly 0"
    exponent = math.floor(math.log10(value)) + 1
    return f"less than 10{str(exponent).translate(_SUPERSCRIPT)}"


def rounding_words(error: float) -> str:
    """A relative error that exact arithmetic makes 0, in words: ``"exactly 0"`` or ``"less than
    10⁻⁷, float32 rounding"`` (:func:`small_error_text` and what the rest is)."""
    return small_error_text(error) + ("" if error == 0 else ", float32 rounding")


def markdown_table(header: list[str], rows: list[list], align: str | None = None, code_columns=()) -> str:
    """A Markdown table (a string, for ``IPython.display.Markdown``): the book's one table renderer.

    ``align`` has one letter per column, ``l`` or ``r`` (default: the first left, the others
    right); cells in ``code_columns`` (column indices) are set as code, in backticks. A ``|``
    in a cell is escaped, so it cannot split the cell. myst-nb renders a Markdown output with
    MyST's parser, which has tables.
    """
    align = align or "l" + "r" * (len(header) - 1)
    if len(align) != len(header) or any(len(r) != len(header) for r in rows):
        raise ValueError("every row and the alignment need one entry per column of the header")
    if set(align) - {"l", "r"}:
        raise ValueError(f"align takes one letter per column, l or r; got {align!r}")

    def text(value):
        return str(value).replace("|", "\\|")

    def cell(j, value):
        return f"`{text(value)}`" if j in code_columns else text(value)

    rule = "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"
    lines = ["| " + " | ".join(text(h) for h in header) + " |", rule]
    lines += ["| " + " | ".join(cell(j, c) for j, c in enumerate(r)) + " |" for r in rows]
    return "\n".join(lines)


def seed_table(summaries: list[dict], reference: str | None = None, test: bool = True,
               epochs: bool = False, paired: bool = False) -> str:
    """The comparison table of several :func:`summarize_seeds` summaries.

    Columns (none that depends on the machine, such as time): model, parameters, seeds (in the
    model's header when every model has the same number), final
    training and validation accuracy (mean ± 95%
    t-interval over seeds), test accuracy, and, with ``reference``, the difference of mean
    validation accuracy from that model with its interval and :func:`verdict`; with
    ``epochs``, the epoch each seed's weights come from (runs with a stopping rule). With
    ``paired`` (every model trained with the reference's seeds, in the same order) the
    intervals are paired and Bonferroni-corrected for the number of comparisons
    (:func:`paired_interval`, :func:`bonferroni`).
    """
    ref = next((s for s in summaries if s["model"] == reference), None)
    if reference is not None and ref is None:
        raise ValueError(f"reference {reference!r} is not among the models {[s['model'] for s in summaries]}")
    counts = {s["runs"] for s in summaries}
    same = len(counts) == 1  # then the number of seeds goes into the header, which wraps, not a column
    n = next(iter(counts))
    header = [f"model ({n} seed{'' if n == 1 else 's'} each)" if same else "model", "parameters"]
    header += ([] if same else ["seeds"]) + (["best epochs"] if epochs else [])
    header += ["training acc. (%)", "validation acc. (%)"]
    if test:
        header.append("test acc. (%)")
    confidence = bonferroni(len(summaries) - 1) if paired and ref is not None else CONFIDENCE
    if ref is not None:
        how = f"paired, {confidence:.0%} interval" if paired else "95% interval"
        header += [f"validation vs {reference} (points; {how})", "verdict"]
    rows = []
    for s in summaries:
        row = [s["model"], f"{s['params']:,}"] + ([] if same else [s["runs"]])
        if epochs:
            row.append(", ".join(str(e) for e in s["best_epochs"]))
        row += [percent(s["train_mean"], s["train_half"]), percent(s["val_mean"], s["val_half"])]
        if test:
            row.append(percent(s["test_mean"], s["test_half"]))
        if ref is not None:
            if s is ref:
                row += ["", ""]
            else:
                # The interval never wraps inside; it may wrap as a whole below the difference.
                row += [difference_text(s["val_values"], ref["val_values"], confidence, paired).replace(", ", ",\u00a0"),
                        verdict(s["val_values"], ref["val_values"], confidence, paired)]
        rows.append(row)
    return markdown_table(header, rows)
