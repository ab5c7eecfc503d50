"""Tests of lib.translation: datasets, accuracy by position, shifts, equivariance, the ablation."""

import numpy as np
import pytest

from lib import train
from lib.analysis import receptive_field
from lib.data import centered_on_canvas
from lib.models import conv_classifier
from lib.stats import summarize_seeds
from lib.translation import (BEST_CONFIG, ablation_configs, accuracy_by_distance, accuracy_by_position,
                             equivariance_check, pooled_change, rebuild, run_ablation, shift)


def test_centered_on_canvas_puts_digit_in_the_middle():
    rng = np.random.default_rng(0)
    digits = rng.integers(1, 256, size=(3, 28, 28), dtype=np.uint8)
    canvases = centered_on_canvas(digits, 50)
    assert canvases.shape == (3, 50, 50) and canvases.dtype == np.uint8
    np.testing.assert_array_equal(canvases[:, 11:39, 11:39], digits)
    assert canvases.sum(dtype=np.int64) == digits.sum(dtype=np.int64)
    with pytest.raises(ValueError):
        centered_on_canvas(digits, 20)


def test_accuracy_by_position_by_hand():
    positions = np.array([[0, 0], [0, 0], [22, 22], [1, 0], [5, 7]])
    correct = np.array([True, False, True, True, False])
    acc, counts = accuracy_by_position(correct, positions)
    assert acc.shape == counts.shape == (23, 23)
    assert counts.sum() == 5 and counts[0, 0] == 2
    assert acc[0, 0] == 0.5 and acc[22, 22] == 1.0 and acc[5, 7] == 0.0
    assert np.isnan(acc[3, 3])
    acc2, counts2 = accuracy_by_position(correct, positions, bin_size=2)
    assert acc2.shape == (12, 12) and counts2[0, 0] == 3 and acc2[0, 0] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        accuracy_by_position(correct, positions + 1)


def test_accuracy_by_position_matches_overall_accuracy_over_random_data():
    rng = np.random.default_rng(1)
    for bin_size in (1, 2, 3, 5):
        positions = rng.integers(0, 23, size=(500, 2))
        correct = rng.random(500) < 0.7
        acc, counts = accuracy_by_position(correct, positions, bin_size=bin_size)
        assert counts.sum() == 500
        assert np.nansum(acc * counts) == pytest.approx(correct.sum())
        d, acc_d, counts_d = accuracy_by_distance(correct, positions)
        assert counts_d.sum() == 500 and d.max() <= 11
        assert np.sum(acc_d * counts_d) == pytest.approx(correct.sum())


def test_shift_moves_content_and_refuses_to_cut_it():
    image = np.zeros((1, 10, 10), np.uint8)
    image[0, 3:5, 4:7] = 9
    moved = shift(image, 2, -3)
    np.testing.assert_array_equal(moved[0, 5:7, 1:4], 9)
    assert moved.sum() == image.sum()
    np.testing.assert_array_equal(shift(moved, -2, 3), image)
    with pytest.raises(ValueError, match="off the edge"):
        shift(image, 6, 0)


@pytest.fixture(scope="module")
def random_cnn():
    """An untrained CNN with pooling (total stride 4 at conv3) and a global max pooling head."""
    import keras

    config = {"filters": [4, 8, 8], "pooling": "max", "global_pooling": "max", "batch_norm": True}
    keras.utils.set_random_seed(0)  # the same weights in every run of the tests
    return conv_classifier(**config), config


@pytest.fixture(scope="module")
def digit_canvas():
    from lib.data import load_mnist
    (x, _), _ = load_mnist()
    canvas = np.zeros((50, 50), np.uint8)
    canvas[11:39, 11:39] = x[0]
    return canvas


@pytest.mark.parametrize("dy,dx", [(4, 0), (0, -4), (8, 4), (-8, -8)])
def test_conv_stack_is_equivariant_and_global_pooling_invariant(random_cnn, digit_canvas, dy, dx):
    model, config = random_cnn
    check = equivariance_check(model, digit_canvas, dy, dx, map_layer="relu3", pooled_layer="global_pool",
                               stride=4)
    assert check["maps"].shape == (12, 12, 8) and np.isfinite(check["residual"]).any()
    assert check["equivariance_error"] < 1e-5
    assert check["invariance_error"] < 1e-5
    np.testing.assert_allclose(check["probabilities"][0], check["probabilities"][1], atol=1e-5)


