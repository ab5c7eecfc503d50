"""Tests of lib.layers: RotatedDense, the lifting and group convolutions, pooling over rotations.

Property-style: every claim is checked over random image sizes, channel and filter counts,
seeds and rotation powers k, drawn from a seeded generator so that a failure can be reproduced.
Tolerances are float32 ones: about 1e-5 relative to the size of the outputs.
"""

import numpy as np
import pytest

import lib.train  # noqa: F401,E402  (imports TensorFlow quietly first)
import keras

from lib.data import rotate90
from lib.layers import (
    GroupConv2D,
    LiftingConv2D,
    RotatedDense,
    RotationBatchNorm,
    RotationPool,
    SpatialMaxPool,
    effective_kernel_from_permutations,
    rotation_matrix,
    rotation_permutation,
)
from lib.models import dense_classifier, p4_cnn, plain_cnn, rotated_dense_classifier

RTOL = 1e-5
CASES = 6  # random draws per property


def close(actual, expected, rtol=RTOL):
    """max |actual - expected| <= rtol * max |expected| (float32 rounding of sums of many terms)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    scale = max(np.abs(expected).max(), 1e-30)
    err = np.abs(actual - expected).max() / scale
    assert err <= rtol, f"relative error {err:.2e} > {rtol:.0e}"


def draws(seed=0, n=CASES):
    rng = np.random.default_rng(seed)
    return [np.random.default_rng(rng.integers(2**32)) for _ in range(n)]


def built_rotated_dense(rng, size, filters, use_bias=True, activation=None):
    layer = RotatedDense(filters, activation=activation, use_bias=use_bias)
    layer.build((None, size, size))
    layer.kernel.assign(rng.normal(size=(size, size, filters)).astype(np.float32))
    if use_bias:
        layer.bias.assign(rng.normal(size=(filters,)).astype(np.float32))
    return layer


# --- The permutation matrix ----------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 28])
def test_permutation_matrix_is_rotate90(size):
    rng = np.random.default_rng(size)
    x = rng.normal(size=(size, size)).astype(np.float32)
    p = rotation_matrix(size, 1)
    assert ((p == 0) | (p == 1)).all() and (p.sum(0) == 1).all() and (p.sum(1) == 1).all()
    np.testing.assert_array_equal(np.linalg.matrix_power(p, 4), np.eye(size * size))
    np.testing.assert_array_equal(p.T, rotation_matrix(size, 3))  # orthogonal: P^T = P^-1 = P^3
    for k in range(-4, 9):
        np.testing.assert_array_equal(rotation_matrix(size, k) @ x.ravel(), rotate90(x, k).ravel())
        np.testing.assert_array_equal(x.ravel()[rotation_permutation(size, k)], rotate90(x, k).ravel())


# --- RotatedDense ---------------------------------------------------------------------------


def test_output_equals_flat_input_times_effective_kernel_plus_bias():
    for rng in draws(1):
        size, filters, n = rng.integers(1, 12), rng.integers(1, 9), rng.integers(1, 6)
        layer = built_rotated_dense(rng, size, filters)
        x = rng.normal(size=(n, size, size)).astype(np.float32)
        y = keras.ops.convert_to_numpy(layer(x))
        assert y.shape == (n, 4, filters) and y.dtype == np.float32
        kernel = keras.ops.convert_to_numpy(layer.effective_kernel())
        assert kernel.shape == (size * size, 4 * filters)
        expected = (x.reshape(n, -1).astype(np.float64) @ kernel.astype(np.float64)).reshape(n, 4, filters)
        close(y, expected + layer.bias.numpy())
        # With a channel axis the layer computes the same.
        close(keras.ops.convert_to_numpy(layer(x[..., None])), y)


def test_effective_kernel_equals_explicit_permutation_matrices():
    for rng in draws(2):
        size, filters = rng.integers(1, 10), rng.integers(1, 7)
        layer = built_rotated_dense(rng, size, filters)
        kernel = keras.ops.convert_to_numpy(layer.effective_kernel())
        explicit = effective_kernel_from_permutations(layer.kernel.numpy())
        np.testing.assert_array_equal(kernel, explicit)  # a permutation moves numbers: exact
        # column k*filters + f is filter f rotated by k quarter turns (np.rot90 convention)
        w = layer.kernel.numpy()
        for k in range(4):
            for f in range(filters):
                np.testing.assert_array_equal(kernel[:, k * filters + f], np.rot90(w[:, :, f], k).ravel())


@pytest.mark.parametrize("activation", [None, "relu"])
def test_rotating_input_rolls_the_four_outputs(activation):
    for rng in draws(3):
        size, filters, n = rng.integers(2, 12), rng.integers(1, 9), rng.integers(1, 6)
        layer = built_rotated_dense(rng, size, filters, activation=activation)
        x = rng.normal(size=(n, size, size)).astype(np.float32)
        y = keras.ops.convert_to_numpy(layer(x))
        for k in range(-2, 6):
            y_rot = keras.ops.convert_to_numpy(layer(rotate90(x, k)))
            close(y_rot, np.roll(y, k, axis=1))
        # per-image k as in the rotated dataset
        ks = rng.integers(0, 4, size=n)
        y_rot = keras.ops.convert_to_numpy(layer(rotate90(x, ks)))
        for i in range(n):
            close(y_rot[i], np.roll(y[i], ks[i], axis=0))


def test_pooling_over_rotations_is_invariant():
    for rng in draws(4):
        size, filters, n = rng.integers(2, 10), rng.integers(1, 6), rng.integers(1, 5)
        layer = built_rotated_dense(rng, size, filters, activation="relu")
        x = rng.normal(size=(n, size, size)).astype(np.float32)
        for mode in ("max", "mean"):
            pool = RotationPool(mode)
            z = keras.ops.convert_to_numpy(pool(layer(x)))
            assert z.shape == (n, filters)
            for k in range(4):
                close(keras.ops.convert_to_numpy(pool(layer(rotate90(x, k)))), z)


def test_weight_count_equals_dense_layer():
    layer = RotatedDense(100)
    layer.build((None, 28, 28, 1))
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(28, 28, 100), (100,)]
    assert layer.kernel.shape[0] * layer.kernel.shape[1] * layer.kernel.shape[2] == 78_400
    dense = dense_classifier(hidden_units=100).get_layer("hidden")
    assert dense.kernel.shape == (784, 100)
    assert layer.count_params() == dense.count_params() == 78_500
    no_bias = RotatedDense(7, use_bias=False)
    no_bias.build((None, 5, 5))
    assert no_bias.count_params() == 7 * 25
    assert rotated_dense_classifier(pooling="max").count_params() == dense_classifier(hidden_units=100).count_params()


@pytest.mark.parametrize("shape, match", [
    ((None, 28, 27), "square"),
    ((None, 5, 6, 1), "square"),
    ((None, 28), "rank 2"),
    ((None, 4, 4, 4, 1), "rank 5"),
    ((None, 28, 28, 3), "3 channels"),
])
def test_bad_input_raises_clear_error(shape, match):
    with pytest.raises(ValueError, match=match):
        RotatedDense(3).build(shape)


def test_bad_input_raises_when_called():
    with pytest.raises(ValueError, match="square"):
        RotatedDense(3)(np.zeros((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        RotatedDense(0)
    with pytest.raises(ValueError, match="mode"):
        RotationPool("median")


def test_get_config_round_trip():
    layer = RotatedDense(5, activation="relu", use_bias=False, name="r")
    clone = RotatedDense.from_config(layer.get_config())
    assert (clone.filters, clone.use_bias, clone.name) == (5, False, "r")
    assert clone.activation is keras.activations.relu


@pytest.mark.parametrize("layer", [
    RotatedDense(5, activation="relu", use_bias=False),
    LiftingConv2D(3, 5, padding="valid", activation="relu", use_bias=False),
    GroupConv2D(4, 3, padding="same"),
    RotationPool("mean"),
    SpatialMaxPool(),
    RotationBatchNorm(momentum=0.9, epsilon=1e-4, center=False),
], ids=lambda layer: type(layer).__name__)
def test_every_layer_round_trips_its_config(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    # Negative control: the comparison sees a changed setting.
    changed = {**config, "name": config["name"] + "_other"}
    assert type(layer).from_config(changed).get_config() != config


# --- Lifting and group convolution ----------------------------------------------------------


def rotate_p4(y, k):
    """Act on a p4 feature (N, H, H, 4, C): rotate each map by k quarter turns, roll rotations by k."""
    return np.roll(np.rot90(y, k, axes=(1, 2)), k, axis=3)


def random_conv(layer_cls, rng, shape, filters, kernel_size, padding):
    layer = layer_cls(filters, kernel_size, padding=padding)
    layer.build(shape)
    layer.kernel.assign(rng.normal(size=tuple(layer.kernel.shape)).astype(np.float32))
    layer.bias.assign(rng.normal(size=(filters,)).astype(np.float32))
    return layer


def test_lifting_conv_equals_four_rotated_conv2d_and_is_equivariant():
    for rng in draws(5):
        kernel_size = int(rng.integers(1, 5))
        padding = "same" if kernel_size % 2 and rng.random() < 0.5 else "valid"
        size = int(rng.integers(kernel_size, 12))
        channels, filters, n = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
        layer = random_conv(LiftingConv2D, rng, (None, size, size, channels), filters, kernel_size, padding)
        x = rng.normal(size=(n, size, size, channels)).astype(np.float32)
        y = keras.ops.convert_to_numpy(layer(x))
        out = size if padding == "same" else size - kernel_size + 1
        assert y.shape == (n, out, out, 4, filters)
        w = layer.kernel.numpy()
        for r in range(4):  # each rotation is an ordinary convolution with the rotated kernel
            conv = keras.ops.conv(x, np.rot90(w, r).copy(), padding=padding)
            close(y[..., r, :], keras.ops.convert_to_numpy(conv) + layer.bias.numpy())
        for k in range(4):
            close(keras.ops.convert_to_numpy(layer(np.rot90(x, k, axes=(1, 2)).copy())), rotate_p4(y, k))


def test_group_conv_is_equivariant():
    for rng in draws(6):
        kernel_size = int(rng.integers(1, 5))
        padding = "same" if kernel_size % 2 and rng.random() < 0.5 else "valid"
        size = int(rng.integers(kernel_size, 10))
        channels, filters, n = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
        layer = random_conv(GroupConv2D, rng, (None, size, size, 4, channels), filters, kernel_size, padding)
        x = rng.normal(size=(n, size, size, 4, channels)).astype(np.float32)
        y = keras.ops.convert_to_numpy(layer(x))
        out = size if padding == "same" else size - kernel_size + 1
        assert y.shape == (n, out, out, 4, filters)
        for k in range(-1, 5):
            close(keras.ops.convert_to_numpy(layer(rotate_p4(x, k).copy())), rotate_p4(y, k))


def test_group_conv_matches_its_definition_by_loops():
    rng = np.random.default_rng(7)
    size, channels, filters, kernel_size = 5, 2, 3, 3
    layer = random_conv(GroupConv2D, rng, (None, size, size, 4, channels), filters, kernel_size, "valid")
    x = rng.normal(size=(1, size, size, 4, channels)).astype(np.float32)
    y = keras.ops.convert_to_numpy(layer(x))
    w = layer.kernel.numpy().astype(np.float64)
    b = layer.bias.numpy()
    expected = np.zeros_like(y, dtype=np.float64)
    for r in range(4):
        for f in range(filters):
            for s in range(4):
                for c in range(channels):
                    wk = np.rot90(w[:, :, (s - r) % 4, c, f], r)
                    for i in range(size - kernel_size + 1):
                        for j in range(size - kernel_size + 1):
                            patch = x[0, i:i + kernel_size, j:j + kernel_size, s, c]
                            expected[0, i, j, r, f] += (patch * wk).sum()
            expected[0, :, :, r, f] += b[f]
    close(y, expected)


def test_p4_cnn_is_invariant_and_plain_cnn_is_not():
    rng = np.random.default_rng(8)
    x = rng.random(size=(4, 28, 28, 1)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = p4_cnn()
    p = keras.ops.convert_to_numpy(model(x))
    for k in range(1, 4):
        close(keras.ops.convert_to_numpy(model(np.rot90(x, k, axes=(1, 2)).copy())), p, rtol=1e-4)
    plain = plain_cnn()
    q = keras.ops.convert_to_numpy(plain(x))
    assert np.abs(keras.ops.convert_to_numpy(plain(np.rot90(x, 1, axes=(1, 2)).copy())) - q).max() > 1e-4
    assert abs(model.count_params() - plain.count_params()) < 0.1 * plain.count_params()


def test_spatial_pool_is_equivariant_and_rejects_odd_sizes():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 6, 6, 4, 3)).astype(np.float32)
    pool = SpatialMaxPool()
    y = keras.ops.convert_to_numpy(pool(x))
    assert y.shape == (2, 3, 3, 4, 3)
    for k in range(4):
        close(keras.ops.convert_to_numpy(pool(rotate_p4(x, k).copy())), rotate_p4(y, k))
    with pytest.raises(ValueError, match="even"):
        SpatialMaxPool()(np.zeros((1, 5, 5, 4, 1), np.float32))


def test_rotation_batch_norm_equals_keras_batch_norm_and_is_equivariant():
    rng = np.random.default_rng(11)
    x = rng.normal(1.0, 2.0, size=(8, 6, 6, 4, 5)).astype(np.float32)
    ours, keras_bn = RotationBatchNorm(momentum=0.9), keras.layers.BatchNormalization(axis=-1, momentum=0.9)
    ours.build(x.shape)
    keras_bn.build(x.shape)
    ours.gamma.assign(rng.uniform(0.5, 2.0, 5).astype(np.float32))
    ours.beta.assign(rng.normal(size=5).astype(np.float32))
    keras_bn.set_weights(ours.get_weights())
    for training in (True, False):  # batch statistics (updating the running ones), then those
        close(keras.ops.convert_to_numpy(ours(x, training=training)),
              keras.ops.convert_to_numpy(keras_bn(x, training=training)))
        close(keras.ops.convert_to_numpy(ours.moving_variance),
              keras.ops.convert_to_numpy(keras_bn.moving_variance))
    # One mean and scale per filter, shared by the 4 copies: commutes with p4's action.
    for training in (False, True):
        y = keras.ops.convert_to_numpy(ours(x, training=training))
        for k in range(1, 4):
            close(keras.ops.convert_to_numpy(ours(rotate_p4(x, k).copy(), training=training)),
                  rotate_p4(y, k))
    # Negative control: a scale per rotated copy (20 channels) breaks equivariance.
    per_copy = keras.layers.BatchNormalization(axis=-1)
    per_copy.build((8, 6, 6, 20))
    per_copy.gamma.assign(rng.uniform(0.5, 2.0, 20).astype(np.float32))
    y = keras.ops.convert_to_numpy(per_copy(x.reshape(8, 6, 6, 20))).reshape(x.shape)
    turned = keras.ops.convert_to_numpy(per_copy(rotate_p4(x, 1).reshape(8, 6, 6, 20)))
    assert np.abs(turned.reshape(x.shape) - rotate_p4(y, 1)).max() > 1e-2
    with pytest.raises(ValueError, match=r"\(N, H, H, 4, F\)"):
        RotationBatchNorm()(np.zeros((2, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="filter axis"):
        RotationBatchNorm(axis=1)


def test_rotation_batch_norm_computes_in_its_dtype_with_its_own_epsilon():
    # Per filter the values 0 and 1: mean 1/2, variance 1/4, so 1 maps to 0.5 / sqrt(1/4 + eps).
    x = np.zeros((2, 2, 2, 4, 3))
    x[1] = 1.0
    eps = 1e-8  # below the 1.001e-5 that TensorFlow's fused kernel would silently use instead
    layer = RotationBatchNorm(epsilon=eps, dtype="float64")
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y[1], 0.5 / np.sqrt(0.25 + eps), rtol=1e-12)
    assert abs(y[1].max() - 0.5 / np.sqrt(0.25 + 1.001e-5)) > 1e-6  # the fused kernel's answer differs


@pytest.mark.parametrize("layer, shape, match", [
    (LiftingConv2D(2, 3), (None, 6, 7, 1), "square"),
    (LiftingConv2D(2, 3), (None, 6, 6), "rank 3"),
    (GroupConv2D(2, 3), (None, 6, 6, 1), "rank 4"),
    (GroupConv2D(2, 3), (None, 6, 6, 3, 1), "4 rotations"),
])
def test_conv_bad_input_raises_clear_error(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer.build(shape)


def test_even_kernel_with_same_padding_is_refused():
    with pytest.raises(ValueError, match="odd kernel_size"):
        LiftingConv2D(2, 4, padding="same")


# --- Serialisation ---------------------------------------------------------------------------


# Keras' own saving code calls np.array on its variables, which numpy 2 flags (also for plain Dense).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(10)
    inputs = keras.Input(shape=(12, 12, 1))
    a = RotatedDense(3, activation="relu", name="rd")(inputs)
    a = RotationPool("mean")(a)
    b = LiftingConv2D(2, 3, activation="relu")(inputs)
    b = GroupConv2D(3, 3, padding="same")(b)
    b = RotationBatchNorm(name="rbn")(b)
    b = SpatialMaxPool()(b)
    b = RotationPool("max")(b)
    b = keras.layers.GlobalAveragePooling2D()(b)
    outputs = keras.layers.Concatenate()([a, b])
    model = keras.Model(inputs, outputs)
    x = rng.random(size=(5, 12, 12, 1)).astype(np.float32)
    model(x, training=True)  # running statistics away from their initial values
    before = keras.ops.convert_to_numpy(model(x))
    path = tmp_path / "rotation.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("rd"), RotatedDense)
    assert isinstance(loaded.get_layer("rbn"), RotationBatchNorm)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.get_layer("rbn").moving_mean),
                                  keras.ops.convert_to_numpy(model.get_layer("rbn").moving_mean))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), before)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.get_layer("rd").effective_kernel()),
                                  keras.ops.convert_to_numpy(model.get_layer("rd").effective_kernel()))


# --- strict layers: dtypes, shapes, initial scale, arguments ---------------------------------


def test_rotated_dense_on_uint8_input_equals_float_input():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, size=(5, 8, 8), dtype=np.uint8)
    keras.utils.set_random_seed(0)
    layer = RotatedDense(3)
    y_float = keras.ops.convert_to_numpy(layer(x.astype(np.float32)))
    y_uint8 = keras.ops.convert_to_numpy(layer(x))
    assert np.abs(y_float).max() > 0
    np.testing.assert_allclose(y_uint8, y_float, rtol=1e-6)
    # Dense does the same: integer input is cast, not truncated.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.layers.Dense(2)(x.reshape(5, -1))).shape, (5, 2))


@pytest.mark.parametrize("make,shape", [
    (lambda: LiftingConv2D(2, 3), (2, 8, 8, 1)),
    (lambda: GroupConv2D(2, 3), (2, 8, 8, 4, 1)),
])
def test_p4_layers_cast_integer_input(make, shape):
    rng = np.random.default_rng(12)
    x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    layer = make()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)),
                               keras.ops.convert_to_numpy(layer(x.astype(np.float32))), rtol=1e-6)


@pytest.mark.parametrize("make,built,other", [
    (lambda: RotatedDense(3), (2, 8, 8), (2, 10, 10)),
    (lambda: RotatedDense(3), (2, 8, 8, 1), (2, 8, 8, 2)),
    (lambda: LiftingConv2D(2, 3), (2, 8, 8, 1), (2, 8, 8, 3)),
    (lambda: GroupConv2D(2, 3), (2, 8, 8, 4, 1), (2, 8, 8, 4, 2)),
    (lambda: RotationPool("max"), (2, 4, 3), (2, 4, 3, 1)),
    (lambda: SpatialMaxPool(), (2, 8, 8, 4, 1), (2, 8, 8, 4, 3)),
])
def test_a_built_layer_refuses_another_input_shape(make, built, other):
    layer = make()
    layer(np.zeros(built, np.float32))
    with pytest.raises(ValueError, match="incompatible|expected|channels"):
        layer(np.zeros(other, np.float32))


def test_rotated_dense_starts_at_the_weight_scale_of_dense():
    """Glorot uniform with fan_in = H*W and fan_out = F, as Dense(F) on H*W inputs."""
    size, filters = 28, 100
    keras.utils.set_random_seed(0)
    rotated = RotatedDense(filters)
    rotated.build((None, size, size))
    dense = keras.layers.Dense(filters)
    dense.build((None, size * size))
    limit = np.sqrt(6 / (size * size + filters))
    for w in (rotated.kernel.numpy(), dense.kernel.numpy()):
        assert np.abs(w).max() <= limit
        assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # uniform on [-limit, limit]


@pytest.mark.parametrize("call,match", [
    (lambda: rotation_matrix(3, 0.9), "integer"),
    (lambda: rotation_matrix(3, 1.0), "integer"),
    (lambda: rotation_matrix(2.5, 1), "size"),
    (lambda: rotation_permutation(3, True), "bool"),
    (lambda: LiftingConv2D(2, 2.5), "kernel_size"),
    (lambda: GroupConv2D(2, 3.0), "kernel_size"),
    (lambda: RotatedDense(1.5), "filters"),
])
def test_arguments_are_checked_alike(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_huge_quarter_turns_mean_k_mod_4():
    np.testing.assert_array_equal(rotation_permutation(4, 10**30 + 1), rotation_permutation(4, 1))
    np.testing.assert_array_equal(rotation_matrix(3, -(10**20) - 1), rotation_matrix(3, 3))
