"""Model builders: every network of the book. Each returns an uncompiled Keras model.

Models take ``float32`` images in ``[0, 1]`` (as made by :func:`lib.pipeline.batches`) and
end in softmax probabilities over the classes.

- :func:`dense_classifier`: one hidden dense layer (chapters *Translation* and *Rotation*).
- :func:`conv_classifier`: the configurable CNN of the chapter *Translation*.
- :func:`reference_cnn`: the shipped network of the chapter *Opening the black box*.
- :func:`rotated_dense_classifier`, :func:`p4_cnn`, :func:`plain_cnn`: the chapter *Rotation*.
"""

from __future__ import annotations

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
from keras import layers  # noqa: E402

from lib.layers import (GroupConv2D, LiftingConv2D, RotatedDense, RotationBatchNorm, RotationPool,  # noqa: E402
                        SpatialMaxPool)


def dense_classifier(input_shape=(28, 28, 1), hidden_units: int = 100, classes: int = 10,
                     activation: str = "relu") -> keras.Model:
    """One hidden dense layer: flatten, ``hidden_units`` ReLU units, softmax over ``classes``.

    Weights: ``H*W*hidden_units + hidden_units`` in the hidden layer and
    ``hidden_units*classes + classes`` in the output layer.
    Used in the chapters *Translation* and *Rotation*.
    """
    inputs = keras.Input(shape=tuple(input_shape))
    x = layers.Flatten()(inputs)
    x = layers.Dense(hidden_units, activation=activation, name="hidden")(x)
    x = layers.Dense(classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"dense_{hidden_units}")


# --- Chapter 1: Translation (convolutional networks) --------------------------------------

_POOLING = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D}
_GLOBAL_POOLING = {"max": layers.GlobalMaxPooling2D, "average": layers.GlobalAveragePooling2D}


