"""Tests of lib.ising_layers and lib.ising_models: the group D4, torus convolutions, exact invariance.

Every symmetry claim is checked on random inputs for all 8 elements of D4, all cyclic shifts and
the spin flip, each with a negative control that must fail (so the check can see a broken
symmetry). Equalities that hold bit for bit (the group's action on arrays, padding, the spin
flip after an even function) are asserted exactly; the rest to float32 rounding: 1e-5 relative
to the size of the features, 1e-6 absolute on probabilities (measured: about 1e-7).
"""

import numpy as np
import pytest

import lib.train  # noqa: F401  (imports TensorFlow quietly first)
import keras
from keras import ops

from lib.ising_layers import (
    D4_ORDER,
    CircularPad2D,
    D4GroupConv2D,
    D4GroupPool,
    D4LiftingConv2D,
    EvenActivation,
    circular_pad,
    d4_act_on_features,
    d4_act_on_filters,
    d4_element,
    d4_inverse,
    d4_multiplication_table,
    d4_product,
    d4_transform,
    regular_permutation,
)
from lib.ising_models import CLASS_NAMES, dense_network, ordinary_cnn, spins_to_pixels, symmetric_cnn
from lib.models import dense_classifier

RTOL = 1e-5  # features: float32 rounding of sums of a few hundred terms
PROBABILITY_ATOL = 1e-6  # probabilities in [0, 1]: a few float32 ulps
BROKEN = 1e-4  # a negative control must miss by more than this (about 1000 ulps of a probability)
ELEMENTS = range(D4_ORDER)


def to_np(x):
    return keras.ops.convert_to_numpy(x)


