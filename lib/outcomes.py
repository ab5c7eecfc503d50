"""Outcomes of expensive evaluations of the shipped networks, computed once and shipped.

A trained network ships with the book (:mod:`lib.cache`); some of what a chapter computes from
it costs more than the network itself, on a reader's single core. Such an outcome is stored
like generated data (:func:`lib.cache.generated`, in ``weights/samples/``), keyed on the
network's cache key, a fingerprint of the images it reads and the code that computes it, so a
retrained network or changed data makes it anew.
"""

from __future__ import annotations

import hashlib

import numpy as np

from lib import cache as store


def fingerprint(*arrays) -> str:
    """A short SHA-256 of arrays' dtypes, shapes and bytes (which images were read)."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:16]


def _shift_average_outcome(network: str, images: str, shift_sets: dict, result, data) -> dict:
    """``make`` of :func:`shift_average`: :func:`lib.translation.shift_average_by_validation`
    as arrays (candidate names, their validation accuracies, the chosen one, its test accuracy,
    whether it is right on each test image: empty when the network alone is chosen)."""
    from lib.translation import shift_average_by_validation

    val, chosen, test, correct = shift_average_by_validation(
        result, data, {name: tuple(tuple(s) for s in shifts) for name, shifts in shift_sets.items()})
    return {"names": np.array(list(val)), "val": np.array(list(val.values()), np.float64),
            "chosen": np.array(chosen), "test": np.array(test, np.float64),
            "correct": np.zeros(0, bool) if correct is None else np.asarray(correct, bool)}


def shift_average(result, data, shift_sets=None):
    """:func:`lib.translation.shift_average_by_validation`, made once and shipped.

    ``result``: the network's :class:`lib.train.TrainResult` (its ``name`` and ``key`` identify
    the weights); ``data``: ``x_val``, ``y_val``, ``x_test``, ``y_test``. Returns the same
    ``(val, chosen, test, correct)``: validation accuracy per candidate, the chosen candidate,
    its test accuracy, and ``bool (N_test,)`` whether it is right on each test image (``None``
    when the network alone is chosen); the test set is read once, when the outcome is made."""
    from lib.translation import SHIFT_SETS

    sets = SHIFT_SETS if shift_sets is None else shift_sets
    made = store.generated(
        f"shift-average-{result.name}", _shift_average_outcome, network=result.key,
        images=fingerprint(data["x_val"], data["y_val"], data["x_test"], data["y_test"]),
        shift_sets={name: [list(s) for s in shifts] for name, shifts in sets.items()},
        unkeyed={"result": result, "data": data})
    val = {str(n): float(v) for n, v in zip(made["names"], made["val"])}
    correct = made["correct"] if made["correct"].size else None
    return val, str(made["chosen"]), float(made["test"]), correct
