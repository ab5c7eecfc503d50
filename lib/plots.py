"""Plotting helpers. Each takes arrays (never a model) and returns a matplotlib Figure.

Computing lives in :mod:`lib.analysis` and :mod:`lib.train`; this module only draws,
so both halves can be tested separately.

Every figure is drawn for the book's content column, about 690 pixels wide: at most
:data:`COLUMN_WIDTH_IN` inches at :data:`FIGURE_DPI` dots per inch, so that Jupyter's inline
backend (which saves with ``bbox_inches='tight'`` at the figure's dpi) produces an image that the
page shows at its natural size, with text no smaller than :data:`MIN_FONT_PT` points. Every public
function draws inside :data:`STYLE` (see :func:`book_style`); ``benchmarks/render_figures.py``
renders them all for a look.
"""

from __future__ import annotations

import functools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, ticker

#: Width of every figure (inches); with the 0.1 in padding of ``bbox_inches='tight'`` the image
#: stays under 690 px, the width of the book's content column.
COLUMN_WIDTH_IN = 6.6
#: Dots per inch: an inch of figure is 100 px of page, so 9 pt text is 12.5 px tall.
FIGURE_DPI = 100
#: The smallest font size used anywhere (points).
MIN_FONT_PT = 9
#: The book's one matplotlib style, applied by :func:`book_style` to every function below.
STYLE = {
    "figure.dpi": FIGURE_DPI,
    "savefig.dpi": "figure",
    "figure.figsize": (COLUMN_WIDTH_IN, 3.6),
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 10,
    "figure.labelsize": 10,
    "axes.titlepad": 4.0,
    "legend.frameon": False,
    "image.interpolation": "nearest",
}


