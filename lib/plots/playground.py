"""The figures of the playground."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from lib.plots.style import COLUMN_WIDTH_IN, MIN_FONT_PT, _frame, book_style


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
