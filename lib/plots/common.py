"""Figures that more than one chapter draws: grids of images, accuracy
against a parameter, accuracy against the amount of data."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from lib.plots.style import COLUMN_WIDTH_IN, MIN_FONT_PT, _frame, _grid_axes, _percent, _style_cycle, book_style


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
