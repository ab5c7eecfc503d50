"""Plotting helpers. Each takes arrays (never a model) and returns a matplotlib Figure.

Computing lives in :mod:`lib.analysis` and :mod:`lib.train`; this module only draws,
so both halves can be tested separately.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, titles=None, ncols: int = 10, size: float = 1.1, cmap: str = "gray_r",
               vmin=0, vmax=255):
    """Show ``images`` (``(N, H, W)``, any dtype) in a grid with optional per-image titles.

    Returns the Figure; axes carry no ticks (pixels have no physical unit here).
    """
    images = np.asarray(images)
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    ncols = min(ncols, n) if n else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.25 if titles is not None else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


# --- Chapter 1: Translation ---------------------------------------------------------------


def canvas_grid(images, titles=None, ncols: int = 10, size: float = 1.2):
    """:func:`image_grid` with a thin frame around each image, so the canvas's extent shows."""
    fig = image_grid(images, titles=titles, ncols=ncols, size=size)
    for ax in fig.axes:
        if ax.images:
            ax.set_axis_on()
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("0.6")
    return fig


def position_coverage(positions, canvases, digit_size: int = 28):
    """Where the digits sit: counts per top-left position, their marginals, and the mean canvas.

    ``positions`` ``int (N, 2)`` (row, column of each digit's top-left corner); ``canvases``
    ``(N, S, S)`` (any dtype; pixel values 0..255). Three panels; returns the Figure.
    """
    positions = np.asarray(positions)
    canvas_size = np.asarray(canvases).shape[-1]
    n_pos = canvas_size - digit_size + 1
    counts = np.zeros((n_pos, n_pos), dtype=np.int64)
    np.add.at(counts, (positions[:, 0], positions[:, 1]), 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    im = axes[0].imshow(counts, cmap="viridis", origin="upper", vmin=0)
    axes[0].set_xlabel("column of top-left corner (pixels)")
    axes[0].set_ylabel("row of top-left corner (pixels)")
    axes[0].set_title("digits per position")
    fig.colorbar(im, ax=axes[0], label="number of digits")
    expected = len(positions) / n_pos
    for axis, label in ((0, "row"), (1, "column")):
        axes[1].plot(np.arange(n_pos), np.bincount(positions[:, axis], minlength=n_pos), "o-", ms=3, label=label)
    axes[1].axhline(expected, color="k", ls="--", lw=1, label="uniform")
    axes[1].set_ylim(0, 1.3 * expected)
    axes[1].set_xlabel("position of top-left corner (pixels)")
    axes[1].set_ylabel("number of digits")
    axes[1].set_title("marginals")
    axes[1].legend(fontsize=8, loc="lower center")
    canvases = np.asarray(canvases)
    total = np.zeros(canvases.shape[1:], dtype=np.float64)
    for start in range(0, len(canvases), 4096):  # in chunks: a float copy of 60,000 canvases is 1.2 GB
        total += canvases[start:start + 4096].sum(axis=0, dtype=np.float64)
    mean = total / len(canvases) / 255
    im = axes[2].imshow(mean, cmap="magma", vmin=0)
    axes[2].set_xlabel("column (pixels)")
    axes[2].set_ylabel("row (pixels)")
    axes[2].set_title("mean canvas")
    fig.colorbar(im, ax=axes[2], label="mean ink (0 to 1)")
    fig.tight_layout()
    return fig


def accuracy_heatmaps(grids: dict, digit_size: int = 28, bin_size: int = 1, vmin: float = 0.0):
    """Side-by-side heat maps of test accuracy against the digit's position.

    ``grids`` maps a panel title to a ``float (B, B)`` accuracy grid from
    :func:`lib.translation.accuracy_by_position`; axes are the digit centre's row and column on
    the canvas in pixels. One colour bar (accuracy) shared by all panels; returns the Figure.
    """
    n = len(grids)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 0.8, 3.6), squeeze=False)
    axes = axes[0]
    half = digit_size / 2
    for ax, (title, grid) in zip(axes, grids.items()):
        b = grid.shape[0]
        extent = (half - 0.5, half - 0.5 + b * bin_size, half - 0.5 + b * bin_size, half - 0.5)
        im = ax.imshow(grid, cmap="viridis", vmin=vmin, vmax=1.0, extent=extent, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("digit centre, column (pixels)")
    axes[0].set_ylabel("digit centre, row (pixels)")
    fig.colorbar(im, ax=list(axes), label="test accuracy", fraction=0.03, pad=0.02)
    return fig


def learning_curves(summaries, reference: str | None = None):
    """Validation error and training error against epoch, one line per model (means over seeds).

    ``summaries``: :func:`lib.stats.summarize_seeds` dicts. The gap between the two panels is
    what a regulariser works on. Training error is measured during each epoch, with dropout
    active. Returns the Figure.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for s in summaries:
        style = {"lw": 2.5, "color": "k"} if s["model"] == reference else {"lw": 1.5}
        for ax, key in zip(axes, ("val_accuracy", "accuracy")):
            curve = s["curves"][key]["mean"]
            epochs = np.arange(1, len(curve) + 1)
            ax.plot(epochs, 100 * (1 - curve), "o-", ms=4, label=s["model"], **style)
    axes[0].set_ylabel("error (%)")
    axes[0].set_title("validation error")
    axes[1].set_title("training error")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")  # 30, not 3x10^1
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def equivariance_panels(image, check: dict, channel: int, dy: int, dx: int):
    """Input, shifted input, one feature-map channel of each, and the equivariance residual.

    ``image``: ``(S, S)``; ``check``: the dict from :func:`lib.translation.equivariance_check`
    (its ``shifted``, ``maps``, ``maps_shifted``, ``residual`` and ``margin``). The last panel is
    ``F(T x) - T' F(x)`` inside the margin, on its own colour scale. Returns the Figure.
    """
    a = check["maps"][..., channel]
    b = check["maps_shifted"][..., channel]
    residual = check["residual"][..., channel]
    vmax = max(a.max(), b.max(), 1e-12)
    fig = plt.figure(figsize=(11, 7))
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.15])
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 0]),
            fig.add_subplot(grid[1, 1]), fig.add_subplot(grid[:, 2])]
    axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=255)
    axes[0].set_title("input $x$")
    axes[1].imshow(check["shifted"], cmap="gray_r", vmin=0, vmax=255)
    axes[1].set_title(f"shifted input $Tx$ ({dy} down, {dx} right)", fontsize=10)
    axes[2].imshow(a, cmap="viridis", vmin=0, vmax=vmax)
    axes[2].set_title(f"feature map $F(x)$, channel {channel}", fontsize=10)
    axes[3].imshow(b, cmap="viridis", vmin=0, vmax=vmax)
    axes[3].set_title("feature map $F(Tx)$", fontsize=10)
    scale = max(float(np.nanmax(np.abs(residual))), 1e-12)
    im = axes[4].imshow(residual, cmap="RdBu_r", vmin=-scale, vmax=scale)
    axes[4].set_facecolor("0.85")
    axes[4].set_title("$F(Tx) - T'F(x)$\n(grey: not compared)", fontsize=10)
    fig.colorbar(im, ax=axes[4], label="difference", orientation="horizontal", pad=0.12, format="%.0e")
    for ax, unit in zip(axes, ["pixels", "pixels", "map pixels", "map pixels", "map pixels"]):
        ax.set_xlabel(f"column ({unit})", fontsize=9)
        ax.set_ylabel(f"row ({unit})", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


# --- Chapter 2: Opening the black box -----------------------------------------------------


def plot_kernels(kernels, titles=None, ncols: int = 8, size: float = 1.2):
    """First-layer kernels ``(F, kh, kw)`` as images on a diverging scale symmetric about 0
    (red positive, blue negative), one shared colour bar labelled *weight*."""
    kernels = np.asarray(kernels)
    n = len(kernels)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    vmax = float(np.abs(kernels).max()) or 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols + 1.0, size * nrows * 1.2), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            im = ax.imshow(kernels[i], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
            ax.set_title(str(titles[i]) if titles is not None else f"filter {i}", fontsize=8)
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return fig


def plot_misclassified(images, true, predicted, confidence, ncols: int = 8):
    """A gallery of misclassified digits ``(M, H, W)`` titled *true -> predicted (confidence)*."""
    images = np.asarray(images)
    n = len(images)
    ncols = min(ncols, max(n, 1))
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.05 * ncols, 1.35 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
            ax.set_title(f"{true[i]} → {predicted[i]}\n{confidence[i]:.0%}", fontsize=9, linespacing=1.1)
    fig.tight_layout(pad=0.3)
    return fig


def plot_confusion(confusion, ax=None):
    """Confusion matrix ``(C, C)`` (rows true, columns predicted). Colour shows the errors only
    (the diagonal is greyed out, its counts written in grey); every cell's count is written."""
    confusion = np.asarray(confusion)
    c = confusion.shape[0]
    errors = confusion.astype(float).copy()
    np.fill_diagonal(errors, np.nan)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.2, 5.2))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("Reds").with_extremes(bad="0.92")
    im = ax.imshow(errors, cmap=cmap, vmin=0, vmax=max(1, np.nanmax(errors)))
    for i in range(c):
        for j in range(c):
            n = confusion[i, j]
            colour = "0.45" if i == j else ("white" if n > 0.6 * np.nanmax(errors) else "black")
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    fig.colorbar(im, ax=ax, label="test images (off-diagonal: errors)")
    return fig