def book_style(func):
    """Decorator: draw ``func``'s figure inside :data:`STYLE`.

    Tick labels are created lazily, at the first draw, which in a notebook happens after the
    function has returned; the first tick of every axis is made here, inside the style, and every
    later tick copies its properties.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            fig = func(*args, **kwargs)
            for ax in fig.axes:
                for axis in (ax.xaxis, ax.yaxis):
                    axis.get_major_ticks(1)
                    axis.get_minor_ticks(1)
            # The first figure of a Jupyter session loads the inline backend, which turns
            # interactive mode on; leaving the context must not turn it off again, or no later
            # figure of the notebook is shown.
            interactive = matplotlib.is_interactive()
        matplotlib.interactive(interactive)
        return fig
    return wrapper


def _percent(decimals: int | None = None):
    """Tick formatter for fractions shown as percent: with ``decimals``, or (``None``) with as
    few decimals as each tick needs to be exact (92.5% stays 92.5%, 90% stays 90%)."""
    if decimals is not None:
        return ticker.PercentFormatter(xmax=1.0, decimals=decimals)

    def label(value, _position=None):
        percent = 100 * value
        for places in range(4):
            if abs(round(percent, places) - percent) < 1e-6:
                break
        return f"{percent:.{places}f}%"

    return ticker.FuncFormatter(label)


def _frame(ax, colour="0.6"):
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(colour)


def _grid_axes(fig_width, nrows: int, ncols: int, cell: float, title_lines: int = 0, left: float = 0.0,
               gap: float = 0.06, colorbar: float = 0.0):
    """A figure with ``nrows x ncols`` square image axes of side ``cell`` inches placed explicitly.

    ``title_lines`` lines of title room above each axes; ``left`` inches kept free for row labels;
    ``colorbar`` inches kept free on the right. Returns ``(fig, axes (nrows, ncols))``.
    """
    title_h = (0.17 * title_lines + 0.06) if title_lines else 0.0
    row_h = cell + title_h + gap
    width = left + ncols * cell + colorbar if fig_width is None else fig_width
    height = nrows * row_h + 0.02
    fig = plt.figure(figsize=(width, height))
    axes = np.empty((nrows, ncols), dtype=object)
    inner = cell - gap
    for i in range(nrows):
        for j in range(ncols):
            x = left + j * cell + gap / 2
            y = height - (i + 1) * row_h + gap / 2
            axes[i, j] = fig.add_axes((x / width, y / height, inner / width, inner / height))
    return fig, axes


@book_style
def image_grid(images, titles=None, ncols: int = 10, size: float = 1.1, cmap: str = "gray_r",
               vmin=0, vmax=255):
    """Show ``images`` (``(N, H, W)``, any dtype) in a grid with optional per-image titles.

    ``ncols`` images per row, each ``size`` inches wide or less: the grid is shrunk to fit
    :data:`COLUMN_WIDTH_IN`. Returns the Figure; axes carry no ticks (pixels have no physical
    unit here).
    """
    images = np.asarray(images)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = max(1, int(np.ceil(n / ncols)))
    cell = min(size, COLUMN_WIDTH_IN / ncols)
    lines = max((str(t).count("\n") + 1 for t in titles), default=1) if titles is not None else 0
    fig, axes = _grid_axes(None, nrows, ncols, cell, title_lines=lines)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=MIN_FONT_PT, pad=2, linespacing=1.05)
    return fig


# --- Chapter 1: Translation ---------------------------------------------------------------


@book_style
def canvas_grid(images, titles=None, ncols: int = 10, size: float = 1.2):
    """:func:`image_grid` with a thin frame around each image, so the canvas's extent shows."""
    fig = image_grid.__wrapped__(images, titles=titles, ncols=ncols, size=size)
    for ax in fig.axes:
        if ax.images:
            ax.set_axis_on()
            _frame(ax)
    return fig


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
def plot_position_maps(maps: dict, percent: dict | None = None):
    """Heat maps of one number per position of a digit on the canvas, side by side.

    ``maps`` maps a panel title to a ``float (P, P)`` array from
    :func:`lib.analysis.responses_over_positions` (entry ``[r, c]``: the digit's top-left corner
    at row ``r``, column ``c``). Every panel has its own colour bar from 0 to 1 (probabilities or
    relative changes, shown in percent) unless ``percent`` sets ``{title: (vmin, vmax)}``. At most
    three panels, drawn across the content column. Returns the Figure.
    """
    n = len(maps)
    if not 1 <= n <= 3:
        raise ValueError(f"plot_position_maps draws 1 to 3 panels, got {n}")
    percent = percent or {}
    fig, axes = plt.subplots(1, n, figsize=(COLUMN_WIDTH_IN, 2.75 if n == 3 else 3.2),
                             squeeze=False, layout="constrained")
    for ax, (title, values) in zip(axes.flat, maps.items()):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[0] != values.shape[1]:
            raise ValueError(f"panel {title!r}: expected a square (P, P) map, got shape {values.shape}")
        lo, hi = percent.get(title, (0.0, 1.0))
        im = ax.imshow(values, cmap="viridis", vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("column (pixels)")
        bar = fig.colorbar(im, ax=ax, orientation="horizontal", shrink=0.9, pad=0.02, aspect=18)
        bar.ax.xaxis.set_major_formatter(_percent())
        bar.set_ticks(np.linspace(lo, hi, 3))
    axes[0, 0].set_ylabel("row (pixels)")
    return fig


def _style_cycle(i: int) -> dict:
    """The i-th of a set of line styles that stay distinguishable where curves overlap."""
    markers = ["o", "s", "^", "D", "v", "P", "X", "<"]
    dashes = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 2, 1, 2))]
    return {"marker": markers[i % len(markers)], "ls": dashes[i % len(dashes)], "mfc": "none", "mew": 1.3}


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


def _sparse_minor_label(value, _position) -> str:
    """A minor tick label on a log axis only at 2, 3 and 5 times a power of ten: labelling
    every minor tick crowds them (10 9 8 7 ...)."""
    if value <= 0:
        return ""
    mantissa = round(value / 10 ** np.floor(np.log10(value)), 6)
    return f"{value:g}" if mantissa in (2.0, 3.0, 5.0) else ""


