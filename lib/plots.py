"""Plotting helpers. Each takes arrays (never a model) and returns a matplotlib Figure.

Computing lives in :mod:`lib.analysis` and :mod:`lib.train`; this module only draws,
so both halves can be tested separately.
"""

from __future__ import annotations

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


# --- Chapter 2: Opening the black box -----------------------------------------------------


# --- Chapter 3: Rotation ------------------------------------------------------------------
