"""The figures of the chapter on translation (chapter 1)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, ticker

from lib.plots.style import COLUMN_WIDTH_IN, _decades, _percent, _sparse_minor, _style_cycle, book_style


@book_style
def position_coverage(positions, canvases, digit_size: int = 28):
    """Where the digits sit, and where their ink lands, in four panels.

    (a) counts per position of the top-left corner; (b) their marginals against the uniform
    expectation; (c) the mean canvas on a logarithmic colour scale (pixels that no digit ever
    inks in a distinct colour), so the faint ink near the borders shows; (d) the mean ink per
    row and per column of the canvas, on a logarithmic axis.

    ``positions`` ``int (N, 2)`` (row, column of each digit's top-left corner); ``canvases``
    ``(N, S, S)`` (any dtype; pixel values 0..255). Returns the Figure.
    """
    positions = np.asarray(positions)
    canvases = np.asarray(canvases)
    canvas_size = canvases.shape[-1]
    n_pos = canvas_size - digit_size + 1
    counts = np.zeros((n_pos, n_pos), dtype=np.int64)
    np.add.at(counts, (positions[:, 0], positions[:, 1]), 1)
    total = np.zeros(canvases.shape[1:], dtype=np.float64)
    for start in range(0, len(canvases), 4096):  # in chunks: a float copy of 60,000 canvases is 1.2 GB
        total += canvases[start:start + 4096].sum(axis=0, dtype=np.float64)
    mean = total / len(canvases) / 255

    fig, axes = plt.subplots(2, 2, figsize=(COLUMN_WIDTH_IN, 5.6), layout="constrained")
    (ax_a, ax_b), (ax_c, ax_d) = axes
    im = ax_a.imshow(counts, cmap="viridis", origin="upper", vmin=0)
    ax_a.set_xlabel("column of top-left corner")
    ax_a.set_ylabel("row of top-left corner")
    ax_a.set_title("(a) digits per position")
    fig.colorbar(im, ax=ax_a, label="digits", shrink=0.9)

    expected = len(positions) / n_pos
    for axis, label, marker, ls in ((0, "rows", "o", "-"), (1, "columns", "s", "--")):
        ax_b.plot(np.arange(n_pos), np.bincount(positions[:, axis], minlength=n_pos), marker=marker, ls=ls,
                  ms=4, mfc="none", label=label)
    ax_b.axhline(expected, color="k", ls=":", lw=1.2, label="uniform")
    ax_b.set_ylim(0, 1.5 * expected)
    ax_b.set_xlabel("position of top-left corner")
    ax_b.set_ylabel("digits")
    ax_b.set_title("(b) counts summed over the other axis")
    ax_b.legend(loc="upper center", ncol=3, handlelength=1.5, columnspacing=0.7, handletextpad=0.4)

    positive = mean[mean > 0]
    low = float(positive.min()) if positive.size else 1e-6
    high = max(float(mean.max()), low * 10)
    cmap = plt.get_cmap("magma").with_extremes(under="#7fd3e6", bad="#7fd3e6")
    shown = np.where(mean > 0, mean, np.nan)
    im = ax_c.imshow(shown, cmap=cmap, norm=colors.LogNorm(vmin=low, vmax=high))
    ax_c.set_xlabel("column (pixels)")
    ax_c.set_ylabel("row (pixels)")
    n_zero = int(np.sum(mean == 0))
    ax_c.set_title("(c) mean canvas, log scale" + (f"\n(light blue: no ink, {n_zero} pixels)" if n_zero else ""))
    fig.colorbar(im, ax=ax_c, label="mean ink (1 = full ink)", shrink=0.9)

    for axis, label, marker, ls in ((1, "per row", "o", "-"), (0, "per column", "s", "--")):
        profile = mean.mean(axis=axis)
        ax_d.plot(np.arange(canvas_size), np.where(profile > 0, profile, np.nan), marker=marker, ls=ls, ms=3,
                  mfc="none", label=label)
    ax_d.set_yscale("log")
    ax_d.set_xlabel("row or column (pixels)")
    ax_d.set_ylabel("mean ink")
    ax_d.set_title("(d) mean ink per row / column")
    ax_d.legend(loc="lower center")
    ax_d.grid(True, which="major", alpha=0.3)
    return fig


@book_style
def accuracy_heatmaps(grids: dict, digit_size: int = 28, bin_size: int = 1, vmin: float | None = None,
                      vmax: float | None = None):
    """Side-by-side heat maps of test accuracy against the digit's position.

    ``grids`` maps a panel title to a ``float (B, B)`` accuracy grid from
    :func:`lib.translation.accuracy_by_position`; axes are the digit centre's row and column on
    the canvas in pixels. One colour bar (accuracy, in percent) shared by all panels. Its range
    is ``vmin`` to ``vmax``; by default it is fitted to the data (the lowest to the highest
    accuracy in all panels), and the colour bar says so, so that a grid of 99% +- 1% still shows
    where its errors are. Two panels or fewer per row. Returns the Figure.
    """
    n = len(grids)
    ncols = min(n, 2)
    nrows = int(np.ceil(n / ncols))
    values = np.concatenate([np.ravel(g) for g in grids.values()])
    values = values[np.isfinite(values)]
    fitted = vmin is None and vmax is None
    lo = float(values.min()) if vmin is None and values.size else (0.0 if vmin is None else vmin)
    hi = float(values.max()) if vmax is None and values.size else (1.0 if vmax is None else vmax)
    if hi <= lo:
        lo, hi = lo - 0.005, hi + 0.005
    panel = 2.75 if ncols == 2 else 3.3
    fig, axes = plt.subplots(nrows, ncols, figsize=(min(COLUMN_WIDTH_IN, panel * ncols + 1.3), panel * nrows + 0.35),
                             squeeze=False, layout="constrained")
    half = digit_size / 2
    for ax, (title, grid) in zip(axes.flat, grids.items()):
        b = grid.shape[0]
        extent = (half - 0.5, half - 0.5 + b * bin_size, half - 0.5 + b * bin_size, half - 0.5)
        im = ax.imshow(grid, cmap="viridis", vmin=lo, vmax=hi, extent=extent, interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("digit centre, column (pixels)")
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax in axes[:, 0]:
        ax.set_ylabel("digit centre, row (pixels)")
    label = "test accuracy" + ("\n(colour range fitted to the data)" if fitted else "")
    bar = fig.colorbar(im, ax=axes.ravel().tolist(), label=label, shrink=0.9)
    bar.ax.yaxis.set_major_formatter(_percent(1 if hi - lo < 0.1 else 0))
    return fig


@book_style
def learning_curves(summaries, reference: str | None = None):
    """Validation error and training error against epoch, one line per model (means over seeds).

    ``summaries``: :func:`lib.stats.summarize_seeds` dicts. The gap between the two panels is
    what a regulariser works on. Training error is measured during each epoch, with dropout
    active. Every model has its own marker (open, so that overlapping points both show) and dash
    pattern; the ``reference`` model is drawn thick and black. Legend below the panels.
    Returns the Figure.
    """
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH_IN, 3.9), sharey=True, layout="constrained")
    colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for i, s in enumerate(summaries):
        style = _style_cycle(i)
        if s["model"] == reference:
            style.update(lw=2.4, color="k", ls="-", zorder=1.5)  # under the others: none is hidden
        else:
            style.update(lw=1.4, color=next(colours))
        for ax, key in zip(axes, ("val_accuracy", "accuracy")):
            curve = np.asarray(s["curves"][key]["mean"])
            epochs = np.arange(1, len(curve) + 1)
            ax.plot(epochs, 100 * (1 - curve), ms=6, label=s["model"], **style)
    axes[0].set_ylabel("error (%), log scale")
    axes[0].set_title("validation error")
    axes[1].set_title("training error")
    plain = ticker.FuncFormatter(lambda v, _: f"{v:g}")  # 30, not 3x10^1
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(_sparse_minor if _decades(ax) < 1.2 else ticker.NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), handlelength=3.2)
    return fig


@book_style
def equivariance_panels(image, check: dict, channel: int, control: dict | None = None):
    """Input, shifted input, one feature-map channel of each, and ``F(Tx)`` against ``T'F(x)``.

    ``image``: ``(S, S)``; ``check``: the dict from :func:`lib.translation.equivariance_check`
    for a shift by a multiple of the map's stride; ``control``: optional, the same for a shift
    between the multiples (``nearest=True``), the negative control. The right panel plots, at
    every compared pixel of every channel, ``F(Tx)`` against ``T'F(x)`` (both divided by the
    largest value of ``F(x)``): exact equivariance puts every point on the diagonal, and the
    legend states the largest distance from it. Returns the Figure.
    """
    a = check["maps"][..., channel]
    b = check["maps_shifted"][..., channel]
    vmax = max(a.max(), b.max(), 1e-12)
    fig = plt.figure(figsize=(COLUMN_WIDTH_IN, 4.7), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.6])
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 0]),
            fig.add_subplot(grid[1, 1]), fig.add_subplot(grid[:, 2])]
    axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=255)
    axes[0].set_title("input $x$")
    axes[1].imshow(check["shifted"], cmap="gray_r", vmin=0, vmax=255)
    axes[1].set_title("$Tx$: ({}, {}) shift".format(*check["shift"]))
    axes[2].imshow(a, cmap="viridis", vmin=0, vmax=vmax)
    axes[2].set_title(f"$F(x)$, channel {channel}")
    axes[3].imshow(b, cmap="viridis", vmin=0, vmax=vmax)
    axes[3].set_title("$F(Tx)$")
    axes[0].set_ylabel("pixels")
    axes[2].set_ylabel("map pixels")
    _equivariance_scatter(axes[4], [c for c in (control, check) if c is not None])
    return fig


def _equivariance_scatter(ax, checks: list):
    """``F(Tx)`` against ``T'F(x)`` at every compared pixel and channel of each check."""
    from lib.stats import small_error_text

    ax.axline((0, 0), slope=1, color="0.6", lw=0.8, zorder=0)
    for c in checks:
        compared = np.isfinite(c["residual"])
        scale = max(float(np.abs(c["maps"]).max()), 1e-30)
        moved, shifted = c["expected"][compared] / scale, c["maps_shifted"][compared] / scale
        largest = float(np.abs(shifted - moved).max())
        exact = not (c["shift"][0] % c["stride"] or c["shift"][1] % c["stride"])
        said = small_error_text(largest) if exact else f"up to {largest:.2f}"
        label = ("({}, {}) shift, $T'$ by ({}, {}):\n".format(*c["shift"], *c["map_shift"])
                 + f"largest $|F(Tx) - T'F(x)|$: {said}")
        ax.scatter(moved, shifted, s=3 if exact else 2, color="C0" if exact else "C1",
                   alpha=0.8 if exact else 0.25, lw=0, rasterized=True, label=label)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("$T'F(x)$, relative")
    ax.set_ylabel("$F(Tx)$, relative")
    ax.set_title("all channels, compared pixels")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(-0.1, -0.2), fontsize="small", markerscale=3,
                       frameon=False, handletextpad=0.3)
    for handle in legend.legend_handles:
        handle.set_alpha(1)  # the faint control points, drawn solid in the legend