def rel_err(actual, expected):
    """max |actual - expected| / max |expected| (float64)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-30)


def close(actual, expected, rtol=RTOL):
    err = rel_err(actual, expected)
    assert err <= rtol, f"relative error {err:.2e} > {rtol:.0e}"
    return err


def random_spins(rng, n, size):
    """``float32 (n, size, size, 1)`` spins, each -1 or +1 with probability 1/2."""
    return rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, size, size, 1))


def random_layer(layer, rng, input_shape):
    """Build ``layer`` and give every weight standard normal values (no symmetric initial state)."""
    layer.build(input_shape)
    for w in layer.weights:
        w.assign(rng.normal(size=tuple(w.shape)).astype(np.float32))
    return layer


# --- The group D4 and its representations ----------------------------------------------------


def test_multiplication_table_is_a_group():
    table = d4_multiplication_table()
    assert table.shape == (8, 8) and table.dtype == np.int64
    for row in (*table, *table.T):  # closure, and a Latin square: each product once per row/column
        assert sorted(row) == list(ELEMENTS)
    np.testing.assert_array_equal(table[0], np.arange(8))  # identity 0 on the left and on the right
    np.testing.assert_array_equal(table[:, 0], np.arange(8))
    for g in ELEMENTS:
        assert table[g, d4_inverse(g)] == table[d4_inverse(g), g] == 0
        for h in ELEMENTS:
            assert d4_product(g, h) == table[g, h]
            for k in ELEMENTS:
                assert table[table[g, h], k] == table[g, table[h, k]]  # associativity
    # D4 is not abelian (a mirror reverses rotations), its rotations are, reflections are involutions.
    assert table[4, 1] != table[1, 4]
    assert all(table[r, s] == table[s, r] for r in range(4) for s in range(4))
    assert all(table[g, g] == 0 for g in range(4, 8))
    assert [d4_element(g) for g in ELEMENTS] == [(m, r) for m in (0, 1) for r in range(4)]


def test_transform_is_rot90_after_mirror_and_a_faithful_representation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    for g in ELEMENTS:
        m, r = d4_element(g)
        expected = np.rot90(x[:, :, ::-1] if m else x, r, axes=(1, 2))
        np.testing.assert_array_equal(d4_transform(x, g), expected)
        np.testing.assert_array_equal(d4_transform(x[0, ..., 0], g, axes=(0, 1)), expected[0, ..., 0])
        for h in ELEMENTS:  # T_g T_h = T_{gh}: the table is the group of these maps
            np.testing.assert_array_equal(d4_transform(d4_transform(x, h), g), d4_transform(x, d4_product(g, h)))
    images = [d4_transform(x, g) for g in ELEMENTS]  # faithful: 8 different maps
    assert all(not np.array_equal(images[g], images[h]) for g in ELEMENTS for h in ELEMENTS if g < h)
    # A mirror reverses the sense of rotation: mirror o rot = rot^-1 o mirror.
    np.testing.assert_array_equal(d4_transform(d4_transform(x, 1), 4), d4_transform(d4_transform(x, 4), 3))


def permutation_matrix(perm):
    """``P`` with ``P @ v == v[perm]``."""
    p = np.zeros((len(perm), len(perm)), dtype=np.int64)
    p[np.arange(len(perm)), perm] = 1
    return p


def test_regular_representation_is_a_representation():
    for g in ELEMENTS:
        perm = regular_permutation(g)
        np.testing.assert_array_equal(perm, [d4_product(d4_inverse(g), s) for s in ELEMENTS])
        for h in ELEMENTS:
            np.testing.assert_array_equal(permutation_matrix(regular_permutation(g)) @ permutation_matrix(
                regular_permutation(h)), permutation_matrix(regular_permutation(d4_product(g, h))))
    # Negative control: permuting by g instead of g^-1 (v[g s]) is not a representation (D4 is not abelian).
    wrong = [permutation_matrix([d4_product(g, s) for s in ELEMENTS]) for g in ELEMENTS]
    assert any(not np.array_equal(wrong[g] @ wrong[h], wrong[d4_product(g, h)]) for g in ELEMENTS for h in ELEMENTS)


def test_action_on_features_and_on_filters_is_a_representation():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(2, 4, 4, 8, 3)).astype(np.float32)
    group_kernel = rng.normal(size=(3, 3, 8, 2, 4)).astype(np.float32)
    lifting_kernel = rng.normal(size=(3, 3, 2, 4)).astype(np.float32)
    for g in ELEMENTS:
        # The layers' keras.ops action on kernels equals the NumPy definition (a permutation: exact).
        expected = np.take(d4_transform(group_kernel, g, axes=(0, 1)), regular_permutation(g), axis=2)
        np.testing.assert_array_equal(to_np(d4_act_on_filters(group_kernel, g)), expected)
        np.testing.assert_array_equal(to_np(d4_act_on_filters(lifting_kernel, g)),
                                      d4_transform(lifting_kernel, g, axes=(0, 1)))
        for h in ELEMENTS:
            gh = d4_product(g, h)
            np.testing.assert_array_equal(d4_act_on_features(d4_act_on_features(features, h), g),
                                          d4_act_on_features(features, gh))
            for kernel in (group_kernel, lifting_kernel):
                np.testing.assert_array_equal(to_np(d4_act_on_filters(d4_act_on_filters(kernel, h), g)),
                                              to_np(d4_act_on_filters(kernel, gh)))


@pytest.mark.parametrize("call, match", [
    (lambda: d4_element(8), "element of D4"),
    (lambda: d4_product(1.0, 2), "element of D4"),
    (lambda: d4_transform(np.zeros((2, 2)), True, axes=(0, 1)), "element of D4"),
    (lambda: d4_transform(np.zeros((2, 2)), 1, axes=(0, 0)), "two different axes"),
    (lambda: d4_act_on_features(np.zeros((1, 2, 2, 4, 1)), 1), r"\(N, H, W, 8, C\)"),
    (lambda: d4_act_on_filters(np.zeros((3, 3, 4, 1, 1), np.float32), 1), r"\(k, k, 8, C, F\)"),
    (lambda: d4_act_on_filters(np.zeros((3, 3, 1), np.float32), 1), "lifting"),
])
def test_group_functions_refuse_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- Circular padding: convolutions on the torus ---------------------------------------------


def test_circular_pad_equals_numpy_wrap():
    rng = np.random.default_rng(2)
    for shape in [(2, 5, 5, 1), (1, 4, 6, 3), (3, 3, 3, 8, 2)]:
        x = rng.normal(size=shape).astype(np.float32)
        for p in range(0, min(shape[1:3]) + 1):
            width = [(0, 0), (p, p), (p, p)] + [(0, 0)] * (len(shape) - 3)
            expected = np.pad(x, width, mode="wrap")
            np.testing.assert_array_equal(to_np(circular_pad(x, p)), expected)
            layer = CircularPad2D(p)
            np.testing.assert_array_equal(to_np(layer(x)), expected)
            assert layer.compute_output_shape(shape) == expected.shape


def circular_conv(kernel):
    """``x -> valid Conv2D(x padded circularly)`` with a fixed kernel ``(k, k, C, F)``, k odd."""
    return lambda x: to_np(ops.conv(circular_pad(x, kernel.shape[0] // 2), kernel, padding="valid"))


def test_conv_after_circular_pad_commutes_with_every_shift_and_zero_padding_does_not():
    rng = np.random.default_rng(3)
    worst = 0.0
    for size, k in [(7, 3), (6, 5)]:
        x = rng.normal(size=(2, size, size, 2)).astype(np.float32)
        kernel = rng.normal(size=(k, k, 2, 3)).astype(np.float32)
        conv = circular_conv(kernel)
        y = conv(x)
        assert y.shape == (2, size, size, 3)
        zero_padded = to_np(ops.conv(x, kernel, padding="same"))
        # Away from the border the torus convolution is the ordinary one.
        inner = slice(k // 2, size - k // 2)
        close(y[:, inner, inner], zero_padded[:, inner, inner])
        for a in range(size):
            for b in range(size):
                shifted = np.roll(x, (a, b), axis=(1, 2))
                worst = max(worst, close(conv(shifted), np.roll(y, (a, b), axis=(1, 2))))
        # Negative control: zero padding ("same") sees zeros where the torus has the opposite edge.
        shifted = to_np(ops.conv(np.roll(x, (1, 0), axis=(1, 2)), kernel, padding="same"))
        assert rel_err(shifted, np.roll(zero_padded, (1, 0), axis=(1, 2))) > 0.1
    print(f"circular conv vs np.roll, worst relative error over all shifts: {worst:.1e}")


@pytest.mark.parametrize("call, match", [
    (lambda: CircularPad2D(-1), ">= 0"),
    (lambda: CircularPad2D(1.5), "whole number"),
    (lambda: circular_pad(np.zeros((1, 2, 2, 1), np.float32), 3), "at least 3"),
    (lambda: CircularPad2D(3)(np.zeros((1, 4, 2, 1), np.float32)), "width of at least 3"),
    (lambda: circular_pad(np.zeros((4, 4), np.float32), 1), r"\(N, H, W, ...\)"),
])
def test_circular_pad_refuses_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_circular_pad_checks_sizes_known_only_at_run_time():
    import tensorflow as tf

    pad = tf.function(lambda x: circular_pad(x, 3), input_signature=[tf.TensorSpec((None, None, None, 1))])
    np.testing.assert_array_equal(to_np(pad(np.ones((1, 3, 4, 1), np.float32))), np.ones((1, 9, 10, 1)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 3 x 3"):
        pad(np.ones((1, 2, 4, 1), np.float32))


# --- Lifting and group convolutions on D4 ----------------------------------------------------


@pytest.mark.parametrize("padding", ["circular", "same", "valid"])
def test_lifting_conv_is_eight_transformed_convolutions_and_equivariant(padding):
    rng = np.random.default_rng(4)
    size, channels, filters = 7, 2, 3
    layer = random_layer(D4LiftingConv2D(filters, 3, padding=padding), rng, (None, size, size, channels))
    x = rng.normal(size=(2, size, size, channels)).astype(np.float32)
    y = to_np(layer(x))
    out = size - 2 if padding == "valid" else size
    assert y.shape == (2, out, out, 8, filters) and y.dtype == np.float32
    w, b = layer.kernel.numpy(), layer.bias.numpy()
    padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="wrap") if padding == "circular" else x
    for h in ELEMENTS:  # definition: y[..., h, f] = corr(x, T_h w_f) + b_f
        reference = ops.conv(padded, d4_transform(w, h, axes=(0, 1)), padding="valid" if padding != "same" else "same")
        close(y[..., h, :], to_np(reference) + b)
    for g in ELEMENTS:  # y(T_g x) = g . y(x)
        y_g = to_np(layer(d4_transform(x, g)))
        close(y_g, d4_act_on_features(y, g))
        if g:  # negative control: moving the maps without permuting the group axis is wrong
            assert rel_err(y_g, d4_transform(y, g)) > 0.1


def test_lifting_conv_commutes_with_every_shift_only_with_circular_padding():
    rng = np.random.default_rng(5)
    x = random_spins(rng, 2, 6)
    for padding in ("circular", "same"):
        layer = random_layer(D4LiftingConv2D(2, 3, padding=padding), rng, (None, 6, 6, 1))
        y = to_np(layer(x))
        shifts = [(a, b) for a in range(6) for b in range(6)]
        y_shifted = to_np(layer(np.concatenate([np.roll(x, s, axis=(1, 2)) for s in shifts])))  # one call
        errors = [rel_err(y_s, np.roll(y, s, axis=(1, 2))) for s, y_s in zip(shifts, np.split(y_shifted, len(shifts)))]
        if padding == "circular":
            assert max(errors) <= RTOL
        else:  # negative control: zero padding
            assert max(errors) > 0.1


def test_ordinary_conv2d_is_not_d4_equivariant():
    """Negative control: one Conv2D with 8 * F channels (no shared, transformed filters)."""
    rng = np.random.default_rng(6)
    conv = random_layer(keras.layers.Conv2D(8 * 2, 3, padding="same"), rng, (None, 7, 7, 1))
    x = rng.normal(size=(2, 7, 7, 1)).astype(np.float32)
    y = to_np(conv(x)).reshape(2, 7, 7, 8, 2)
    for g in range(1, 8):
        y_g = to_np(conv(d4_transform(x, g))).reshape(y.shape)
        assert rel_err(y_g, d4_act_on_features(y, g)) > 0.1 and rel_err(y_g, d4_transform(y, g)) > 0.1


def test_group_conv_matches_its_definition_by_loops():
    rng = np.random.default_rng(7)
    size, channels, filters, k = 4, 2, 2, 3
    layer = random_layer(D4GroupConv2D(filters, k), rng, (None, size, size, 8, channels))
    x = rng.normal(size=(1, size, size, 8, channels)).astype(np.float32)
    y = to_np(layer(x))
    w, b = layer.kernel.numpy().astype(np.float64), layer.bias.numpy()
    xp = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="wrap").astype(np.float64)
    expected = np.zeros(y.shape)
    for h in ELEMENTS:
        h_inv = d4_inverse(h)
        for s in ELEMENTS:
            # (h . w)[:, :, s] = T_h(w[:, :, h^-1 s])
            wk = d4_transform(w[:, :, d4_product(h_inv, s)], h, axes=(0, 1))  # (k, k, C, F)
            for i in range(size):
                for j in range(size):
                    patch = xp[0, i:i + k, j:j + k, s]  # (k, k, C)
                    expected[0, i, j, h] += np.einsum("abc,abcf->f", patch, wk)
    close(y, expected + b)


class SpatialOnlyGroupConv(D4GroupConv2D):
    """Negative control: turns the kernel's maps by T_h but does not permute its group axis."""

    def effective_kernel(self):
        k, c, f = self.kernel_size, self.in_channels, self.filters
        flat = ops.reshape(self.kernel, (k, k, 8 * c, f))  # a 4-D kernel: d4_act_on_filters only turns it
        return ops.concatenate([d4_act_on_filters(flat, h) for h in ELEMENTS], axis=-1)