def test_shift_not_a_multiple_of_the_stride_is_refused(random_cnn, digit_canvas):
    model, _ = random_cnn
    with pytest.raises(ValueError, match="multiple of the stride"):
        equivariance_check(model, digit_canvas, 3, 0, "relu3", "global_pool", stride=4)


def test_nearest_map_shift_is_the_negative_control(random_cnn, digit_canvas):
    # Between the multiples of the stride no whole map shift matches: the check must fail.
    model, _ = random_cnn
    check = equivariance_check(model, digit_canvas, 5, 3, "relu3", "global_pool", stride=4, nearest=True)
    assert check["map_shift"] == (1, 1) and check["shift"] == (5, 3) and check["stride"] == 4
    assert check["equivariance_error"] > 1e-2


def test_flatten_head_is_not_invariant(digit_canvas):
    config = {"filters": [4, 8], "pooling": "max"}
    model = conv_classifier(**config)
    check = equivariance_check(model, digit_canvas, 4, 4, map_layer="relu2", pooled_layer="flatten", stride=2)
    assert check["equivariance_error"] < 1e-5        # the convolutions still are equivariant
    assert check["invariance_error"] > 1e-2          # but a flattened map moves with the digit


def test_ablation_configs_change_one_thing_each():
    configs = ablation_configs()
    base = configs["base"]
    for name, config in configs.items():
        changed = {k for k in set(base) | set(config) if base.get(k) != config.get(k)}
        assert len(changed) <= 1, (name, changed)   # one thing at a time
        conv_classifier(**config)                   # every config builds


def test_run_ablation_trains_every_config_and_seed_with_validation_and_test(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMBOOK_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(96, 12, 12), dtype=np.uint8)
    y = rng.integers(0, 10, size=96)
    data = {"x_train": x[:64], "y_train": y[:64], "x_val": x[64:80], "y_val": y[64:80],
            "x_test": x[80:], "y_test": y[80:]}
    configs = {"a": {"input_shape": [12, 12, 1], "filters": [2], "global_pooling": "max"},
               "b": {"input_shape": [12, 12, 1], "filters": [3], "global_pooling": "average"}}
    runs = run_ablation(data, configs, epochs=2, seeds=(0, 1), progress="none")
    assert list(runs) == ["a", "b"] and [len(r) for r in runs.values()] == [2, 2]
    assert len(list(tmp_path.glob("*.weights.h5"))) == 4
    first = runs["a"][0]
    assert first.model is None and len(first.history["val_accuracy"]) == 2
    assert first.test_accuracy is not None
    # Every run learns from all training images, and its final training accuracy is measured.
    assert all(0.0 <= r.train_accuracy <= 1.0 for rs in runs.values() for r in rs)
    summary = summarize_seeds("a", runs["a"])
    assert summary["train_measured"] == "final model"
    assert summary["train_values"] == [r.train_accuracy for r in runs["a"]]
    assert runs["a"][0].key != runs["a"][1].key != runs["b"][0].key


def test_train_best_learns_from_digits_placed_anew_and_scores_fixed_canvases(monkeypatch):
    import lib.translation as tr

    calls = []
    trained = conv_classifier(**{**BEST_CONFIG, "input_shape": [None, None, 1]})

    def fake_fit(*args, **kwargs):
        calls.append((args, kwargs))
        return train.TrainResult("x", trained, {}, None, None, 0.0, trained.count_params(), False, "k")

    monkeypatch.setattr(train, "fit", fake_fit)
    rng = np.random.default_rng(0)
    data = {"digits_train": rng.integers(0, 256, (8, 28, 28), dtype=np.uint8), "y_train": np.arange(8),
            "x_train": np.zeros((8, 50, 50), np.uint8),
            "x_val": np.ones((4, 50, 50), np.uint8), "y_val": np.arange(4),
            "x_test": np.full((4, 50, 50), 2, np.uint8), "y_test": np.arange(4)}
    result = tr.train_best(data, seed=3)
    (name, build, config, train_data, val, test), kwargs = calls[0]
    assert train_data[0] is data["digits_train"] and train_data[1] is data["y_train"]
    assert val[0] is data["x_val"] and test[0] is data["x_test"]
    assert kwargs["augment"] is tr.place_on_training_canvas and kwargs["epochs"] == tr.BEST_EPOCHS
    assert config == {**BEST_CONFIG, "input_shape": [None, None, 1]} and kwargs["seed"] == 3
    assert kwargs["batch_size"] == tr.BEST_BATCH_SIZE and kwargs["learning_rate"] == tr.BEST_LEARNING_RATE
    assert kwargs["schedule"] == "cosine"
    assert name == "cnn-best-s3"
    # it learns on smaller canvases...
    canvases = tr.place_on_training_canvas(data["digits_train"], np.random.default_rng(0))
    side = tr.BEST_TRAIN_CANVAS
    assert canvases.shape == (8, side, side) and canvases.dtype == np.uint8
    np.testing.assert_array_equal(canvases.sum(axis=(1, 2), dtype=np.int64),
                                  data["digits_train"].sum(axis=(1, 2), dtype=np.int64))
    # ...and returns the same network built for the 50x50 canvases: the same function on them
    assert tuple(result.model.inputs[0].shape) == (None, 50, 50, 1)
    x = rng.random((5, 50, 50, 1)).astype(np.float32)
    np.testing.assert_allclose(result.model.predict_on_batch(x), trained.predict_on_batch(x), atol=1e-6)
    # negative control: another network of the same architecture computes something else
    other = conv_classifier(**BEST_CONFIG)
    assert np.abs(np.asarray(other.predict_on_batch(x)) - np.asarray(trained.predict_on_batch(x))).max() > 1e-3


