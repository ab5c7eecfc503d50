"""The figures of the chapter that opens a trained network (chapter 2)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from lib.plots.style import COLUMN_WIDTH_IN, MIN_FONT_PT, _frame, _grid_axes, _percent, _style_cycle, book_style


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
