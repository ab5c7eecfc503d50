"""Model builders. Each returns an uncompiled Keras model ending in softmax probabilities.

Models take ``float32`` images in ``[0, 1]`` (as made by :func:`lib.train.batches`).
The final softmax is computed in ``float32`` even under the ``mixed_bfloat16``
policy, where bfloat16 would round probabilities near 1.
"""

from __future__ import annotations

import keras
from keras import layers


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


# --- Chapter 3: Rotation (models built on lib.layers) -------------------------------------