def test_receptive_fields_of_the_chapter_models_by_hand():
    def rf(config, layer):
        return receptive_field(conv_classifier(**config), layer)

    assert rf({"filters": [8], "pooling": None}, "relu1") == (3, 1)
    assert rf({"filters": [8, 8], "pooling": None, "strides": 2}, "relu2") == (7, 4)
    assert rf({"filters": [8, 8], "pooling": "max"}, "pool2") == (10, 4)
    assert rf(BEST_CONFIG, "pool4") == (46, 16)


def test_rebuild_on_a_larger_canvas_computes_the_same_function(random_cnn, digit_canvas):
    model, config = random_cnn
    big = rebuild(model, conv_classifier, config, input_shape=[112, 112, 1])  # even sizes at every pool
    canvas = np.zeros((112, 112), np.uint8)
    canvas[:50, :50] = digit_canvas
    assert pooled_change(big, canvas, 20, 20, "global_pool") < 1e-5
    assert pooled_change(big, canvas, 17, 13, "global_pool") > 1e-3  # not a multiple of the stride


#: A small network with the best CNN's layout (four pooled blocks, global max pooling).
FOUR_BLOCKS = {"filters": [2, 3, 4, 4], "pooling": "max", "global_pooling": "max", "batch_norm": True}


def four_blocks_on_large_canvas(seed):
    """An untrained FOUR_BLOCKS network for 144x144 canvases and a random 'digit' in the middle."""
    rng = np.random.default_rng(seed)
    model = conv_classifier(input_shape=[144, 144, 1], **FOUR_BLOCKS)
    canvas = np.zeros((144, 144), np.uint8)
    canvas[50:78, 50:78] = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    return model, canvas


def test_global_max_after_a_last_pool_is_invariant_for_multiples_of_the_earlier_stride():
    """GMP(pool4(y)) = GMP(y) for even sizes, so shifts by multiples of 8 (not 16) are exact."""
    model, canvas = four_blocks_on_large_canvas(0)
    assert pooled_change(model, canvas, 8, 0, "global_pool") < 1e-5
    assert pooled_change(model, canvas, 8, 8, "global_pool") < 1e-5
    assert pooled_change(model, canvas, 4, 0, "global_pool") > 1e-4  # negative control: half a step


def test_moved_and_turned_places_and_turns_the_digit():
    from lib.data import rotate90
    from lib.intro import moved_and_turned

    digit = np.arange(28 * 28, dtype=np.uint16).reshape(28, 28).astype(np.uint8)
    canvases, names = moved_and_turned(digit)
    assert canvases.shape == (5, 50, 50) and len(names) == 5
    np.testing.assert_array_equal(canvases[0, 11:39, 11:39], digit)
    np.testing.assert_array_equal(canvases[1, :28, :28], digit)
    np.testing.assert_array_equal(canvases[2, -28:, -28:], digit)
    np.testing.assert_array_equal(canvases[3], rotate90(canvases[0], 1))
    assert all(c.sum(dtype=np.int64) == digit.sum(dtype=np.int64) for c in canvases)


