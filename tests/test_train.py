"""Tests of lib.train and lib.cache: argument checks, the cache (every way it could lie), training."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lib.data import load_mnist
from lib.models import conv_classifier, dense_classifier
from lib import train as train_module
from lib import cache, keras_internals, pipeline
from lib.cache import cache_key, code_fingerprint, function_fingerprint
from lib.pipeline import batches
from lib.train import check_labels, fit, predict_proba

import keras

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small():
    """600 training, 200 validation and 300 test digits (centred 28x28, uint8), disjoint."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return (x_train[:600], y_train[:600]), (x_train[600:800], y_train[600:800]), (x_test[:300], y_test[:300])


TINY = {"input_shape": [28, 28, 1], "hidden_units": 16}


def tiny_fit(small, tmp_path, build=dense_classifier, config=TINY, **kwargs):
    kwargs = {"epochs": 1, "cache_dir": tmp_path, "progress": "none", **kwargs}
    return fit(kwargs.pop("name", "tiny"), build, config, *small, **kwargs)


# --- argument checks, before any training ---------------------------------------------------


def place40(batch, rng):
    """Test augmentation: each digit at a new random place on a 40x40 canvas."""
    from lib.data import random_placement

    return random_placement(batch, rng, 40)


def place40_mirrored(batch, rng):
    from lib.data import random_placement

    return random_placement(batch, rng, 40)[:, :, ::-1]


def test_fit_with_augment_puts_digits_on_canvases_and_keys_the_augmentation(small, tmp_path):
    from lib.data import place_on_canvas

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = small
    val = (place_on_canvas(x_val, 40, seed=0)[0], y_val)  # validation and test are used as given
    test = (place_on_canvas(x_test, 40, seed=1)[0], y_test)
    config = {"input_shape": [40, 40, 1], "hidden_units": 16}

    def run(augment):
        return fit("placed", dense_classifier, config, (x_train, y_train), val, test, epochs=1,
                   cache_dir=tmp_path, progress="none", augment=augment)

    placed = run(place40)
    assert placed.model.input_shape == (None, 40, 40, 1) and placed.test_accuracy is not None
    again = run(place40)
    assert again.from_cache and again.key == placed.key
    other = run(place40_mirrored)
    assert not other.from_cache and other.key != placed.key, "another augmentation must miss the cache"




