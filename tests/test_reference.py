"""Tests of lib.reference: the reference CNN and its shipped weights."""

import json

import numpy as np
import pytest

import lib  # noqa: F401  - quiet TensorFlow import
import keras
from keras import layers

from lib import reference
from lib.reference import ReferenceWeightsError, load_reference, reference_cnn

# Keras 3.15's h5 writer calls np.array(variable, copy=False), deprecated in NumPy 2.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept:DeprecationWarning")

EXPECTED_SHAPES = [(5, 5, 1, 16), (16,), (3, 3, 16, 32), (32,), (1568, 64), (64,), (64, 10), (10,)]


def test_architecture_and_weight_shapes():
    model = reference_cnn()
    assert [tuple(w.shape) for w in model.get_weights()] == EXPECTED_SHAPES
    assert reference.expected_shapes() == EXPECTED_SHAPES
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 2 and kinds.count("MaxPooling2D") == 2 and "Dense" in kinds
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    p = keras.ops.convert_to_numpy(model(x))
    assert p.shape == (3, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)


def test_shipped_weights_are_small_and_documented():
    assert reference.WEIGHTS_PATH.name.endswith(".weights.h5")
    assert reference.WEIGHTS_PATH.stat().st_size < 5 * 2**20
    meta = json.loads(reference.META_PATH.read_text())
    assert meta["seed"] == reference.SEED and meta["epochs"] == reference.EPOCHS
    assert meta["test_accuracy"] >= 0.99
    readme = (reference.WEIGHTS_DIR / "README.md").read_text()
    assert "python -m lib.reference" in readme and str(reference.SEED) in readme


def test_shipped_weights_load_and_classify():
    from lib.data import load_mnist
    from lib.train import predict_proba

    model = load_reference()
    assert [tuple(w.shape) for w in model.get_weights()] == EXPECTED_SHAPES
    (_, _), (x_test, y_test) = load_mnist()
    # A fixed slice of the test set keeps the test fast; the full accuracy is in weights/README.md.
    p = predict_proba(model, x_test[:2000])
    assert np.mean(p.argmax(axis=1) == y_test[:2000]) >= 0.98


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(ReferenceWeightsError, match=r"not found.*python -m lib\.reference"):
        load_reference(tmp_path / "nothing.weights.h5")


def test_unreadable_file_names_the_command(tmp_path):
    path = tmp_path / "garbage.weights.h5"
    path.write_bytes(b"not an hdf5 file")
    with pytest.raises(ReferenceWeightsError, match=r"python -m lib\.reference"):
        load_reference(path)


def test_other_architecture_is_rejected_with_shapes(tmp_path):
    # Same layer kinds in the same order, but 8 instead of 16 filters in conv1.
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(8, 5, padding="same")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(64)(x)
    x = layers.Dense(10)(x)
    outputs = layers.Activation("softmax")(x)
    other = keras.Model(inputs, outputs)
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    with pytest.raises(ReferenceWeightsError, match=r"do not match.*\(5, 5, 1, 8\).*python -m lib\.reference"):
        load_reference(path)


def test_fresh_weights_of_the_right_architecture_load(tmp_path):
    path = tmp_path / "fresh.weights.h5"
    fresh = reference_cnn()
    fresh.save_weights(path)
    loaded = load_reference(path)
    for a, b in zip(fresh.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