@pytest.mark.parametrize("padding", ["circular", "same", "valid"])
def test_group_conv_is_equivariant_and_needs_the_regular_representation(padding):
    rng = np.random.default_rng(8)
    shape = (2, 6, 6, 8, 2)
    layer = random_layer(D4GroupConv2D(3, 3, padding=padding, activation="relu"), rng, (None,) + shape[1:])
    broken = random_layer(SpatialOnlyGroupConv(3, 3, padding=padding), rng, (None,) + shape[1:])
    x = rng.normal(size=shape).astype(np.float32)
    y, y_broken = to_np(layer(x)), to_np(broken(x))
    for g in ELEMENTS:
        x_g = d4_act_on_features(x, g)
        close(to_np(layer(x_g)), d4_act_on_features(y, g))
        if g:
            assert rel_err(to_np(broken(x_g)), d4_act_on_features(y_broken, g)) > 0.1
    if padding == "circular":
        for a, b in [(1, 0), (0, 5), (3, 4)]:
            close(to_np(layer(np.roll(x, (a, b), axis=(1, 2)))), np.roll(y, (a, b), axis=(1, 2)))


def test_group_pool_moves_with_the_maps():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 5, 5, 8, 3)).astype(np.float32)
    for mode in ("max", "mean"):
        pool = D4GroupPool(mode)
        z = to_np(pool(x))
        assert z.shape == (2, 5, 5, 3)
        close(z, x.max(axis=3) if mode == "max" else x.mean(axis=3))
        for g in ELEMENTS:
            close(to_np(pool(d4_act_on_features(x, g))), d4_transform(z, g))


