"""Tests of lib.pipeline: uint8 in, float32 batches out, a new order and augmentation every epoch."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lib.pipeline import batches, epoch_order, to_float

ROOT = Path(__file__).resolve().parent.parent


# --- uint8 -> float ----------------------------------------------------------------------


def test_to_float_scales_uint8_and_refuses_floats():
    x = np.array([[[0, 255], [51, 102]]], np.uint8)
    np.testing.assert_array_equal(to_float(x, channel_axis=False), x / np.float32(255))
    assert to_float(x).shape == (1, 2, 2, 1) and to_float(x).dtype == np.float32
    with pytest.raises(TypeError, match="uint8"):
        to_float(x.astype(np.float32))


def test_batches_convert_uint8_per_batch_and_cover_every_image_once():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(37, 6, 6), dtype=np.uint8)
    labels = np.arange(37)
    seen = []
    for x, y in batches(images, labels, batch_size=8, shuffle=True, seed=3):
        x, y = x.numpy(), y.numpy()
        assert x.dtype == np.float32 and x.shape[1:] == (6, 6, 1) and y.dtype == np.int32
        np.testing.assert_array_equal(x, to_float(images[y]))
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(37)) and seen != list(range(37))


def _flip(batch, rng):
    """A test augmentation: each image mirrored left-right or not, at random."""
    flip = rng.random(len(batch)) < 0.5
    out = batch.copy()
    out[flip] = batch[flip][:, :, ::-1]
    return out


def test_batches_augment_every_epoch_anew_and_reproducibly():
    images = np.random.default_rng(0).integers(0, 256, size=(40, 5, 5), dtype=np.uint8)
    labels = np.arange(40)
    ds = batches(images, labels, batch_size=8, shuffle=True, seed=2, augment=_flip)
    epochs = []
    for _ in range(2):  # one pass over the data per epoch
        xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
        epochs.append((np.concatenate(xs), np.concatenate(ys)))
    flipped = []
    for x, y in epochs:
        same = np.all(x[..., 0] == to_float(images[y], channel_axis=False), axis=(1, 2))
        mirrored = np.all(x[..., 0] == to_float(images[y][:, :, ::-1], channel_axis=False), axis=(1, 2))
        assert np.all(same | mirrored), "every image must be itself or its mirror image"
        flipped.append(mirrored & ~same)
    assert 0 < flipped[0].sum() < 40, "about half the images are mirrored"
    by_image = [f[np.argsort(y)] for f, (_, y) in zip(flipped, epochs)]
    assert not np.array_equal(*by_image), "the second epoch must draw new random versions"
    again = batches(images, labels, batch_size=8, shuffle=True, seed=2, augment=_flip)
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x, _ in again]), epochs[0][0])
    # Negative control: without augment every image arrives as it is.
    x, y = next(iter(batches(images, labels, batch_size=40)))
    np.testing.assert_array_equal(x.numpy()[..., 0], to_float(images, channel_axis=False))


@pytest.mark.parametrize("augment,match", [
    (lambda b, rng: b.astype(np.float32), "uint8"),
    (lambda b, rng: b[:, :3] if len(b) > 2 else b, r"shape \(16, 5, 5\)"),
    (lambda b, rng: b[:1], "one per input image"),
    ("flip", "must be a function"),
])
def test_batches_refuse_an_augment_that_breaks_the_batch(augment, match):
    images = np.zeros((16, 5, 5), np.uint8)
    # refused when the dataset is made, or (a shape that changes later) by the pass that breaks
    with pytest.raises(Exception, match=match):
        list(batches(images, np.zeros(16), batch_size=8, augment=augment))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_batches_reject_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        batches(np.zeros((4, 3, 3), np.uint8), batch_size=batch_size)




def test_each_epoch_takes_the_order_it_names_reproducibly():
    images = np.random.default_rng(1).integers(0, 256, size=(50, 4, 4), dtype=np.uint8)
    ds = batches(images, np.arange(50), batch_size=16, shuffle=True, seed=7)
    for epoch in range(3):
        seen = np.concatenate([y.numpy() for _, y in ds])
        np.testing.assert_array_equal(seen, epoch_order(50, 7, epoch))
    assert not np.array_equal(epoch_order(50, 7, 0), epoch_order(50, 7, 1))


def test_a_dataset_of_an_empty_set_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="empty"):
        batches(np.zeros((0, 5, 5), np.uint8))


def _faults_per_step(way: str, images: int = 2560) -> float:
    """Minor page faults per training step of chapter 1's best CNN fed ``way``, measured by
    ``benchmarks/input_pipeline.py`` in a fresh process (one epoch after one that traces)."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "input_pipeline.py"), "--one", way,
                          "--images", str(images), "--epochs", "1"], capture_output=True, text=True,
                         cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])["minor_faults"] / (images // 128)


def test_batches_do_not_fault_in_new_memory_for_every_batch():
    """Counted, not timed: fed by a Python generator, training makes TensorFlow take fresh
    memory pages for every batch (measured: tens of thousands of faults per step, and half the
    CPU time in the system on some machines); the library's batches are slices of memory that
    TensorFlow already holds."""
    ours, generator = _faults_per_step("batches"), _faults_per_step("from_generator")
    print(f"minor faults per step: batches {ours:.0f}, from_generator {generator:.0f}")
    # The negative control fails this bound: the generator faults at least 4 times as often.
    assert ours * 4 < generator, f"batches: {ours:.0f} faults per step, from_generator: {generator:.0f}"
