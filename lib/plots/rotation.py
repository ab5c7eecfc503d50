"""The figures of the chapter on rotation and group convolution (chapter 3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from lib.plots.style import COLUMN_WIDTH_IN, MIN_FONT_PT, _frame, _percent, _style_cycle, _top_at_tick, book_style


@book_style
def plot_rotation_counts(counts):
    """Images per class and rotation, ``counts`` ``(classes, 4)``: one horizontal bar per class,
    split into its four rotations, each segment labelled with its count."""
    counts = np.asarray(counts)
    n_classes, n_rot = counts.shape
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.5 + 0.3 * n_classes), layout="constrained")
    left = np.zeros(n_classes)
    palette = plt.get_cmap("Blues")(np.linspace(0.3, 0.75, n_rot))
    for k in range(n_rot):
        bars = ax.barh(np.arange(n_classes), counts[:, k], left=left, color=palette[k], edgecolor="white",
                       label=f"{90 * k}°")
        ax.bar_label(bars, labels=[f"{c:,}" for c in counts[:, k]], label_type="center", fontsize=MIN_FONT_PT)
        left += counts[:, k]
    ax.set_yticks(range(n_classes))
    ax.invert_yaxis()
    ax.set_ylabel("digit class")
    ax.set_xlabel("training images")
    ax.xaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    fig.legend(loc="outside right center", title="rotation")
    return fig


@book_style
def plot_permutation(permutation):
    """A quarter turn as a permutation: pixel numbers before and after, and the matrix ``P``.

    ``permutation``: ``(n, n)`` 0/1 matrix of the turn of an ``H x H`` image, ``n = H*H``, with
    ``(P x)_i = x_j`` where ``P_ij = 1`` (e.g. :func:`lib.layers.rotation_matrix`). Three panels:
    the pixel numbers of an image (row by row), the same numbers after the turn (read off ``P``),
    and ``P`` itself. Returns the Figure.
    """
    p = np.asarray(permutation)
    n = p.shape[0]
    side = int(round(np.sqrt(n)))
    if p.shape != (n, n) or side * side != n or not np.array_equal(p.sum(axis=0), np.ones(n)) \
            or not np.array_equal(p.sum(axis=1), np.ones(n)):
        raise ValueError(f"permutation must be a square 0/1 matrix with one 1 per row and column, "
                         f"of size H*H; got shape {p.shape}")
    before = np.arange(n).reshape(side, side)
    after = np.rint(p @ np.arange(n)).astype(int).reshape(side, side)  # pixel i shows input j
    fig, axes = plt.subplots(1, 3, figsize=(COLUMN_WIDTH_IN, 2.6), layout="constrained",
                             width_ratios=[1, 1, 1.6])
    for ax, grid, title in ((axes[0], before, "$x$: pixel numbers"),
                            (axes[1], after, "$Px$: turned by 90°")):
        ax.imshow(np.zeros_like(grid), cmap="gray_r", vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=11)
        ax.set_xticks(np.arange(side + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(side + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="0.4")
        ax.tick_params(which="both", length=0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
    axes[2].imshow(p, cmap="gray_r", vmin=0, vmax=1)
    axes[2].set_xticks(range(n))
    axes[2].set_yticks(range(n))
    axes[2].set_xlabel("input pixel j")
    axes[2].set_ylabel("output pixel i")
    axes[2].set_title(f"$P$ ({n}×{n}); black: $P_{{ij}} = 1$")
    return fig


@book_style
def plot_effective_kernel(effective_kernel, filters: int, size: int):
    """The block structure ``K = [W, PW, P^2 W, P^3 W]`` for a few filters.

    ``effective_kernel``: ``(size*size, 4*filters)``, the columns of the ``filters`` filters
    shown, block by block (the quarter turn ``P`` itself is drawn by :func:`plot_permutation`).
    Two panels: (a) K as a matrix with its four blocks marked, (b) every column of K reshaped
    to a ``size x size`` image, one row per filter.
    """
    effective_kernel = np.asarray(effective_kernel)
    if effective_kernel.shape != (size * size, 4 * filters):
        raise ValueError(f"effective_kernel must have shape ({size * size}, {4 * filters}) for {filters} "
                         f"filters of {size}x{size} images, got {effective_kernel.shape}")
    fig = plt.figure(figsize=(COLUMN_WIDTH_IN, 3.2 + 1.05 * filters + 0.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.2, 1.05 * filters + 0.4])
    ax_k = top.subplots(1, 1)
    lim = np.abs(effective_kernel).max()
    im = ax_k.imshow(effective_kernel, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    for k in range(1, 4):
        ax_k.axvline(k * filters - 0.5, color="k", lw=1.5)
    ax_k.set_xticks([k * filters + (filters - 1) / 2 for k in range(4)], ["$W$", "$PW$", "$P^2W$", "$P^3W$"])
    ax_k.set_xlabel(f"block k = 0..3 (the filters turned k times), {filters} filters each")
    ax_k.set_ylabel(f"pixel (row-major, {size}×{size})")
    ax_k.set_title(f"(a) {filters} filters of K: {size * size} rows, 4·{filters} columns")
    top.colorbar(im, ax=ax_k, label="weight", shrink=0.9)

    axes = bottom.subplots(filters, 4, squeeze=False, gridspec_kw={"wspace": 0.02, "hspace": 0.02})
    bottom.suptitle("(b) columns of K as images", fontsize=10)
    for f in range(filters):
        for k in range(4):
            a = axes[f, k]
            a.imshow(effective_kernel[:, k * filters + f].reshape(size, size), cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            if f == 0:
                a.set_title(f"k={k} ({90 * k}°)", fontsize=MIN_FONT_PT)
            if k == 0:
                a.set_ylabel(f"filter {f}", fontsize=MIN_FONT_PT)
    return fig


@book_style
def plot_rotation_shift(y, y_rotated, k: int, highlight: int | None = 0):
    """Two heat maps ``(4, F)``: the layer's outputs for a digit and for the digit rotated by ``k``.

    With at most 12 filters each cell carries its value (one decimal), so the roll can be read
    number by number; ``highlight``: a filter whose column is framed in both panels.
    """
    y, y_rotated = np.asarray(y), np.asarray(y_rotated)
    lim = max(np.abs(y).max(), np.abs(y_rotated).max())
    fig, axes = plt.subplots(2, 1, figsize=(COLUMN_WIDTH_IN, 3.9), sharex=True, layout="constrained")
    for ax, values, title in [(axes[0], y, "y(x)"), (axes[1], y_rotated, f"y(x rotated by {90 * k}°)")]:
        im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
        ax.set_yticks(range(4), [f"k={i}" for i in range(4)])
        ax.set_ylabel("copy")
        ax.set_title(title)
        if values.shape[1] <= 12:
            for (i, j), v in np.ndenumerate(values):
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=MIN_FONT_PT,
                        color="white" if abs(v) > 0.6 * lim else "black")
        if highlight is not None:
            ax.add_patch(plt.Rectangle((highlight - 0.5, -0.5), 1, 4, fill=False, edgecolor="black",
                                       linewidth=2.0, clip_on=False))
    axes[1].set_xlabel("filter f")
    axes[1].set_xticks(range(y.shape[1]))
    fig.colorbar(im, ax=axes, label="pre-activation\noutput")
    return fig


@book_style
def plot_p4_feature_maps(image, maps, image_turned, maps_turned):
    """A feature on p4: one filter's four rotation planes for a digit and for the digit turned.

    ``image``, ``image_turned``: ``(H, H)`` inputs $x$ and $Rx$; ``maps``, ``maps_turned``:
    ``(H', H', 4)`` one output channel of a lifting convolution for each. Two rows of five
    panels (the input, then planes ``r = 0..3``), one shared colour scale; the bottom row's
    plane ``r`` is the top row's plane ``r - 1`` turned. Returns the Figure.
    """
    maps, maps_turned = np.asarray(maps, np.float64), np.asarray(maps_turned, np.float64)
    if maps.ndim != 3 or maps.shape[-1] != 4 or maps.shape != maps_turned.shape:
        raise ValueError(f"maps must both be (H', H', 4) (one channel, 4 rotations), got "
                         f"{maps.shape} and {maps_turned.shape}")
    lim = max(np.abs(maps).max(), np.abs(maps_turned).max(), 1e-12)
    fig, axes = plt.subplots(2, 5, figsize=(COLUMN_WIDTH_IN, 3.3), layout="constrained")
    rows = [(image, maps, "$x$", "$y_r(x)$"), (image_turned, maps_turned, "$Rx$", "$y_r(Rx)$")]
    for row, (inp, planes, name, out) in zip(axes, rows):
        row[0].imshow(inp, cmap="gray_r")
        row[0].set_title(name)
        for r in range(4):
            im = row[r + 1].imshow(planes[..., r], cmap="RdBu_r", vmin=-lim, vmax=lim)
            row[r + 1].set_title(f"{out}, r={r}" if r == 0 else f"r={r}")
        for ax in row:
            _frame(ax)
    for r in range(4):
        axes[1, r + 1].set_xlabel(f"= $R\\,y_{{{(r - 1) % 4}}}(x)$")
    fig.colorbar(im, ax=axes, shrink=0.8, label="pre-activation")
    return fig


@book_style
def plot_curves(summaries, key: str = "val_accuracy", ylabel: str = "validation accuracy"):
    """One line per model: the mean over seeds of a per-epoch curve, and a band from the lowest
    to the highest seed. ``summaries``: :func:`lib.stats.summarize_seeds` dicts. Whole epochs
    on the horizontal axis, a marker and dash pattern per model, legend below."""
    curves = {s["model"]: (s["curves"][key]["mean"], s["curves"][key]["min"], s["curves"][key]["max"])
              for s in summaries}
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 4.0), layout="constrained")
    for i, (label, (mean, low, high)) in enumerate(curves.items()):
        epochs = np.arange(1, len(mean) + 1)
        line, = ax.plot(epochs, mean, ms=5, label=label, **_style_cycle(i))
        ax.fill_between(epochs, low, high, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if "accuracy" in key:  # in percent, like the tables
        ax.yaxis.set_major_formatter(_percent())
    _top_at_tick(ax, max(np.nanmax(high) for _, _, high in curves.values()))
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=min(len(curves), 3), handlelength=3.2)
    return fig


@book_style
def plot_per_rotation(accuracies: dict):
    """Grouped bars: label -> ``(4,)`` accuracy for rotations 0°, 90°, 180°, 270°. Legend below."""
    labels = list(accuracies)
    width = 0.8 / len(labels)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 3.9), layout="constrained")
    low = min(np.min(v) for v in accuracies.values())
    hatches = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
    for i, label in enumerate(labels):
        ax.bar(np.arange(4) + (i - (len(labels) - 1) / 2) * width, np.asarray(accuracies[label]), width,
               label=label, hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0)
    ax.set_xticks(range(4), [f"{90 * k}°" for k in range(4)])
    ax.set_xlabel("rotation of every test image (counter-clockwise)")
    ax.set_ylabel("test accuracy")
    ax.yaxis.set_major_formatter(_percent())
    ax.set_ylim(max(0.0, low - 0.03), 1.0)
    ax.grid(axis="y", alpha=0.3)
    fig.legend(loc="outside lower center", ncol=min(len(labels), 3))
    return fig


@book_style
def plot_confusions(matrices: dict):
    """Row-normalised confusion matrices (label -> ``(10, 10)`` counts), in percent, two per row,
    on one shared colour scale (off-diagonal entries only; numbers from 1%)."""
    n = len(matrices)
    ncols = min(n, 2)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH_IN, 3.1 * nrows + 0.2), squeeze=False,
                             layout="constrained")
    pcts = {}
    for label, cm in matrices.items():
        cm = np.asarray(cm, dtype=np.float64)
        pcts[label] = 100 * cm / cm.sum(axis=1, keepdims=True)
    top = max(1.0, max(np.nanmax(np.where(np.eye(len(p), dtype=bool), np.nan, p)) for p in pcts.values()))
    for ax, (label, pct) in zip(axes.flat, pcts.items()):
        off = pct.copy()
        np.fill_diagonal(off, np.nan)
        im = ax.imshow(off, cmap="Reds", vmin=0, vmax=top)
        for (i, j), v in np.ndenumerate(pct):
            if i != j and v >= 1.0:
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=MIN_FONT_PT,
                        color="white" if v > 0.6 * top else "black")
        ax.set_xticks(range(pct.shape[1]))
        ax.set_yticks(range(pct.shape[0]))
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(label)
    label = "% of the true class (off-diagonal)"
    if n < axes.size:  # an empty slot: the colour bar goes there
        for ax in axes.flat[n:]:
            ax.set_axis_off()
        cax = axes.flat[n].inset_axes((0.08, 0.55, 0.84, 0.07))
        fig.colorbar(im, cax=cax, orientation="horizontal", label=label)
    else:
        fig.colorbar(im, ax=axes.ravel().tolist(), label=label, shrink=0.8)
    return fig
