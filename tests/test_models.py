"""Tests of the model builders in lib.models (chapter Translation): shapes, parameter counts, options."""

import numpy as np
import pytest

import lib.train  # noqa: F401,E402  (imports TensorFlow quietly first)
import keras

from lib.models import conv_classifier, dense_classifier


def conv_params(c_in, c_out, k=3, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


def test_dense_classifier_parameter_count_and_output():
    model = dense_classifier((50, 50, 1), hidden_units=100)
    assert model.count_params() == 50 * 50 * 100 + 100 + 100 * 10 + 10
    probs = np.asarray(model(np.zeros((3, 50, 50, 1), np.float32)))
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("filters,pooling,strides,side", [
    ((32, 64), "max", 1, 12),       # 50 -> 25 -> 12 (pooling floors)
    ((32, 64), "average", 1, 12),
    ((32, 64), None, 2, 13),        # 50 -> 25 -> 13 (same padding, stride 2: ceil)
    ((8, 16, 32), "max", 1, 6),     # 50 -> 25 -> 12 -> 6
])
def test_conv_classifier_flatten_parameter_count(filters, pooling, strides, side):
    model = conv_classifier((50, 50, 1), filters=filters, pooling=pooling, strides=strides)
    channels = (1,) + tuple(filters)
    expected = sum(conv_params(a, b) for a, b in zip(channels[:-1], channels[1:]))
    expected += side * side * filters[-1] * 10 + 10
    assert model.count_params() == expected
    assert model.get_layer("flatten").output.shape[1] == side * side * filters[-1]


def test_global_pooling_head_does_not_depend_on_canvas_size():
    config = dict(filters=(8, 16), pooling="max", global_pooling="max")
    small, large = conv_classifier((28, 28, 1), **config), conv_classifier((60, 60, 1), **config)
    expected = conv_params(1, 8) + conv_params(8, 16) + 16 * 10 + 10
    assert small.count_params() == large.count_params() == expected


def test_batch_norm_replaces_bias_and_adds_four_numbers_per_channel():
    plain = conv_classifier(filters=(8, 16), global_pooling="average")
    normed = conv_classifier(filters=(8, 16), global_pooling="average", batch_norm=True)
    # minus the conv biases, plus gamma, beta, moving mean, moving variance per channel
    assert normed.count_params() == plain.count_params() - (8 + 16) + 4 * (8 + 16)
    trainable = sum(int(np.prod(w.shape)) for w in normed.trainable_weights)
    assert trainable == plain.count_params() - (8 + 16) + 2 * (8 + 16)
    assert normed.get_layer("bn1").momentum == pytest.approx(0.9)


def test_dropout_and_hidden_dense_layer():
    base = conv_classifier(filters=(8,), global_pooling="max")
    dropped = conv_classifier(filters=(8,), global_pooling="max", dropout=0.5)
    assert dropped.count_params() == base.count_params()
    assert any(isinstance(layer, keras.layers.Dropout) for layer in dropped.layers)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in base.layers)
    hidden = conv_classifier(filters=(8,), global_pooling="max", dense_units=20)
    assert hidden.count_params() == conv_params(1, 8) + 8 * 20 + 20 + 20 * 10 + 10



@pytest.mark.parametrize("kwargs,match", [
    (dict(pooling="min"), "pooling"),
    (dict(global_pooling="sum"), "global_pooling"),
    (dict(dropout=1.0), "dropout"),
    (dict(filters=()), "filters"),
])
def test_conv_classifier_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv_classifier(**kwargs)