_sparse_minor = ticker.FuncFormatter(_sparse_minor_label)


def _decades(ax) -> float:
    """How many powers of ten the data of a log-scaled y axis span."""
    ys = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in ax.lines] or [np.ones(1)])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    return float(np.log10(ys.max() / ys.min())) if ys.size else 0.0


@book_style
def equivariance_panels(image, check: dict, channel: int, dy: int, dx: int):
    """Input, shifted input, one feature-map channel of each, and the equivariance residual.

    ``image``: ``(S, S)``; ``check``: the dict from :func:`lib.translation.equivariance_check`
    (its ``shifted``, ``maps``, ``maps_shifted``, ``residual`` and ``margin``). The last panel is
    ``F(T x) - T' F(x)`` inside the margin, divided by the largest value of ``F(x)``: float32
    rounding, so it is not drawn as colours; the panel is white where the maps are compared,
    grey where not, and states the largest relative difference. Returns the Figure.
    """
    a = check["maps"][..., channel]
    b = check["maps_shifted"][..., channel]
    residual = np.asarray(check["residual"][..., channel], dtype=np.float64)
    vmax = max(a.max(), b.max(), 1e-12)
    relative = residual / max(float(np.abs(a).max()), 1e-30)
    fig = plt.figure(figsize=(COLUMN_WIDTH_IN, 4.7), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.45])
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 0]),
            fig.add_subplot(grid[1, 1]), fig.add_subplot(grid[:, 2])]
    axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=255)
    axes[0].set_title("input $x$")
    axes[1].imshow(check["shifted"], cmap="gray_r", vmin=0, vmax=255)
    axes[1].set_title(f"$Tx$: ({dy}, {dx}) shift")
    axes[2].imshow(a, cmap="viridis", vmin=0, vmax=vmax)
    axes[2].set_title(f"$F(x)$, channel {channel}")
    axes[3].imshow(b, cmap="viridis", vmin=0, vmax=vmax)
    axes[3].set_title("$F(Tx)$")
    # The residual is float32 rounding: a colour scale of +-1e-7 would paint noise. The panel
    # shows where the maps are compared (white) and states the largest difference there.
    compared = np.isfinite(relative)
    largest = float(np.nanmax(np.abs(relative))) if compared.any() else float("nan")
    axes[4].imshow(np.where(compared, 1.0, 0.75), cmap="gray", vmin=0, vmax=1)
    axes[4].set_title("$F(Tx) - T'F(x)$, relative")
    said = ("exactly 0" if largest == 0 else
            f"0 up to float32\nrounding: at most\n{largest:.0e}")
    axes[4].text(0.5, 0.5, said + "\n(grey: not compared)", transform=axes[4].transAxes,
                 ha="center", va="center")
    axes[0].set_ylabel("pixels")
    axes[2].set_ylabel("map pixels")
    axes[4].set_ylabel("map pixels")
    return fig


# --- Chapter 2: Opening the black box -----------------------------------------------------


#: Below this, one minus a float32 probability is rounding (float32 has 24 bits near 1).
WRONG_FLOOR = 1e-7


