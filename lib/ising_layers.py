"""Layers for spins on a torus, exactly invariant under the symmetries of the 2D Ising model.

The Hamiltonian ``H = -J sum_<ij> s_i s_j`` of spins ``s_i`` in ``{-1, +1}`` on an ``L x L``
torus is unchanged by (a) the ``L**2`` cyclic translations, (b) the point group D4 of the square
(4 rotations, 4 reflections; with (a) the wallpaper group p4m on the torus) and (c) the global
spin flip ``s -> -s``. This module holds the pieces of a network that respects all three
(assembled in :func:`lib.ising_models.symmetric_cnn`); it extends the p4 layers of
:mod:`lib.layers` by the 4 reflections and by circular (torus) padding.

Conventions
-----------
Images and features are ``float32`` with the spatial axes at 1 and 2: configurations
``(N, L, L, 1)``, features on the group ``(N, L, L, 8, C)`` (axis 3 is the group element).

**The group D4.** Element ``g = 4 m + r`` (``m`` in {0, 1}: mirrored or not; ``r`` in
{0, 1, 2, 3}: quarter turns) acts on an image as

    T_g x = rot90(mirror^m x, r),

first the mirror (``np.flip`` of the column axis, left <-> right), then ``r`` counter-clockwise
quarter turns (``np.rot90``, the convention of :func:`lib.data.rotate90`): :func:`d4_transform`.
Because a mirror reverses the sense of rotation, ``mirror o rot = rot^-1 o mirror``, so

    T_(m1, r1) T_(m2, r2) = rot^r1 mirror^m1 rot^r2 mirror^m2 = rot^(r1 + (-1)^m1 r2) mirror^(m1 + m2),

that is the product ``(m1, r1) (m2, r2) = (m1 xor m2, r1 + (-1)^m1 r2 mod 4)`` (:func:`d4_product`,
table :func:`d4_multiplication_table`). The identity is ``0``; the inverse of a rotation
``(0, r)`` is ``(0, -r)``, every reflection ``(1, r)`` is its own inverse (:func:`d4_inverse`).

**The regular representation.** A vector ``v`` indexed by the 8 elements transforms as
``(lambda(g) v)[s] = v[g^-1 s]``: a permutation of the group axis
(:func:`regular_permutation`). A feature on the group transforms by moving every map *and*
permuting the group axis (:func:`d4_act_on_features`):

    (g . f)[..., s, c] = T_g( f[..., g^-1 s, c] ).

This is a representation, ``(g . (h . f)) = (g h) . f``: ``T_g T_h f[h^-1 g^-1 s] = T_gh f[(gh)^-1 s]``.

**Equivariance of the convolutions** (``corr`` is Keras' cross-correlation with an odd,
centred kernel; a rotation or mirror of both image and kernel about their centres turns the
correlation the same way, ``corr(T_g x, T_g w) = T_g corr(x, w)``):

- lifting, :class:`D4LiftingConv2D`: ``y[..., h, f] = corr(x, T_h w_f)``, so
  ``y(T_g x)[h] = corr(T_g x, T_h w) = T_g corr(x, T_{g^-1 h} w) = T_g y(x)[g^-1 h]``, i.e.
  ``y(T_g x) = g . y(x)``;
- group to group, :class:`D4GroupConv2D`: ``y[..., h, f] = sum_{s, c} corr(x[..., s, c],
  (h . w)[:, :, s, c, f])`` with the kernel transformed like a feature
  (:func:`d4_act_on_filters`); the same substitution gives ``y(g . x) = g . y(x)``.

**Translations on the torus.** With ``padding="circular"`` the input is padded periodically by
``p = (kernel_size - 1) / 2`` on each side (:func:`circular_pad`) and the correlation is
``valid``: ``y[i, j] = sum_{a, b} x[(i + a - p) mod L, (j + b - p) mod L] w[a, b]``, a
correlation on the torus, which commutes with every cyclic shift ``np.roll``. Zero padding
(``"same"``) does not: the border sees zeros instead of the opposite edge.

**Pooling.** :class:`D4GroupPool` (max or mean over the 8 elements) then a mean over positions
makes the features invariant: a transformation only permutes the numbers pooled.

**Spin flip.** See :class:`EvenActivation`: the lifting convolution without bias is odd,
``y(-s) = -y(s)``, and an even function after it (``|y|``) makes everything after it see the
same numbers for ``s`` and ``-s``.

In float32 the spin flip gives the same numbers bit for bit (negation is exact, see
:class:`EvenActivation`). A shift or an element of D4 gives the same products, but the
convolution may sum them in another order (a turned kernel; another position in the
convolution's blocking) and the mean over positions adds in another order, so these agree to
rounding: about 1e-7 relative (measured in ``tests/test_ising_layers.py``).

Explained in the chapter on the 2D Ising model.
"""

