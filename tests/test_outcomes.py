"""Outcomes of expensive evaluations, made once and shipped (lib.outcomes)."""

import types

import numpy as np

from lib import outcomes, translation


def test_shift_average_is_made_once_keyed_on_the_network_and_equals_the_direct_call(tmp_path, monkeypatch):
    calls = []

    def fake_average(model, canvases, shifts, config=None, batch_size=256):
        calls.append(tuple(shifts))
        probs = np.zeros((len(canvases), 2), np.float32)
        probs[:, 1 if tuple(shifts) == ((0, 2),) else 0] = 1
        return probs

    monkeypatch.setattr(translation, "shift_averaged_proba", fake_average)
    monkeypatch.setenv("SYMBOOK_SAMPLES", str(tmp_path))
    data = {"x_val": np.zeros((4, 5, 5), np.uint8), "y_val": np.array([1, 1, 1, 0]),
            "x_test": np.ones((2, 5, 5), np.uint8), "y_test": np.array([1, 0])}
    result = types.SimpleNamespace(name="cnn-best-s0", key="0123456789abcdef", model=None,
                                   val_accuracy=0.5, test_accuracy=0.5)
    sets = {"bad": ((0, 4),), "good": ((0, 2),)}
    direct = translation.shift_average_by_validation(result, data, sets)
    calls.clear()
    made = outcomes.shift_average(result, data, sets)
    assert made[:3] == direct[:3] and isinstance(made[0]["averaged over good"], float)
    np.testing.assert_array_equal(made[3], direct[3])  # per test image, for the paired test
    assert len(calls) == 3 and len(list(tmp_path.glob("shift-average-cnn-best-s0-*.npz"))) == 1
    calls.clear()
    again = outcomes.shift_average(result, data, sets)
    assert again[:3] == direct[:3] and calls == []  # read back, not made
    np.testing.assert_array_equal(again[3], direct[3])
    # Negative controls: other weights or other images make a new entry.
    outcomes.shift_average(types.SimpleNamespace(**{**vars(result), "key": "fedcba9876543210"}), data, sets)
    outcomes.shift_average(result, {**data, "x_test": np.full((2, 5, 5), 2, np.uint8)}, sets)
    assert len(list(tmp_path.glob("shift-average-cnn-best-s0-*.npz"))) == 3 and len(calls) == 6
    # When the network alone is chosen, no per-image answers are stored, and None comes back.
    alone = types.SimpleNamespace(**{**vars(result), "key": "00000000000000ff", "val_accuracy": 0.9})
    assert outcomes.shift_average(alone, data, sets)[1:] == ("the network alone", 0.5, None)


def test_fingerprint_sees_values_dtype_and_shape():
    a = np.arange(6, dtype=np.uint8)
    assert outcomes.fingerprint(a) == outcomes.fingerprint(a.copy())
    assert len({outcomes.fingerprint(a), outcomes.fingerprint(a + 1), outcomes.fingerprint(a.reshape(2, 3)),
                outcomes.fingerprint(a.astype(np.int16))}) == 4