@book_style
def plot_shift_sweep(changes, reference, period: int = 8, probabilities=None):
    """How far the pooled features move as a digit is shifted, against a same-class scale.

    ``changes``: ``(2, N, S + 1)`` relative changes from :func:`lib.translation.shift_sweep`
    (axis 0: shifted down, axis 1: right; N digits; shifts 0..S pixels); ``reference``: ``(M,)``
    relative changes between different digits of one class
    (:func:`lib.translation.same_class_change`). Lines: the mean over digits, band: lowest to
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
            line, = ax.plot(shifts, values[i].mean(axis=0), ms=5,
                            label=f"{name} (mean of {values.shape[1]} digits)" if ax is axes[0] else None,
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
def plot_kernels(kernels, titles=None, ncols: int = 8, size: float = 1.2):
    """First-layer kernels ``(F, kh, kw)`` as images on a diverging scale symmetric about 0
    (red positive, blue negative), one shared colour bar labelled *weight*. Each kernel is
    ``size`` inches wide or less (the grid fits the column)."""
    kernels = np.asarray(kernels)
    n = len(kernels)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    vmax = float(np.abs(kernels).max()) or 1.0
    bar_w = 0.95
    cell = min(size, (COLUMN_WIDTH_IN - bar_w) / ncols)
    fig, axes = _grid_axes(None, nrows, ncols, cell, title_lines=1, colorbar=bar_w)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            im = ax.imshow(kernels[i], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
            ax.set_title(str(titles[i]) if titles is not None else f"filter {i}", fontsize=MIN_FONT_PT, pad=2)
    width, height = fig.get_size_inches()
    cax = fig.add_axes((1 - (bar_w - 0.15) / width, 0.1, 0.12 / width, 0.8))
    fig.colorbar(im, cax=cax, label="weight")
    return fig


@book_style
def plot_misclassified(images, true, predicted, confidence, ncols: int = 8):
    """A gallery of misclassified digits ``(M, H, W)`` titled *true -> predicted (confidence)*,
    the confidence in percent with one decimal (99.7%, never a rounded 100%)."""
    images = np.asarray(images)
    n = len(images)
    ncols = min(ncols, max(n, 1))
    nrows = max(1, int(np.ceil(n / ncols)))
    cell = min(0.8, COLUMN_WIDTH_IN / ncols)
    fig, axes = _grid_axes(None, nrows, ncols, cell, title_lines=2)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
            c = float(confidence[i])
            text = f"{100 * c:.1f}%" if c < 0.9995 else f"{100 * c:.2f}%"
            ax.set_title(f"{true[i]} → {predicted[i]}\n{text}", fontsize=MIN_FONT_PT, linespacing=1.1, pad=2)
    return fig


@book_style
def plot_confusion(confusion, ax=None):
    """Confusion matrix ``(C, C)`` (rows true, columns predicted). Colour shows the errors only
    (the diagonal is greyed out, its counts written in grey); every cell's count is written."""
    confusion = np.asarray(confusion)
    c = confusion.shape[0]
    errors = confusion.astype(float).copy()
    np.fill_diagonal(errors, np.nan)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.7), layout="constrained")
    else:
        fig = ax.figure
    cmap = plt.get_cmap("Reds").with_extremes(bad="0.92")
    top = max(1, np.nanmax(errors)) if c > 1 else 1
    im = ax.imshow(errors, cmap=cmap, vmin=0, vmax=top)
    for i in range(c):
        for j in range(c):
            n = confusion[i, j]
            colour = "0.35" if i == j else ("white" if n > 0.6 * top else "black")
            ax.text(j, i, str(n), ha="center", va="center", fontsize=MIN_FONT_PT, color=colour)
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    fig.colorbar(im, ax=ax, label="test images (off-diagonal: errors)", shrink=0.9)
    return fig


