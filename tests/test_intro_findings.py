"""What the introduction shows and states (lib.intro_findings), on small synthetic data (no network
is trained or loaded)."""

import numpy as np
import pytest

from lib import intro_findings as findings


def test_question_panels_move_and_turn_the_first_seven(monkeypatch):
    from lib import intro
    from lib.data import rotate90

    digits = np.zeros((4, 28, 28), np.uint8)
    digits[:, 0, :] = 255  # a bar along the top edge of each digit
    digits[2, 1, 0] = 7  # the first 7, marked by one pixel
    data = {"digits_test": digits, "y_test": np.array([1, 4, 7, 7], np.uint8)}
    seen = {}

    def answers(models, canvases):
        seen["models"], seen["canvases"] = models, canvases
        return [f"{name}: {i} (50.0%)" for i, name in enumerate(["a", "b", "c", "d", "e"])]

    monkeypatch.setattr(intro, "predictions_text", answers)
    canvases, names, titles = findings.question_panels(data, {"dense": "model"})
    assert canvases.shape == (5, 50, 50) and canvases.dtype == np.uint8
    assert canvases[0, 12, 11] == 7 and canvases[1, 1, 0] == 7 and canvases[2, 23, 22] == 7  # centre, corners
    assert np.array_equal(canvases[3], rotate90(canvases[0], 1))  # the centred canvas, a quarter turn
    assert np.array_equal(canvases[4], rotate90(canvases[0], 2)) and canvases[4, 37, 38] == 7
    assert names[1] == "top left" and seen["models"] == {"dense": "model"} and seen["canvases"] is canvases
    assert titles[1] == "top left\nb: 1 (50.0%)"


def test_corner_findings_glue_the_three_accuracies():
    out = findings.corner_findings([0.97, 0.21, 0.18], "top left", np.int64(7))
    assert out == {"intro-dense-centre": 0.97, "intro-dense-top-left": 0.21, "intro-dense-bottom-right": 0.18}


@pytest.mark.parametrize("accuracies, name, answer, prose", [
    ([0.97, 0.98, 0.18], "top left", 7, "less often than when they are centred"),  # a corner read better
    ([0.97, 0.21, 0.18], "top left", 1, "reads this 7 in a corner"),  # the 7 in the corner misread
    ([0.97, 0.21, 0.18], "centred", 7, "reads this 7 in a corner"),  # not the corner panel
])
def test_corner_findings_refuse_what_the_page_denies(accuracies, name, answer, prose):
    with pytest.raises(AssertionError, match=prose):
        findings.corner_findings(accuracies, name, answer)