def test_responses_over_positions_match_single_canvases(random_cnn, digit_canvas):
    from lib.analysis import feature_maps, responses_over_positions

    model, _ = random_cnn
    digit = digit_canvas[11:39, 11:39]
    maps = responses_over_positions(model, digit, "global_pool", 50, batch_size=100)
    assert maps.shape == (23, 23, 8)
    for r, c in [(0, 0), (5, 17), (22, 22)]:
        canvas = np.zeros((50, 50), np.uint8)
        canvas[r:r + 28, c:c + 28] = digit
        np.testing.assert_allclose(maps[r, c], feature_maps(model, canvas[None], "global_pool")[0], rtol=1e-5)
    with pytest.raises(ValueError, match="does not fit"):
        responses_over_positions(model, digit, "global_pool", 20)


def test_shift_sweep_is_zero_on_the_grid_of_8_and_not_between_and_agrees_with_pooled_change():
    from lib.translation import same_class_change, shift_sweep

    config = FOUR_BLOCKS
    rng = np.random.default_rng(1)
    model = conv_classifier(input_shape=[144, 144, 1], **config)
    digits = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    changes = shift_sweep(model, digits, "global_pool", max_shift=16)
    assert changes.shape == (2, 2, 17)
    assert changes[:, :, ::8].max() < 1e-5  # 0, 8, 16: exact
    assert np.delete(changes, np.s_[::8], axis=2).min() > 1e-4  # negative control: in between
    canvas = np.zeros((144, 144), np.uint8)
    canvas[50:78, 50:78] = digits[1]
    assert changes[1, 1, 3] == pytest.approx(pooled_change(model, canvas, 0, 3, "global_pool"), rel=1e-5)
    scale = same_class_change(model, digits, "global_pool")
    assert scale.shape == (1,) and scale[0] > 0
    with pytest.raises(ValueError, match="leaves a 144 canvas"):
        shift_sweep(model, digits, "global_pool", max_shift=80)


def test_prediction_sweep_is_exact_on_the_grid_of_8_and_matches_the_network_on_each_canvas():
    from lib.train import predict_proba
    from lib.translation import prediction_sweep

    config = FOUR_BLOCKS
    rng = np.random.default_rng(3)
    model = conv_classifier(input_shape=[144, 144, 1], **config)
    digits = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    labels = np.array([3, 5])
    p = prediction_sweep(model, digits, labels, max_shift=16)
    assert p.shape == (2, 2, 17) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p[:, :, ::8], p[:, :, :1].repeat(3, axis=2), atol=1e-6)
    canvas = np.zeros((144, 144), np.uint8)
    canvas[50:78, 55:83] = digits[1]  # digit 1 shifted right by 5
    assert p[1, 1, 5] == pytest.approx(predict_proba(model, canvas[None])[0, 5], rel=1e-5)
    # Negative control: between the grid points the probability moves.
    assert np.abs(p[:, :, 1:8] - p[:, :, :1]).max() > 1e-6
    with pytest.raises(ValueError, match="labels"):
        prediction_sweep(model, digits, labels[:1])


def test_plot_shift_sweep_draws_the_median_curves_and_refuses_one_axis():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib import plots

    rng = np.random.default_rng(2)
    changes = rng.random((2, 3, 17))
    fig = plots.plot_shift_sweep(changes, rng.random(5))
    ax = fig.axes[0]
    medians = [line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 17]
    np.testing.assert_allclose(medians[0], np.median(changes[0], axis=0))
    np.testing.assert_allclose(medians[1], np.median(changes[1], axis=0))
    assert fig.get_figwidth() <= plots.COLUMN_WIDTH_IN
    plt.close(fig)
    with pytest.raises(ValueError, match="down and right"):
        plots.plot_shift_sweep(changes[:1], rng.random(5))
    probs = rng.random((2, 3, 17))
    fig = plots.plot_shift_sweep(changes, rng.random(5), probabilities=probs)
    lower = [line.get_ydata() for line in fig.axes[1].lines if len(line.get_ydata()) == 17]
    # The lower panel: one minus the probability of the right class, on a log axis.
    np.testing.assert_allclose(lower[0], np.median(np.clip(1 - probs[0], plots.translation.WRONG_FLOOR, 1), axis=0))
    assert fig.axes[1].get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="shape of changes"):
        plots.plot_shift_sweep(changes, rng.random(5), probabilities=probs[:, :2])