@book_style
def plot_class_unit_means(means: dict, normalise: bool = True, highlight: dict | None = None):
    """Heat maps of class x unit mean activations, one panel per layer, stacked.

    ``means``: ``{title: (C, U) array}``. With ``normalise`` each unit (column) is divided by
    its largest class mean, so the colour reads as *fraction of the unit's best class* (one
    colour bar for all panels); otherwise each panel has its own.
    ``highlight``: ``{title: [unit, ...]}`` units whose whole column is framed in red (a frame,
    not a marker beside one row, so it cannot be read as marking a class).
    """
    n = len(means)
    widths = [m.shape[1] for m in means.values()]
    fig, axes = plt.subplots(n, 1, figsize=(COLUMN_WIDTH_IN, 0.5 + 2.1 * n), squeeze=False, layout="constrained")
    label = "mean activation / unit's maximum" if normalise else "mean activation"
    for ax, (title, m), width in zip(axes[:, 0], means.items(), widths):
        m = np.asarray(m, dtype=float)
        if normalise:
            top = m.max(axis=0, keepdims=True)
            m = np.divide(m, top, out=np.zeros_like(m), where=top > 0)
        im = ax.imshow(m, aspect="auto", cmap="viridis", vmin=0, vmax=1 if normalise else None,
                       interpolation="nearest")
        ax.set_title(title, pad=9)
        ax.set_ylabel("class")
        ax.set_yticks(range(0, m.shape[0], 1 if m.shape[0] <= 10 else 2))
        step = 1 if width <= 16 else (2 if width <= 32 else 4)
        ax.set_xticks(range(0, width, step))
        ax.set_xlabel("unit" if "dense" in title.lower() else "filter")
        for u in (highlight or {}).get(title, []):
            ax.add_patch(plt.Rectangle((u - 0.5, -0.5), 1, m.shape[0], fill=False, edgecolor="red",
                                       linewidth=1.6, clip_on=False))
        if not normalise:
            fig.colorbar(im, ax=ax, label=label, pad=0.01)
    if normalise:
        fig.colorbar(im, ax=axes[:, 0].tolist(), label=label, shrink=0.6, pad=0.01)
    return fig


