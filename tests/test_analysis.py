"""Tests of lib.analysis (and the chapter-2 plots) on tiny models with known weights,
where the right answer is computed by hand or by plain numpy."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lib.train  # noqa: F401,E402  (imports TensorFlow quietly first)
import keras  # noqa: E402
from keras import layers  # noqa: E402

from lib import analysis, plots, probes  # noqa: E402
from lib.models import reference_cnn  # noqa: E402


def one_filter_model(kernel, size=8, bias=0.0, dense_weights=None):
    """Conv2D with one known filter ('same', ReLU) -> flatten -> dense(2) -> softmax."""
    kernel = np.asarray(kernel, dtype=np.float32)
    inputs = keras.Input((size, size, 1))
    x = layers.Conv2D(1, kernel.shape, padding="same", activation="relu", name="conv")(inputs)
    x = layers.Flatten()(x)
    x = layers.Dense(2, activation="relu", name="dense")(x)
    outputs = layers.Activation("softmax", name="probabilities")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([kernel[:, :, None, None], np.array([bias], np.float32)])
    w = np.zeros((size * size, 2), np.float32) if dense_weights is None else dense_weights
    model.get_layer("dense").set_weights([w, np.zeros(2, np.float32)])
    return model


def correlate_same(image, kernel):
    """Plain-numpy 'same' cross-correlation (what Conv2D computes) with zero padding."""
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    out = np.zeros_like(image, dtype=np.float64)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


# --- misclassified, confusion ----------------------------------------------------------------


def test_misclassified_with_forced_predictions():
    labels = np.array([0, 1, 2, 3, 4])
    probs = np.full((5, 5), 0.01, np.float32)
    forced = [0, 2, 2, 0, 1]  # wrong at indices 1, 3, 4
    confidence = [0.9, 0.6, 0.9, 0.95, 0.6]
    for i, (f, c) in enumerate(zip(forced, confidence)):
        probs[i, f] = c
    wrong = analysis.misclassified(probs, labels)
    assert len(wrong) == 3
    # worst first (0.95), then the two with 0.6 in index order
    assert wrong.indices.tolist() == [3, 1, 4]
    assert wrong.true.tolist() == [3, 1, 4] and wrong.predicted.tolist() == [0, 2, 1]
    np.testing.assert_allclose(wrong.confidence, [0.95, 0.6, 0.6])
    np.testing.assert_allclose(wrong.true_probability, [0.01, 0.01, 0.01])


def test_misclassified_none_and_shape_check():
    probs = np.eye(4, dtype=np.float32)
    assert len(analysis.misclassified(probs, np.arange(4))) == 0
    with pytest.raises(ValueError, match="probabilities"):
        analysis.misclassified(probs, np.arange(3))


@pytest.mark.parametrize("seed", range(5))
def test_confusion_matrix_matches_counting(seed):
    rng = np.random.default_rng(seed)
    labels, preds = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    c = analysis.confusion_matrix(labels, preds)
    assert c.shape == (10, 10) and c.sum() == 500
    for i in range(10):
        for j in range(10):
            assert c[i, j] == np.sum((labels == i) & (preds == j))
    np.testing.assert_array_equal(c.sum(axis=1), np.bincount(labels, minlength=10))


def test_most_confused_pairs():
    c = np.diag([50, 50, 50, 50])
    c[0, 1], c[1, 0], c[2, 3], c[3, 1] = 4, 3, 5, 1
    assert analysis.most_confused_pairs(c, top=2) == [(2, 3, 5), (0, 1, 4)]
    assert analysis.most_confused_pairs(c, top=3, symmetric=True) == [(0, 1, 7), (2, 3, 5), (1, 3, 1)]
    assert analysis.most_confused_pairs(np.diag([3, 3])) == []


# --- activations on models with known weights ------------------------------------------------


def test_feature_map_of_a_one_filter_conv_is_the_correlation():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(3, 3))
    model = one_filter_model(kernel, size=8)
    images = rng.integers(0, 256, (4, 8, 8), dtype=np.uint8)
    maps = analysis.feature_maps(model, images, "conv")
    assert maps.shape == (4, 8, 8, 1) and maps.dtype == np.float32
    for img, m in zip(images, maps):
        expected = np.maximum(correlate_same(img / 255.0, kernel), 0)
        np.testing.assert_allclose(m[..., 0], expected, atol=1e-5)


def test_activation_stats_class_means_counts_and_maxima():
    rng = np.random.default_rng(2)
    # 1x1 kernel of weight 2: the feature map is 2 * image / 255, known exactly.
    model = one_filter_model([[2.0]], size=6)
    w = rng.normal(size=(36, 2)).astype(np.float32)
    model.get_layer("dense").set_weights([w, np.zeros(2, np.float32)])
    images = rng.integers(0, 256, (37, 6, 6), dtype=np.uint8)
    labels = rng.integers(0, 3, 37)
    labels[:3] = [0, 1, 2]
    stats = analysis.activation_stats(model, images, labels, ["conv", "dense"], classes=4, batch_size=5)
    x = images / 255.0
    np.testing.assert_array_equal(stats.counts, np.bincount(labels, minlength=4))
    assert stats.class_means["conv"].shape == (4, 6, 6, 1)
    assert stats.class_means["dense"].shape == (4, 2)
    assert np.all(np.isnan(stats.class_means["conv"][3]))  # class 3 has no images
    for c in range(3):
        np.testing.assert_allclose(stats.class_means["conv"][c, ..., 0], 2 * x[labels == c].mean(axis=0), atol=1e-5)
        dense = np.maximum(x[labels == c].reshape(-1, 36) * 2 @ w, 0)
        np.testing.assert_allclose(stats.class_means["dense"][c], dense.mean(axis=0), atol=1e-4)
    np.testing.assert_allclose(stats.overall_mean("conv")[..., 0], 2 * x.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(stats.unit_means("conv")[:3, 0],
                               [2 * x[labels == c].mean() for c in range(3)], atol=1e-5)
    # per-image maxima and where they are
    assert stats.image_max["conv"].shape == (37, 1) and stats.argmax["conv"].shape == (37, 1, 2)
    np.testing.assert_allclose(stats.image_max["conv"][:, 0], 2 * x.reshape(37, -1).max(axis=1), atol=1e-5)
    for n in range(37):
        r, c = stats.argmax["conv"][n, 0]
        assert images[n, r, c] == images[n].max()
    assert stats.image_max["dense"].shape == (37, 2)


def test_activation_model_shares_weights():
    model = one_filter_model([[1.0]], size=4)
    extractor = analysis.activation_model(model, ["conv", "dense"])
    assert len(extractor.outputs) == 2
    assert extractor.get_layer("conv") is model.get_layer("conv")


def test_class_selectivity_by_hand():
    means = np.full((10, 3), 0.2)
    means[4, 0] = 2.0  # unit 0: SI = 1.8 / 2.2
    means[:, 1] = 1.0  # unit 1: flat, SI = 0
    means[:, 2] = 0.0  # unit 2: silent, SI = 0
    means[7, 2] = 1.0  # ... unless it fires for one class only: SI = 1
    preferred, si = analysis.class_selectivity(means)
    assert preferred[0] == 4 and preferred[2] == 7
    np.testing.assert_allclose(si, [1.8 / 2.2, 0.0, 1.0])
    _, si0 = analysis.class_selectivity(np.zeros((10, 2)))
    np.testing.assert_array_equal(si0, [0, 0])


def test_top_exciting_orders_and_breaks_ties_by_index():
    image_max = np.array([[1.0, 0], [3.0, 0], [3.0, 0], [2.0, 0]])
    assert analysis.top_exciting(image_max, 0, top=3).tolist() == [1, 2, 3]


def test_receptive_field_of_the_reference_cnn():
    model = reference_cnn()
    assert [analysis.receptive_field(model, n) for n in ["conv1", "pool1", "conv2", "pool2"]] == \
        [(5, 1), (6, 2), (10, 2), (12, 4)]
    np.testing.assert_allclose(analysis.to_input_pixels([[3, 4]], 2), [[6.5, 8.5]])
    with pytest.raises(ValueError, match="no layer"):
        analysis.receptive_field(model, "nope")


def test_stages_group_each_layer_with_its_block():
    from lib.models import conv_classifier

    model = conv_classifier(input_shape=(20, 20, 1), filters=(4, 8), batch_norm=True, pooling="max",
                            global_pooling="max", dense_units=16, dropout=0.5)
    rows = analysis.stages(model)
    assert [r["shape"] for r in rows] == [(20, 20, 1), (10, 10, 4), (5, 5, 8), (8,), (16,), (10,)]
    assert rows[1]["ops"] == ["conv 3×3, 4", "batch norm", "ReLU", "max pool 2×2"]
    assert rows[-2]["ops"] == ["dropout 0.5", "dense 16, ReLU"]  # the dropout before its layer
    assert rows[-1]["ops"] == ["dropout 0.5", "dense 10", "softmax"]
    # Without pooling, global pooling or dropout, the stages say so too.
    plain = analysis.stages(conv_classifier(input_shape=(8, 8, 1), filters=(2,)))
    assert [r["ops"][0] for r in plain] == ["input", "conv 3×3, 2", "flatten", "dense 10"]


def test_layer_table_counts_parameters():
    model = reference_cnn()
    rows = analysis.layer_table(model)
    assert sum(r["params"] for r in rows) == model.count_params()
    conv1 = next(r for r in rows if r["name"] == "conv1")
    assert conv1["weight_shapes"] == [(5, 5, 1, 16), (16,)] and conv1["output_shape"] == (28, 28, 16)


# --- probes ----------------------------------------------------------------------------------


def test_oriented_bars_geometry():
    bars = probes.oriented_bars([0, 90, 180], size=28, width=3, length=None)
    assert bars.shape == (3, 28, 28) and bars.dtype == np.uint8
    assert bars[0, 14].min() == 255 and bars[0, 10].max() == 0  # horizontal through row 14
    np.testing.assert_array_equal(bars[1], bars[0].T)  # 90 degrees is the transpose
    np.testing.assert_array_equal(bars[0], bars[2])  # a bar has no direction
    short = probes.oriented_bars([0], size=28, width=3, length=10)[0]
    assert short[14, 14] == 255 and short[14, 2] == 0
    edges = probes.oriented_bars([0, 180, 90], size=28, kind="edge")
    assert edges[0, :, 27].min() == 255 and edges[0, :, 0].max() == 0  # inked side faces right
    assert edges[2, 0].min() == 255 and edges[2, 27].max() == 0  # 90: inked side faces up
    away = np.abs(np.arange(28) - 14) > 1
    np.testing.assert_array_equal(edges[0][:, away].astype(int) + edges[1][:, away], 255)
    with pytest.raises(ValueError, match="kind"):
        probes.oriented_bars([0], kind="blob")


def test_orientation_tuning_by_hand():
    angles = np.arange(0, 180, 15)
    curve = 1 + np.cos(np.deg2rad(2 * (angles - 60)))  # preferred 60, OSI exactly 0.5
    single = (angles == 120).astype(float)
    flat = np.ones_like(angles, dtype=float)
    pref, osi = probes.orientation_tuning(np.stack([curve, single, flat, 0 * flat], axis=1), angles)
    np.testing.assert_allclose(pref[:2], [60, 120], atol=1e-9)
    np.testing.assert_allclose(osi, [0.5, 1.0, 0.0, 0.0], atol=1e-12)
    assert np.isnan(pref[3])
    # direction (period 360)
    angles = np.arange(0, 360, 30)
    pref, dsi = probes.orientation_tuning((angles == 300).astype(float)[:, None], angles, period=360)
    np.testing.assert_allclose([pref[0], dsi[0]], [300, 1.0], atol=1e-9)


def test_orientation_name():
    names = [probes.orientation_name(a) for a in (0, 170, 200, 45, 90, 100, 135, -45)]
    assert names == ["near-horizontal", "near-horizontal", "near-horizontal", "rising diagonal",
                     "near-vertical", "near-vertical", "falling diagonal", "falling diagonal"]


def test_probe_finds_the_orientation_of_a_line_detector():
    # A 5x5 filter: +1 on the middle row, -0.5 on the rows beside it: prefers horizontal lines.
    kernel = np.zeros((5, 5))
    kernel[2], kernel[1], kernel[3] = 1.0, -0.5, -0.5
    model = one_filter_model(kernel, size=28)
    angles = np.arange(0, 180, 15)
    for where in ("max", "centre"):
        r = probes.probe_responses(model, probes.oriented_bars(angles, width=1, length=None), "conv", where=where)
        assert r.shape == (12, 1)
        assert np.argmax(r[:, 0]) == 0
        pref, osi = probes.orientation_tuning(r, angles)
        assert min(pref[0], 180 - pref[0]) < 5 and osi[0] > 0.3
    # The same kernel transposed prefers vertical lines.
    r = probes.probe_responses(one_filter_model(kernel.T, size=28),
                                 probes.oriented_bars(angles, width=1, length=None), "conv")
    assert angles[np.argmax(r[:, 0])] == 90


# --- plots (drawing only) --------------------------------------------------------------------


def test_chapter2_plots_return_figures():
    rng = np.random.default_rng(0)
    figs = [
        plots.plot_kernels(rng.normal(size=(16, 5, 5))),
        plots.plot_misclassified(rng.integers(0, 256, (4, 28, 28)), [1, 2, 3, 4], [7, 7, 5, 9], [0.9, 0.8, 0.7, 0.6]),
        plots.plot_confusion(np.diag([5, 5, 5]) + 1),
        plots.plot_class_unit_means({"conv1 filters": rng.random((10, 16)), "dense units": rng.random((10, 64))},
                                    highlight={"dense units": [3]}),
        plots.plot_mean_feature_maps(rng.random((10, 7, 7, 4)), filters=[0, 3], classes=[1, 2],
                                     overall=rng.random((7, 7, 4))),
        plots.plot_top_exciting(rng.integers(0, 256, (2, 3, 28, 28)), rng.integers(0, 28, (2, 3, 2)),
                                ["a", "b"], receptive_field=[5, 10], titles=[["x"] * 3] * 2),
        plots.plot_tuning(np.arange(0, 180, 15), {"f": rng.random(12)}, probes=rng.integers(0, 256, (12, 28, 28)),
                          preferred={"f": 30.0}),
    ]
    # The highlighted unit's whole column is framed: a rectangle spanning every class row.
    frames = [p for p in figs[3].axes[1].patches if isinstance(p, matplotlib.patches.Rectangle)]
    assert [(f.get_x(), f.get_height()) for f in frames] == [(2.5, 10)]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes
        drawn = [ax for ax in fig.axes if ax.has_data()]
        assert drawn, "a figure with axes but nothing drawn on them"
        plt.close(fig)


def test_plot_position_maps_draws_each_map_and_refuses_bad_shapes():
    rng = np.random.default_rng(0)
    maps = {"a": rng.random((23, 23)), "b": rng.random((23, 23)), "c": rng.random((23, 23))}
    fig = plots.plot_position_maps(maps)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3
    np.testing.assert_array_equal(images[1].get_array(), maps["b"])
    assert fig.get_figwidth() <= plots.COLUMN_WIDTH_IN
    plt.close(fig)
    with pytest.raises(ValueError, match="square"):
        plots.plot_position_maps({"a": rng.random((23, 22))})
    with pytest.raises(ValueError, match="1 to 3"):
        plots.plot_position_maps({str(i): rng.random((3, 3)) for i in range(4)})


def test_plot_confusion_shows_the_matrix_it_is_given():
    rng = np.random.default_rng(3)
    confusion = rng.integers(0, 100, size=(10, 10))
    fig, ax = plt.subplots()
    plots.plot_confusion(confusion, ax=ax)
    shown = np.ma.filled(np.ma.asarray(ax.images[0].get_array()).astype(float), np.nan)
    off = ~np.eye(10, dtype=bool)
    np.testing.assert_array_equal(shown[off], confusion[off])   # the errors, as counted
    assert np.isnan(shown[~off]).all()                          # the diagonal is not coloured
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert all(texts[(i, j)] == str(confusion[i, j]) for i in range(10) for j in range(10))
    plt.close(fig)


def test_errors_text_one_format_for_zeros_rounding_and_differences():
    # np.array2string would print these three as "0.", "2.e-07" and "1.5": one format reads alike
    assert analysis.errors_text([0.0, 2.3e-7, 1.5]) == "0.0e+00, 2.3e-07, 1.5e+00"
    assert analysis.errors_text(np.array([[1e-6]], np.float32)) == "1.0e-06"
    for bad in ([], [np.nan], [1.0, np.inf]):
        with pytest.raises(ValueError, match="finite numbers"):
            analysis.errors_text(bad)


def test_relative_error_by_hand_and_its_refusals():
    from lib.analysis import relative_error

    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert relative_error([1.0, 2.5], [1.0, 2.0]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="all zeros"):
        relative_error([1.0], [0.0])
    with pytest.raises(ValueError, match="shapes"):
        relative_error([1.0, 2.0], [1.0])


def test_receptive_field_of_a_p4_network():
    from lib.models import p4_cnn

    model = p4_cnn()
    # lift 5x5 -> 5; pool 2 -> 6, stride 2; gconv 3x3 -> 10; pool -> 12, stride 4; gconv 3x3 -> 20.
    assert analysis.receptive_field(model, "lift") == (5, 1)
    assert analysis.receptive_field(model, "pool1") == (6, 2)
    assert analysis.receptive_field(model, "gconv2") == (20, 4)


def test_book_style_keeps_interactive_mode_switched_on_inside_it():
    """Jupyter's inline backend, loaded by a notebook's first figure inside the style, turns
    interactive mode on; if the style's exit turned it off, no later figure would be shown."""
    before = matplotlib.is_interactive()

    @plots.book_style
    def first_figure():
        matplotlib.interactive(True)  # what loading the inline backend does
        return plt.figure()

    try:
        matplotlib.interactive(False)
        plt.close(first_figure())
        assert matplotlib.is_interactive()
        # the control: a bare rc_context does restore it, which is the bug guarded against
        matplotlib.interactive(False)
        with matplotlib.rc_context({"font.size": 10}):
            matplotlib.interactive(True)
        assert not matplotlib.is_interactive()
    finally:
        matplotlib.interactive(before)