def test_shift_averaged_proba_is_invariant_to_the_steps_of_its_shift_set():
    from lib.analysis import relative_error
    from lib.train import predict_proba
    from lib.translation import SHIFT_SETS, shift_averaged_proba

    config = FOUR_BLOCKS
    model, canvas = four_blocks_on_large_canvas(4)
    even = SHIFT_SETS["{0, 2, 4, 6}²"]

    def f_bar(x, shifts=even):
        return shift_averaged_proba(model, x[None], shifts, config=config)[0]

    def f(x):
        return predict_proba(model, x[None])[0]

    assert f_bar(canvas).shape == (10,) and f_bar(canvas).dtype == np.float32
    assert f_bar(canvas).sum() == pytest.approx(1, abs=1e-5)
    # Exact for even shifts, where the network alone is not invariant.
    for u in [(2, 6), (4, 0), (6, 2)]:
        assert relative_error(f_bar(shift(canvas, *u)), f_bar(canvas)) < 1e-6
    assert relative_error(f(shift(canvas, 2, 6)), f(canvas)) > 1e-6
    # Negative controls: an odd shift; and the coarser set {0, 4}^2 for a shift by 2.
    assert relative_error(f_bar(shift(canvas, 1, 0)), f_bar(canvas)) > 1e-6
    coarse = SHIFT_SETS["{0, 4}²"]
    assert relative_error(f_bar(shift(canvas, 4, 4), coarse), f_bar(canvas, coarse)) < 1e-6
    assert relative_error(f_bar(shift(canvas, 2, 0), coarse), f_bar(canvas, coarse)) > 1e-6
    # One shift (0, 0) is the network itself on a canvas of the same size.
    np.testing.assert_allclose(f_bar(canvas, [(0, 0)]), f(canvas), atol=1e-6)
    # The mean of the copies, by hand: the canvas at (0, 0) and at (3, 3) on a 147x147 canvas.
    wide = rebuild(model, conv_classifier, config, input_shape=[147, 147, 1])
    copies = np.zeros((2, 147, 147), np.uint8)
    copies[0, :144, :144] = canvas
    copies[1, 3:, 3:] = canvas
    by_hand = predict_proba(wide, copies).mean(axis=0)
    np.testing.assert_allclose(f_bar(canvas, [(0, 0), (3, 3)]), by_hand, atol=1e-6)


def test_shift_averaged_proba_refuses_bad_input():
    from lib.translation import shift_averaged_proba

    config = {"filters": [2, 2], "pooling": "max", "global_pooling": "max"}
    model = conv_classifier(input_shape=[50, 50, 1], **config)
    canvases = np.zeros((2, 50, 50), np.uint8)
    with pytest.raises(ValueError, match="non-empty"):
        shift_averaged_proba(model, canvases, [], config=config)
    with pytest.raises(ValueError, match=">= 0"):
        shift_averaged_proba(model, canvases, [(0, -2)], config=config)
    with pytest.raises(ValueError, match="uint8"):
        shift_averaged_proba(model, canvases.astype(np.float32), [(0, 0)], config=config)


def test_shift_average_by_validation_chooses_on_validation_and_tests_the_choice_once(monkeypatch):
    import types

    from lib import translation

    calls = []

    def fake_average(model, canvases, shifts, config=None, batch_size=256):
        # Class 1 for every image averaged over "good", class 0 over "bad"; the images' own
        # first pixel is the label, so "good" is right on exactly the images labelled 1.
        calls.append((canvases[0, 0, 0], tuple(shifts)))
        probs = np.zeros((len(canvases), 2), np.float32)
        probs[:, 1 if tuple(shifts) == ((0, 2),) else 0] = 1
        return probs

    monkeypatch.setattr(translation, "shift_averaged_proba", fake_average)
    y_val, y_test = np.array([1, 1, 1, 0]), np.array([1, 0])
    data = {"x_val": np.full((4, 5, 5), 7, np.uint8), "y_val": y_val,
            "x_test": np.full((2, 5, 5), 9, np.uint8), "y_test": y_test}
    result = types.SimpleNamespace(model=None, val_accuracy=0.5, test_accuracy=0.5)
    sets = {"bad": ((0, 4),), "good": ((0, 2),)}
    val, chosen, test, correct = translation.shift_average_by_validation(result, data, sets)
    assert val == {"the network alone": 0.5, "averaged over bad": 0.25, "averaged over good": 0.75}
    assert chosen == "averaged over good" and test == 0.5
    np.testing.assert_array_equal(correct, [True, False])  # "good" answers 1 on both test images
    # Two validation passes, then exactly one test pass, with the chosen shifts.
    assert calls == [(7, ((0, 4),)), (7, ((0, 2),)), (9, ((0, 2),))]
    # Negative control: when no average beats the network alone, the test set is not touched.
    calls.clear()
    result.val_accuracy = 0.9
    val, chosen, test, correct = translation.shift_average_by_validation(result, data, sets)
    assert chosen == "the network alone" and test == 0.5 and all(c[0] == 7 for c in calls)
    assert correct is None


