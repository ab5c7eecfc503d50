"""lib.convolution: Eq. (1.1) by loops, against Keras' Conv2D and against a flipped kernel."""

import numpy as np
import pytest

import lib.train  # noqa: F401  (imports TensorFlow quietly)
import keras

from lib.convolution import cross_correlation, keras_conv2d


def test_one_pixel_by_hand():
    x = np.arange(16.0).reshape(4, 4)
    w = np.array([[1.0, 0.0], [0.0, -1.0]])
    out = cross_correlation(x, w)
    assert out.shape == (3, 3)
    assert out[1, 2] == x[1, 2] - x[2, 3]  # w(0,0) x(i) + w(1,1) x(i + (1,1))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_keras_conv2d_computes_the_same_and_a_flipped_kernel_does_not(padding):
    rng = np.random.default_rng(0)
    x = rng.random((9, 11)).astype(np.float32)
    w = rng.normal(size=(3, 3)).astype(np.float32)
    conv = keras.layers.Conv2D(1, 3, padding=padding, use_bias=False)
    conv.build((1, 9, 11, 1))
    conv.kernel.assign(w[:, :, None, None])
    keras_map = keras.ops.convert_to_numpy(conv(x[None, :, :, None]))[0, :, :, 0]
    np.testing.assert_array_equal(keras_conv2d(x, w, padding=padding), keras_map)  # the page's helper
    ours = cross_correlation(x, w, padding=padding)
    assert ours.shape == keras_map.shape == ((9, 11) if padding == "same" else (7, 9))
    np.testing.assert_allclose(ours, keras_map, rtol=1e-5, atol=1e-5)
    # Negative control: the convolution of signal processing flips the kernel; Keras does not.
    assert np.abs(cross_correlation(x, w[::-1, ::-1], padding=padding) - keras_map).max() > 1e-2


def test_bad_input_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="square kernel"):
        cross_correlation(np.zeros((4, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="padding must be one of"):
        cross_correlation(np.zeros((4, 4)), np.zeros((3, 3)), padding="full")
    with pytest.raises(ValueError, match="odd kernel"):
        cross_correlation(np.zeros((4, 4)), np.zeros((2, 2)), padding="same")
    with pytest.raises(ValueError, match="larger than the image"):
        cross_correlation(np.zeros((2, 2)), np.zeros((3, 3)))
