"""Model builders for the 2D Ising model: is a configuration ordered? Each returns an uncompiled model.

Every model maps spin configurations to softmax probabilities over two classes,
:data:`CLASS_NAMES` ``= ("disordered", "ordered")`` (label 1 = ordered), so it trains with
``sparse_categorical_crossentropy`` like every network of the book (:func:`lib.train.fit`).

Inputs, ``input_encoding``:

- ``"spins"`` (default): ``float32 (N, L, L, 1)`` with spins ``-1.0`` and ``+1.0``;
- ``"pixels"``: what :func:`lib.train.fit` feeds a model. ``fit`` takes ``uint8 (N, L, L)``
  images and divides by 255; store spins with :func:`spins_to_pixels` (``-1 -> 0``,
  ``+1 -> 255``) and the model's first layer maps ``x -> 2 x - 1`` back to ``-1.0, +1.0``,
  exactly (``0 -> -1``, ``1 -> +1`` in float32). The spin flip is then ``255 - pixels``.

The builders:

- :func:`symmetric_cnn`: circular padding, D4 group convolutions, an odd body and an even
  function of the pooled features (or after the first layer), pooling over the group and over
  space: exactly invariant to the ``L**2``
  translations of the torus, the 8 elements of D4 and the spin flip; any lattice size ``L``.
- :func:`dense_network`: one hidden layer of 100 units on the flattened spins, as in
  Carrasquilla and Melko, *Machine learning phases of matter*, Nature Physics 13, 431 (2017);
  a fixed ``L``.
- :func:`ordinary_cnn`: an ordinary CNN of about the same size as :func:`symmetric_cnn`, with
  zero padding: invariant to none of the symmetries exactly; any lattice size ``L``.

Used in the chapter on the 2D Ising model.
"""

from __future__ import annotations

import numbers

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
from keras import layers  # noqa: E402

from lib.ising_layers import D4GroupConv2D, D4GroupPool, D4LiftingConv2D, EvenActivation  # noqa: E402

#: The classes of every model's output, by label: 0 = disordered, 1 = ordered.
CLASS_NAMES = ("disordered", "ordered")

_ENCODINGS = ("spins", "pixels")
_EVEN = ("abs", "square", "logcosh")


def spins_to_pixels(spins) -> np.ndarray:
    """Spins ``(N, L, L)`` or ``(N, L, L, 1)`` in ``{-1, +1}`` (any number dtype) -> ``uint8 (N, L, L)``.

    ``-1 -> 0`` and ``+1 -> 255``: the images :func:`lib.train.fit` takes; a model built with
    ``input_encoding="pixels"`` turns them back into ``-1.0, +1.0``. Anything but +-1 is refused.
    """
    s = np.asarray(spins)
    if s.ndim == 4 and s.shape[-1] == 1:
        s = s[..., 0]
    if s.ndim != 3:
        raise ValueError(f"spins must have shape (N, L, L) or (N, L, L, 1), got {np.asarray(spins).shape}")
    if s.dtype.kind not in "iuf" or not np.isin(s, (-1, 1)).all():
        bad = s[~np.isin(s, (-1, 1))][:3].tolist() if s.dtype.kind in "iuf" else s.dtype
        raise ValueError(f"spins must be -1 or +1, got values such as {bad}")
    return np.where(s > 0, 255, 0).astype(np.uint8)


def _check_encoding(input_encoding):
    if input_encoding not in _ENCODINGS:
        raise ValueError(f"input_encoding must be 'spins' (float32 -1/+1) or 'pixels' (lib.train.fit's "
                         f"[0, 1] floats from uint8 0/255), got {input_encoding!r}")


def _spin_input(input_shape, input_encoding):
    """``(inputs, spins)``: the model's input and its spins ``-1.0, +1.0`` (``2 x - 1`` for pixels)."""
    _check_encoding(input_encoding)
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[-1] != 1:
        raise ValueError(f"input_shape must be (L, L, 1) or (None, None, 1), one spin per site; got {shape}")
    inputs = keras.Input(shape=shape, name="configuration")
    if input_encoding == "spins":
        return inputs, inputs
    return inputs, layers.Rescaling(2.0, offset=-1.0, name="pixels_to_spins")(inputs)


def _positive_ints(values, name):
    values = tuple(values)
    if not values or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1
                         for v in values):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, got {values!r}")
    return tuple(int(v) for v in values)