def test_multiply_adds_counts_every_kernel_entry_at_every_output_pixel():
    import keras

    from lib.analysis import multiply_adds
    from lib.models import dense_classifier, p4_cnn, plain_cnn

    # Dense: 784*100 + 100*10.
    assert multiply_adds(dense_classifier(hidden_units=100)) == 784 * 100 + 100 * 10
    # Ordinary CNN, by hand: conv 5x5 1->2 at 24x24, conv 3x3 2->3 at 10x10, conv 3x3 3->4 at 3x3.
    plain = plain_cnn(filters=(2, 3, 4))
    assert multiply_adds(plain) == 576 * 25 * 2 + 100 * 9 * 2 * 3 + 9 * 9 * 3 * 4 + 4 * 10
    # p4: the same layout with 4 rotations in and out (the lifting layer has one input channel).
    p4 = p4_cnn(filters=(2, 3, 4))
    expected = 576 * 25 * 4 * 2 + 100 * 9 * (4 * 2) * (4 * 3) + 9 * 9 * (4 * 3) * (4 * 4) + 4 * 10
    assert multiply_adds(p4) == expected
    # Negative control: a layer it cannot count is refused, not skipped.
    inputs = keras.Input((8, 8, 1))
    odd = keras.Model(inputs, keras.layers.DepthwiseConv2D(3)(inputs))
    with pytest.raises(ValueError, match="does not know"):
        multiply_adds(odd)