from __future__ import annotations

import numbers

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
from keras import ops  # noqa: E402

#: Elements of D4 (4 rotations, 4 reflections): the length of the group axis.
D4_ORDER = 8

#: The default axes of the rows and columns of images and features: (N, rows, columns, ...).
SPATIAL_AXES = (1, 2)


# --- The group D4 ----------------------------------------------------------------------------


def _group_element(g, name="g") -> int:
    """``int(g)`` for an element index ``0..7`` of D4, else a ValueError naming ``name``."""
    if isinstance(g, (bool, np.bool_)) or not isinstance(g, numbers.Integral) or not 0 <= g < D4_ORDER:
        raise ValueError(f"{name} must be an element of D4, an integer 0..7 (4 * mirrored + quarter turns), "
                         f"got {g!r}")
    return int(g)


def d4_element(g: int) -> tuple[int, int]:
    """``(m, r)`` of element ``g = 4 m + r``: ``m`` = 1 if it mirrors, ``r`` = quarter turns (0..3)."""
    g = _group_element(g)
    return g // 4, g % 4


def d4_product(g: int, h: int) -> int:
    """The element ``g h`` (first ``h``, then ``g``): ``T_g T_h == T_{g h}`` on images.

    ``(m1, r1) (m2, r2) = (m1 xor m2, r1 + (-1)**m1 * r2 mod 4)``, because a mirror reverses the
    sense of the rotation that follows it (derived in the module docstring).
    """
    m1, r1 = d4_element(g)
    m2, r2 = d4_element(h)
    return 4 * (m1 ^ m2) + (r1 + (-1) ** m1 * r2) % 4


def d4_multiplication_table() -> np.ndarray:
    """``int64 (8, 8)``: ``table[g, h] = g h`` (:func:`d4_product`); each row and column a permutation."""
    return np.array([[d4_product(g, h) for h in range(D4_ORDER)] for g in range(D4_ORDER)], dtype=np.int64)


def d4_inverse(g: int) -> int:
    """The element ``g^-1`` with ``g g^-1 = 0``: ``(0, r) -> (0, -r)``; a reflection is its own inverse."""
    m, r = d4_element(g)
    return 4 * m + (r if m else -r % 4)


def regular_permutation(g: int) -> np.ndarray:
    """``int64 (8,)`` index array ``perm`` with ``perm[s] = g^-1 s``.

    The regular representation: ``(lambda(g) v)[s] = v[g^-1 s]``, so ``v[perm]`` is
    ``lambda(g) v`` for a vector ``v`` indexed by the 8 group elements (and ``np.take(f, perm,
    axis=3)`` permutes the group axis of a feature ``(N, H, W, 8, C)``).
    """
    g_inv = d4_inverse(g)
    return np.array([d4_product(g_inv, s) for s in range(D4_ORDER)], dtype=np.int64)


def _spatial_axes(axes):
    axes = tuple(int(a) for a in axes)
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(f"axes must name two different axes (rows, columns), got {axes!r}")
    return axes


def d4_transform(x, g: int, axes=SPATIAL_AXES) -> np.ndarray:
    """``T_g x = rot90(mirror^m x, r)`` on the axes ``axes = (rows, columns)`` of a NumPy array.

    ``g = 4 m + r``; mirror = flip of the column axis, then ``r`` counter-clockwise quarter turns
    (``np.rot90``). ``x``: any array, e.g. configurations ``(N, L, L, 1)`` with ``axes=(1, 2)``
    (the default) or one ``(L, L)`` lattice with ``axes=(0, 1)``; same shape and dtype back
    for square axes. ``d4_transform(d4_transform(x, h), g) == d4_transform(x, d4_product(g, h))``.
    """
    m, r = d4_element(g)
    rows, cols = _spatial_axes(axes)
    x = np.asarray(x)
    if m:
        x = np.flip(x, axis=cols)
    return np.ascontiguousarray(np.rot90(x, r, axes=(rows, cols)))