#: Below this, one minus a float32 probability is rounding (float32 has 24 bits near 1).
WRONG_FLOOR = 1e-7


@book_style
def plot_shift_sweep(changes, reference, period: int = 8, probabilities=None):
    """How far the pooled features move as a digit is shifted, against a same-class scale.

    ``changes``: ``(2, N, S + 1)`` relative changes from :func:`lib.translation.shift_sweep`
    (axis 0: shifted down, axis 1: right; N digits; shifts 0..S pixels); ``reference``: ``(M,)``
    relative changes between different digits of one class
    (:func:`lib.translation.same_class_change`). Lines: the median over digits, band: lowest to
    highest digit; the grey band spans the reference, its line is its median; dotted lines mark
    multiples of ``period``. ``probabilities``: optional ``(2, N, S + 1)`` probability of the
    right class (:func:`lib.translation.prediction_sweep`); a second panel below draws one minus
    it, the probability of a wrong answer, on a log scale (near 1 a linear axis squeezes every
    change into a sliver), floored at :data:`WRONG_FLOOR`. Returns the Figure.
    """
    changes, reference = np.asarray(changes, np.float64), np.asarray(reference, np.float64)
    if changes.ndim != 3 or changes.shape[0] != 2:
        raise ValueError(f"changes must be (2, N, S + 1) (down and right), got shape {changes.shape}")
    panels = [changes]
    if probabilities is not None:
        probabilities = np.asarray(probabilities, np.float64)
        if probabilities.shape != changes.shape:
            raise ValueError(f"probabilities must have the shape of changes {changes.shape}, "
                             f"got {probabilities.shape}")
        panels.append(np.clip(1 - probabilities, WRONG_FLOOR, 1))
    shifts = np.arange(changes.shape[2])
    fig, axes = plt.subplots(len(panels), 1, figsize=(COLUMN_WIDTH_IN, 3.4 + 2.4 * (len(panels) - 1)),
                             layout="constrained", sharex=True, squeeze=False)
    axes = axes[:, 0]
    axes[0].axhspan(reference.min(), reference.max(), color="0.85", zorder=0,
                    label="different digit, same class (range)")
    axes[0].axhline(np.median(reference), color="0.45", lw=1.2, zorder=0.5)
    for ax, values in zip(axes, panels):
        for q in range(period, shifts[-1] + 1, period):
            ax.axvline(q, color="0.55", lw=1.0, ls=":", zorder=0.5)
        for i, name in enumerate(("shifted down", "shifted right")):
            style = _style_cycle(i)
            line, = ax.plot(shifts, np.median(values[i], axis=0), ms=5,
                            label=f"{name} (median of {values.shape[1]} digits)" if ax is axes[0] else None,
                            **style)
            ax.fill_between(shifts, values[i].min(axis=0), values[i].max(axis=0), color=line.get_color(),
                            alpha=0.2)
        ax.set_xlim(0, shifts[-1])
    axes[0].yaxis.set_major_formatter(_percent())
    axes[0].set_ylabel("change of the pooled\nfeatures (relative error)")
    axes[0].set_ylim(0, None)
    if len(axes) > 1:
        axes[1].set_yscale("log")
        axes[1].set_ylabel("probability of a wrong\nanswer, 1 − p (log)")
        for ax, letter in zip(axes, "ab"):
            ax.set_title(f"({letter})", loc="left", fontsize=plt.rcParams["axes.labelsize"])
    axes[-1].set_xlabel("shift of the digit (pixels)")
    axes[-1].set_xticks(shifts[::2])
    fig.legend(loc="outside lower center", ncol=2, handlelength=2.8)
    return fig