def test_knock_out_unit_silences_one_unit_of_a_copy():
    keras.utils.set_random_seed(6)
    inputs = keras.Input((6, 6, 1))
    hidden = layers.Dense(3, activation="relu", name="hidden")(layers.Flatten()(inputs))
    model = keras.Model(inputs, layers.Dense(2, activation="softmax", name="out")(hidden))
    # Unit 0 alone votes for class 1, the others for class 0: silencing unit 0 breaks class 1.
    model.get_layer("hidden").set_weights([np.full((36, 3), 0.01, np.float32), np.array([1, 0, 0], np.float32)])
    model.get_layer("out").set_weights([np.array([[0, 5], [1, 0], [1, 0]], np.float32), np.zeros(2, np.float32)])
    images = np.full((4, 6, 6), 100, np.uint8)
    labels = np.array([1, 1, 0, 0])
    weights = [w.copy() for w in model.get_weights()]
    before, after = analysis.knock_out_unit(model, "hidden", 0, images, labels, classes=2)
    np.testing.assert_array_equal(before, [0.0, 1.0])
    np.testing.assert_array_equal(after, [1.0, 0.0])
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))  # a copy
    # Negative control: silencing a unit that votes like the others changes nothing.
    before, after = analysis.knock_out_unit(model, "hidden", 2, images, labels, classes=2)
    np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="has 3 units"):
        analysis.knock_out_unit(model, "hidden", 3, images, labels, classes=2)


