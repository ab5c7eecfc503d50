"""Tests of lib.data: the shipped MNIST, place_on_canvas, rotate90, rotate_image, rotated_mnist, the splits.

Property-style: each claim is checked over many random shapes, seeds and k,
drawn from a seeded generator so that a failure can be reproduced.
"""

import shutil

import numpy as np
import pytest

from lib import data
from lib.data import MNISTDataError, load_mnist, place_on_canvas, rotate90, rotated_mnist

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def random_digits(rng, n, size=28):
    """Random uint8 'digits' with nonzero pixels everywhere, so a misplaced pixel shows."""
    return rng.integers(1, 256, size=(n, size, size), dtype=np.uint8)


# --- load_mnist ----------------------------------------------------------------------------


def test_mnist_matches_keras_layout_and_published_counts(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    # Real digits: dark background, full ink present, about 19% of pixels inked.
    assert x_train.max() == 255 and x_train[:, 0, 0].max() == 0
    assert 0.15 < (x_train > 0).mean() < 0.25


def test_missing_file_names_the_fix(tmp_path):
    with pytest.raises(MNISTDataError, match="not found.*git checkout"):
        load_mnist(tmp_path / "nothing.npz")


def test_corrupted_default_file_fails_checksum(tmp_path, monkeypatch):
    broken = tmp_path / "mnist.npz"
    shutil.copy(data.MNIST_PATH, broken)
    with open(broken, "r+b") as f:  # flip one byte in the middle
        f.seek(5_000_000)
        byte = f.read(1)
        f.seek(5_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(data, "MNIST_PATH", broken)
    with pytest.raises(MNISTDataError, match="corrupted.*SHA-256"):
        load_mnist()


def test_truncated_or_wrong_file_gives_clear_error(tmp_path):
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data.MNIST_PATH.read_bytes()[:1000])
    with pytest.raises(MNISTDataError, match="cannot be read"):
        load_mnist(truncated)
    wrong_keys = tmp_path / "keys.npz"
    np.savez(wrong_keys, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(MNISTDataError, match="lacks the key"):
        load_mnist(wrong_keys)
    wrong_dtype = tmp_path / "dtype.npz"
    np.savez(wrong_dtype, x_train=np.zeros((2, 28, 28)), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(MNISTDataError, match=r"x_train.*expected \(N, 28, 28\) uint8"):
        load_mnist(wrong_dtype)


def test_download_fallback_is_used_only_when_asked(tmp_path, monkeypatch):
    import keras

    sentinel = ((np.zeros((1, 28, 28), np.uint8), np.zeros(1, np.uint8)),) * 2
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: sentinel)
    monkeypatch.setattr(data, "MNIST_PATH", tmp_path / "gone.npz")
    with pytest.raises(MNISTDataError):
        load_mnist()
    assert load_mnist(download=True) is sentinel


# --- place_on_canvas -----------------------------------------------------------------------


@pytest.mark.parametrize("trial", range(20))
def test_digit_is_intact_at_its_position_and_nowhere_else(trial):
    rng = np.random.default_rng(trial)
    size = int(rng.integers(1, 12))
    canvas_size = size + int(rng.integers(0, 15))
    n = int(rng.integers(1, 40))
    images = random_digits(rng, n, size)
    canvases, positions = place_on_canvas(images, canvas_size, seed=trial)
    assert canvases.shape == (n, canvas_size, canvas_size) and canvases.dtype == np.uint8
    assert positions.shape == (n, 2) and np.issubdtype(positions.dtype, np.integer)
    assert positions.min() >= 0 and positions.max() <= canvas_size - size
    for canvas, (r, c), image in zip(canvases, positions, images):
        np.testing.assert_array_equal(canvas[r:r + size, c:c + size], image)
        outside = canvas.copy()
        outside[r:r + size, c:c + size] = 0
        assert not outside.any()


def test_positions_are_uniform_and_cover_both_edges():
    rng = np.random.default_rng(0)
    images = random_digits(rng, 20000, 28)
    _, positions = place_on_canvas(images, 50, seed=1)
    for axis in (0, 1):
        counts = np.bincount(positions[:, axis], minlength=23)
        assert len(counts) == 23  # 0 .. 22 = 50 - 28
        assert counts.min() > 0  # edges 0 and 22 included
        expected = len(images) / 23
        chi2 = ((counts - expected) ** 2 / expected).sum()
        assert chi2 < 60  # 22 degrees of freedom: P(chi2 > 60) < 1e-4
    # Row and column are independent: the 23x23 joint table has no empty cell.
    joint = np.zeros((23, 23), int)
    np.add.at(joint, (positions[:, 0], positions[:, 1]), 1)
    assert joint.min() > 0


def test_same_seed_same_canvases_and_canvas_equal_to_digit():
    rng = np.random.default_rng(3)
    images = random_digits(rng, 50)
    a, pa = place_on_canvas(images, 40, seed=7)
    b, pb = place_on_canvas(images, 40, seed=7)
    c, pc = place_on_canvas(images, 40, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(pa, pc)
    same, positions = place_on_canvas(images, 28, seed=0)  # no room to move
    np.testing.assert_array_equal(same, images)
    assert not positions.any()


def test_real_mnist_all_70000_on_50x50(mnist):
    (x_train, _), (x_test, _) = mnist
    images = np.concatenate([x_train, x_test])
    canvases, positions = place_on_canvas(images, seed=0)
    assert canvases.shape == (70000, 50, 50) and canvases.dtype == np.uint8
    assert canvases.nbytes == 70000 * 50 * 50
    # Ink is conserved: every pixel of every digit landed on its canvas.
    np.testing.assert_array_equal(canvases.sum(axis=(1, 2), dtype=np.int64),
                                  images.sum(axis=(1, 2), dtype=np.int64))
    assert set(np.unique(positions)) == set(range(23))


@pytest.mark.parametrize(
    "images, canvas_size, error, message",
    [
        (np.zeros((3, 28, 28), np.uint8), 27, ValueError, "smaller than the 28x28"),
        (np.zeros((3, 28, 20), np.uint8), 50, ValueError, "square"),
        (np.zeros((28, 28), np.uint8), 50, ValueError, r"shape \(N, height, width\)"),
        (np.zeros((3, 28, 28, 1), np.uint8), 50, ValueError, r"images\[\.\.\., 0\]"),
        (np.zeros((3, 28, 28), np.uint8), 50.0, TypeError, "integer"),
    ],
)
def test_place_on_canvas_rejects_bad_input(images, canvas_size, error, message):
    with pytest.raises(error, match=message):
        place_on_canvas(images, canvas_size)


# --- rotate90 ------------------------------------------------------------------------------


@pytest.mark.parametrize("trial", range(10))
def test_rotate90_agrees_with_np_rot90_for_any_integer_k(trial):
    rng = np.random.default_rng(100 + trial)
    shape = tuple(int(s) for s in rng.integers(1, 9, size=int(rng.integers(2, 5))))
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    for k in range(-9, 10):
        np.testing.assert_array_equal(rotate90(images, k), np.rot90(images, k, axes=(-2, -1)))
        np.testing.assert_array_equal(rotate90(images, np.int32(k)), np.rot90(images, k, axes=(-2, -1)))


@pytest.mark.parametrize("trial", range(10))
def test_rotate90_per_image_k_and_group_laws(trial):
    rng = np.random.default_rng(200 + trial)
    n, size = int(rng.integers(1, 30)), int(rng.integers(1, 10))
    images = random_digits(rng, n, size)
    k = rng.integers(-10, 11, size=n)
    rotated = rotate90(images, k)
    assert rotated.dtype == images.dtype and rotated.shape == images.shape
    for i in range(n):
        np.testing.assert_array_equal(rotated[i], np.rot90(images[i], k[i]))
    # Four quarter turns are the identity; k and k + 4 agree; k then -k undoes.
    four = images
    for _ in range(4):
        four = rotate90(four, 1)
    np.testing.assert_array_equal(four, images)
    np.testing.assert_array_equal(rotate90(images, k + 4), rotated)
    np.testing.assert_array_equal(rotate90(rotated, -k), images)


def test_rotate90_is_counter_clockwise():
    image = np.zeros((1, 3, 3), np.uint8)
    image[0, 0, 2] = 1  # top right
    assert rotate90(image, 1)[0, 0, 0] == 1  # a quarter turn counter-clockwise: top left


def test_rotate90_returns_a_copy():
    images = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    out = rotate90(images, 0)
    out[...] = 0
    assert images.any()


@pytest.mark.parametrize("k", [1.0, 0.5, np.array([1.0, 2.0]), True, "1"])
def test_rotate90_rejects_non_integer_k(k):
    with pytest.raises(TypeError, match="integer"):
        rotate90(np.zeros((2, 4, 4), np.uint8), k)


def test_rotate90_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"one per image"):
        rotate90(np.zeros((3, 4, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match="square"):
        rotate90(np.zeros((2, 4, 5)), np.array([0, 1]))
    with pytest.raises(ValueError, match="at least two axes"):
        rotate90(np.zeros(4), 1)


# --- rotated_mnist -------------------------------------------------------------------------


@pytest.mark.parametrize("trial", range(10))
def test_rotated_dataset_is_balanced_and_correct(trial):
    rng = np.random.default_rng(300 + trial)
    classes = int(rng.integers(2, 6))
    n = int(rng.integers(classes * 5, 300))
    labels = rng.integers(0, classes, size=n)
    labels[:classes] = np.arange(classes)  # every class present
    images = random_digits(rng, n, 6)
    smallest = np.bincount(labels).min()
    per_class = None if trial % 2 else int(rng.integers(1, smallest + 1))
    out, out_labels, k = rotated_mnist(images, labels, per_class=per_class, seed=trial)
    per_class = smallest if per_class is None else per_class
    assert out.shape == (classes * per_class, 6, 6) and out.dtype == np.uint8
    assert np.bincount(out_labels, minlength=classes).tolist() == [per_class] * classes
    assert k.min() >= 0 and k.max() <= 3
    for c in range(classes):
        counts = np.bincount(k[out_labels == c], minlength=4)
        assert counts.max() - counts.min() <= 1
    # Each output is a rotation of a distinct input image of the same label.
    originals = rotate90(out, -k)
    lookup = {images[i].tobytes(): i for i in range(n)}
    sources = [lookup[o.tobytes()] for o in originals]
    assert len(set(sources)) == len(sources)
    np.testing.assert_array_equal(labels[sources], out_labels)


def test_rotated_mnist_real_data_is_reproducible(mnist):
    (x_train, y_train), _ = mnist
    a = rotated_mnist(x_train, y_train, per_class=500, seed=5)
    b = rotated_mnist(x_train, y_train, per_class=500, seed=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    images, labels, k = rotated_mnist(x_train, y_train, seed=0)
    assert len(images) == 10 * min(TRAIN_COUNTS)
    assert np.bincount(k).max() - np.bincount(k).min() <= 10  # at most one per class
    assert 0.2 < np.mean(k[1:] != k[:-1]) and np.bincount(labels[:1000]).min() > 50  # shuffled


def test_rotated_mnist_rejects_bad_input():
    images, labels = np.zeros((10, 4, 4), np.uint8), np.array([0, 1] * 5)
    with pytest.raises(ValueError, match="exceeds the smallest class"):
        rotated_mnist(images, labels, per_class=6)
    with pytest.raises(ValueError, match="positive integer"):
        rotated_mnist(images, labels, per_class=0)
    with pytest.raises(ValueError, match="one per image"):
        rotated_mnist(images, labels[:5])
    with pytest.raises(ValueError, match="square"):
        rotated_mnist(np.zeros((10, 4, 5)), labels)


# --- quarter turns, validation splits, the chapters' datasets -------------------------------

from lib.data import (CANVAS_SIZE, centered_on_canvas, quarter_turns, rotated_mnist_splits,  # noqa: E402
                      split_validation, translated_mnist)


def test_quarter_turns_refuses_non_integers_and_reduces_huge_ones():
    assert quarter_turns(10**40 + 3) == 3 and quarter_turns(-1) == 3
    np.testing.assert_array_equal(quarter_turns(np.array([5, -2, 8]), 3), [1, 2, 0])
    for bad in (0.9, 1.0, np.array([1.5])):
        with pytest.raises(TypeError, match="integer"):
            quarter_turns(bad, 1)
    with pytest.raises(TypeError, match="bool"):
        quarter_turns(True)


def test_split_validation_is_a_seeded_partition():
    fit_idx, val_idx = split_validation(100, 10, seed=3)
    assert len(val_idx) == 10 and len(fit_idx) == 90
    assert sorted(np.concatenate([fit_idx, val_idx]).tolist()) == list(range(100))
    again = split_validation(100, 10, seed=3)
    np.testing.assert_array_equal(again[1], val_idx)
    assert not np.array_equal(split_validation(100, 10, seed=4)[1], val_idx)
    for bad in ((100, 0), (100, 100), (100, 2.5)):
        with pytest.raises((TypeError, ValueError)):
            split_validation(*bad)


def test_translated_mnist_splits_train_validation_test_without_overlap():
    data = translated_mnist()
    assert data["x_train"].shape == (54000, CANVAS_SIZE, CANVAS_SIZE) and data["x_val"].shape[0] == 6000
    assert data["x_test"].shape[0] == 10000 and data["x_train"].dtype == np.uint8
    # Every canvas holds its own digit at its position, in every split.
    for split in ("train", "val", "test"):
        x, pos, digits = data[f"x_{split}"], data[f"pos_{split}"], data[f"digits_{split}"]
        for i in (0, len(x) - 1):
            r, c = pos[i]
            np.testing.assert_array_equal(x[i, r:r + 28, c:c + 28], digits[i])
    # Validation digits are not among the training digits (compared by bytes).
    train_keys = {d.tobytes() for d in data["digits_train"][:20000]}
    assert sum(d.tobytes() in train_keys for d in data["digits_val"][:500]) <= 2  # MNIST has a few duplicates


def test_rotated_mnist_splits_are_balanced_in_every_split():
    rot = rotated_mnist_splits()
    for split in ("train", "val", "test"):
        y, k = rot[f"y_{split}"], rot[f"k_{split}"]
        counts = np.bincount(y, minlength=10)
        assert (counts == counts[0]).all(), split
        per_rotation = np.array([np.bincount(k[y == c], minlength=4) for c in range(10)])
        assert (per_rotation.max(1) - per_rotation.min(1) <= 1).all(), split
    assert 40000 < len(rot["y_train"]) < 54000 and 4000 < len(rot["y_val"]) < 6000


def test_centered_on_canvas_puts_digit_in_the_middle_and_checks_input():
    digits = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    canvases = centered_on_canvas(digits, 50)
    np.testing.assert_array_equal(canvases[:, 11:39, 11:39], digits)
    with pytest.raises(ValueError):
        centered_on_canvas(digits, 20)
    with pytest.raises(ValueError):
        centered_on_canvas(digits[0], 50)


def test_importing_the_data_module_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys; from lib.data import load_mnist; load_mnist(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_random_placement_moves_each_digit_to_a_new_place_every_call():
    from lib.data import random_placement

    (digits, _), _ = load_mnist()
    digits = digits[:50]
    rng = np.random.default_rng(0)
    first, second = random_placement(digits, rng), random_placement(digits, rng)
    assert first.shape == (50, 50, 50) and first.dtype == np.uint8
    # every canvas holds its digit whole: the same ink, nothing else
    np.testing.assert_array_equal(first.sum(axis=(1, 2), dtype=np.int64), digits.sum(axis=(1, 2), dtype=np.int64))
    moved = [not np.array_equal(a, b) for a, b in zip(first, second)]
    assert sum(moved) >= 45, "a second call must place (almost) every digit elsewhere"
    # reproducible from the generator's seed
    np.testing.assert_array_equal(random_placement(digits, np.random.default_rng(0)), first)
    with pytest.raises(TypeError, match="Generator"):
        random_placement(digits, 0)


# --- place_at: digits at given places ----------------------------------------------------------


def test_place_at_makes_the_canvases_of_place_on_canvas():
    rng = np.random.default_rng(11)
    for _ in range(5):
        h = int(rng.integers(1, 10))
        size = int(rng.integers(h, 30))
        digits = random_digits(rng, int(rng.integers(1, 40)), h)
        canvases, positions = place_on_canvas(digits, size, seed=int(rng.integers(1000)))
        placed = data.place_at(digits, positions, size)
        assert placed.dtype == digits.dtype and placed.shape == canvases.shape
        np.testing.assert_array_equal(placed, canvases)
        if size > h:  # negative control: other places, other canvases
            moved = (positions + 1) % (size - h + 1)
            assert not np.array_equal(data.place_at(digits, moved, size), canvases)


def test_place_at_by_hand_one_place_for_all_and_floats():
    digits = np.arange(2 * 9, dtype=np.uint8).reshape(2, 3, 3) + 1
    canvases = data.place_at(digits, [(0, 0), (2, 1)], 5)
    expected = np.zeros((2, 5, 5), np.uint8)
    expected[0, :3, :3], expected[1, 2:5, 1:4] = digits
    np.testing.assert_array_equal(canvases, expected)
    same = data.place_at(digits, (1, 2), 5)  # one (row, column) for every digit
    np.testing.assert_array_equal(same[:, 1:4, 2:5], digits)
    assert same.sum(dtype=np.int64) == digits.sum(dtype=np.int64)
    floats = data.place_at(digits / 255, (1, 2), 5)
    assert floats.dtype == np.float64 and np.array_equal(floats, same / 255)


def test_place_at_refuses_what_does_not_fit():
    digits = np.ones((3, 28, 28), np.uint8)
    with pytest.raises(ValueError, match=r"digit 1 at \(23, 0\) is off the 50x50 canvas.*0\.\.22"):
        data.place_at(digits, [(0, 0), (23, 0), (5, 5)], 50)
    with pytest.raises(ValueError, match="off the"):
        data.place_at(digits, (-1, 0), 50)
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        data.place_at(digits, [(0, 0), (1, 1)], 50)
    with pytest.raises(TypeError, match="integers"):
        data.place_at(digits, np.zeros((3, 2)), 50)
    with pytest.raises(ValueError, match="smaller"):
        data.place_at(digits, (0, 0), 20)
    with pytest.raises(TypeError, match="canvas_size"):
        data.place_at(digits, (0, 0), 50.0)
    with pytest.raises(ValueError, match="square"):
        data.place_at(np.ones((3, 28, 27), np.uint8), (0, 0), 50)


# --- rotate_image: any angle, bilinear (chapter Rotation, the playground) -----------------


def test_quarter_turns_are_rotate90_exactly():
    (_, _), (x_test, _) = load_mnist()
    img = x_test[0].astype(np.float64) / 255
    for k in range(-4, 8):
        assert np.array_equal(data.rotate_image(img, 90 * k), data.rotate90(img, k))


def test_turning_by_theta_plus_90_is_a_quarter_turn_of_theta():
    rng = np.random.default_rng(3)
    img = rng.random((28, 28))
    for theta in (7, 33.5, 45, 170):
        assert np.allclose(data.rotate_image(img, theta + 90), data.rotate90(data.rotate_image(img, theta), 1),
                           atol=1e-12)


def test_a_stack_is_turned_like_each_of_its_images():
    rng = np.random.default_rng(4)
    stack = rng.random((5, 12, 12))
    for theta in (0, 30, 90, 212.5):
        np.testing.assert_array_equal(data.rotate_image(stack, theta),
                                      np.stack([data.rotate_image(img, theta) for img in stack]))
    with pytest.raises(ValueError, match="square"):
        data.rotate_image(rng.random((5, 12, 11)), 30)


def test_rotation_of_a_point_and_of_a_constant():
    """A single pixel off the centre moves along a circle; inside the image, a constant stays constant."""
    img = np.zeros((29, 29))
    img[14, 24] = 1.0  # 10 pixels right of the centre (14, 14)
    turned = data.rotate_image(img, 30)
    r, c = np.unravel_index(turned.argmax(), turned.shape)
    assert (r, c) == (14 - 5, 14 + 9)  # (row, col) of 10 * (sin 30, cos 30), rounded; y upwards
    assert turned.max() > 0.2  # interpolation spreads the pixel over its neighbours
    ones = data.rotate_image(np.ones((28, 28)), 45)
    assert np.allclose(ones[10:18, 10:18], 1)
    assert ones[0, 0] == 0  # the corner comes from outside the image


# --- upright_splits --------------------------------------------------------------------------


def test_upright_splits_are_the_validation_split_of_mnist(mnist):
    (x, y), (x_test, y_test) = mnist
    splits = data.upright_splits()
    fit_idx, val_idx = data.split_validation(len(x))
    for split, idx in (("train", fit_idx), ("val", val_idx)):
        np.testing.assert_array_equal(splits[f"x_{split}"], x[idx])
        np.testing.assert_array_equal(splits[f"y_{split}"], y[idx])
        assert splits[f"x_{split}"].dtype == np.uint8
    np.testing.assert_array_equal(splits["x_test"], x_test)
    np.testing.assert_array_equal(splits["y_test"], y_test)
    assert len(splits["x_val"]) == data.VALIDATION_SIZE
    # Negative control: another validation size holds other images.
    other = data.upright_splits(validation_size=100)
    assert len(other["x_val"]) == 100 and not np.array_equal(other["x_val"], splits["x_val"][:100])


def test_permute_rows_in_place_equals_indexing_without_a_copy():
    from lib.data import _permute_rows_in_place

    rng = np.random.default_rng(5)
    a = rng.integers(0, 255, (200, 3, 4)).astype(np.uint8)
    order = rng.permutation(200)
    expected = a[order]
    out = _permute_rows_in_place(a, order)
    assert out is a and np.array_equal(a, expected)
    # Negative control: the identity leaves it alone, a swap swaps.
    b = np.arange(5)
    assert np.array_equal(_permute_rows_in_place(b, np.arange(5)), np.arange(5))
    assert np.array_equal(_permute_rows_in_place(b, np.array([1, 0, 2, 3, 4])), [1, 0, 2, 3, 4])


def test_translated_mnist_holds_its_training_canvases_once_and_leaves_mnist_alone():
    from lib.data import load_mnist, translated_mnist

    (digits, labels), _ = load_mnist()
    first, again = translated_mnist(), translated_mnist()
    assert first["x_train"].base is not None and first["x_train"].base is first["x_val"].base  # one array
    assert all(np.array_equal(first[k], again[k]) for k in first)  # MNIST itself was not reordered
    fit, val = split_validation(len(digits))
    assert np.array_equal(first["digits_val"], digits[val]) and np.array_equal(first["y_train"], labels[fit])
    # Without the training canvases: the same validation canvases, and the rest unchanged.
    lean = translated_mnist(train_canvases=False)
    assert "x_train" not in lean and lean["x_val"].base is None
    assert set(lean) == set(first) - {"x_train"} and all(np.array_equal(first[k], lean[k]) for k in lean)