@book_style
def plot_mean_feature_maps(class_means, filters, classes=None, overall=None, size: float = 0.9):
    """Average feature maps: one column per filter in ``filters``, one row per class in
    ``classes`` (from ``class_means`` ``(C, H, W, F)``) plus a first row ``overall`` ``(H, W, F)``
    (all classes). Each column shares one colour scale (its largest value), said below. Each map
    is ``size`` inches wide or less (the grid fits the column)."""
    class_means = np.asarray(class_means)
    filters = list(filters)
    classes = list(range(class_means.shape[0])) if classes is None else list(classes)
    rows = ([("all", overall)] if overall is not None else []) + [(str(c), class_means[c]) for c in classes]
    left, top_room, bottom_room = 0.75, 0.45, 0.3
    cell = min(size, (COLUMN_WIDTH_IN - left) / len(filters))
    width = left + cell * len(filters)
    height = top_room + cell * len(rows) + bottom_room
    fig = plt.figure(figsize=(width, height))
    gap = 0.04
    axes = np.empty((len(rows), len(filters)), dtype=object)
    for j, f in enumerate(filters):
        vmax = max(float(np.max(r[..., f])) for _, r in rows) or 1.0
        for i, (name, r) in enumerate(rows):
            x = left + j * cell + gap / 2
            y = height - top_room - (i + 1) * cell + gap / 2
            ax = axes[i, j] = fig.add_axes((x / width, y / height, (cell - gap) / width, (cell - gap) / height))
            ax.imshow(r[..., f], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{f}", fontsize=MIN_FONT_PT, pad=2)
            if j == 0:
                ax.set_ylabel(name, fontsize=MIN_FONT_PT, rotation=0, ha="right", va="center", labelpad=4)
    centre = (left + cell * len(filters) / 2) / width
    fig.text(centre, 1 - 0.12 / height, "filter", ha="center", va="top", fontsize=10)
    fig.text(0.02 / width, 1 - (top_room + cell * len(rows) / 2) / height, "class", rotation=90,
             ha="left", va="center", fontsize=10)
    fig.text(centre, 0.06 / height, "colour: mean activation, from 0 (black) to the column's maximum (white)",
             ha="center", va="bottom", fontsize=MIN_FONT_PT)
    return fig


@book_style
def plot_top_exciting(images, positions, row_titles, receptive_field=None,
                      titles=None, size: float = 1.0):
    """Rows of the inputs that excite a filter most: ``images`` ``(R, K, H, W)`` uint8,
    ``positions`` ``(R, K, 2)`` (row, column) of the maximum in input pixels, drawn as a red
    square of side ``receptive_field`` (an int, or one per row; a cross if ``None``);
    ``titles`` ``(R, K)`` strings. Each image is ``size`` inches wide or less."""
    images = np.asarray(images)
    r, k = images.shape[:2]
    fields = receptive_field if isinstance(receptive_field, (list, tuple, np.ndarray)) else [receptive_field] * r
    left = 0.85
    cell = min(size, (COLUMN_WIDTH_IN - left) / k)
    fig, axes = _grid_axes(None, r, k, cell, title_lines=1 if titles is not None else 0, left=left)
    for i in range(r):
        for j in range(k):
            ax = axes[i, j]
            ax.imshow(images[i, j], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
            y, x = positions[i, j]
            if fields[i]:
                h = fields[i] / 2
                ax.add_patch(plt.Rectangle((x - h, y - h), fields[i], fields[i],
                                           fill=False, edgecolor="red", linewidth=2.0))
            else:
                ax.plot(x, y, "r+", markersize=8)
            _frame(ax, "0.8")
            if titles is not None:
                ax.set_title(titles[i][j], fontsize=MIN_FONT_PT, pad=2)
            if j == 0:
                ax.set_ylabel(row_titles[i], fontsize=MIN_FONT_PT, rotation=0, ha="right", va="center",
                              labelpad=4)
    return fig


@book_style
def plot_tuning(angles_deg, responses: dict, probes=None, preferred: dict | None = None,
                xlabel: str = "line angle (degrees, counter-clockwise from horizontal)",
                period: float | None = None):
    """Tuning curves: activation against probe angle for a few filters.

    ``responses``: ``{label: (A,) array}``; ``probes``: optional ``(A, H, W)`` uint8, each drawn
    above the axes right over its angle's tick; ``preferred``: ``{label: angle}`` marked by a
    dashed line. With ``period`` (180 for lines, 360 for edges) the first point is repeated at
    ``angle + period``, so the curve closes over the full circle. Legend below the axes.
    """
    angles_deg = np.asarray(angles_deg, dtype=float)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 3.9 if probes is not None else 3.2), layout="constrained")
    x = np.append(angles_deg, angles_deg[0] + period) if period else angles_deg
    for i, (label, r) in enumerate(responses.items()):
        r = np.asarray(r)
        style = _style_cycle(i)
        style.pop("mfc")
        line, = ax.plot(x, np.append(r, r[0]) if period else r, label=label, ms=5, **style)
        if preferred and label in preferred and np.isfinite(preferred[label]):
            ax.axvline(preferred[label], color=line.get_color(), linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("activation (ReLU output)")
    ax.set_xticks(x)
    ax.set_xlim(x[0] - 5, x[-1] + 5)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if probes is not None:
        step = float(np.min(np.diff(np.sort(angles_deg)))) if len(angles_deg) > 1 else 10.0
        for angle, p in zip(angles_deg, probes):
            inset = ax.inset_axes((angle - 0.42 * step, 1.03, 0.84 * step, 0.3), transform=ax.get_xaxis_transform())
            inset.imshow(p, cmap="gray_r", vmin=0, vmax=255)
            inset.set_anchor("S")
            _frame(inset)
    fig.legend(loc="outside lower center", ncol=min(len(responses), 3))
    return fig


# --- Chapter 3: Rotation ------------------------------------------------------------------


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


def _top_at_tick(ax, highest: float):
    """Raise the top of the y axis to the first major tick above ``highest``, so that the
    highest curve sits below a labelled tick instead of above the last one."""
    ticks = ax.get_yticks()
    step = ticks[1] - ticks[0]
    ax.set_ylim(top=(np.floor(highest / step + 1e-9) + 1) * step + 1e-9 * step)


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


# --- Chapter 4: the playground ----------------------------------------------------------------


@book_style
def plot_turned_digit(images, angles, answers: dict, truth: int | None = None):
    """One digit turned by several angles, and each network's answer under each turn.

    ``images``: ``(A, H, H)`` turned images (``uint8`` in 0..255 or floats in [0, 1]);
    ``angles``: the ``A`` angles in degrees (column titles); ``answers``: network label ->
    ``A`` predicted classes, one row of text per network under the images, the labels on the
    left. With ``truth``, answers that differ from it are drawn bold and dark red (and the
    caption should say so). Returns the Figure, :data:`COLUMN_WIDTH_IN` wide at most.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must be (A, H, H), got shape {images.shape}")
    n = len(images)
    if len(angles) != n:
        raise ValueError(f"{len(angles)} angles for {n} images")
    if not answers:
        raise ValueError("answers is empty: give at least one network's answers")
    for label, row in answers.items():
        if np.shape(row) != (n,):
            raise ValueError(f"answers[{label!r}] must hold {n} classes, got shape {np.shape(row)}")
    vmax = 255 if np.issubdtype(images.dtype, np.integer) else 1.0
    left = 0.1 + 0.075 * max(len(str(label)) for label in answers)  # room for the row labels
    cell = min(0.9, (COLUMN_WIDTH_IN - left) / n)
    title_h, line_h, gap = 0.25, 0.21, 0.08
    width = left + n * cell
    height = title_h + cell + gap + line_h * len(answers) + 0.05
    fig = plt.figure(figsize=(width, height))
    for a in range(n):
        x0, y0 = left + a * cell + 0.04, height - title_h - cell
        ax = fig.add_axes((x0 / width, y0 / height, (cell - 0.08) / width, (cell - 0.08) / height))
        ax.imshow(images[a], cmap="gray_r", vmin=0, vmax=vmax)
        ax.set_title(f"{angles[a]:g}°", fontsize=MIN_FONT_PT + 1, pad=3)
        _frame(ax)
    for r, (label, row) in enumerate(answers.items()):
        y = (height - title_h - cell - gap - (r + 0.5) * line_h) / height
        fig.text((left - 0.1) / width, y, str(label), ha="right", va="center", fontsize=MIN_FONT_PT + 1)
        for a, answer in enumerate(row):
            wrong = truth is not None and int(answer) != truth
            fig.text((left + (a + 0.5) * cell) / width, y, str(int(answer)), ha="center", va="center",
                     fontsize=MIN_FONT_PT + 1, fontweight="bold" if wrong else "normal",
                     color="#a50f15" if wrong else "black")
    return fig


@book_style
def plot_sweep(x, accuracies: dict, xlabel: str, marks=(), xticks=None, height: float = 3.4,
               groups: dict | None = None):
    """Accuracy against a sweep (an angle, a position): one line per network.

    ``x``: ``(n,)`` values of the swept quantity; ``accuracies``: network label -> ``(n,)``
    fractions correct in [0, 1], shown in percent from 0 to 100; ``xlabel`` names the swept
    quantity with its unit; ``marks``: x values drawn as dotted grey vertical lines (the
    quarter turns, the centre); ``xticks``: tick positions (default: matplotlib's). Every
    network has its own marker (open) and dash pattern. Without ``groups``, one panel with
    the legend below it; with ``groups`` (panel title -> labels, each label in exactly one
    panel), one panel per group, stacked on a shared x axis, each with its own legend at
    its right and ``height`` per panel. Returns the Figure.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"x must be one-dimensional with at least 2 values, got shape {x.shape}")
    if not accuracies:
        raise ValueError("accuracies is empty: give at least one network's curve")
    curves = {}
    for label, acc in accuracies.items():
        acc = np.asarray(acc, dtype=np.float64)
        if acc.shape != x.shape:
            raise ValueError(f"accuracies[{label!r}] has shape {acc.shape}, x has {x.shape}")
        if np.nanmin(acc) < 0 or np.nanmax(acc) > 1:
            raise ValueError(f"accuracies[{label!r}] must be fractions in [0, 1]")
        curves[label] = acc
    if groups is not None:
        grouped = [label for labels in groups.values() for label in labels]
        if sorted(grouped) != sorted(curves):
            raise ValueError(f"groups must name every network exactly once: got {grouped}, "
                             f"networks {list(curves)}")
    panels = groups if groups is not None else {"": list(curves)}
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False, layout="constrained",
                             figsize=(COLUMN_WIDTH_IN, height * len(panels) + (0.4 if groups else 0)))
    # One colour, marker and dash per network, whichever panel it is drawn in.
    style = {label: {**_style_cycle(i), "color": f"C{i % 10}"} for i, label in enumerate(curves)}
    every = max(1, len(x) // 24)
    for ax, (title, labels) in zip(axes[:, 0], panels.items()):
        for q in marks:
            ax.axvline(q, color="0.55", lw=1.0, ls=":", zorder=0.5)
        for label in labels:
            ax.plot(x, curves[label], ms=5, lw=1.4, markevery=every, label=label, **style[label])
        ax.set_ylabel("accuracy")
        ax.yaxis.set_major_formatter(_percent())
        ax.set_ylim(0, 1.04)
        ax.set_xlim(x.min(), x.max())
        ax.grid(axis="y", alpha=0.3)
        if groups is not None:
            ax.set_title(title, loc="left")
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), handlelength=3.2, frameon=False)
    ax = axes[-1, 0]
    ax.set_xlabel(xlabel)
    if xticks is not None:
        ax.set_xticks(list(xticks))
    elif np.all(x == np.round(x)):  # positions in pixels: no ticks between them
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if groups is None:
        fig.legend(loc="outside lower center", ncol=min(len(curves), 4), handlelength=3.2)
    return fig


