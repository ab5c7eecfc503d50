"""The introduction's one picture: a digit moved and turned, and what two networks answer.

Used by ``book/intro.md`` (through :mod:`lib.intro_findings`) with networks of the chapter
*Translation*; images are ``uint8`` canvases as everywhere in the book.
"""

from __future__ import annotations

import numpy as np

from lib.data import CANVAS_SIZE, centered_on_canvas, place_at


def moved_and_turned(digit, canvas_size: int = CANVAS_SIZE):
    """One ``uint8 (28, 28)`` digit on a canvas: centred, moved to two corners, turned.

    Returns ``(canvases, names)``: ``uint8 (5, S, S)`` and a short name for each.
    """
    from lib.data import rotate90

    digit = np.asarray(digit)[None]
    far = canvas_size - digit.shape[1]
    centred = centered_on_canvas(digit, canvas_size)[0]
    corner, other = place_at(np.concatenate([digit, digit]), [(0, 0), (far, far)], canvas_size)
    canvases = np.stack([centred, corner, other, rotate90(centred, 1), rotate90(centred, 2)])
    return canvases, ["centred", "top left", "bottom right", "turned 90° left", "turned 180°"]


def accuracy_at_positions(model, digits, labels, positions, canvas_size: int = CANVAS_SIZE) -> list:
    """Accuracy of ``model`` on all ``uint8 (N, 28, 28)`` digits placed with their top-left
    corner at each ``(row, column)`` of ``positions`` in turn: one float per position."""
    from lib.train import accuracy

    digits = np.asarray(digits)
    return [accuracy(model, place_at(digits, tuple(p), canvas_size), labels) for p in positions]


def predictions_text(models: dict, canvases) -> list[str]:
    """For each canvas, one line per model: ``"name: class (probability)"``."""
    from lib.train import predict_proba

    lines = [[] for _ in canvases]
    for name, model in models.items():
        probs = predict_proba(model, canvases)
        for i, p in enumerate(probs):
            lines[i].append(f"{name}: {int(p.argmax())} ({p.max():.1%})")
    return ["\n".join(parts) for parts in lines]
