"""The book's figure style, shared by every chapter's figures.

Every figure is drawn for the book's content column, about 690 pixels wide: at most
:data:`COLUMN_WIDTH_IN` inches at :data:`FIGURE_DPI` dots per inch, so that Jupyter's inline
backend (which saves with ``bbox_inches='tight'`` at the figure's dpi) produces an image that the
page shows at its natural size, with text no smaller than :data:`MIN_FONT_PT` points. Every public
figure function draws inside :data:`STYLE` (see :func:`book_style`).
"""

from __future__ import annotations

import functools
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker


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


def _style_cycle(i: int) -> dict:
    """The i-th of a set of line styles that stay distinguishable where curves overlap."""
    markers = ["o", "s", "^", "D", "v", "P", "X", "<"]
    dashes = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 2, 1, 2))]
    return {"marker": markers[i % len(markers)], "ls": dashes[i % len(dashes)], "mfc": "none", "mew": 1.3}


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


def _top_at_tick(ax, highest: float):
    """Raise the top of the y axis to the first major tick above ``highest``, so that the
    highest curve sits below a labelled tick instead of above the last one."""
    ticks = ax.get_yticks()
    step = ticks[1] - ticks[0]
    ax.set_ylim(top=(np.floor(highest / step + 1e-9) + 1) * step + 1e-9 * step)