def conv_classifier(input_shape=(50, 50, 1), filters=(32, 64), kernel_size: int = 3, strides: int = 1,
                    pooling: str | None = "max", pool_size: int = 2, global_pooling: str | None = None,
                    batch_norm: bool = False, bn_momentum: float = 0.9, dropout: float = 0.0,
                    dense_units: int = 0, classes: int = 10, name: str | None = None) -> keras.Model:
    """A configurable convolutional classifier (chapter *Translation*).

    One block per entry of ``filters``::

        Conv2D(f, kernel_size, strides, padding="same") [-> BatchNormalization] -> ReLU
        [-> MaxPooling2D / AveragePooling2D(pool_size)]

    then a head::

        Flatten (global_pooling=None) or GlobalMaxPooling2D / GlobalAveragePooling2D
        [-> Dropout(dropout)] [-> Dense(dense_units, ReLU) -> Dropout(dropout)]
        -> Dense(classes) -> softmax (float32)

    Parameters
    ----------
    input_shape
        ``(H, W, 1)``: ``float32`` images in ``[0, 1]`` with a channel axis.
    filters
        Output channels of each convolution; its length is the depth.
    kernel_size, strides
        Of every convolution (``padding="same"``: a block keeps ``ceil(H / strides)`` rows).
    pooling, pool_size
        ``"max"``, ``"average"`` or ``None``: the pooling after each block (a block
        then has ``floor(H / pool_size)`` rows).
    global_pooling
        ``None`` (flatten every position: a weight per position and channel),
        ``"max"`` or ``"average"`` (one number per channel: translation invariant).
    batch_norm, bn_momentum
        Batch normalisation between each convolution (then without bias) and its ReLU. Its
        running mean and variance (used at test time) forget at rate ``1 - bn_momentum`` per
        step; Keras' default 0.99 needs several hundred steps to forget the initial
        variance of 1, so we use 0.9.
    dropout
        Dropout rate before each dense layer of the head (0 = none).
    dense_units
        Width of an optional hidden dense layer in the head (0 = none).

    Returns
    -------
    An uncompiled ``keras.Model`` mapping ``(B, H, W, 1)`` to ``float32`` probabilities ``(B, classes)``.
    """
    if pooling not in (None, *_POOLING):
        raise ValueError(f"pooling must be None, 'max' or 'average', got {pooling!r}")
    if global_pooling not in (None, *_GLOBAL_POOLING):
        raise ValueError(f"global_pooling must be None, 'max' or 'average', got {global_pooling!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if len(filters) == 0:
        raise ValueError("filters must name at least one convolution")
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(int(f), kernel_size, strides=strides, padding="same", use_bias=not batch_norm,
                          name=f"conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        if pooling is not None:
            x = _POOLING[pooling](pool_size, name=f"pool{i}")(x)
    if global_pooling is None:
        x = layers.Flatten(name="flatten")(x)
    else:
        x = _GLOBAL_POOLING[global_pooling](name="global_pool")(x)
    if dense_units:
        if dropout:
            x = layers.Dropout(dropout, name="dropout_hidden")(x)
        x = layers.Dense(int(dense_units), activation="relu", name="hidden")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name or "cnn_" + "_".join(str(int(f)) for f in filters))


# --- Chapter 2: Opening the black box ------------------------------------------------------


def reference_cnn(input_shape=(28, 28, 1), classes: int = 10) -> keras.Model:
    """The reference CNN: two convolution + max-pooling stages and a dense head.

    ``(B, 28, 28, 1)`` float32 in ``[0, 1]`` -> ``conv1`` (16 filters 5x5, same padding,
    ReLU) -> ``pool1`` (2x2) -> ``conv2`` (32 filters 3x3, same, ReLU) -> ``pool2`` (2x2)
    -> ``flatten`` (7*7*32 = 1568) -> ``dropout`` (0.3) -> ``dense`` (64 ReLU units)
    -> ``logits`` (10) -> ``probabilities`` (softmax). Uncompiled. Its trained weights ship
    in ``weights/`` (:func:`lib.black_box.load_reference`).
    """
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(16, 5, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    x = layers.Dense(classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="reference_cnn")


# --- Chapter 3: Rotation (models built on lib.layers) -------------------------------------


def rotated_dense_classifier(input_shape=(28, 28, 1), filters: int = 100, pooling: str | None = None,
                             classes: int = 10) -> keras.Model:
    """:class:`lib.layers.RotatedDense` (``filters`` ReLU filters in 4 rotations), then softmax.

    ``pooling=None`` flattens the ``(4, filters)`` features (equivariant, not invariant: the
    output layer sees which rotation responded); ``"max"`` or ``"mean"`` pools over the 4
    rotations first, which makes the whole model invariant to quarter turns of the input.
    Weights: ``H*W*filters + filters`` in the rotated layer (as ``Dense(filters)``), then
    ``4*filters*classes + classes`` (no pooling) or ``filters*classes + classes`` (pooling).
    Used in the chapter *Rotation*.
    """
    if pooling not in (None, "max", "mean"):
        raise ValueError(f"pooling must be None, 'max' or 'mean', got {pooling!r}")
    inputs = keras.Input(shape=tuple(input_shape))
    x = RotatedDense(filters, activation="relu", name="rotated")(inputs)
    x = layers.Flatten()(x) if pooling is None else RotationPool(pooling, name="pool_rotations")(x)
    x = layers.Dense(classes, name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"rotated_dense_{filters}_{pooling or 'flat'}")


def _head(x, classes, dense_units):
    """[Dense(dense_units, ReLU)] -> Dense(classes) -> softmax (float32): the CNNs' common end."""
    if dense_units:
        x = layers.Dense(int(dense_units), activation="relu", name="hidden")(x)
    x = layers.Dense(classes, name="logits")(x)
    return layers.Activation("softmax", dtype="float32", name="probabilities")(x)


def p4_cnn(input_shape=(28, 28, 1), filters=(8, 16, 16), classes: int = 10, batch_norm: bool = False,
           dense_units: int | None = None) -> keras.Model:
    """A p4 group-equivariant CNN, exactly invariant to quarter turns of the input.

    28 x 28 -> lifting conv 5x5 -> 24 -> 2x2 max pool -> 12 -> group conv 3x3 -> 10
    -> 2x2 max pool -> 5 -> group conv 3x3 -> 3 -> max over the 4 rotations
    -> average over positions -> [dense ReLU layer] -> softmax. Convolutions are ``valid``
    with ReLU; every pooled size is even, so each step is exactly equivariant.
    ``batch_norm`` normalises each filter over batch, positions *and* the 4 rotations (one
    mean and scale per filter, shared by its rotated copies, so equivariance is kept);
    ``dense_units`` adds a hidden dense layer after the invariant features. Used in the
    chapter *Rotation*.
    """
    f1, f2, f3 = (int(f) for f in filters)
    act = None if batch_norm else "relu"

    def finish(x, name):
        if not batch_norm:
            return x
        x = RotationBatchNorm(name=f"{name}_bn")(x)
        return layers.Activation("relu", name=f"{name}_relu")(x)

    inputs = keras.Input(shape=tuple(input_shape))
    x = finish(LiftingConv2D(f1, 5, activation=act, name="lift")(inputs), "lift")
    x = SpatialMaxPool(name="pool1")(x)
    x = finish(GroupConv2D(f2, 3, activation=act, name="gconv1")(x), "gconv1")
    x = SpatialMaxPool(name="pool2")(x)
    x = finish(GroupConv2D(f3, 3, activation=act, name="gconv2")(x), "gconv2")
    x = RotationPool("max", name="pool_rotations")(x)
    x = layers.GlobalAveragePooling2D(name="pool_positions")(x)
    return keras.Model(inputs, _head(x, classes, dense_units), name="p4_cnn")


def plain_cnn(input_shape=(28, 28, 1), filters=(16, 32, 32), classes: int = 10, batch_norm: bool = False,
              dense_units: int | None = None) -> keras.Model:
    """The ordinary counterpart of :func:`p4_cnn`: the same layout with ``Conv2D`` and no rotations.

    28 -> conv 5x5 -> 24 -> pool -> 12 -> conv 3x3 -> 10 -> pool -> 5 -> conv 3x3 -> 3
    -> average over positions -> [dense ReLU layer] -> softmax; ``batch_norm`` and
    ``dense_units`` as in :func:`p4_cnn`. The default widths give about the parameter
    count of the default :func:`p4_cnn` (14.6k against 14.2k). Used in the chapter *Rotation*.
    """
    f1, f2, f3 = (int(f) for f in filters)
    act = None if batch_norm else "relu"

    def finish(x, name):
        if not batch_norm:
            return x
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.Activation("relu", name=f"{name}_relu")(x)

    inputs = keras.Input(shape=tuple(input_shape))
    x = finish(layers.Conv2D(f1, 5, activation=act, name="conv1")(inputs), "conv1")
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = finish(layers.Conv2D(f2, 3, activation=act, name="conv2")(x), "conv2")
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = finish(layers.Conv2D(f3, 3, activation=act, name="conv3")(x), "conv3")
    x = layers.GlobalAveragePooling2D(name="pool_positions")(x)
    return keras.Model(inputs, _head(x, classes, dense_units), name="plain_cnn")