def d4_act_on_features(features, g: int) -> np.ndarray:
    """``g . f``: features on the group ``(N, H, H, 8, C)`` (NumPy) transformed by element ``g``.

    ``(g . f)[..., s, c] = T_g(f[..., g^-1 s, c])``: every map moved by :func:`d4_transform` on
    axes (1, 2), the group axis 3 permuted by :func:`regular_permutation`. A representation:
    ``d4_act_on_features(d4_act_on_features(f, h), g) == d4_act_on_features(f, d4_product(g, h))``.
    """
    f = np.asarray(features)
    if f.ndim != 5 or f.shape[3] != D4_ORDER:
        raise ValueError(f"features on D4 must have shape (N, H, W, 8, C), got {f.shape}")
    return np.take(d4_transform(f, g, axes=(1, 2)), regular_permutation(g), axis=3)


def _d4_transform_ops(x, g: int, axes):
    """:func:`d4_transform` in ``keras.ops`` (for kernels inside a layer): a backend tensor."""
    m, r = d4_element(g)
    rows, cols = _spatial_axes(axes)
    if m:
        x = ops.flip(x, axis=cols)
    return ops.rot90(x, k=r, axes=(rows, cols)) if r else x


def d4_act_on_filters(kernel, g: int):
    """The element ``g`` acting on a convolution kernel, in ``keras.ops`` (a backend tensor back).

    ``kernel``: a lifting kernel ``(k, k, C, F)`` -> ``T_g kernel`` (turned on axes (0, 1)); or a
    group kernel ``(k, k, 8, C, F)`` -> ``g . kernel``, moved on axes (0, 1) like a feature and
    its group axis 2 permuted by the regular representation:
    ``(g . w)[:, :, s] = T_g(w[:, :, g^-1 s])``. The layers build their effective kernels with
    this function; it is a representation: ``act(g) act(h) == act(g h)`` (tested).
    """
    shape = tuple(kernel.shape)
    if len(shape) == 5:
        if shape[2] != D4_ORDER:
            raise ValueError(f"a group kernel must have shape (k, k, 8, C, F), got {shape}")
        kernel = ops.take(kernel, regular_permutation(g), axis=2)
    elif len(shape) != 4:
        raise ValueError(f"a kernel must have shape (k, k, C, F) (lifting) or (k, k, 8, C, F) (group), "
                         f"got {shape}")
    return _d4_transform_ops(kernel, g, axes=(0, 1))


# --- Circular padding: convolutions on the torus ---------------------------------------------


def _padding_width(padding) -> int:
    if isinstance(padding, (bool, np.bool_)) or not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(f"padding must be a whole number of pixels >= 0, got {padding!r}")
    return int(padding)


def _check_pad_fits(shape, p, who):
    for axis, name in ((1, "height"), (2, "width")):
        size = shape[axis]
        if size is not None and p > size:
            raise ValueError(f"{who}: circular padding by {p} pixels needs a {name} of at least {p} (the "
                             f"padding wraps around once), got {size}; use a smaller kernel or a larger lattice")


def circular_pad(x, padding: int):
    """Pad axes 1 and 2 of ``x`` periodically (wrap-around) by ``padding`` pixels on each side.

    ``x``: ``(N, H, W, ...)`` (NumPy or backend tensor, any dtype); returns a backend tensor
    ``(N, H + 2p, W + 2p, ...)`` equal to ``np.pad(x, mode="wrap")`` on those axes: the rows
    ``H - p .. H - 1`` go above, ``0 .. p - 1`` below, then the same for the columns. Built from
    slices and concatenations (``keras.ops.pad`` has no circular mode on TensorFlow). Needs
    ``padding <= H`` and ``<= W`` (checked where the sizes are known).
    """
    p = _padding_width(padding)
    x = ops.convert_to_tensor(x)
    if len(x.shape) < 3:
        raise ValueError(f"circular_pad pads axes 1 and 2 of (N, H, W, ...), got shape {tuple(x.shape)}")
    _check_pad_fits(tuple(x.shape), p, "circular_pad")
    if p == 0:
        return x
    if x.shape[1] is None or x.shape[2] is None:  # sizes known only when it runs (a traced function)
        x = _assert_pad_fits_at_run_time(x, p)
    x = ops.concatenate([x[:, -p:], x, x[:, :p]], axis=1)
    return ops.concatenate([x[:, :, -p:], x, x[:, :, :p]], axis=2)


