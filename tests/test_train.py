"""Tests of lib.train: uint8 batches, the result cache (hit and miss), and a smoke training run."""

import numpy as np
import pytest

import lib  # noqa: F401  (imports TensorFlow quietly)

from lib.data import load_mnist
from lib.models import conv_classifier, dense_classifier
from lib.train import batches, fit, lib_source_hash, predict_proba


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def small(mnist):
    """600 training and 300 test digits (centred 28x28, uint8), disjoint."""
    (x_train, y_train), (x_test, y_test) = mnist
    return (x_train[:600], y_train[:600]), (x_test[:300], y_test[:300])


def test_batches_convert_uint8_per_batch_and_cover_every_image_once():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(37, 6, 6), dtype=np.uint8)
    labels = np.arange(37)
    seen = []
    for x, y in batches(images, labels, batch_size=8, shuffle=True, seed=3):
        x, y = x.numpy(), y.numpy()
        assert x.dtype == np.float32 and x.shape[1:] == (6, 6, 1) and y.dtype == np.int32
        np.testing.assert_allclose(x[..., 0], images[y] / 255.0, rtol=1e-6)
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(37)) and seen != list(range(37))
    unshuffled = np.concatenate([b.numpy() for b in batches(images, batch_size=10, channel_axis=False)])
    assert unshuffled.shape == (37, 6, 6)
    np.testing.assert_allclose(unshuffled, images / 255.0, rtol=1e-6)


def test_batches_reject_float_images():
    with pytest.raises(TypeError, match="uint8"):
        batches(np.zeros((2, 4, 4), np.float32))


def test_fit_cache_hit_then_miss_after_config_change(small, tmp_path):
    train, test = small
    config = {"input_shape": [28, 28, 1], "hidden_units": 16}
    first = fit("tiny", dense_classifier, config, train, test, epochs=1, cache_dir=tmp_path, progress="none")
    assert not first.from_cache and len(list(tmp_path.glob("tiny-*.weights.h5"))) == 1
    again = fit("tiny", dense_classifier, config, train, test, epochs=1, cache_dir=tmp_path, progress="none")
    assert again.from_cache and again.key == first.key
    assert again.history == first.history and again.test_accuracy == first.test_accuracy
    np.testing.assert_allclose(predict_proba(again.model, test[0]), predict_proba(first.model, test[0]), atol=1e-6)
    changed = fit("tiny", dense_classifier, {**config, "hidden_units": 17}, train, test, epochs=1,
                  cache_dir=tmp_path, progress="none")
    assert not changed.from_cache and changed.key != first.key
    other_seed = fit("tiny", dense_classifier, config, train, test, epochs=1, seed=1, cache_dir=tmp_path,
                     progress="none")
    assert not other_seed.from_cache
    assert len(list(tmp_path.glob("tiny-*.json"))) == 3


def test_cache_key_depends_on_training_source():
    digest = lib_source_hash()
    assert len(digest) == 16 and digest == lib_source_hash()


def test_fit_rejects_unknown_precision(small, tmp_path):
    with pytest.raises(ValueError, match="precision"):
        fit("bad", dense_classifier, {}, *small, epochs=1, precision="float16", cache_dir=tmp_path)


def test_smoke_cnn_on_600_digits_beats_chance_widely(small, tmp_path, capsys):
    train, test = small
    config = {"input_shape": [28, 28, 1], "filters": [16, 32], "pooling": "max"}
    result = fit("smoke", conv_classifier, config, train, test, epochs=4, batch_size=32,
                 cache_dir=tmp_path, progress="summary")
    line = capsys.readouterr().out.strip()
    assert line.startswith("smoke: trained, test accuracy") and "\n" not in line
    assert result.test_accuracy > 0.5, f"chance is 0.1; got {result.test_accuracy:.3f}"
    assert result.history["loss"][-1] < result.history["loss"][0]
    probs = predict_proba(result.model, test[0])
    assert probs.shape == (300, 10) and probs.dtype == np.float32
    assert np.mean(probs.argmax(axis=1) == test[1]) == pytest.approx(result.test_accuracy, abs=1e-6)