@book_style
def kernel_sliding(image, kernel, feature, at: tuple[int, int]):
    """One output pixel of a convolution: the window, its pixels, the kernel, the feature map.

    ``image``: ``(H, W)``, ink from 0 (for example pixel values 0 to 255, written out in (b) as
    they are); ``kernel``: ``(3, 3)``; ``feature``: ``(H, W)``, the
    image correlated with the kernel ("same" padding, :func:`lib.convolution.cross_correlation`);
    ``at``: the ``(row, column)`` of the output pixel shown, whose window is centred there.
    Returns the Figure."""
    image, kernel, feature = (np.asarray(a, float) for a in (image, kernel, feature))
    if kernel.shape != (3, 3) or image.shape != feature.shape or image.ndim != 2:
        raise ValueError(f"a (3, 3) kernel and an image and feature map of one shape, got {kernel.shape}, "
                         f"{image.shape} and {feature.shape}")
    r, c = at
    if not (1 <= r < image.shape[0] - 1 and 1 <= c < image.shape[1] - 1):
        raise ValueError(f"at={at} puts the 3x3 window off the image {image.shape}")
    patch = image[r - 1:r + 2, c - 1:c + 2]
    fig = plt.figure(figsize=(COLUMN_WIDTH_IN, 2.45))
    grid = fig.add_gridspec(1, 4, width_ratios=[2.2, 1.25, 1.25, 2.2], wspace=0.35, left=0.01, right=0.99,
                            bottom=0.02, top=0.8)
    ax_image, ax_patch, ax_kernel, ax_feature = (fig.add_subplot(grid[0, i]) for i in range(4))
    ink = max(float(image.max()), 1.0)
    ax_image.imshow(image, cmap="gray_r", vmin=0, vmax=ink)
    limit = np.abs(feature).max() or 1.0
    ax_feature.imshow(feature, cmap="RdBu_r", vmin=-limit, vmax=limit)
    # The 3x3 window; its output pixel, ringed so that one pixel can be found on a busy map.
    ax_image.add_patch(plt.Rectangle((c - 1.5, r - 1.5), 3, 3, fill=False, edgecolor="C1", linewidth=2.5))
    ax_feature.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="C1", linewidth=1.5))
    ax_feature.add_patch(plt.Circle((c, r), 3.0, fill=False, edgecolor="C1", linewidth=2.0))
    for ax, values, fmt, cmap, vmin, vmax in ((ax_patch, patch, "{:g}", "gray_r", 0, ink),
                                              (ax_kernel, kernel, "{:g}", "RdBu_r", -np.abs(kernel).max(),
                                               np.abs(kernel).max())):
        shown = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
        for (i, j), v in np.ndenumerate(values):
            red, green, blue, _ = shown.cmap(shown.norm(v))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # white text on a dark cell
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9, color="white" if dark else "black")
    for ax in (ax_image, ax_patch, ax_kernel, ax_feature):
        ax.set_xticks([])
        ax.set_yticks([])
    ax_image.set_title("(a) image x,\nwindow at i")
    ax_patch.set_title("(b) x(i + k)")
    ax_kernel.set_title("(c) kernel w(k)")
    ax_feature.set_title(f"(d) w ⋆ x; at i:\nΣ (b)·(c) = {feature[r, c]:g}")
    return fig


