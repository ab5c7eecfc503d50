"""Custom Keras layers that share weights between rotated copies of a filter.

Explained in the chapter *Rotation and group convolution* (``book/rotation.md``).

Convention (the same as :func:`lib.data.rotate90`): rotating an image by ``k``
quarter turns is ``np.rot90(image, k)`` on its (row, column) axes, counter-clockwise.
On the flattened image this is a permutation: ``rotate90(x, k).ravel() ==
x.ravel()[rotation_permutation(H, k)]``, i.e. multiplication by the permutation
matrix ``P**k`` (:func:`rotation_matrix`), with ``P**4 == I``.

Layers
------
:class:`RotatedDense`
    ``(N, H, H[, 1]) -> (N, 4, filters)``: inner products of the image with each
    filter rotated by 0, 90, 180, 270 degrees. Rotating the input by ``j``
    quarter turns rolls the rotation axis by ``+j``:
    ``y(rot^j x) == np.roll(y(x), j, axis=1)``.
:class:`LiftingConv2D`
    ``(N, H, H, C) -> (N, H', H', 4, filters)`` (the plane Z2 lifted to the group p4).
:class:`GroupConv2D`
    ``(N, H, H, 4, C) -> (N, H', H', 4, filters)`` (p4 to p4).
:class:`RotationPool`
    ``(..., 4, F) -> (..., F)``: max or mean over the rotation axis (invariant).
:class:`SpatialMaxPool`, :class:`RotationBatchNorm`
    2 x 2 max pooling and batch normalisation of p4 features (equivariant).

For the two convolutions, rotating the input by one quarter turn rotates every
output feature map by one quarter turn *and* rolls the rotation axis by +1:
``y(rot x)[..., r, :] == rot(y(x)[..., r - 1, :])`` on the spatial axes.
"""

from __future__ import annotations

import numbers

import numpy as np

from lib import import_tensorflow_quietly
from lib.data import quarter_turns

import_tensorflow_quietly()

import keras  # noqa: E402
from keras import ops  # noqa: E402

#: Quarter turns in the group p4 (and copies of each filter).
ROTATIONS = 4


# --- The permutation matrix P, for checking ------------------------------------------------


def rotation_permutation(size: int, k: int = 1) -> np.ndarray:
    """Index array ``perm`` (``int64``, ``(size*size,)``) with ``rot90(x, k).ravel() == x.ravel()[perm]``.

    ``x`` is a ``size x size`` image flattened row by row.
    """
    size = _positive_int(size, "size")
    return np.rot90(np.arange(size * size).reshape(size, size), int(quarter_turns(k))).ravel().astype(np.int64)


