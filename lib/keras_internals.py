"""What the training loop needs below Keras' public API, each with the reason, in one place.

One private Keras method (:func:`build_training_state`), checked against the Keras version of
``requirements.txt`` (:data:`CHECKED_KERAS`): a different version gets a clear error at the
first call, with what to do, instead of a silent change of behaviour; and one call into the C
library (:func:`release_free_memory`).
"""

from __future__ import annotations

import ctypes

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

#: The Keras release line these calls were checked against.
CHECKED_KERAS = "3.15."


def _check_version(call: str):
    if not keras.__version__.startswith(CHECKED_KERAS):
        raise RuntimeError(
            f"lib.keras_internals.{call} relies on a private Keras method checked with Keras "
            f"{CHECKED_KERAS}x, but Keras {keras.__version__} is installed: install the version in "
            "requirements.txt, or check the method in the new release and update CHECKED_KERAS")


def build_training_state(model, batch):
    """Create the optimizer's and the metrics' variables now, outside any traced function.

    ``batch``: ``(x, y, None)`` with one example. Left to Keras, these variables are created
    while ``fit`` traces its first step, and TensorFlow then registers the conditional
    initialiser of every such variable in its global function library, where it stays after
    the model is gone: about 5 MB per trained network. ``Model._symbolic_build`` is the
    (private) method Keras itself calls to create them.
    """
    _check_version("build_training_state")
    model._symbolic_build(data_batch=batch)


def release_free_memory():
    """Hand memory that training freed back to the operating system (glibc's ``malloc_trim``).

    Each run frees its batches and activations in many small pieces, which the C allocator
    otherwise keeps for reuse; over the dozens of runs of a chapter that is measurably more
    resident memory. A no-op where glibc is not the C library.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
