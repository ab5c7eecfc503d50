"""What the introduction (``book/intro.md``) shows and states: the panels of its first figure and
the values it glues into the prose.

The figure puts one test 7 on the 50x50 canvas of the chapter *Translation*, moved and turned,
with the answers of two networks of that chapter; the prose then measures the dense network on
every test digit at the figure's places. A sentence of the page that the numbers contradict
raises ``AssertionError`` with the words of the page.
"""

from __future__ import annotations

import numpy as np


def question_panels(data: dict, models: dict) -> tuple:
    """The first figure: the first 7 of the test set moved and turned
    (:func:`lib.intro.moved_and_turned`), and what each of ``models`` (``{name: Keras
    model}``) answers for each canvas.

    ``data``: :func:`lib.data.translated_mnist`. Returns ``(canvases, names, titles)``:
    ``uint8 (5, S, S)``, the short name of each canvas, and its title (the name, then one
    ``"model: class (probability)"`` line per model, :func:`lib.intro.predictions_text`)."""
    from lib.intro import moved_and_turned, predictions_text

    seven = data["digits_test"][np.asarray(data["y_test"]) == 7][0]
    canvases, names = moved_and_turned(seven)
    answers = predictions_text(models, canvases)
    return canvases, names, [f"{name}\n{answer}" for name, answer in zip(names, answers)]


def corner_findings(accuracies, name: str, answer: int) -> dict:
    """Glue values ``intro-dense-{centre,top-left,bottom-right}``: the dense network's accuracy
    (floats) on every test digit placed at the centre, in the top-left corner and in the
    bottom-right one, in that order.

    ``name`` and ``answer``: the figure's corner canvas and the class the dense network gives its
    7. Raises ``AssertionError`` unless the network reads that 7 in the top-left corner while both
    corners are read less well than the centre, as the page says."""
    centre, top_left, bottom_right = accuracies
    if not (name == "top left" and answer == 7):
        raise AssertionError(f'the page says "The dense network reads this 7 in a corner", but in the '
                             f'{name} corner it answers {answer}')
    if not max(top_left, bottom_right) < centre:
        raise AssertionError(f'the page says that on all the test digits in a corner the dense network is right '
                             f'less often than when they are centred, but its accuracies are {centre} (centre), '
                             f'{top_left} (top left) and {bottom_right} (bottom right)')
    return {"intro-dense-centre": centre, "intro-dense-top-left": top_left, "intro-dense-bottom-right": bottom_right}