@pytest.mark.parametrize("call, match", [
    (lambda: D4LiftingConv2D(2, 3).build((None, 6, 7, 1)), "square"),
    (lambda: D4LiftingConv2D(2, 3).build((None, 6, 6)), "rank 3"),
    (lambda: D4LiftingConv2D(2, 5).build((None, 1, 1, 1)), "at least 2"),
    (lambda: D4GroupConv2D(2, 3).build((None, 6, 6, 1)), "rank 4"),
    (lambda: D4GroupConv2D(2, 3).build((None, 6, 6, 4, 1)), "8 elements"),
    (lambda: D4LiftingConv2D(2, 4), "odd kernel_size"),
    (lambda: D4LiftingConv2D(2, 3, padding="wrap"), "circular"),
    (lambda: D4GroupConv2D(0, 3), "filters"),
    (lambda: D4GroupConv2D(2, 2.5), "kernel_size"),
    (lambda: D4GroupPool("median"), "mode"),
    (lambda: D4GroupPool().build((None, 4, 4, 4, 2)), r"\(N, H, W, 8, F\)"),
    (lambda: EvenActivation("relu"), "even"),
])
def test_layers_refuse_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_built_layer_takes_any_lattice_size_but_not_another_channel_count():
    lift = D4LiftingConv2D(2, 3)
    assert to_np(lift(np.ones((1, 6, 6, 1), np.float32))).shape == (1, 6, 6, 8, 2)
    assert to_np(lift(np.ones((1, 9, 9, 1), np.float32))).shape == (1, 9, 9, 8, 2)
    with pytest.raises(ValueError, match="incompatible|expected"):
        lift(np.ones((1, 6, 6, 2), np.float32))