def _assert_pad_fits_at_run_time(x, p):
    """``x``, with a TensorFlow check (the book's backend) that its height and width are ``>= p``."""
    import tensorflow as tf

    message = (f"circular padding by {p} pixels needs a lattice of at least {p} x {p} (the padding wraps "
               f"around once); use a smaller kernel or a larger lattice")
    shape = tf.shape(x)
    checks = [tf.debugging.assert_greater_equal(shape[axis], p, message=message) for axis in (1, 2)]
    with tf.control_dependencies(checks):
        return tf.identity(x)


@keras.saving.register_keras_serializable(package="symbook")
class CircularPad2D(keras.layers.Layer):
    """Periodic (torus) padding of ``(N, H, W, ...)`` by ``padding`` pixels on each side.

    Output ``(N, H + 2p, W + 2p, ...)``, :func:`circular_pad`. Followed by a ``valid``
    convolution with a ``(2p + 1) x (2p + 1)`` kernel it is a convolution on the torus: the
    output is ``(N, H, W, ...)`` and commutes exactly with every cyclic shift ``np.roll``.
    """

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _padding_width(padding)

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"CircularPad2D pads axes 1 and 2 of (N, H, W, ...), got shape {tuple(input_shape)}")
        _check_pad_fits(tuple(input_shape), self.padding, "CircularPad2D")

    def call(self, inputs):
        return circular_pad(inputs, self.padding)

    def compute_output_shape(self, input_shape):
        p = 2 * self.padding
        grow = lambda size: None if size is None else size + p  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2])) + tuple(input_shape[3:])

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


# --- Group convolutions on D4 (with the torus translations: p4m) -----------------------------


_PADDINGS = ("circular", "same", "valid")