def _head(x, dense_units):
    """[Dense(dense_units, ReLU)] -> Dense(2) -> softmax (float32) over :data:`CLASS_NAMES`."""
    if dense_units:
        x = layers.Dense(int(dense_units), activation="relu", name="hidden")(x)
    x = layers.Dense(len(CLASS_NAMES), name="logits")(x)
    return layers.Activation("softmax", dtype="float32", name="probabilities")(x)


_FLIPS = ("pooled", "first_layer", "none")


def symmetric_cnn(filters=(4, 4), kernel_size: int = 3, dense_units: int = 16, padding: str = "circular",
                  flip: str = "pooled", even: str = "abs", group_pooling: str | None = None,
                  input_encoding: str = "spins", input_shape=(None, None, 1)) -> keras.Model:
    """A CNN exactly invariant to every symmetry of the Ising Hamiltonian on the torus.

    Every convolution pads circularly (a convolution on the torus), so the spatial size stays
    ``L`` and any ``L`` is accepted. Where the spin flip is built in, ``flip``:

    - ``"pooled"`` (default): an *odd* body, then an even function of pooled features.
      ``(N, L, L, 1)`` spins -> :class:`~lib.ising_layers.D4LiftingConv2D` (``filters[0]``) ->
      one :class:`~lib.ising_layers.D4GroupConv2D` per further entry of ``filters``, every
      convolution without bias and followed by ``tanh`` -> mean over the 8 elements of D4 ->
      mean over the ``L x L`` positions -> :class:`~lib.ising_layers.EvenActivation` (``even``)
      -> head. A convolution without bias is linear, hence odd, and ``tanh`` is odd, so the
      body is odd, ``F(-s) = -F(s)``; the means keep that; the even function makes the pooled
      features the same for ``s`` and ``-s``. Every feature the head sees is then ``|mean of an
      odd local function|``: zero on average in a large disordered system and not in an
      ordered one, an order parameter like ``|m|``.
    - ``"first_layer"``: the lifting convolution without bias -> ``even`` -> group
      convolutions with bias and ReLU -> ``group_pooling`` (default max) over D4 -> mean over
      positions -> head. Invariant too, but the head sees means of *local* even functions,
      like the energy per spin, which change smoothly through ``T_c``.
    - ``"none"``: as ``"first_layer"`` with a bias and ReLU in the first layer instead of the
      even function: invariant to shifts and D4, not to the flip (a negative control).

    The head: [Dense(``dense_units``, ReLU)] -> Dense(2) -> softmax over :data:`CLASS_NAMES`.

    Why the output is exactly invariant: every convolution is equivariant to the cyclic shifts
    and to D4 (it transforms its output as its input, :mod:`lib.ising_layers`), activations
    act pointwise, and the pooling over the group and the mean over positions only see the
    features permuted; for the flip, see above and :class:`~lib.ising_layers.EvenActivation`.

    Parameters
    ----------
    filters
        Channels of the lifting convolution, then of each group convolution.
    kernel_size
        Of every convolution (odd).
    dense_units
        Width of the hidden dense layer of the head (0: none).
    padding
        ``"circular"`` (the torus; default) or ``"same"`` (zero padding: still invariant to D4
        and the spin flip, not to translations; a negative control).
    flip
        ``"pooled"``, ``"first_layer"`` or ``"none"``, above.
    even
        ``"abs"``, ``"square"`` or ``"logcosh"``.
    group_pooling
        ``"mean"`` or ``"max"`` over the 8 group elements; ``None``: mean for ``"pooled"`` (a
        maximum is not odd), max otherwise.
    input_encoding, input_shape
        See the module docstring; ``input_shape`` ``(None, None, 1)`` (any ``L``) or ``(L, L, 1)``.

    Weights with the defaults: ``9*4 = 36`` (lifting), ``9*8*4*4 = 1152`` (group
    convolution), ``4*16 + 16`` and ``16*2 + 2`` in the head: 1,302, whatever ``L``.
    """
    filters = _positive_ints(filters, "filters")
    if padding not in ("circular", "same"):
        raise ValueError(f"padding must be 'circular' (the torus) or 'same' (zeros), got {padding!r}")
    if flip not in _FLIPS:
        raise ValueError(f"flip must be one of {_FLIPS} (where the spin flip is built in), got {flip!r}")
    if even not in _EVEN:
        raise ValueError(f"even must be an even function {_EVEN}, got {even!r}")
    if group_pooling is None:
        group_pooling = "mean" if flip == "pooled" else "max"
    if group_pooling not in ("mean", "max"):
        raise ValueError(f"group_pooling must be 'mean' or 'max', got {group_pooling!r}")
    if flip == "pooled" and group_pooling == "max":
        raise ValueError("flip='pooled' needs group_pooling='mean': the maximum of an odd feature is not "
                         "odd (max(-y) = -min(y)), so the spin flip would change the output")
    inputs, x = _spin_input(input_shape, input_encoding)
    if flip == "pooled":
        x = D4LiftingConv2D(filters[0], kernel_size, padding=padding, use_bias=False, activation="tanh",
                            name="lift")(x)
        for i, f in enumerate(filters[1:], start=1):
            x = D4GroupConv2D(f, kernel_size, padding=padding, use_bias=False, activation="tanh",
                              name=f"gconv{i}")(x)
        x = D4GroupPool("mean", name="pool_group")(x)
        x = layers.GlobalAveragePooling2D(name="pool_positions")(x)
        x = EvenActivation(even, name="even")(x)
        return keras.Model(inputs, _head(x, dense_units), name="symmetric_cnn")
    local = flip == "first_layer"
    x = D4LiftingConv2D(filters[0], kernel_size, padding=padding, use_bias=not local,
                        activation=None if local else "relu", name="lift")(x)
    if local:
        x = EvenActivation(even, name="even")(x)
    for i, f in enumerate(filters[1:], start=1):
        x = D4GroupConv2D(f, kernel_size, padding=padding, activation="relu", name=f"gconv{i}")(x)
    x = D4GroupPool(group_pooling, name="pool_group")(x)
    x = layers.GlobalAveragePooling2D(name="pool_positions")(x)
    return keras.Model(inputs, _head(x, dense_units), name="symmetric_cnn")