# --- The spin flip ---------------------------------------------------------------------------


def test_even_activation_values_and_exact_evenness():
    rng = np.random.default_rng(10)
    y = (rng.normal(size=(3, 4, 5)) * 5).astype(np.float32)
    expected = {"abs": np.abs(y), "square": y * y, "logcosh": np.log(np.cosh(y.astype(np.float64)))}
    for function, value in expected.items():
        layer = EvenActivation(function)
        out = to_np(layer(y))
        assert out.shape == y.shape and out.dtype == np.float32
        np.testing.assert_allclose(out, value, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(to_np(layer(-y)), out)  # even, bit for bit


def test_odd_first_layer_and_even_function_make_the_spin_flip_exact():
    rng = np.random.default_rng(11)
    x = random_spins(rng, 4, 8)
    lift = random_layer(D4LiftingConv2D(4, 3, use_bias=False), rng, (None, 8, 8, 1))
    np.testing.assert_array_equal(to_np(lift(-x)), -to_np(lift(x)))  # odd, bit for bit
    even = EvenActivation("abs")
    np.testing.assert_array_equal(to_np(even(lift(-x))), to_np(even(lift(x))))
    # Negative control: with a bias and ReLU (not an even function) the flip changes the features.
    biased = random_layer(D4LiftingConv2D(4, 3, activation="relu"), rng, (None, 8, 8, 1))
    assert rel_err(to_np(biased(-x)), to_np(biased(x))) > 0.1


# --- The models: exact invariance of the whole network ---------------------------------------


def invariance_errors(model, x):
    """Max |p(transformed) - p(x)| over all cyclic shifts, all 8 elements of D4 and the spin flip.

    One eager call on all the transformed copies at once (no traced function: faster here).
    """
    n, size = len(x), x.shape[1]
    shifted = [np.roll(x, (a, b), axis=(1, 2)) for a in range(size) for b in range(size)]
    turned = [d4_transform(x, g) for g in ELEMENTS]
    combined = -np.roll(d4_transform(x, 7), (3, 1), axis=(1, 2))  # a mirror and turns, a shift, the flip
    batch = np.concatenate([x] + shifted + turned + [-x, combined])
    out = to_np(model(batch)).reshape(-1, n, len(CLASS_NAMES))
    p, p_shift, p_d4 = out[0], out[1:1 + len(shifted)], out[1 + len(shifted):1 + len(shifted) + D4_ORDER]
    p_flip, p_combined = out[-2], out[-1]
    return {"shift": float(np.abs(p_shift - p).max()), "d4": float(np.abs(p_d4 - p).max()),
            "flip": float(np.abs(p_flip - p).max()), "combined": float(np.abs(p_combined - p).max())}


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return {"symmetric": symmetric_cnn(), "local": symmetric_cnn(flip="first_layer"),
            "zero_padded": symmetric_cnn(padding="same"), "relu_first": symmetric_cnn(flip="none"),
            "ordinary": ordinary_cnn()}


@pytest.mark.parametrize("size", [8, 12])
def test_symmetric_cnn_is_exactly_invariant_and_the_controls_are_not(models, size):
    x = random_spins(np.random.default_rng(size), 4, size)
    errors = {name: invariance_errors(model, x) for name, model in models.items()}
    print(f"L = {size}: " + "; ".join(f"{name} " + ", ".join(f"{k} {v:.2e}" for k, v in e.items())
                                      for name, e in errors.items()))
    for name in ("symmetric", "local"):
        sym = errors[name]
        assert max(sym.values()) <= PROBABILITY_ATOL, (name, sym)
        # The spin flip is exact bit for bit (an odd body, or a linear first layer, then |.|).
        np.testing.assert_array_equal(to_np(models[name](-x)), to_np(models[name](x)))
    # Zero padding: still invariant to D4 and the flip, not to shifts.
    zero = errors["zero_padded"]
    assert zero["shift"] > BROKEN and zero["combined"] > BROKEN
    assert max(zero["d4"], zero["flip"]) <= PROBABILITY_ATOL
    # ReLU with a bias in the first layer: still invariant to shifts and D4, not to the flip.
    relu = errors["relu_first"]
    assert relu["flip"] > BROKEN and max(relu["shift"], relu["d4"]) <= PROBABILITY_ATOL
    # The ordinary CNN: none of them exactly.
    ordinary = errors["ordinary"]
    assert min(ordinary.values()) > BROKEN, ordinary


def test_model_sizes_and_outputs(models):
    rng = np.random.default_rng(12)
    sym = models["symmetric"]
    assert sym.count_params() == 1302 and models["ordinary"].count_params() == 1220
    for size in (16, 32, 48):  # one model, any L
        p = to_np(sym(random_spins(rng, 3, size)))
        assert p.shape == (3, len(CLASS_NAMES)) and p.dtype == np.float32
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert CLASS_NAMES == ("disordered", "ordered")
    dense = dense_network(32)
    reference = dense_classifier((32, 32, 1), hidden_units=100, classes=2, activation="sigmoid")
    assert dense.count_params() == reference.count_params() == 1024 * 100 + 100 + 100 * 2 + 2
    assert [tuple(w.shape) for w in dense.weights] == [tuple(w.shape) for w in reference.weights]
    assert dense.get_layer("hidden").activation is keras.activations.sigmoid
    assert not dense.losses
    penalised = dense_network(8, l2=1e-3)  # the L2 penalty: one loss term per kernel
    kernels = [penalised.get_layer(n).kernel for n in ("hidden", "logits")]
    expected = sum(1e-3 * float(np.sum(to_np(k) ** 2)) for k in kernels)
    assert len(penalised.losses) == 2
    np.testing.assert_allclose(sum(float(to_np(x)) for x in penalised.losses), expected, rtol=1e-5)


def test_pixel_encoding_gives_the_same_network_on_lib_train_images():
    rng = np.random.default_rng(13)
    spins = random_spins(rng, 5, 8)
    pixels = spins_to_pixels(spins)
    assert pixels.dtype == np.uint8 and pixels.shape == (5, 8, 8)
    np.testing.assert_array_equal(pixels, np.where(spins[..., 0] > 0, 255, 0))
    np.testing.assert_array_equal(spins_to_pixels(-spins), 255 - pixels)  # the flip is 255 - pixels
    floats = lib.train.to_float(pixels)  # what lib.train.fit feeds the model: pixels / 255
    for build in (symmetric_cnn, ordinary_cnn):
        keras.utils.set_random_seed(0)
        on_spins = build()
        keras.utils.set_random_seed(0)
        on_pixels = build(input_encoding="pixels")
        np.testing.assert_array_equal(to_np(on_pixels(floats)), to_np(on_spins(spins)))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        spins_to_pixels(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="input_encoding"):
        symmetric_cnn(input_encoding="uint8")


@pytest.mark.parametrize("call, match", [
    (lambda: symmetric_cnn(padding="valid"), "padding"),
    (lambda: symmetric_cnn(even="tanh"), "even"),
    (lambda: symmetric_cnn(flip="odd"), "flip"),
    (lambda: symmetric_cnn(group_pooling="max"), "maximum of an odd feature"),
    (lambda: symmetric_cnn(filters=()), "filters"),
    (lambda: symmetric_cnn(input_shape=(8, 8, 2)), "one spin per site"),
    (lambda: ordinary_cnn(filters=(4, 0)), "filters"),
    (lambda: dense_network(None), "lattice size"),
    (lambda: dense_network(8, l2=-1.0), "l2"),
])
def test_builders_refuse_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- Serialisation ---------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [
    CircularPad2D(2, name="pad"),
    D4LiftingConv2D(3, 5, padding="same", activation="relu", use_bias=False, name="lift"),
    D4GroupConv2D(4, 3, padding="valid", activation="tanh", name="gconv"),
    D4GroupPool("mean", name="pool"),
    EvenActivation("logcosh", name="even"),
])
def test_get_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