class _D4Conv(keras.layers.Layer):
    """Shared parts of :class:`D4LiftingConv2D` and :class:`D4GroupConv2D`."""

    def __init__(self, filters: int, kernel_size: int = 3, padding: str = "circular", activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(filters, (bool, np.bool_)) or not isinstance(filters, numbers.Integral) or filters < 1:
            raise ValueError(f"filters must be a positive integer, got {filters!r}")
        if isinstance(kernel_size, (tuple, list)):
            if len(kernel_size) != 2 or kernel_size[0] != kernel_size[1]:
                raise ValueError(f"kernel_size must be square (a quarter turn maps it onto itself), got {kernel_size}")
            kernel_size = kernel_size[0]
        if (isinstance(kernel_size, (bool, np.bool_)) or not isinstance(kernel_size, numbers.Integral)
                or kernel_size < 1):
            raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
        padding = str(padding).lower()
        if padding not in _PADDINGS:
            raise ValueError(f"padding must be 'circular' (the torus), 'same' (zeros) or 'valid', got {padding!r}")
        if padding != "valid" and kernel_size % 2 == 0:
            raise ValueError(f"padding={padding!r} needs an odd kernel_size (got {kernel_size}): an even kernel "
                             "pads unevenly, which moves the output by half a pixel and breaks exact D4 equivariance")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def _check_input(self, shape, rank, what):
        shape = tuple(shape)
        if len(shape) != rank:
            raise ValueError(f"{type(self).__name__} takes {what}; got rank {len(shape)}, shape {shape}")
        if shape[1] is not None and shape[2] is not None and shape[1] != shape[2]:
            raise ValueError(f"{type(self).__name__} needs square lattices (a quarter turn must map the "
                             f"torus onto itself); got height {shape[1]} and width {shape[2]}")
        if self.padding == "circular":
            _check_pad_fits(shape, self.kernel_size // 2, type(self).__name__)
        # Built, the layer refuses another channel count (any lattice size is fine).
        self.input_spec = keras.InputSpec(shape=(None, None, None) + shape[3:])

    def _add_bias(self):
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                     trainable=True) if self.use_bias else None)

    def _correlate(self, x, kernel):
        """Keras cross-correlation, stride 1, with this layer's padding: ``(N, H', W', channels)``."""
        if self.padding == "circular":
            x = circular_pad(x, self.kernel_size // 2)
            return ops.conv(x, kernel, strides=1, padding="valid")
        return ops.conv(x, kernel, strides=1, padding=self.padding)

    def _finish(self, y):
        """``(N, H', W', 8*filters)`` -> ``(N, H', W', 8, filters)``, then bias and activation."""
        shape = ops.shape(y)
        y = ops.reshape(y, (-1, shape[1], shape[2], D4_ORDER, self.filters))
        if self.use_bias:
            y = y + ops.cast(self.bias, y.dtype)
        return self.activation(y)

    def _out_size(self, size):
        if size is None or self.padding != "valid":
            return size
        return size - self.kernel_size + 1

    def compute_output_shape(self, input_shape):
        size = self._out_size(input_shape[1]), self._out_size(input_shape[2])
        return (input_shape[0],) + size + (D4_ORDER, self.filters)

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
class D4LiftingConv2D(_D4Conv):
    """Lifting convolution from the lattice to p4m: each filter correlated in its 8 D4 images.

    Input: ``float32 (N, L, L, C)`` (configurations: ``C = 1``, spins +-1). Output:
    ``float32 (N, L', L', 8, filters)`` with
    ``y[..., h, f] = activation(corr(x, T_h w_f) + b_f)``, ``T_h`` of :func:`d4_transform`;
    ``L' = L`` for ``padding="circular"`` (the torus, default) or ``"same"`` (zeros),
    ``L - kernel_size + 1`` for ``"valid"``.
    Trainable weights: ``kernel_size**2 * C * filters`` (+ ``filters`` biases).

    Equivariance: ``y(T_g x) == d4_act_on_features(y(x), g)`` for all 8 elements ``g``, and with
    circular padding ``y`` commutes with every cyclic shift of the lattice.
    """

    def build(self, input_shape):
        self._check_input(input_shape, 4, "lattices of shape (N, L, L, C)")
        self.in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, self.in_channels, self.filters),
            initializer=self.kernel_initializer, trainable=True)
        self._add_bias()

    def effective_kernel(self):
        """``(k, k, C, 8*filters)`` Conv2D kernel: block ``h`` (channels ``h*F .. h*F + F - 1``) is ``T_h w``."""
        return ops.concatenate([d4_act_on_filters(self.kernel, h) for h in range(D4_ORDER)], axis=-1)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        return self._finish(self._correlate(x, ops.cast(self.effective_kernel(), self.compute_dtype)))


@keras.saving.register_keras_serializable(package="symbook")
class D4GroupConv2D(_D4Conv):
    """Group convolution p4m -> p4m: features on (position, D4 element) to the same.

    Input: ``float32 (N, L, L, 8, C)``. Output: ``float32 (N, L', L', 8, filters)`` with
    ``y[..., h, f] = activation(sum_{s, c} corr(x[..., s, c], (h . w)[:, :, s, c, f]) + b_f)``,
    ``h . w`` = :func:`d4_act_on_filters` (the kernel's maps turned by ``T_h``, its group axis
    permuted: ``(h . w)[:, :, s] = T_h(w[:, :, h^-1 s])``); ``L'`` as in :class:`D4LiftingConv2D`.
    Trainable weights: ``kernel_size**2 * 8 * C * filters`` (+ ``filters`` biases).

    Equivariance: ``y(g . x) == g . y(x)`` (:func:`d4_act_on_features`) for all 8 elements, and
    with circular padding it commutes with every cyclic shift.
    """

    def build(self, input_shape):
        self._check_input(input_shape, 5, "features on D4 of shape (N, L, L, 8, C)")
        if input_shape[3] != D4_ORDER:
            raise ValueError(f"D4GroupConv2D needs the 8 elements of D4 on axis 3, got shape {tuple(input_shape)}; "
                             "start with a D4LiftingConv2D")
        self.in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, D4_ORDER, self.in_channels, self.filters),
            initializer=self.kernel_initializer, trainable=True)
        self._add_bias()

    def effective_kernel(self):
        """``(k, k, 8*C, 8*filters)`` Conv2D kernel; block ``h`` is ``h . w`` with ``(s, c)`` folded to ``s*C + c``."""
        k, c, f = self.kernel_size, self.in_channels, self.filters
        blocks = [ops.reshape(d4_act_on_filters(self.kernel, h), (k, k, D4_ORDER * c, f)) for h in range(D4_ORDER)]
        return ops.concatenate(blocks, axis=-1)

    def call(self, inputs):
        shape = ops.shape(inputs)
        x = ops.reshape(ops.cast(inputs, self.compute_dtype), (-1, shape[1], shape[2], D4_ORDER * self.in_channels))
        return self._finish(self._correlate(x, ops.cast(self.effective_kernel(), self.compute_dtype)))


