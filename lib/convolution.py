"""The convolution of deep learning written out: a cross-correlation, by loops.

:func:`cross_correlation` computes Eq. (1.1) of the chapter *Translation*,
``(w * x)(i) = sum_k w(k) x(i + k)``, one output pixel at a time, with zero padding ("same")
or none ("valid"). It is slow and plain on purpose: the reference that Keras' ``Conv2D`` and
the book's group convolutions are checked against. NumPy only.
"""

from __future__ import annotations

import numpy as np

PADDINGS = ("valid", "same")

#: A 3x3 kernel whose weights rise from left to right (Sobel's): it responds where ink rises from
#: left to right, the left edge of a stroke. Chapter 1 slides it over a digit; chapter 3 lifts it.
EDGE_KERNEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def cross_correlation(image, kernel, padding: str = "valid") -> np.ndarray:
    """``float64`` map of ``image`` ``(H, W)`` correlated with ``kernel`` ``(k, k)``, stride 1.

    ``"valid"``: the kernel stays inside the image, output ``(H - k + 1, W - k + 1)``;
    ``"same"`` (odd ``k``): the image is padded with ``k // 2`` zeros on every side, output
    ``(H, W)``, and output pixel ``i`` is centred on input pixel ``i``, as in Keras' ``Conv2D``.
    Unlike the convolution of signal processing, the kernel is not flipped."""
    x, w = np.asarray(image, np.float64), np.asarray(kernel, np.float64)
    if x.ndim != 2 or w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"an image (H, W) and a square kernel (k, k), got shapes {x.shape} and {w.shape}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    k = w.shape[0]
    if padding == "same":
        if k % 2 == 0:
            raise ValueError(f"padding='same' needs an odd kernel (it pads k // 2 on every side), got k = {k}")
        x = np.pad(x, k // 2)
    rows, cols = x.shape[0] - k + 1, x.shape[1] - k + 1
    if rows < 1 or cols < 1:
        raise ValueError(f"the kernel ({k}x{k}) is larger than the image {x.shape}")
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i:i + k, j:j + k] * w)
    return out


def keras_conv2d(image, kernel, padding: str = "valid") -> np.ndarray:
    """The same map computed by a Keras ``Conv2D`` layer given ``kernel`` as its weights (one
    filter, no bias, stride 1): ``float32``, the shape of :func:`cross_correlation`'s."""
    import lib.train  # noqa: F401  (imports TensorFlow quietly)
    import keras

    x, w = np.asarray(image, np.float32), np.asarray(kernel, np.float32)
    if x.ndim != 2 or w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"an image (H, W) and a square kernel (k, k), got shapes {x.shape} and {w.shape}")
    layer = keras.layers.Conv2D(1, w.shape[0], padding=padding, use_bias=False)
    layer.build((1,) + x.shape + (1,))
    layer.kernel.assign(w[:, :, None, None])
    return keras.ops.convert_to_numpy(layer(x[None, :, :, None]))[0, :, :, 0]