# Keras' own saving code calls np.array on its variables, which numpy 2 flags (also for plain Dense).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(14)
    keras.utils.set_random_seed(1)
    model = symmetric_cnn(flip="first_layer", even="logcosh", group_pooling="mean", input_encoding="pixels")
    inputs = keras.Input(shape=(None, None, 1))  # the layers no model builder uses, in one model
    outputs = D4GroupPool("max")(D4GroupConv2D(2, 3)(D4LiftingConv2D(2, 3)(CircularPad2D(1)(inputs))))
    extra = keras.Model(inputs, outputs)
    x = rng.random(size=(3, 10, 10, 1)).astype(np.float32)
    for m, name in ((model, "symmetric"), (extra, "extra")):
        path = tmp_path / f"{name}.keras"
        m.save(path)
        loaded = keras.models.load_model(path)
        assert [type(a) for a in loaded.layers] == [type(b) for b in m.layers]
        np.testing.assert_array_equal(to_np(loaded(x)), to_np(m(x)))


# --- Training --------------------------------------------------------------------------------


def ordered_or_random(rng, n, size):
    """``n`` configurations: half mostly aligned (each spin against a random global sign with
    probability 0 to 0.15), half uniformly random; labels ``|mean spin| > 0.5`` (1 = ordered)."""
    ordered = rng.random(n) < 0.5
    sign = rng.choice([-1.0, 1.0], size=(n, 1, 1))
    against = np.where(ordered, rng.uniform(0.0, 0.15, n), 0.5)[:, None, None]
    spins = np.where(rng.random((n, size, size)) < against, -sign, sign).astype(np.float32)
    return spins[..., None], (np.abs(spins.mean(axis=(1, 2))) > 0.5).astype(np.int64)


