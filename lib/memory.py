"""Give memory that the program has freed back to the operating system.

TensorFlow and NumPy allocate a batch's activations (megabytes to tens of megabytes) from the
C library's heap. On Linux, glibc keeps a freed block for reuse, and once small blocks that
stay alive sit between the freed ones, the heap cannot shrink: a loop over the 10,000 MNIST
test images in batches grew a chapter's kernel by about a gigabyte, all of it free, more than
Binder allows. :func:`release_freed_memory` after each batch keeps the process at one batch's
worth. NumPy-free and TensorFlow-free.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system (``malloc_trim(0)``, every arena).

    Returns True if the C library can do it (glibc) and did; False elsewhere, where it does
    nothing. Takes about a millisecond; call it after a batch, not after every small array.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