def test_equivariance_panels_plot_every_compared_value_against_the_moved_map():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib import plots

    rng = np.random.default_rng(5)
    maps = rng.random((12, 12, 2))
    residual = np.full((12, 12, 2), np.nan)
    residual[2:-2, 2:-2] = 0.0
    check = {"shifted": np.zeros((20, 20), np.uint8), "maps": maps, "maps_shifted": maps, "expected": maps,
             "residual": residual, "shift": (4, 4), "stride": 4, "map_shift": (1, 1)}
    control = {**check, "shift": (5, 3), "maps_shifted": maps * 0.5}
    fig = plots.equivariance_panels(np.zeros((20, 20), np.uint8), check, channel=1, control=control)
    assert len(fig.axes) == 5  # five panels, no colour bar of rounding noise
    scatter = fig.axes[4]
    labels = [t.get_text() for t in scatter.get_legend().get_texts()]
    assert "exactly 0" in labels[1] and "(4, 4) shift" in labels[1]
    largest = np.abs(maps[2:-2, 2:-2] * 0.5 - maps[2:-2, 2:-2]).max() / maps.max()
    assert f"up to {largest:.2f}" in labels[0] and "(5, 3) shift" in labels[0]
    # one point per compared pixel and channel, for each check
    assert [len(c.get_offsets()) for c in scatter.collections] == [8 * 8 * 2] * 2
    plt.close(fig)


def test_log_axes_label_only_a_few_minor_ticks():
    from lib.plots.style import _sparse_minor_label

    labels = [_sparse_minor_label(v, 0) for v in (2, 3, 4, 5, 6, 7, 8, 9, 20, 0.3, 0.7)]
    assert labels == ["2", "3", "", "5", "", "", "", "", "20", "0.3", ""]
    assert _sparse_minor_label(0, 0) == ""


def test_kernel_sliding_shows_the_window_and_its_sum():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib.convolution import cross_correlation
    from lib.plots.translation import kernel_sliding
    from lib.plots.style import COLUMN_WIDTH_IN, MIN_FONT_PT

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (12, 12)).astype(float)  # pixel values, as the page shows them
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    feature = cross_correlation(image, kernel, padding="same")
    fig = kernel_sliding(image, kernel, feature, at=(4, 7))
    texts = [t for ax in fig.axes for t in ax.texts]
    # The window's nine pixels and the kernel's nine weights are written out, and the title
    # of the feature map gives their sum of products, which a reader can add up exactly.
    assert len(texts) == 18 and texts[0].get_text() == f"{image[3, 6]:g}"
    assert f"= {(image[3:6, 6:9] * kernel).sum():g}" in fig.axes[3].get_title()
    assert fig.get_figwidth() <= COLUMN_WIDTH_IN and min(t.get_fontsize() for t in texts) >= MIN_FONT_PT
    plt.close(fig)
    with pytest.raises(ValueError, match="off the image"):
        kernel_sliding(image, kernel, feature, at=(0, 7))  # the window would stick out


def test_network_diagram_has_a_row_per_stage():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib.analysis import stages
    from lib.models import conv_classifier
    from lib.plots.translation import network_diagram
    from lib.translation import BEST_CONFIG

    rows = stages(conv_classifier(**BEST_CONFIG))
    fig = network_diagram(rows)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "50 × 50 × 1" in texts and "3 × 3 × 128" in texts
    assert "conv 3×3, 16 → batch norm → ReLU → max pool 2×2" in texts
    assert len(fig.axes[0].patches) > len(rows)  # a picture per stage (maps drawn as stacks)
    plt.close(fig)
    with pytest.raises(ValueError, match="no stages"):
        network_diagram([])