def ordinary_cnn(filters=(10, 10), kernel_size: int = 3, dense_units: int = 16, input_encoding: str = "spins",
                 input_shape=(None, None, 1)) -> keras.Model:
    """The ordinary counterpart of :func:`symmetric_cnn`: ``Conv2D`` with zero padding, no group.

    ``(N, L, L, 1)`` spins -> one ``Conv2D(f, kernel_size, padding="same")`` with bias and ReLU
    per entry of ``filters`` -> mean over positions -> [Dense(``dense_units``, ReLU)] ->
    Dense(2) -> softmax over :data:`CLASS_NAMES`. Any ``L``. Not exactly invariant to
    translations (the zero-padded border), to D4 or to the spin flip.
    Weights with the defaults: ``100 + 910`` in the convolutions, ``176 + 34`` in the head:
    1,220 (the default :func:`symmetric_cnn` has 1,302).
    """
    filters = _positive_ints(filters, "filters")
    inputs, x = _spin_input(input_shape, input_encoding)
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(f, kernel_size, padding="same", activation="relu", name=f"conv{i}")(x)
    x = layers.GlobalAveragePooling2D(name="pool_positions")(x)
    return keras.Model(inputs, _head(x, dense_units), name="ordinary_cnn")


def dense_network(size: int, hidden_units: int = 100, activation: str = "sigmoid",
                  input_encoding: str = "spins", l2: float = 0.0) -> keras.Model:
    """One hidden dense layer on the flattened spins (Carrasquilla and Melko 2017).

    ``(N, size, size, 1)`` -> flatten (``size**2`` spins) -> Dense(``hidden_units``,
    ``activation``; sigmoid as in the paper) -> Dense(2) -> softmax over :data:`CLASS_NAMES`.
    The layout and layer names of :func:`lib.models.dense_classifier` with ``classes=2``;
    weights ``size**2 * hidden_units + hidden_units + 2 * hidden_units + 2`` (102,702 for
    ``size=32``). Invariant to none of the symmetries; a fixed lattice size. ``l2``: the
    weight of an L2 penalty on both kernels (the paper's regularisation; without it the
    network memorises the few thousand configurations of a large lattice).
    """
    if not isinstance(l2, numbers.Real) or isinstance(l2, bool) or not l2 >= 0:
        raise ValueError(f"l2 must be a non-negative number (the L2 penalty's weight), got {l2!r}")
    regulariser = keras.regularizers.L2(float(l2)) if l2 else None
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be the lattice size L, a positive integer, got {size!r}")
    inputs, x = _spin_input((int(size), int(size), 1), input_encoding)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(int(hidden_units), activation=activation, kernel_regularizer=regulariser,
                     name="hidden")(x)
    x = layers.Dense(len(CLASS_NAMES), kernel_regularizer=regulariser, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"dense_{int(hidden_units)}")