def _positive_int(value, name):
    """``int(value)`` for a positive integer, else a ValueError naming ``name`` (2.5 is refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def rotation_matrix(size: int, k: int = 1) -> np.ndarray:
    """The ``(size**2, size**2)`` ``float32`` permutation matrix ``P**k`` built explicitly.

    ``P @ x.ravel() == rotate90(x, 1).ravel()`` for a ``size x size`` image ``x``;
    ``P`` is orthogonal (``P.T == P**-1 == P**3``) and ``P**4 == I``.
    Built for one quarter turn from its definition, then raised to the power ``k``
    with matrix products (not from ``rotation_permutation(size, k)``), so that
    comparing it with the layer is an independent check.
    """
    k = int(quarter_turns(k))
    n = _positive_int(size, "size") ** 2
    perm = rotation_permutation(size, 1)
    p = np.zeros((n, n), dtype=np.float32)
    p[np.arange(n), perm] = 1.0  # (P x)_i = x_perm[i]
    return np.linalg.matrix_power(p, k)


def effective_kernel_from_permutations(kernel) -> np.ndarray:
    """The ``(H*W, 4*filters)`` effective kernel ``[W, P W, P^2 W, P^3 W]`` by explicit matrices.

    ``kernel`` is the ``(H, W, filters)`` array of a :class:`RotatedDense` layer;
    column ``k*filters + f`` is ``P**k`` times filter ``f`` flattened.
    """
    if hasattr(kernel, "numpy"):  # a Keras variable or tensor (np.asarray on a variable warns)
        kernel = kernel.numpy()
    kernel = np.asarray(kernel, dtype=np.float32)
    h, w, filters = kernel.shape
    if h != w:
        raise ValueError(f"kernel must be square, got {h} x {w}")
    flat = kernel.reshape(h * w, filters)
    return np.concatenate([rotation_matrix(h, k) @ flat for k in range(ROTATIONS)], axis=1)


# --- RotatedDense ------------------------------------------------------------------------


def _square_image_shape(input_shape, layer_name):
    """(H, W) of (N, H, W) or (N, H, W, 1) input, or a clear ValueError."""
    shape = tuple(input_shape)
    if len(shape) == 4:
        if shape[-1] != 1:
            raise ValueError(
                f"{layer_name} takes one-channel images (N, H, W) or (N, H, W, 1); got {shape} "
                f"with {shape[-1]} channels"
            )
        shape = shape[:3]
    if len(shape) != 3:
        raise ValueError(
            f"{layer_name} takes a batch of square images of shape (N, H, W) or (N, H, W, 1); "
            f"got an input of rank {len(tuple(input_shape))}, shape {tuple(input_shape)}"
        )
    h, w = shape[1], shape[2]
    if h is None or w is None:
        raise ValueError(f"{layer_name} needs a known image size, got shape {tuple(input_shape)}")
    if h != w:
        raise ValueError(
            f"{layer_name} needs square images (a quarter turn must map the image onto itself); "
            f"got height {h} and width {w}"
        )
    return int(h), int(w)


@keras.saving.register_keras_serializable(package="symbook")
class RotatedDense(keras.layers.Layer):
    """A dense layer whose every filter is used in four rotated copies.

    Input: ``float`` images ``(N, H, H)`` or ``(N, H, H, 1)``.
    Output: ``(N, 4, filters)`` with
    ``y[n, k, f] = activation(<x_n, rot90(w_f, k)> + b_f)``, ``w_f`` the ``H x H``
    filter ``f`` and ``b_f`` one bias shared by its 4 copies.

    Trainable weights: ``kernel`` ``(H, H, filters)`` and ``bias`` ``(filters,)``,
    that is ``filters*H*H + filters`` numbers, the same as a dense layer with
    ``filters`` units.

    Equivariance: ``y(rotate90(x, j)) == np.roll(y(x), j, axis=1)`` (before or
    after a pointwise activation). Max or mean over axis 1 is invariant.
    """

    def __init__(self, filters: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.filters = _positive_int(filters, "filters")
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        h, w = _square_image_shape(input_shape, "RotatedDense")
        self.size = h
        # Called on another image size later, Keras raises a clear error (the channel axis is
        # checked in call: (N, H, W) and (N, H, W, 1) are both accepted).
        self.input_spec = keras.InputSpec(min_ndim=3, max_ndim=4, axes={1: h, 2: w})
        init, flat_shape = self.kernel_initializer, (h * w, self.filters)

        def kernel_init(shape, dtype=None):
            # Draw as a (H*W, filters) matrix, so that Glorot sees fan_in = H*W and
            # fan_out = filters, the same scale as Dense(filters) (a (H, W, F) shape would
            # give fan_out = W*F), then fold into (H, W, F).
            return ops.reshape(init(flat_shape, dtype=dtype), shape)

        self.kernel = self.add_weight(name="kernel", shape=(h, w, self.filters),
                                      initializer=kernel_init, trainable=True)
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                     trainable=True) if self.use_bias else None)
        # perms[k] gathers the rows of the flattened kernel into P**k w.
        self._perms = np.stack([rotation_permutation(h, k) for k in range(ROTATIONS)])

    def effective_kernel(self):
        """The ``(H*W, 4*filters)`` matrix ``[W, P W, P^2 W, P^3 W]`` the layer multiplies by.

        Column ``k*filters + f`` is filter ``f`` rotated by ``k`` quarter turns, flattened.
        Returns a backend tensor (``keras.ops.convert_to_numpy`` gives an array).
        """
        n = self.size * self.size
        flat = ops.reshape(self.kernel, (n, self.filters))
        blocks = [ops.take(flat, self._perms[k], axis=0) for k in range(ROTATIONS)]
        return ops.concatenate(blocks, axis=1)

    def call(self, inputs):
        n = self.size * self.size
        if len(inputs.shape) == 4 and inputs.shape[-1] != 1:
            raise ValueError(f"RotatedDense takes one-channel images (N, H, W) or (N, H, W, 1); got shape "
                             f"{tuple(inputs.shape)} with {inputs.shape[-1]} channels")
        # Integer input (uint8 pixels) computes like Dense: cast to the layer's float dtype.
        x = ops.reshape(ops.cast(inputs, self.compute_dtype), (-1, n))
        kernel = ops.cast(self.effective_kernel(), x.dtype)
        y = ops.reshape(ops.matmul(x, kernel), (-1, ROTATIONS, self.filters))
        if self.use_bias:
            y = y + ops.cast(self.bias, y.dtype)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        _square_image_shape(input_shape, "RotatedDense")
        return (input_shape[0], ROTATIONS, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        })
        return config


# --- Group convolutions on p4 ------------------------------------------------------------


def _rot_spatial(kernel, k):
    """Rotate a conv kernel ``(kh, kw, ...)`` by ``k`` quarter turns on its first two axes (np.rot90)."""
    return ops.rot90(kernel, k=k % 4, axes=(0, 1))


class _P4Conv(keras.layers.Layer):
    """Shared parts of :class:`LiftingConv2D` and :class:`GroupConv2D`."""

    def __init__(self, filters: int, kernel_size: int = 3, padding: str = "valid", activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = _positive_int(filters, "filters")
        if isinstance(kernel_size, (tuple, list)):
            if len(kernel_size) != 2 or kernel_size[0] != kernel_size[1]:
                raise ValueError(f"kernel_size must be square, got {kernel_size}")
            kernel_size = kernel_size[0]
        kernel_size = _positive_int(kernel_size, "kernel_size")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        if padding == "same" and int(kernel_size) % 2 == 0:
            raise ValueError("padding='same' needs an odd kernel_size: an even kernel pads unevenly and "
                             "breaks exact rotation equivariance")
        self.kernel_size = kernel_size
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def _check_spatial(self, shape, rank, what):
        shape = tuple(shape)
        if len(shape) != rank:
            raise ValueError(f"{type(self).__name__} takes {what}; got rank {len(shape)}, shape {shape}")
        if shape[1] is not None and shape[2] is not None and shape[1] != shape[2]:
            raise ValueError(
                f"{type(self).__name__} needs square feature maps (a quarter turn must map them onto "
                f"themselves); got height {shape[1]} and width {shape[2]}"
            )

    def _fix_input(self, shape):
        """After building, another size or channel count raises a clear error (not a wrong batch)."""
        self.input_spec = keras.InputSpec(shape=(None,) + tuple(shape)[1:])

    def _add_bias(self):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        trainable=True)
        else:
            self.bias = None

    def _finish(self, y):
        """Conv output ``(N, H', W', 4*filters)`` -> ``(N, H', W', 4, filters)``, bias, activation."""
        shape = ops.shape(y)
        y = ops.reshape(y, (-1, shape[1], shape[2], ROTATIONS, self.filters))
        if self.use_bias:
            y = y + ops.cast(self.bias, y.dtype)
        return self.activation(y)

    def _out_size(self, size):
        if size is None or self.padding == "same":
            return size
        return size - self.kernel_size + 1

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "padding": self.padding,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        })
        return config


@keras.saving.register_keras_serializable(package="symbook")
class LiftingConv2D(_P4Conv):
    """Lifting convolution Z2 -> p4: each filter is correlated with the image in 4 rotations.

    Input: ``(N, H, H, C)``. Output: ``(N, H', H', 4, filters)`` with
    ``y[..., r, f] = activation(corr(x, rot90(w_f, r)) + b_f)`` (Keras ``Conv2D``
    cross-correlation, stride 1, ``padding`` ``"valid"`` or ``"same"``).
    Trainable weights: ``kernel_size**2 * C * filters + filters`` (one bias per filter).

    Equivariance: ``y(rot x)[..., r, :] == rot(y(x)[..., r - 1, :])``.
    """

    def build(self, input_shape):
        self._check_spatial(input_shape, 4, "images of shape (N, H, H, C)")
        self._fix_input(input_shape)
        channels = input_shape[-1]
        self.kernel = self.add_weight(name="kernel",
                                      shape=(self.kernel_size, self.kernel_size, channels, self.filters),
                                      initializer=self.kernel_initializer, trainable=True)
        self._add_bias()

    def effective_kernel(self):
        """``(k, k, C, 4*filters)`` Conv2D kernel: block ``r`` is the kernel rotated by ``r`` quarter turns."""
        blocks = [_rot_spatial(self.kernel, r) for r in range(ROTATIONS)]  # each (k, k, C, F)
        return ops.concatenate(blocks, axis=-1)

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        kernel = ops.cast(self.effective_kernel(), self.compute_dtype)
        return self._finish(ops.conv(inputs, kernel, strides=1, padding=self.padding))

    def compute_output_shape(self, input_shape):
        size = self._out_size(input_shape[1])
        return (input_shape[0], size, size, ROTATIONS, self.filters)


@keras.saving.register_keras_serializable(package="symbook")
class GroupConv2D(_P4Conv):
    """Group convolution p4 -> p4.

    Input: ``(N, H, H, 4, C)`` (a feature on p4: position and rotation).
    Output: ``(N, H', H', 4, filters)`` with
    ``y[..., r, f] = activation(sum_{s, c} corr(x[..., s, c], rot90(w[:, :, (s - r) % 4, c, f], r)) + b_f)``.
    Trainable weights: ``kernel_size**2 * 4 * C * filters + filters``.

    Equivariance: ``y(L x)[..., r, :] == rot(y(x)[..., r - 1, :])`` where
    ``(L x)[..., s, :] = rot(x[..., s - 1, :])`` (rotate each map, roll the rotation axis by +1).
    """

    def build(self, input_shape):
        self._check_spatial(input_shape, 5, "features on p4 of shape (N, H, H, 4, C)")
        if input_shape[3] != ROTATIONS:
            raise ValueError(f"GroupConv2D needs 4 rotations on axis 3, got shape {tuple(input_shape)}")
        self._fix_input(input_shape)
        channels = input_shape[-1]
        self.in_channels = int(channels)
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, ROTATIONS, channels, self.filters),
            initializer=self.kernel_initializer, trainable=True)
        self._add_bias()

    def effective_kernel(self):
        """``(k, k, 4*C, 4*filters)`` Conv2D kernel; block ``(s, r)`` is ``rot90(w[:, :, (s - r) % 4], r)``."""
        k, c, f = self.kernel_size, self.in_channels, self.filters
        blocks = []
        for r in range(ROTATIONS):
            # roll by r on the rotation axis: rolled[:, :, s] = w[:, :, (s - r) % 4]
            rolled = ops.roll(self.kernel, shift=r, axis=2)
            blocks.append(ops.reshape(_rot_spatial(rolled, r), (k, k, ROTATIONS * c, f)))
        return ops.concatenate(blocks, axis=-1)

    def call(self, inputs):
        shape = ops.shape(inputs)
        x = ops.reshape(ops.cast(inputs, self.compute_dtype), (-1, shape[1], shape[2], ROTATIONS * self.in_channels))
        kernel = ops.cast(self.effective_kernel(), self.compute_dtype)
        return self._finish(ops.conv(x, kernel, strides=1, padding=self.padding))

    def compute_output_shape(self, input_shape):
        size = self._out_size(input_shape[1])
        return (input_shape[0], size, size, ROTATIONS, self.filters)


@keras.saving.register_keras_serializable(package="symbook")
class RotationPool(keras.layers.Layer):
    """Max or mean over the rotation axis: ``(..., 4, F) -> (..., F)``, invariant to rolling that axis."""

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean', got {mode!r}")
        self.mode = mode

    def build(self, input_shape):
        if len(input_shape) < 3 or input_shape[-2] != ROTATIONS:
            raise ValueError(f"RotationPool needs 4 rotations on the second-to-last axis, got {tuple(input_shape)}")
        self.input_spec = keras.InputSpec(ndim=len(input_shape), axes={-2: ROTATIONS})

    def call(self, inputs):
        return ops.max(inputs, axis=-2) if self.mode == "max" else ops.mean(inputs, axis=-2)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-2]) + (input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


@keras.saving.register_keras_serializable(package="symbook")
class SpatialMaxPool(keras.layers.Layer):
    """2 x 2 max pooling (stride 2) of p4 features ``(N, H, H, 4, F) -> (N, H/2, H/2, 4, F)``.

    Exactly equivariant when ``H`` is even (the 2 x 2 blocks map onto blocks under a quarter turn).
    """

    def build(self, input_shape):
        if len(input_shape) != 5 or input_shape[3] != ROTATIONS:
            raise ValueError(f"SpatialMaxPool takes (N, H, H, 4, F), got {tuple(input_shape)}")
        if input_shape[1] is not None and input_shape[1] % 2:
            raise ValueError(f"SpatialMaxPool needs an even size to stay equivariant, got {input_shape[1]}")
        self._channels = ROTATIONS * input_shape[-1]
        self.input_spec = keras.InputSpec(shape=(None,) + tuple(input_shape[1:]))

    def call(self, inputs):
        shape = ops.shape(inputs)
        x = ops.reshape(inputs, (-1, shape[1], shape[2], self._channels))
        x = ops.max_pool(x, pool_size=2, strides=2, padding="valid")
        s = ops.shape(x)
        return ops.reshape(x, (-1, s[1], s[2], ROTATIONS, shape[4]))

    def compute_output_shape(self, input_shape):
        size = None if input_shape[1] is None else input_shape[1] // 2
        return (input_shape[0], size, size) + tuple(input_shape[3:])


@keras.saving.register_keras_serializable(package="symbook")
class RotationBatchNorm(keras.layers.BatchNormalization):
    """Batch normalisation of p4 features ``(N, H, H, 4, F)``, shared by the 4 rotated copies.

    One mean, variance, scale and shift per filter, computed over batch, positions *and*
    rotations, so rolling the rotation axis or turning the maps commutes with it (exactly
    equivariant). That is ``keras.layers.BatchNormalization(axis=-1)`` on the 5-D features,
    which reduces over every axis but the last; this layer only refuses any other axis or
    shape, so that a p4 network cannot normalise its rotated copies apart by mistake. It
    computes in the layer's compute dtype with the ``epsilon`` it is given.
    """

    def __init__(self, **kwargs):
        axis = kwargs.setdefault("axis", -1)
        if axis not in (-1, 4, [-1], [4]):
            raise ValueError(f"RotationBatchNorm normalises the filter axis (-1), got axis={axis!r}")
        super().__init__(**kwargs)

    def build(self, input_shape):
        if len(input_shape) != 5 or input_shape[3] != ROTATIONS:
            raise ValueError(f"RotationBatchNorm takes (N, H, H, 4, F), got {tuple(input_shape)}")
        super().build(input_shape)