@keras.saving.register_keras_serializable(package="symbook")
class D4GroupPool(keras.layers.Layer):
    """Max or mean over the 8 group elements: ``(N, H, W, 8, F) -> (N, H, W, F)``.

    A transformation ``g`` permutes the group axis (and moves the maps), so the pooled maps are
    only moved: ``pool(g . f) == T_g pool(f)``; a mean over positions after it is invariant.
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean', got {mode!r}")
        self.mode = mode

    def build(self, input_shape):
        if len(input_shape) != 5 or input_shape[3] != D4_ORDER:
            raise ValueError(f"D4GroupPool takes features on D4 of shape (N, H, W, 8, F), got {tuple(input_shape)}")
        self.input_spec = keras.InputSpec(ndim=5, axes={3: D4_ORDER})

    def call(self, inputs):
        return ops.max(inputs, axis=3) if self.mode == "max" else ops.mean(inputs, axis=3)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:3]) + (input_shape[4],)

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


# --- Spin flip: an even function after an odd layer ------------------------------------------


_EVEN_FUNCTIONS = ("abs", "square", "logcosh")


@keras.saving.register_keras_serializable(package="symbook")
class EvenActivation(keras.layers.Layer):
    """An even function applied elementwise: ``|y|``, ``y**2`` or ``log cosh y``; shape and dtype kept.

    **Why this makes a network exactly invariant to the spin flip.** Put it right after a
    convolution *without bias* (:class:`D4LiftingConv2D` with ``use_bias=False``), which is
    linear: ``y(-s) = -y(s)``. This holds in float32 too, bit for bit: every product
    ``(-s_i) w`` is exactly ``-(s_i w)``, and round-to-nearest rounds ``-a`` to exactly minus
    the rounding of ``a``, so every partial sum is negated exactly. An even ``phi`` then gives
    ``phi(y(-s)) = phi(-y(s)) = phi(y(s))`` exactly (``logcosh`` is computed from ``|y|``, so
    it is even bit for bit as well); every layer after it receives identical numbers, and the
    output for ``-s`` equals the output for ``s`` exactly, whatever comes after (biases, ReLU,
    dense layers). A bias before ``phi`` (or an odd or one-sided ``phi`` such as ReLU) breaks it.
    The alternative, averaging ``f(s)`` and ``f(-s)``, costs two forward passes.

    ``"abs"`` (default): ``|y|``. ``"square"``: ``y**2``. ``"logcosh"``: ``log cosh y``
    computed as ``|y| + log1p(exp(-2|y|)) - log 2`` (smooth at 0, grows like ``|y|``).
    """

    def __init__(self, function: str = "abs", **kwargs):
        super().__init__(**kwargs)
        if function not in _EVEN_FUNCTIONS:
            raise ValueError(f"function must be one of {_EVEN_FUNCTIONS} (even functions), got {function!r}")
        self.function = function

    def call(self, inputs):
        a = ops.abs(inputs)
        if self.function == "abs":
            return a
        if self.function == "square":
            return a * a
        return a + ops.log1p(ops.exp(-2.0 * a)) - ops.cast(np.log(2.0), a.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["function"] = self.function
        return config
