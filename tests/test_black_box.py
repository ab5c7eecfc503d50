"""Tests of lib.black_box: the reference CNN and its shipped weights."""

import json

import numpy as np
import pytest

import lib.train  # noqa: F401,E402  (imports TensorFlow quietly first)
import keras
from keras import layers

import re

from lib import black_box as reference
from lib.black_box import ReferenceWeightsError, load_reference
from lib.models import reference_cnn

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


def test_weights_readme_states_the_settings_of_the_code():
    """weights/README.md must state the seed, epochs and accuracy that the code and record hold."""
    assert reference.WEIGHTS_PATH.name.endswith(".weights.h5")
    assert reference.WEIGHTS_PATH.stat().st_size < 5 * 2**20
    meta = json.loads(reference.META_PATH.read_text())
    assert meta["seed"] == reference.SEED and meta["epochs"] == reference.EPOCHS
    readme = (reference.WEIGHTS_DIR / "README.md").read_text()
    assert f"    {reference.REGENERATE_COMMAND}\n" in readme
    seed, epochs = re.search(r"\*\*seed (\d+), (\d+) epochs\*\*", readme).groups()
    assert (int(seed), int(epochs)) == (reference.SEED, reference.EPOCHS)
    stated = float(re.search(r"Test accuracy[^*]*\*\*([\d.]+)%\*\*", readme).group(1))
    assert stated == round(100 * meta["test_accuracy"], 2)


def test_shipped_weights_reach_the_recorded_accuracy():
    """The record's test accuracy is what the shipped weights really score (not a stored number)."""
    from lib.data import load_mnist
    from lib.train import predict_proba

    model = load_reference()
    assert [tuple(w.shape) for w in model.get_weights()] == EXPECTED_SHAPES
    (_, _), (x_test, y_test) = load_mnist()
    p = predict_proba(model, x_test, batch_size=1000)
    accuracy = np.mean(p.argmax(axis=1) == y_test)
    recorded = json.loads(reference.META_PATH.read_text())["test_accuracy"]
    assert accuracy == pytest.approx(recorded, abs=2e-4)  # 2 of 10,000 digits: other CPUs round differently
    assert accuracy >= 0.99


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(ReferenceWeightsError, match=r"not found.*python -m lib\.black_box"):
        load_reference(tmp_path / "nothing.weights.h5")


def test_unreadable_file_names_the_command(tmp_path):
    path = tmp_path / "garbage.weights.h5"
    path.write_bytes(b"not an hdf5 file")
    with pytest.raises(ReferenceWeightsError, match=r"python -m lib\.black_box"):
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
    with pytest.raises(ReferenceWeightsError, match=r"do not match.*\(5, 5, 1, 8\).*python -m lib\.black_box"):
        load_reference(path)


def test_fresh_weights_of_the_right_architecture_load(tmp_path):
    path = tmp_path / "fresh.weights.h5"
    fresh = reference_cnn()
    fresh.save_weights(path)
    loaded = load_reference(path)
    for a, b in zip(fresh.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_translation_cnn_is_chapter_1s_best_cnn_from_the_shipped_cache():
    """Chapter 2 opens chapter 1's best CNN: the very network train_best gives (one entry of
    weights/cache/), on 50x50 canvases, scoring its recorded test accuracy."""
    from lib.data import translated_mnist
    from lib.train import accuracy
    from lib.translation import train_best

    data = translated_mnist()
    model = reference.load_translation_cnn()
    result = train_best(data, seed=0)
    assert result.from_cache, "chapter 1's best CNN must ship in weights/cache/"
    assert model.input_shape == (None, 50, 50, 1)
    for a, b in zip(model.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert accuracy(model, data["x_test"], data["y_test"], batch_size=1000) == \
        pytest.approx(result.test_accuracy, abs=1e-6)
    # The data without its training canvases keys the same network; the networks that learn
    # from those canvases refuse it, saying what to pass instead.
    from lib.translation import train_dense

    lean = translated_mnist(train_canvases=False)
    assert train_best(lean, seed=0).key == result.key
    with pytest.raises(ValueError, match="pass translated_mnist"):
        train_dense(lean)