@book_style
def network_diagram(stages: list):
    """A network as a column of stages, input at the top: a sketch of each stage's output (a
    stack of squares whose side follows the map's, a bar for a vector), its shape, and its
    layers in a few words. ``stages``: :func:`lib.analysis.stages`. Returns the Figure."""
    if not stages:
        raise ValueError("no stages to draw")
    row, top = 0.42, 0.3
    height = top + row * len(stages) + 0.05
    fig = plt.figure(figsize=(COLUMN_WIDTH_IN, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, COLUMN_WIDTH_IN)
    ax.set_ylim(0, height)
    ax.axis("off")
    picture, arrow, shape_x, layers_x = 0.3, 0.62, 0.8, 2.0
    sides = [s["shape"][0] for s in stages if len(s["shape"]) == 3]
    longest = max([s["shape"][0] for s in stages if len(s["shape"]) == 1] or [1])
    largest = max(sides or [1])
    for x, text in ((0.02, "output"), (shape_x, "shape"), (layers_x, "layers, in order")):
        ax.text(x, height - 0.15, text, ha="left", va="center", weight="bold")
    for i, stage in enumerate(stages):
        y = height - top - (i + 0.5) * row
        shape = stage["shape"]
        if len(shape) == 3:  # a stack of maps: squares as large as the map, three if it has channels
            side = max(0.015, 0.3 * shape[0] / largest)  # in proportion to the map's side
            step = 0.12 * side
            for j in reversed(range(1 if shape[2] == 1 else 3)):
                ax.add_patch(plt.Rectangle((picture - side / 2 + step * j, y - side / 2 + step * j), side, side,
                                           facecolor="0.85" if j else "0.6", edgecolor="0.3", linewidth=0.8))
        else:  # a vector: a bar as long as the vector
            length = max(0.05, 0.3 * shape[-1] / longest)
            ax.add_patch(plt.Rectangle((picture - 0.025, y - length / 2), 0.05, length, facecolor="0.6",
                                       edgecolor="0.3", linewidth=0.8))
        ax.text(shape_x, y, " × ".join(str(d) for d in shape), ha="left", va="center")
        ax.text(layers_x, y, " → ".join(stage["ops"]), ha="left", va="center")
        if i:
            ax.annotate("", xy=(arrow, y + 0.08), xytext=(arrow, y + row - 0.08),
                        arrowprops={"arrowstyle": "->", "color": "0.4", "linewidth": 0.8})
    return fig