@pytest.mark.parametrize("kwargs,match", [
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"batch_size": 32.0}, "batch_size must be a positive integer"),
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"learning_rate": -1e-3}, "learning_rate"),
    ({"name": "../escape"}, "name must be"),
    ({"name": "a b"}, "name must be"),
    ({"schedule": "step"}, "schedule"),
    ({"progress": "loud"}, "progress"),
    ({"patience": 0}, "patience must be a positive integer"),
    ({"patience": 2, "schedule": "cosine"}, "constant learning rate"),
])
def test_fit_rejects_bad_arguments_before_training(small, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_fit(small, tmp_path, **kwargs)
    assert not list(tmp_path.iterdir()), "nothing may be trained or written for bad arguments"


@pytest.mark.parametrize("labels,match", [
    (np.full(600, 10), r"0\.\.9"),
    (np.full(600, -1), r"0\.\.9"),
    (np.where(np.arange(600) == 5, np.nan, 1.0), "NaN"),
    (np.full(600, 1.5), "whole numbers"),
    (np.array(["1"] * 600), "integers"),
])
def test_fit_rejects_bad_labels_with_a_clear_error(small, tmp_path, labels, match):
    (x, _), val, test = small
    with pytest.raises(ValueError, match=match):
        fit("tiny", dense_classifier, TINY, (x, labels), val, test, epochs=1, cache_dir=tmp_path, progress="none")
    assert not list(tmp_path.iterdir())


def test_check_labels_accepts_whole_floats():
    np.testing.assert_array_equal(check_labels(np.array([0.0, 9.0]), 10), [0, 9])


def test_fit_refuses_a_non_float32_policy(small, tmp_path):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        with pytest.raises(ValueError, match="float32"):
            tiny_fit(small, tmp_path)
    finally:
        keras.config.set_dtype_policy(previous)


# --- the cache -----------------------------------------------------------------------------


def test_cache_hit_returns_the_same_model_and_numbers(small, tmp_path):
    first = tiny_fit(small, tmp_path)
    assert not first.from_cache and first.test_accuracy is not None
    assert set(first.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    again = tiny_fit(small, tmp_path)
    assert again.from_cache and again.key == first.key
    assert again.history == first.history and again.test_accuracy == first.test_accuracy
    np.testing.assert_allclose(predict_proba(again.model, small[2][0]), predict_proba(first.model, small[2][0]),
                               atol=1e-6)


def _traced_functions() -> int:
    import gc

    from tensorflow.python.eager import context

    gc.collect()
    return len(context.context().list_function_names())


def test_training_leaves_no_traced_functions_behind(small, tmp_path, monkeypatch):
    """A chapter trains dozens of networks in one kernel; each used to leave the conditional
    initialisers of its optimizer and metric variables in TensorFlow's function library."""
    tiny_fit(small, tmp_path, cache=False)  # the first fit traces what every fit shares
    before = _traced_functions()
    for seed in range(3):
        tiny_fit(small, tmp_path, seed=seed, cache=False)
    assert _traced_functions() - before < 5
    # Negative control: variables created while the first step is traced (Keras' default) leak.
    monkeypatch.setattr(train_module, "build_training_state", lambda *args: None)
    before = _traced_functions()
    for seed in range(3):
        tiny_fit(small, tmp_path, seed=seed, cache=False)
    assert _traced_functions() - before >= 3 * 10


def test_the_images_of_a_run_are_released_when_it_ends(small, monkeypatch):
    import gc
    import weakref

    (x, y), val, test = small
    x = x.copy()  # an array that only this test and the run hold
    alive = weakref.ref(x)
    fit("tiny", dense_classifier, TINY, (x, y), val, test, epochs=1, cache=False, progress="none")
    del x
    gc.collect()
    assert alive() is None
    # An iterator keeps its dataset's images while it runs, even when the dataset is dropped.
    it = iter(batches(small[0][0].copy(), None, batch_size=100))
    gc.collect()
    assert sum(len(b) for b in it) == len(small[0][0])
    # Negative control: functions that hold the arrays strongly keep them after the run, since
    # TensorFlow keeps the Python functions of a run's datasets.
    monkeypatch.setattr(pipeline, "_weak_reference", lambda obj: (lambda: obj))
    x = small[0][0].copy()
    kept = weakref.ref(x)
    fit("tiny", dense_classifier, TINY, (x, y), val, test, epochs=1, cache=False, progress="none")
    del x
    gc.collect()
    assert kept() is not None


def test_every_training_run_hands_freed_memory_back(small, tmp_path, monkeypatch):
    keras_internals.release_free_memory()  # callable here (glibc) and a no-op elsewhere
    calls = []
    monkeypatch.setattr(train_module, "release_free_memory", lambda: calls.append(1))
    tiny_fit(small, tmp_path)
    assert calls == [1]
    tiny_fit(small, tmp_path)  # a cache hit trains nothing, so there is nothing to hand back
    assert calls == [1]


@pytest.mark.parametrize("change", [
    {"config": {**TINY, "hidden_units": 17}},
    {"seed": 1},
    {"batch_size": 64},
    {"learning_rate": 2e-3},
    {"schedule": "cosine"},
    {"patience": 3},
])
def test_every_fit_argument_is_in_the_key(small, tmp_path, change):
    first = tiny_fit(small, tmp_path)
    other = tiny_fit(small, tmp_path, **change)
    assert not other.from_cache and other.key != first.key


def test_patience_stops_after_that_many_epochs_without_gain_and_keeps_the_best_weights(small, tmp_path):
    # A learning rate far too high makes validation accuracy jump around, so the rule fires.
    result = tiny_fit(small, tmp_path, epochs=30, patience=2, learning_rate=0.5, name="jumpy")
    val = result.history["val_accuracy"]
    best = int(np.argmax(val))
    assert result.best_epoch == best + 1
    assert len(val) < 30, "the stopping rule never fired"
    assert len(val) == best + 1 + 2, "it must stop exactly `patience` epochs after the best one"
    (x_val, y_val) = small[1]
    accuracy = np.mean(predict_proba(result.model, x_val).argmax(-1) == y_val)
    assert accuracy == pytest.approx(val[best], abs=1e-6), "the model must carry the best epoch's weights"
    # Negative control: without the rule every epoch runs and the last weights stay.
    plain = tiny_fit(small, tmp_path, epochs=4, learning_rate=0.5, name="jumpy")
    assert len(plain.history["val_accuracy"]) == 4 and plain.best_epoch == 4
    # The cache gives back the same best epoch.
    again = tiny_fit(small, tmp_path, epochs=30, patience=2, learning_rate=0.5, name="jumpy")
    assert again.from_cache and again.best_epoch == result.best_epoch


def test_validation_and_test_data_are_keyed_by_content(small, tmp_path):
    train, val, test = small
    first = tiny_fit(small, tmp_path)
    x_val = val[0].copy()
    x_val[0, 0, 0] ^= 1  # one pixel of one validation image
    other = fit("tiny", dense_classifier, TINY, train, (x_val, val[1]), test, epochs=1, cache_dir=tmp_path,
                progress="none")
    assert not other.from_cache and other.key != first.key


def test_edited_builder_misses_the_cache(small, tmp_path):
    def build(**config):
        return dense_classifier(**config)

    def build_edited(**config):
        return dense_classifier(**{**config, "activation": "tanh"})

    build_edited.__qualname__ = build.__qualname__  # same name, other code: must not hit
    first = tiny_fit(small, tmp_path, build=build)
    second = tiny_fit(small, tmp_path, build=build_edited)
    assert not second.from_cache and second.key != first.key
    assert function_fingerprint(build) != function_fingerprint(build_edited)


def test_two_lambdas_have_different_fingerprints():
    a = lambda **c: dense_classifier(**c)  # noqa: E731
    b = lambda **c: dense_classifier(**{**c, "hidden_units": 3})  # noqa: E731
    assert function_fingerprint(a) != function_fingerprint(b)


def test_comments_and_docstrings_do_not_change_the_code_fingerprint():
    plain = "def f(x):\n    return x + 1\n"
    commented = 'def f(x):\n    """Add one."""\n    # why: because\n    return x + 1  # here\n'
    changed = "def f(x):\n    return x + 2\n"
    assert code_fingerprint(plain) == code_fingerprint(commented)
    assert code_fingerprint(plain) != code_fingerprint(changed)


def test_a_version_change_misses_the_cache(small, tmp_path, monkeypatch):
    first = tiny_fit(small, tmp_path)
    monkeypatch.setattr(cache, "versions", lambda: {"tensorflow": "9.9", "keras": "9.9", "numpy": "9.9"})
    other = tiny_fit(small, tmp_path)
    assert not other.from_cache and other.key != first.key


def test_a_change_in_training_code_misses_the_cache(small, tmp_path, monkeypatch):
    first = tiny_fit(small, tmp_path)
    monkeypatch.setattr(cache, "module_fingerprint", lambda *names: "0" * 16)
    assert tiny_fit(small, tmp_path).key != first.key


@pytest.mark.parametrize("damage", ["truncate_weights", "garbage_weights", "garbage_meta", "old_format"])
def test_a_damaged_entry_is_reported_and_retrained(small, tmp_path, capsys, damage):
    first = tiny_fit(small, tmp_path)
    weights = next(tmp_path.glob("tiny-*.weights.h5"))
    meta = next(tmp_path.glob("tiny-*.json"))
    if damage == "truncate_weights":
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "garbage_weights":
        weights.write_bytes(b"not hdf5")
    elif damage == "garbage_meta":
        meta.write_text("{not json")
    else:
        record = json.loads(meta.read_text())
        record.pop("format")
        meta.write_text(json.dumps(record))
    capsys.readouterr()
    again = tiny_fit(small, tmp_path)
    out = capsys.readouterr().out
    assert not again.from_cache
    assert out.count("\n") == 1 and "cannot be used" in out and "retraining" in out
    np.testing.assert_allclose(again.history["loss"], first.history["loss"], rtol=1e-3)  # same seed
    assert tiny_fit(small, tmp_path).from_cache, "the retrained entry must be whole again"


def test_writes_leave_no_temporary_files(small, tmp_path):
    tiny_fit(small, tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".h5", ".json"]


def test_config_values_that_cannot_be_keyed_are_refused(small, tmp_path):
    with pytest.raises(TypeError, match="cache key"):
        tiny_fit(small, tmp_path, config={**TINY, "activation": object()})


def test_array_config_is_keyed_by_content(small, tmp_path):
    a, b = np.zeros(5), np.zeros(5)
    b[4] = 1e-9
    assert cache_key({"w": a}) != cache_key({"w": b})
    assert cache_key({"w": a}) == cache_key({"w": np.zeros(5)})


# --- training works --------------------------------------------------------------------------


def test_smoke_cnn_on_600_digits_beats_chance_widely(small, tmp_path):
    config = {"input_shape": [28, 28, 1], "filters": [16, 32], "pooling": "max"}
    result = fit("smoke", conv_classifier, config, *small, epochs=4, batch_size=32, cache_dir=tmp_path,
                 progress="none")
    assert result.test_accuracy > 0.5, f"chance is 0.1; got {result.test_accuracy:.3f}"
    assert result.val_accuracy > 0.5
    assert result.history["loss"][-1] < result.history["loss"][0]
    probs = predict_proba(result.model, small[2][0])
    assert probs.shape == (300, 10) and probs.dtype == np.float32
    assert np.mean(probs.argmax(axis=1) == small[2][1]) == pytest.approx(result.test_accuracy, abs=1e-6)


def test_progress_epoch_prints_one_line_per_epoch(small, tmp_path, capsys):
    tiny_fit(small, tmp_path, epochs=2, progress="epoch", cache=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "2/2 epochs" in lines[-1]  # the start line and one per epoch


def test_progress_while_the_book_builds_goes_to_a_log_file_not_the_page(small, tmp_path, monkeypatch):
    """Under SYMBOOK_PROGRESS=file:PATH a notebook gets no output at all (myst-nb would wrap
    a display in the cell's figure; stderr would be forwarded into the page) and PATH gets one
    line per model."""
    import lib.progress as progress

    shown, log = [], tmp_path / "training-log.txt"
    monkeypatch.setenv("SYMBOOK_PROGRESS", f"file:{log}")
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    tiny_fit(small, tmp_path, epochs=2, progress="auto", cache=False)
    assert shown == []
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and "tiny: 2 epochs in" in lines[0]
    # the negative control: without the variable, a notebook does get a display
    monkeypatch.delenv("SYMBOOK_PROGRESS")
    tiny_fit(small, tmp_path, epochs=1, progress="auto", cache=False)
    assert shown


# --- every CPU: float32 on AVX2-only and without oneDNN -----------------------------------

STEP_SCRIPT = textwrap.dedent("""
    import numpy as np
    from lib import models
    from lib.train import fit
    rng = np.random.default_rng(0)
    builders = {
        "dense": (models.dense_classifier, {"input_shape": [50, 50, 1], "hidden_units": 8}, 50),
        "cnn": (models.conv_classifier, {"filters": [8, 16], "batch_norm": True, "dropout": 0.2,
                                          "global_pooling": "max", "dense_units": 8}, 50),
        "reference": (models.reference_cnn, {}, 28),
        "rotated": (models.rotated_dense_classifier, {"filters": 8, "pooling": "max"}, 28),
        "p4": (models.p4_cnn, {"filters": [2, 2, 2]}, 28),
        "plain": (models.plain_cnn, {"filters": [2, 2, 2]}, 28),
    }
    for name, (build, config, size) in builders.items():
        x = rng.integers(0, 256, (16, size, size), dtype=np.uint8)
        y = rng.integers(0, 10, 16)
        r = fit(name, build, config, (x, y), (x[:8], y[:8]), epochs=1, batch_size=16, cache=False,
                progress="none")
        assert np.isfinite(r.history["loss"][0]), name
        print(name, "ok")
""")


@pytest.mark.parametrize("env", [{"ONEDNN_MAX_CPU_ISA": "AVX2"}, {"TF_ENABLE_ONEDNN_OPTS": "0"}],
                         ids=["avx2-only", "no-onednn"])
def test_every_builder_trains_a_step_on_other_cpus(env):
    result = subprocess.run([sys.executable, "-c", STEP_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [w for n in ("dense", "cnn", "reference", "rotated", "p4", "plain")
                                     for w in (n, "ok")]


def test_symbook_train_retrains_what_the_cache_holds(small, tmp_path, monkeypatch):
    first = tiny_fit(small, tmp_path)
    monkeypatch.setenv("SYMBOOK_TRAIN", "1")
    again = tiny_fit(small, tmp_path)
    assert not again.from_cache and again.key == first.key
    # Negative control: without it, the entry is loaded.
    monkeypatch.delenv("SYMBOOK_TRAIN")
    assert tiny_fit(small, tmp_path).from_cache


def test_fit_leaves_the_readers_random_generators_alone(small, tmp_path):
    import random

    np.random.seed(123)
    random.seed(123)
    expected = (np.random.random(), random.random())
    np.random.seed(123)
    random.seed(123)
    tiny_fit(small, tmp_path, seed=5, cache=False)
    assert (np.random.random(), random.random()) == expected


def test_two_runs_from_scratch_give_the_same_weights_bit_for_bit(small, tmp_path):
    first = tiny_fit(small, tmp_path / "a", epochs=2)
    second = tiny_fit(small, tmp_path / "b", epochs=2)
    assert not first.from_cache and not second.from_cache
    for a, b in zip(first.model.get_weights(), second.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Negative control: another seed gives other weights.
    other = tiny_fit(small, tmp_path / "c", epochs=2, seed=1)
    assert not np.array_equal(other.model.get_weights()[0], first.model.get_weights()[0])