def test_reinitialised_draws_glorot_kernels_and_zero_biases_from_its_generator():
    model = reference_cnn()
    before = [w.copy() for w in model.get_weights()]
    fresh = probes.reinitialised(model, np.random.default_rng(0))
    again = probes.reinitialised(model, np.random.default_rng(0))
    other = probes.reinitialised(model, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # a copy
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), again.get_weights()))
    assert not np.array_equal(fresh.get_weights()[0], other.get_weights()[0])
    kernel, bias = fresh.get_layer("conv1").get_weights()  # (5, 5, 1, 16)
    limit = np.sqrt(6 / (25 * 1 + 25 * 16))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert not bias.any()


def test_filter_indices_and_the_untrained_null():
    from lib.data import load_mnist

    (_, _), (x_test, y_test) = load_mnist()
    bar_angles, edge_angles = np.arange(0, 180, 30), np.arange(0, 360, 60)
    inputs = (probes.oriented_bars(bar_angles, width=2.5, length=None), bar_angles,
              probes.oriented_bars(edge_angles, kind="edge"), edge_angles, x_test[:200], y_test[:200])
    model = probes.reinitialised(reference_cnn(), np.random.default_rng(3))
    indices = probes.filter_indices(model, *inputs)
    shapes = {key: value.shape for key, value in indices.items()}
    assert shapes == {"conv1 osi": (16,), "conv1 dsi": (16,), "conv2 osi": (32,), "conv2 si": (32,)}
    null = probes.untrained_null(reference_cnn(), *inputs, seeds=[3, 4])
    assert null["conv2 si"].shape == (64,)
    # The first seed's copy is the model above: the null pools exactly such copies.
    np.testing.assert_array_equal(null["conv1 osi"][:16], indices["conv1 osi"])