def plot_class_unit_means(means: dict, normalise: bool = True, highlight: dict | None = None):
    """Heat maps of class x unit mean activations, one panel per layer.

    ``means``: ``{title: (C, U) array}``. With ``normalise`` each unit (column) is divided by
    its largest class mean, so the colour reads as *fraction of the unit's best class*.
    ``highlight``: ``{title: [unit, ...]}`` units to mark with a triangle above their column.
    """
    n = len(means)
    widths = [m.shape[1] for m in means.values()]
    fig, axes = plt.subplots(n, 1, figsize=(10, 1.0 + 2.2 * n), squeeze=False)
    label = "mean activation\n/ unit's maximum" if normalise else "mean activation"
    for ax, (title, m), width in zip(axes[:, 0], means.items(), widths):
        m = np.asarray(m, dtype=float)
        if normalise:
            top = m.max(axis=0, keepdims=True)
            m = np.divide(m, top, out=np.zeros_like(m), where=top > 0)
        im = ax.imshow(m, aspect="auto", cmap="viridis", vmin=0, vmax=1 if normalise else None,
                       interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("class")
        ax.set_yticks(range(m.shape[0]))
        step = 1 if width <= 32 else 4
        ax.set_xticks(range(0, width, step))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("unit" if "dense" in title.lower() else "filter")
        for u in (highlight or {}).get(title, []):
            ax.plot(u, -0.9, marker="v", color="red", markersize=7, clip_on=False)
        fig.colorbar(im, ax=ax, label=label, pad=0.01)
    fig.tight_layout()
    return fig


def plot_mean_feature_maps(class_means, filters, classes=None, overall=None, size: float = 0.9):
    """Average feature maps: one column per filter in ``filters``, one row per class in
    ``classes`` (from ``class_means`` ``(C, H, W, F)``) plus a first row ``overall`` ``(H, W, F)``
    (all classes). Each column shares one colour scale (its largest value), labelled below."""
    class_means = np.asarray(class_means)
    classes = list(range(class_means.shape[0])) if classes is None else list(classes)
    rows = ([("all", overall)] if overall is not None else []) + [(str(c), class_means[c]) for c in classes]
    fig, axes = plt.subplots(len(rows), len(filters), figsize=(size * len(filters) + 0.8, size * len(rows) + 0.6),
                             squeeze=False)
    for j, f in enumerate(filters):
        vmax = max(float(np.max(r[..., f])) for _, r in rows) or 1.0
        for i, (name, r) in enumerate(rows):
            ax = axes[i, j]
            ax.imshow(r[..., f], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{f}", fontsize=8)
            if j == 0:
                ax.set_ylabel(f"class {name}" if name != "all" else "all", fontsize=8)
    fig.suptitle("filter", fontsize=9)
    fig.text(0.5, 0.005, "colour: mean activation, from 0 (black) to the column's maximum (white)",
             ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1), pad=0.2, h_pad=0.1, w_pad=0.1)
    return fig


def plot_top_exciting(images, positions, row_titles, receptive_field=None,
                      titles=None, size: float = 1.0):
    """Rows of the inputs that excite a filter most: ``images`` ``(R, K, H, W)`` uint8,
    ``positions`` ``(R, K, 2)`` (row, column) of the maximum in input pixels, drawn as a red
    square of side ``receptive_field`` (an int, or one per row; a cross if ``None``);
    ``titles`` ``(R, K)`` strings."""
    images = np.asarray(images)
    r, k = images.shape[:2]
    fields = receptive_field if isinstance(receptive_field, (list, tuple, np.ndarray)) else [receptive_field] * r
    fig, axes = plt.subplots(r, k, figsize=(size * k + 1.5, size * r * 1.15 + 0.2), squeeze=False)
    for i in range(r):
        for j in range(k):
            ax = axes[i, j]
            ax.imshow(images[i, j], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
            y, x = positions[i, j]
            if fields[i]:
                h = fields[i] / 2
                ax.add_patch(plt.Rectangle((x - h, y - h), fields[i], fields[i],
                                           fill=False, edgecolor="red", linewidth=1.2))
            else:
                ax.plot(x, y, "r+", markersize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles is not None:
                ax.set_title(titles[i][j], fontsize=7)
            if j == 0:
                ax.set_ylabel(row_titles[i], fontsize=8, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def plot_tuning(angles_deg, responses: dict, probes=None, preferred: dict | None = None,
                xlabel: str = "line angle (degrees, counter-clockwise from horizontal)",
                period: float | None = None):
    """Tuning curves: activation against probe angle for a few filters.

    ``responses``: ``{label: (A,) array}``; ``probes``: optional ``(A, H, W)`` uint8 drawn as a
    strip above the curves; ``preferred``: ``{label: angle}`` marked by a dashed line.
    With ``period`` (180 for lines, 360 for edges) the first point is repeated at
    ``angle + period``, so the curve closes over the full circle.
    """
    angles_deg = np.asarray(angles_deg, dtype=float)
    fig = plt.figure(figsize=(9, 4.4 if probes is not None else 3.4))
    if probes is not None:
        grid = fig.add_gridspec(2, 1, height_ratios=[1, 4], hspace=0.15)
        strip = grid[0].subgridspec(1, len(probes), wspace=0.08)
        for i, p in enumerate(probes):
            a = fig.add_subplot(strip[i])
            a.imshow(p, cmap="gray_r", vmin=0, vmax=255)
            a.set_xticks([])
            a.set_yticks([])
            for spine in a.spines.values():
                spine.set_edgecolor("0.6")
            a.set_title(f"{angles_deg[i]:g}°", fontsize=7)
        ax = fig.add_subplot(grid[1])
    else:
        ax = fig.add_subplot(1, 1, 1)
    x = np.append(angles_deg, angles_deg[0] + period) if period else angles_deg
    for label, r in responses.items():
        r = np.asarray(r)
        line, = ax.plot(x, np.append(r, r[0]) if period else r, marker="o", label=label)
        if preferred and label in preferred and np.isfinite(preferred[label]):
            ax.axvline(preferred[label], color=line.get_color(), linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("activation (ReLU output)")
    ax.set_xticks(x)
    ax.set_xlim(x[0] - 5, x[-1] + 5)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(alpha=0.3)
    return fig


# --- Chapter 3: Rotation ------------------------------------------------------------------


def plot_rotation_counts(counts):
    """Heat map of the ``(classes, 4)`` image counts per class and rotation, each cell labelled."""
    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    im = ax.imshow(counts, cmap="Blues", vmin=0, vmax=counts.max() * 1.3, aspect="auto")
    for (i, j), c in np.ndenumerate(counts):
        ax.text(j, i, f"{c:,}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(counts.shape[1]), [f"{90 * k}°" for k in range(counts.shape[1])])
    ax.set_yticks(range(counts.shape[0]))
    ax.set_xlabel("rotation (counter-clockwise)")
    ax.set_ylabel("digit class")
    fig.colorbar(im, ax=ax, label="training images")
    fig.tight_layout()
    return fig


def plot_effective_kernel(permutation, effective_kernel, filters: int, size: int):
    """The block structure ``K = [W, PW, P^2 W, P^3 W]``.

    ``permutation``: a small ``P`` (e.g. ``(9, 9)`` for 3 x 3 images); ``effective_kernel``:
    ``(size*size, 4*filters)`` for the few ``filters`` shown. Three panels: P, K as a matrix
    with its four blocks marked, and every column of K reshaped to a ``size x size`` image.
    """
    permutation, effective_kernel = np.asarray(permutation), np.asarray(effective_kernel)
    fig = plt.figure(figsize=(11, 3.9))
    grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 1.3], wspace=0.5, left=0.06, right=0.99, top=0.86,
                            bottom=0.14)
    ax = fig.add_subplot(grid[0])
    n = permutation.shape[0]
    ax.imshow(permutation, cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("input pixel j (row-major)")
    ax.set_ylabel("output pixel i")
    side = int(round(np.sqrt(n)))
    ax.set_title(f"(a) P for {side}×{side} images:\n$P_{{ij}}=1$ if rotation moves j to i", fontsize=9)

    ax = fig.add_subplot(grid[1])
    lim = np.abs(effective_kernel).max()
    im = ax.imshow(effective_kernel, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    for k in range(1, 4):
        ax.axvline(k * filters - 0.5, color="k", lw=1.5)
    ax.set_xticks([k * filters + (filters - 1) / 2 for k in range(4)], ["$W$", "$PW$", "$P^2W$", "$P^3W$"])
    ax.set_xlabel(f"column k·F + f  ({filters} filters f per block)")
    ax.set_ylabel(f"pixel (row-major, {size}×{size})")
    ax.set_title(f"(b) K, shape ({size * size}, 4·{filters})", fontsize=9)
    fig.colorbar(im, ax=ax, label="weight", fraction=0.08, pad=0.03)

    sub = grid[2].subgridspec(filters, 4, wspace=0.05, hspace=0.12)
    for f in range(filters):
        for k in range(4):
            a = fig.add_subplot(sub[f, k])
            a.imshow(effective_kernel[:, k * filters + f].reshape(size, size), cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            if f == 0:
                a.set_title(f"k={k}\n({90 * k}°)", fontsize=8)
            if k == 0:
                a.set_ylabel(f"filter {f}", fontsize=8)
    fig.text(0.80, 0.97, "(c) columns as images", ha="center", fontsize=9)
    return fig


def plot_rotation_shift(y, y_rotated, k: int):
    """Two heat maps ``(4, F)``: the layer's outputs for a digit and for the digit rotated by ``k``."""
    y, y_rotated = np.asarray(y), np.asarray(y_rotated)
    lim = max(np.abs(y).max(), np.abs(y_rotated).max())
    fig, axes = plt.subplots(2, 1, figsize=(9, 3.6), sharex=True)
    for ax, values, title in [(axes[0], y, "y(x)"), (axes[1], y_rotated, f"y(x rotated by {90 * k}°)")]:
        im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
        ax.set_yticks(range(4), [f"k={i}" for i in range(4)])
        ax.set_ylabel("copy")
        ax.set_title(title, fontsize=9)
    axes[1].set_xlabel("filter f")
    fig.colorbar(im, ax=axes, label="pre-activation output")
    return fig


def plot_curves(summaries, key: str = "val_accuracy", ylabel: str = "validation accuracy"):
    """One line per model: the mean over seeds of a per-epoch curve, and a band from the lowest
    to the highest seed. ``summaries``: :func:`lib.stats.summarize_seeds` dicts."""
    curves = {s["model"]: (s["curves"][key]["mean"], s["curves"][key]["min"], s["curves"][key]["max"])
              for s in summaries}
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, (mean, low, high) in curves.items():
        epochs = np.arange(1, len(mean) + 1)
        line, = ax.plot(epochs, mean, marker="o", ms=3, label=label)
        ax.fill_between(epochs, low, high, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_per_rotation(accuracies: dict):
    """Grouped bars: label -> ``(4,)`` accuracy for rotations 0°, 90°, 180°, 270°."""
    labels = list(accuracies)
    width = 0.8 / len(labels)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    low = min(np.min(v) for v in accuracies.values())
    for i, label in enumerate(labels):
        ax.bar(np.arange(4) + (i - (len(labels) - 1) / 2) * width, np.asarray(accuracies[label]), width,
               label=label)
    ax.set_xticks(range(4), [f"{90 * k}°" for k in range(4)])
    ax.set_xlabel("rotation of every test image (counter-clockwise)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(max(0.0, low - 0.03), 1.0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    return fig


def plot_confusions(matrices: dict):
    """Row-normalised confusion matrices side by side (label -> ``(10, 10)`` counts), in percent."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.3 * len(matrices), 4.2), squeeze=False)
    for ax, (label, cm) in zip(axes[0], matrices.items()):
        cm = np.asarray(cm, dtype=np.float64)
        pct = 100 * cm / cm.sum(axis=1, keepdims=True)
        off = pct.copy()
        np.fill_diagonal(off, np.nan)
        im = ax.imshow(off, cmap="Reds", vmin=0, vmax=max(1.0, np.nanmax(off)))
        for (i, j), v in np.ndenumerate(pct):
            if i != j and v >= 1.0:
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7)
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(label, fontsize=9)
        fig.colorbar(im, ax=ax, label="% of the true class (off-diagonal)", fraction=0.046)
    fig.tight_layout()
    return fig