@book_style
def plot_data_efficiency(sizes, accuracies: dict, xlabel: str = "rotated training images (log scale)",
                         ylabel: str = "test accuracy"):
    """Test accuracy against the number of training images, on a log axis; one line per model.

    ``sizes``: ``(n,)`` numbers of training images; ``accuracies``: model label -> list of
    ``n`` lists, the test accuracies of the seeds trained on that many images (fractions).
    The mean over seeds is a line with open markers; each seed a small dot beside it (set
    slightly apart sideways, so that seeds that agree still show). Returns the Figure.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.ndim != 1 or len(sizes) < 2 or np.any(sizes <= 0):
        raise ValueError(f"sizes must be at least 2 positive numbers of images, got {sizes}")
    if not accuracies:
        raise ValueError("accuracies is empty: give at least one model's accuracies")
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 3.6), layout="constrained")
    for i, (label, per_size) in enumerate(accuracies.items()):
        if len(per_size) != len(sizes):
            raise ValueError(f"accuracies[{label!r}] has {len(per_size)} sizes, sizes has {len(sizes)}")
        style = _style_cycle(i)
        means = [np.mean(v) for v in per_size]
        line, = ax.plot(sizes, means, ms=6, lw=1.5, label=f"{label} (mean)", **style)
        for n, values in zip(sizes, per_size):
            # Seeds often agree to within a marker: set them apart sideways (by a few per cent
            # of n, not to scale), small and dark, so that each one shows.
            offsets = n * 1.09 ** (np.arange(len(values)) - (len(values) - 1) / 2 + (1 if i % 2 else -1) * 1.5)
            ax.plot(offsets, values, ls="none", marker="o", ms=3.5, color=line.get_color(), mec="k", mew=0.6,
                    zorder=3, label=f"{label}, single seeds" if n == sizes[0] else None)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{int(n):,}" for n in sizes])
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(_percent())
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=2, handlelength=3.2)
    return fig