def test_standards_are_the_layer_median_and_the_chance_percentile():
    median, top = probes.standards([0.1, 0.2, 0.9], np.append(np.linspace(0, 1, 101), np.nan))
    assert median == 0.2 and abs(top - 0.95) < 1e-12  # the dead filter (nan) is left out
    # The clearance sentence quotes the same two numbers.
    assert "0.95 and 0.20" in probes.clearance(0.97, [0.1, 0.2, 0.9], np.linspace(0, 1, 101))


def test_stands_clear_needs_both_the_layer_median_and_the_null():
    layer, null = np.array([0.1, 0.2, 0.3]), np.linspace(0, 1, 101)
    assert probes.stands_clear(0.97, layer, null)
    assert not probes.stands_clear(0.5, layer, null)  # above the layer, not above chance
    assert not probes.stands_clear(0.97, [1.0, 1.0, 1.0], null)  # above chance, not the layer
    assert probes.stands_clear(0.97, layer, np.append(null, np.nan))  # dead filters ignored


def test_clearance_names_the_standard_that_was_not_met():
    layer, null = np.array([0.1, 0.2, 0.3]), np.linspace(0, 1, 101)
    assert probes.clearance(0.97, layer, null).startswith("It stands clear of both")
    assert "one untrained filter in 20 reaches 0.95" in probes.clearance(0.5, layer, null)
    assert "median" in probes.clearance(0.97, [1.0, 1.0, 1.0], null)
