"""Tests of lib.rotation (the chapter-3 computations) and the chapter-3 plots.

Property-style where it matters: the measures are checked on random predictions against
definitions written out by hand, and the equivariance measures on random layers and k.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import types  # noqa: E402
import pytest  # noqa: E402

import lib.train  # noqa: F401,E402  (imports TensorFlow quietly first)
import keras  # noqa: E402

from lib import analysis, plots, rotation  # noqa: E402
from lib.data import rotate90, rotated_mnist  # noqa: E402
from lib.layers import GroupConv2D, LiftingConv2D, RotatedDense, rotation_matrix  # noqa: E402
from lib.models import p4_cnn, plain_cnn, rotated_dense_classifier  # noqa: E402
from lib.train import TrainResult  # noqa: E402


def test_rotation_counts_of_the_balanced_dataset():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=2000)
    images = rng.integers(0, 256, size=(2000, 6, 6), dtype=np.uint8)
    _, y, k = rotated_mnist(images, labels, seed=1)
    counts = rotation.rotation_counts(y, k)
    assert counts.shape == (10, 4) and counts.sum() == len(y)
    assert (counts.sum(axis=1) == counts.sum(axis=1)[0]).all()
    assert (counts.max(axis=1) - counts.min(axis=1) <= 1).all()
    with pytest.raises(ValueError, match="same shape"):
        rotation.rotation_counts(y, k[:-1])


def test_confusion_and_six_nine_against_loops():
    for seed in range(5):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 10, size=500)
        predicted = np.where(rng.random(500) < 0.7, labels, rng.integers(0, 10, size=500))
        cm = analysis.confusion_matrix(labels, predicted)
        for t in range(10):
            for p in range(10):
                assert cm[t, p] == np.sum((labels == t) & (predicted == p))
        # The four rotations as a (4, N) stack count like the flattened arrays.
        np.testing.assert_array_equal(
            analysis.confusion_matrix(labels.reshape(4, 125), predicted.reshape(4, 125)), cm)
        s = rotation.six_nine_confusion(predicted, labels)
        assert s["six_as_nine"] == pytest.approx(cm[6, 9] / cm[6].sum())
        assert s["nine_as_six"] == pytest.approx(cm[9, 6] / cm[9].sum())
        assert s["swapped"] == pytest.approx((cm[6, 9] + cm[9, 6]) / (cm[6].sum() + cm[9].sum()))
        other = [c for c in range(10) if c not in (6, 9)]
        wrong = sum(cm[c].sum() - cm[c, c] for c in other)
        assert s["other_errors"] == pytest.approx(wrong / sum(cm[c].sum() for c in other))
        rates = rotation.pair_swap_rates(predicted, labels)
        assert rates[3, 5] == pytest.approx((cm[3, 5] + cm[5, 3]) / (cm[3].sum() + cm[5].sum()))
        np.testing.assert_array_equal(rates, rates.T)
        others = [rates[a, b] for a in range(10) for b in range(a + 1, 10) if (a, b) != (6, 9)]
        assert s["pair_median"] == pytest.approx(np.median(others))
        assert s["pair_rank"] == 1 + sum(r > rates[6, 9] for r in others)
    # a model that swaps only 6 and 9 ranks the pair first; one that never does, last
    labels = np.repeat(np.arange(10), 20)
    swapping = np.where(labels == 6, 9, np.where(labels == 9, 6, labels))
    assert rotation.six_nine_confusion(swapping, labels)["pair_rank"] == 1
    confused = np.where(labels == 3, 5, labels)
    assert rotation.six_nine_confusion(confused, labels)["pair_rank"] == 2
    with pytest.raises(ValueError, match="6s and 9s"):
        rotation.six_nine_confusion(np.zeros(3), np.zeros(3))


def test_per_rotation_accuracy_agreement_and_invariance_error():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, size=50)
    invariant = np.repeat(rng.dirichlet(np.ones(10), size=50)[None], 4, axis=0)
    assert rotation.max_probability_change(invariant) == 0
    assert rotation.prediction_agreement(invariant) == 1
    acc = rotation.per_rotation_accuracy(invariant, labels)
    assert acc.shape == (4,) and np.all(acc == acc[0])
    changed = invariant.copy()
    changed[2, 0] = np.eye(10)[(invariant[0, 0].argmax() + 1) % 10]
    assert rotation.prediction_agreement(changed) == pytest.approx(49 / 50)
    assert rotation.max_probability_change(changed) > 0


def _unshared_rotated_dense(size, filters):
    """A negative control: a dense layer with 4 x filters independent units, shaped like RotatedDense."""
    inputs = keras.Input((size, size))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(4 * filters)(x)
    return keras.Model(inputs, keras.layers.Reshape((4, filters))(x))


def _unshared_lifting(size, filters, k=3):
    """A negative control: a Conv2D with 4 x filters independent filters, shaped like LiftingConv2D."""
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Conv2D(4 * filters, k)(inputs)
    out = size - k + 1
    return keras.Model(inputs, keras.layers.Reshape((out, out, 4, filters))(x))


def test_shift_error_measures_fail_for_layers_without_weight_sharing():
    rng = np.random.default_rng(8)
    images = rng.integers(0, 256, size=(8, 12, 12), dtype=np.uint8)
    keras.utils.set_random_seed(2)
    assert rotation.rotated_dense_shift_error(_unshared_rotated_dense(12, 5), images)[1:].min() > 1e-2
    x = rng.normal(size=(4, 12, 12, 1)).astype(np.float32)
    assert rotation.p4_shift_error(_unshared_lifting(12, 3), x, lifted=False)[1:].min() > 1e-2


def test_shift_error_measures_are_float32_small():
    rng = np.random.default_rng(2)
    layer = RotatedDense(5)
    layer.build((None, 9, 9))
    images = rng.integers(0, 256, size=(7, 9, 9), dtype=np.uint8)
    err = rotation.rotated_dense_shift_error(layer, images)
    assert err.shape == (4,) and err.max() < 1e-5
    lift, gconv = LiftingConv2D(3, 3), GroupConv2D(2, 3)
    x = rng.normal(size=(2, 9, 9, 1)).astype(np.float32)
    assert rotation.p4_shift_error(lift, x, lifted=False).max() < 1e-5
    lifted = keras.ops.convert_to_numpy(lift(x))
    assert rotation.p4_shift_error(gconv, lifted, lifted=True).max() < 1e-5


def test_lifting_conv_with_full_size_kernel_is_rotated_dense():
    """A lifting convolution whose kernel is the whole image has one position: RotatedDense."""
    rng = np.random.default_rng(3)
    for size, filters in [(5, 3), (8, 2), (28, 4)]:
        dense = RotatedDense(filters)
        dense.build((None, size, size))
        dense.kernel.assign(rng.normal(size=(size, size, filters)).astype(np.float32))
        dense.bias.assign(rng.normal(size=filters).astype(np.float32))
        conv = LiftingConv2D(filters, size)
        conv.build((None, size, size, 1))
        conv.kernel.assign(dense.kernel.numpy()[:, :, None, :])
        conv.bias.assign(dense.bias.numpy())
        x = rng.normal(size=(3, size, size)).astype(np.float32)
        y = keras.ops.convert_to_numpy(dense(x))
        z = keras.ops.convert_to_numpy(conv(x[..., None]))[:, 0, 0]
        assert np.abs(z - y).max() <= 1e-5 * np.abs(y).max()


def test_model_builders_shapes_and_invariance():
    rng = np.random.default_rng(4)
    x = rng.random(size=(3, 28, 28, 1)).astype(np.float32)
    keras.utils.set_random_seed(0)
    for pooling in (None, "max", "mean"):
        model = rotated_dense_classifier(pooling=pooling)
        p = keras.ops.convert_to_numpy(model(x))
        assert p.shape == (3, 10) and np.allclose(p.sum(1), 1, atol=1e-5)
        p_rot = keras.ops.convert_to_numpy(model(np.rot90(x, 1, axes=(1, 2)).copy()))
        if pooling is None:
            assert np.abs(p_rot - p).max() > 1e-6
        else:
            assert np.abs(p_rot - p).max() < 1e-5
    with pytest.raises(ValueError, match="pooling"):
        rotated_dense_classifier(pooling="sum")
    assert abs(p4_cnn().count_params() - plain_cnn().count_params()) < 0.05 * plain_cnn().count_params()


def test_the_chapters_two_cnns_have_about_the_same_number_of_parameters():
    from lib import rotation

    p4, plain = p4_cnn(**rotation.P4_CONFIG), plain_cnn(**rotation.PLAIN_CONFIG)
    assert abs(p4.count_params() - plain.count_params()) < 0.05 * plain.count_params()
    # Negative control: the ordinary CNN with the p4 CNN's widths has far fewer.
    assert plain_cnn(**rotation.P4_CONFIG).count_params() < 0.6 * p4.count_params()


def test_data_efficiency_plot_draws_means_and_every_seed():
    sizes = [500, 2000, 8000]
    acc = {"a": [[0.8, 0.82], [0.9, 0.91], [0.95, 0.96]], "b": [[0.7, 0.72], [0.85, 0.86], [0.93, 0.94]]}
    fig = plots.plot_data_efficiency(sizes, acc)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    means = [line for line in ax.lines if line.get_label().endswith("(mean)")]
    np.testing.assert_allclose(means[0].get_ydata(), [0.81, 0.905, 0.955])
    assert len(ax.lines) == 2 + 2 * 3  # a mean line and a marker set per size, per model
    seeds = [line for line in ax.lines if not line.get_label().endswith("(mean)")]
    # Every seed's accuracy is drawn, and the seeds of one size sit side by side, not on top of
    # each other (so that seeds that agree still show).
    assert sorted(np.concatenate([line.get_ydata() for line in seeds])) == sorted(
        v for per_size in acc.values() for vs in per_size for v in vs)
    assert all(len(set(line.get_xdata())) == len(line.get_xdata()) for line in seeds)
    plt.close(fig)
    with pytest.raises(ValueError, match="sizes"):
        plots.plot_data_efficiency(sizes, {"a": [[0.8]]})


def fake_result(accuracies, params=10):
    return TrainResult(name="m", model=None, history={"val_accuracy": list(accuracies),
                                                      "accuracy": [a + 0.01 for a in accuracies]},
                       test_loss=0.0, test_accuracy=accuracies[-1], train_seconds=2.0, params=params,
                       from_cache=True, key="k")


def test_chapter_plots_draw_what_they_are_given():
    from lib.stats import summarize_seeds

    rng = np.random.default_rng(5)
    counts = rng.integers(100, 200, size=(10, 4))
    fig = plots.plot_rotation_counts(counts)
    shown = fig.axes[0].images[0].get_array() if fig.axes[0].images else None
    if shown is not None:
        np.testing.assert_array_equal(np.asarray(shown), counts)
    plt.close(fig)

    summary = summarize_seeds("a", [fake_result([0.5, 0.9]), fake_result([0.6, 0.94])])
    fig = plots.plot_curves([summary])
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), [0.55, 0.92])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    assert line.get_label() == "a" and fig.axes[0].get_ylabel() == "validation accuracy"
    plt.close(fig)

    acc = {"a": rng.random(4), "b": rng.random(4)}
    fig = plots.plot_per_rotation(acc)
    heights = sorted(round(p.get_height(), 6) for p in fig.axes[0].patches)
    expected = sorted(round(v, 6) for a in acc.values() for v in np.atleast_1d(a))
    assert heights == expected or heights == sorted(round(100 * v, 6) for v in expected)
    plt.close(fig)

    for fig in (plots.plot_effective_kernel(rng.normal(size=(49, 8)), filters=2, size=7),
                plots.plot_rotation_shift(rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), k=1),
                plots.plot_confusions({"a": rng.integers(0, 50, size=(10, 10))})):
        assert fig.axes and all(ax.has_data() for ax in fig.axes if ax.get_label() != "<colorbar>")
        plt.close(fig)
    # Few filters: every cell carries its value, the first column is framed in both panels.
    y = rng.normal(size=(4, 6))
    fig = plots.plot_rotation_shift(y, np.roll(y, 1, axis=0), k=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 24 and texts[0] == f"{y[0, 0]:.1f}"
    assert all(len(ax.patches) == 1 for ax in fig.axes[:2])
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):  # 4 blocks of 2 filters need 8 columns, not 6
        plots.plot_effective_kernel(rng.normal(size=(49, 6)), filters=2, size=7)


def test_plot_p4_feature_maps_shows_the_planes_it_is_given():
    rng = np.random.default_rng(3)
    maps, turned = rng.normal(size=(6, 6, 4)), rng.normal(size=(6, 6, 4))
    fig = plots.plot_p4_feature_maps(rng.random((8, 8)), maps, rng.random((8, 8)), turned)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 10
    np.testing.assert_array_equal(shown[3], maps[..., 2])
    np.testing.assert_array_equal(shown[9], turned[..., 3])
    plt.close(fig)
    with pytest.raises(ValueError, match="4 rotations"):
        plots.plot_p4_feature_maps(np.zeros((8, 8)), maps[..., :3], np.zeros((8, 8)), turned[..., :3])


def test_rotate90_and_permutation_matrix_agree_on_digit_stacks():
    rng = np.random.default_rng(6)
    images = rng.integers(0, 256, size=(4, 6, 6), dtype=np.uint8)
    k = rng.integers(-3, 8, size=4)
    rotated = rotate90(images, k)
    for i in range(4):
        p = rotation_matrix(6, int(k[i]))
        np.testing.assert_array_equal(p @ images[i].ravel().astype(np.float32), rotated[i].ravel())


def test_predictions_all_rotations_equal_predict_proba():
    from lib.train import predict_proba

    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(37, 28, 28), dtype=np.uint8)
    keras.utils.set_random_seed(1)
    model = rotated_dense_classifier(pooling=None)
    probs = rotation.predictions_all_rotations(model, images, batch_size=10)
    assert probs.shape == (4, 37, 10) and probs.dtype == np.float32
    for k in range(4):  # the same batches give the same bits
        np.testing.assert_array_equal(probs[k], predict_proba(model, rotate90(images, k), batch_size=10))
    assert not np.array_equal(probs[1], probs[0])  # negative control: a flat layer sees the turn


def test_accuracy_by_angle_matches_direct_predictions_and_repeats_for_an_invariant_model():
    from lib.data import load_mnist
    from lib.models import dense_classifier

    keras.utils.set_random_seed(0)
    (_, _), (x, y) = load_mnist()
    x, y = x[:60], y[:60]
    invariant = rotated_dense_classifier(filters=8, pooling="max")
    dense = dense_classifier(hidden_units=16)
    angles = np.array([0, 45, 90, 180, 270])
    acc = rotation.accuracy_by_angle({"inv": invariant, "dense": dense}, x, y, angles)
    assert set(acc) == {"inv", "dense"} and acc["inv"].shape == (5,)
    for name, model in (("inv", invariant), ("dense", dense)):
        direct = predict_at(model, x) == y
        assert acc[name][0] == pytest.approx(direct.mean())
        assert acc[name][3] == pytest.approx(np.mean(predict_at(model, rotate90(x, 2)) == y))
    inv = acc["inv"][[0, 2, 3, 4]]
    assert np.all(inv == inv[0])  # exactly invariant to quarter turns
    with pytest.raises(ValueError, match="digits must be"):
        rotation.accuracy_by_angle({"inv": invariant}, x[0], y[:1], angles)


def test_predict_float_is_predict_proba_on_the_same_pixels():
    from lib.data import rotate_image
    from lib.train import predict_proba

    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(45, 28, 28), dtype=np.uint8)
    keras.utils.set_random_seed(2)
    model = p4_cnn(filters=(3, 4, 5), batch_norm=True, dense_units=7)
    scaled = images.astype(np.float32) / np.float32(255)
    probs = rotation.predict_float(model, scaled, batch_size=20)
    assert probs.shape == (45, 10) and probs.dtype == np.float32
    np.testing.assert_array_equal(probs, predict_proba(model, images, batch_size=20))
    # float64 input is cast to float32, as the page does
    np.testing.assert_array_equal(rotation.predict_float(model, scaled.astype(np.float64), 20), probs)
    # Negative control: a turned image is another image.
    turned = rotate_image(scaled, 30).astype(np.float32)
    assert not np.array_equal(rotation.predict_float(model, turned, batch_size=20), probs)
    with pytest.raises(TypeError, match="predict_proba"):
        rotation.predict_float(model, images)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rotation.predict_float(model, scaled * 255)
    with pytest.raises(ValueError, match="stack"):
        rotation.predict_float(model, scaled[0])


def test_angle_sweep_turns_each_angle_once_for_every_network():
    from lib.data import rotate_image
    from lib.models import dense_classifier

    keras.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    digits = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    nets = {"dense": dense_classifier(hidden_units=8), "inv": rotated_dense_classifier(filters=4, pooling="max")}
    angles = [0, 30, 90]
    probs = rotation.angle_sweep(nets, digits, angles)
    assert set(probs) == {"dense", "inv"}
    for label, model in nets.items():
        assert probs[label].shape == (3, 7, 10) and probs[label].dtype == np.float32
        for i, angle in enumerate(angles):
            turned = rotate_image(digits.astype(np.float32) / np.float32(255), angle).astype(np.float32)
            np.testing.assert_array_equal(probs[label][i], rotation.predict_float(model, turned))
    assert np.abs(probs["inv"][2] - probs["inv"][0]).max() < 1e-5  # invariant to a quarter turn
    assert np.abs(probs["dense"][2] - probs["dense"][0]).max() > 1e-3  # negative control
    with pytest.raises(ValueError, match="uint8"):
        rotation.angle_sweep(nets, digits.astype(np.float32), angles)


def test_accuracy_of_a_sweep_by_hand():
    probs = np.zeros((2, 3, 4))
    probs[0, [0, 1, 2], [1, 2, 0]] = 1  # answers 1, 2, 0
    probs[1, [0, 1, 2], [1, 1, 1]] = 1  # answers 1, 1, 1
    np.testing.assert_allclose(rotation.sweep_accuracy(probs, [1, 2, 3]), [2 / 3, 1 / 3])
    with pytest.raises(ValueError, match="N = len"):
        rotation.sweep_accuracy(probs, [1, 2])
    with pytest.raises(ValueError, match="S, N, classes"):
        rotation.sweep_accuracy(probs[0], [1, 2, 3])


def predict_at(model, images):
    x = images.astype(np.float32)[..., None] / np.float32(255)
    return keras.ops.convert_to_numpy(model(x, training=False)).argmax(-1)


def test_plot_permutation_writes_the_turned_pixel_numbers_and_refuses_non_permutations():
    fig = plots.plot_permutation(rotation_matrix(3, 1))
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == [str(v) for v in np.rot90(np.arange(9).reshape(3, 3)).ravel()]
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), rotation_matrix(3, 1))
    plt.close(fig)
    with pytest.raises(ValueError, match="one 1 per row and column"):
        plots.plot_permutation(np.ones((9, 9)))


def test_small_data_cnns_are_the_chapters_cnns_with_faster_running_statistics():
    import keras

    from lib import rotation

    for kind, build in (("p4", p4_cnn), ("plain", plain_cnn)):
        config = {"filters": [2, 3, 4], "batch_norm": True, "dense_units": 5}
        small = rotation.small_data_cnn(kind, 0.9, **config)
        norms = [layer for layer in small.layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert len(norms) == 3 and all(layer.momentum == 0.9 for layer in norms)
        assert small.count_params() == build(**config).count_params()
    # Every efficiency run uses it, with the chapter's configs.
    for spec in rotation.efficiency_specs(500):
        assert spec.build is rotation.small_data_cnn and spec.config["bn_momentum"] < 0.99


def test_efficiency_runs_see_enough_images_and_small_sets_are_repeated():
    import dataclasses

    from lib import rotation

    for size in (*rotation.EFFICIENCY_SIZES, 50_000):
        for spec in rotation.efficiency_specs(size):
            per_epoch = size * spec.repeats
            assert per_epoch >= min(size, rotation.EFFICIENCY_EPOCH_IMAGES) and per_epoch - size < 4000
            # the fewest whole epochs that show EFFICIENCY_IMAGES images: the same steps at every size
            assert spec.epochs * per_epoch >= rotation.EFFICIENCY_IMAGES > (spec.epochs - 1) * per_epoch
    assert rotation.efficiency_specs(500)[0].repeats == 8 and rotation.efficiency_specs(8000)[0].repeats == 1
    # Negative control: a spec that repeats its images zero times is refused, not trained on nothing.
    spec = dataclasses.replace(rotation.efficiency_specs(500)[0], repeats=0)
    data = {k: np.zeros((4, 28, 28), np.uint8) if k[0] == "x" else np.zeros(4, int)
            for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}
    with pytest.raises(ValueError, match="repeats"):
        rotation.train_seeds(spec, data)
    with pytest.raises(ValueError, match="kind"):
        rotation.small_data_cnn("dense", 0.9)


def test_train_seeds_trains_with_the_specs_batch_size(monkeypatch):
    from lib import rotation

    seen = []

    def fake_fit(name, build, config, train, val, test, **kwargs):
        seen.append(kwargs["batch_size"])
        return types.SimpleNamespace(model=None)

    monkeypatch.setattr(rotation, "fit", fake_fit)
    data = {k: np.zeros((4, 28, 28), np.uint8) if k[0] == "x" else np.zeros(4, int)
            for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}
    plain, p4 = rotation.cnn_specs()
    rotation.train_seeds(plain, data)
    rotation.train_seeds(rotation.efficiency_specs(500)[1], data)
    assert seen == [rotation.CNN_BATCH_SIZE] * len(plain.seeds) + \
        [rotation.EFFICIENCY_BATCH_SIZE] * len(rotation.EFFICIENCY_SEEDS)
    # Every comparison of the chapter uses three seeds.
    assert p4.seeds == plain.seeds == rotation.EFFICIENCY_SEEDS == (0, 1, 2)
    # Both CNNs on all images train alike; the dense benchmarks keep batches of 128.
    assert p4.batch_size == plain.batch_size == rotation.CNN_BATCH_SIZE
    assert all(s.batch_size == 128 for s in rotation.benchmark_specs())
    assert rotation.upright_cnn_spec().batch_size == rotation.UPRIGHT_BATCH_SIZE == 128
    # The upright ordinary CNN is the plain CNN trained to the dense benchmarks' stopping rule.
    upright_cnn = rotation.upright_cnn_spec()
    assert upright_cnn.patience == rotation.DENSE_PATIENCE and upright_cnn.schedule is None
    assert (upright_cnn.build, upright_cnn.config) == (plain.build, plain.config)


def test_lifting_by_hand_equals_the_layer_and_is_equivariant():
    x = np.array([[0, 1, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], np.float32)
    w = np.array([[1, 2], [0, -1]], np.float32)
    maps = rotation.lifting_by_hand(x, w)
    assert maps.shape == (4, 3, 3)
    # Map 0 at the top-left: 0*1 + 1*2 + 0*0 + 1*(-1) = 1.
    assert maps[0, 0, 0] == 1
    lift = rotation.lifting_with_kernel(w)
    assert isinstance(lift, LiftingConv2D) and not lift.use_bias
    by_layer = np.moveaxis(np.asarray(lift(x[None, :, :, None]))[0, :, :, :, 0], -1, 0)
    np.testing.assert_array_equal(by_layer, maps)
    # The same layer reads any image size (here the 28x28 of a digit).
    assert lift(np.zeros((1, 28, 28, 1), np.float32)).shape == (1, 27, 27, 4, 1)
    with pytest.raises(ValueError, match="square"):
        rotation.lifting_with_kernel(np.zeros((2, 3)))
    turned = rotation.lifting_by_hand(np.rot90(x), w)
    assert all(np.array_equal(turned[r], np.rot90(maps[(r - 1) % 4])) for r in range(4))
    # Negative control: without the roll of the rotation index it is not equivariant.
    assert not all(np.array_equal(turned[r], np.rot90(maps[r])) for r in range(4))
    with pytest.raises(ValueError, match="larger than the image"):
        rotation.lifting_by_hand(np.zeros((2, 2)), np.zeros((3, 3)))