def test_symmetric_cnn_learns_ordered_from_random_in_a_few_epochs():
    rng = np.random.default_rng(15)
    x, y = ordered_or_random(rng, 200, 12)
    x_new, y_new = ordered_or_random(rng, 200, 12)
    assert 0.3 < y.mean() < 0.7 and 0.3 < y_new.mean() < 0.7
    keras.utils.set_random_seed(0)
    model = symmetric_cnn()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    accuracy = float(np.mean(to_np(model(x_new)).argmax(axis=1) == y_new))
    print(f"training accuracy per epoch {np.round(history.history['accuracy'], 3).tolist()}, "
          f"on 200 new configurations {accuracy:.3f}")
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy > 0.8


def test_lib_train_fit_takes_the_symmetric_cnn_on_pixels():
    """The book's training loop (uint8 images, softmax over classes) runs it; learning is tested above."""
    rng = np.random.default_rng(16)
    x, y = ordered_or_random(rng, 64, 8)
    x_val, y_val = ordered_or_random(rng, 32, 8)
    result = lib.train.fit("ising_smoke", symmetric_cnn, {"input_encoding": "pixels"},
                           (spins_to_pixels(x), y), (spins_to_pixels(x_val), y_val), epochs=2, batch_size=32,
                           learning_rate=3e-3, cache=False, progress="none")
    assert result.params == 1302 and not result.from_cache
    assert len(result.history["val_accuracy"]) == 2 and np.isfinite(result.history["loss"]).all()
