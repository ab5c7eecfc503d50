"""The digit playground (book/playground.md): the export of the networks, and the page in a browser.

Unit tests (no build needed): the exported forward pass in NumPy equals Keras for every kind of
model the page runs, and a broken export is caught (the rotation by any angle that the page
shares with the book is tested in tests/test_data.py).

Browser tests (after the book is built, with Chromium; skipped with a message otherwise): the
page's JavaScript gives Keras' probabilities on 120 test digits at several positions and angles,
its own controls (keyboard, slider, buttons, pointer) move, turn and draw the digit and the
displayed numbers follow, it is fast enough, and it stays small.

Figures (no build needed): the page's two plotting functions in ``lib.plots`` draw what they are
given, within the column width and the smallest font, and refuse bad shapes.

The Ising panel (no build needed): the exported symmetric CNN of the chapter on the 2D Ising
model, in NumPy, equals Keras; other models are refused. In Chromium (skipped without it), on a
small page made here from the panel's HTML in book/playground.md, its JavaScript and a bundle of
a seeded model: the browser's probabilities equal Keras', its Metropolis chain is the one its
comments describe and repeats itself from a seed, the keyboard and buttons work, no errors.
"""

import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lib.train  # noqa: F401  (imports TensorFlow quietly)
import keras

from lib import data, models, plots, playground as pg
from lib import playground_ising as pgi
from lib.plots import style
from lib.rotation import predict_float
from lib.translation import BEST_CONFIG

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "book" / "_build" / "html"
PAGE = HTML / "playground.html"
MODELS = HTML / "playground" / "models"
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"
from conftest import CHROMIUM, needs  # noqa: E402  (the shared browser fixture lives there too)


# --- Export: NumPy forward pass against Keras -----------------------------------------------


def _randomise_batch_norm(model, rng):
    """Give batch-norm layers non-trivial statistics, so that folding them is really tested."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.2, layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.3, 3, layer.moving_variance.shape).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 2, layer.gamma.shape).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.2, layer.beta.shape).astype("float32"))


def _random_bias(model, rng):
    for w in model.weights:
        if w.path.endswith("bias"):
            w.assign(rng.normal(0, 0.1, w.shape).astype("float32"))


def _digits(n, size, rng):
    (_, _), (x_test, _) = data.load_mnist()
    x = x_test[:n]
    if size == 50:
        x = data.place_at(x, rng.integers(0, 23, (n, 2)), 50)
    return x.astype(np.float32) / np.float32(255)


MODEL_BUILDERS = {
    "dense on the canvas": lambda: models.dense_classifier(input_shape=(50, 50, 1)),
    "best CNN of chapter 1": lambda: models.conv_classifier(**BEST_CONFIG),
    "CNN with strides, flatten, average pool": lambda: models.conv_classifier(
        filters=(4, 8), strides=2, pooling=None, global_pooling="average"),
    "dense 400": lambda: models.dense_classifier(hidden_units=400),
    "rotated dense, max": lambda: models.rotated_dense_classifier(pooling="max"),
    "rotated dense, mean": lambda: models.rotated_dense_classifier(filters=20, pooling="mean"),
    "rotated dense, flat": lambda: models.rotated_dense_classifier(filters=20, pooling=None),
    "p4 CNN": lambda: models.p4_cnn(),
    "p4 CNN with batch norm and a hidden layer": lambda: models.p4_cnn(filters=(3, 4, 5), batch_norm=True,
                                                                       dense_units=7),
    "plain CNN with batch norm": lambda: models.plain_cnn(filters=(3, 4, 5), batch_norm=True, dense_units=7),
}


@pytest.mark.parametrize("name", list(MODEL_BUILDERS))
def test_exported_forward_pass_equals_keras(name):
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    model = MODEL_BUILDERS[name]()
    _randomise_batch_norm(model, rng)
    _random_bias(model, rng)
    spec = pg.rounded_spec(pg.export_model(model))  # the float32 weights the page receives
    x = _digits(6, spec["input_shape"][0], rng)
    expected = predict_float(model, x)
    got = np.stack([pg.forward(spec, d) for d in x])
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(got.sum(axis=1), 1)


def test_a_wrong_export_is_caught():
    """Negative control: forgetting to fold batch norm, or a wrong channel order, is visible."""
    rng = np.random.default_rng(1)
    keras.utils.set_random_seed(1)
    model = models.conv_classifier(**BEST_CONFIG)
    _randomise_batch_norm(model, rng)
    spec = pg.export_model(model)
    x = _digits(6, 50, rng)
    expected = predict_float(model, x)
    broken = {**spec, "layers": [dict(layer) for layer in spec["layers"]]}
    conv = broken["layers"][2]
    assert conv["type"] == "conv"
    conv["kernel"] = conv["kernel"][::-1]  # a kernel flipped upside down (a convolution, not a correlation)
    got = np.stack([pg.forward(broken, d) for d in x])
    assert np.abs(got - expected).max() > 1e-3

    p4 = models.p4_cnn()
    spec = pg.export_model(p4)
    lift = spec["layers"][0]
    assert lift["type"] == "conv"
    lift["kernel"] = lift["kernel"].transpose(1, 0, 2, 3)  # rows and columns of the filters swapped
    x = _digits(4, 28, rng)
    got = np.stack([pg.forward(spec, d) for d in x])
    assert np.abs(got - predict_float(p4, x)).max() > 1e-4


def test_unsupported_layers_are_refused():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(10, activation="tanh")(x)
    with pytest.raises(ValueError, match="tanh"):
        pg.export_model(keras.Model(inputs, x))


def test_bundle_round_trip(tmp_path):
    """What write_bundle stores decodes to the float32 weights (checked in Python here)."""
    import base64

    keras.utils.set_random_seed(2)
    spec = pg.export_model(models.rotated_dense_classifier(filters=5, pooling="max"))
    digits = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    size = pg.write_bundle(tmp_path / "b.js", {"r": (spec, "R", 0.5)}, digits, [3, 4])
    text = (tmp_path / "b.js").read_text()
    assert size == len(text.encode())
    bundle = json.loads(text[text.index("{"):text.rindex("}") + 1])
    layer = bundle["models"]["r"]["layers"][0]
    kernel = np.frombuffer(base64.b64decode(layer["kernel"]["data"]), "<f4").reshape(layer["kernel"]["shape"])
    assert np.array_equal(kernel, spec["layers"][0]["kernel"].astype(np.float32))
    pixels = np.frombuffer(base64.b64decode(bundle["digits"]["pixels"]), np.uint8)
    assert np.array_equal(pixels, digits.ravel()) and bundle["digits"]["labels"] == [3, 4]


# --- The diagonal sweep ------------------------------------------------------------------------


def test_diagonal_sweep_equals_placing_by_hand():
    keras.utils.set_random_seed(2)
    model = models.dense_classifier(input_shape=(50, 50, 1), hidden_units=8)
    (_, _), (x_test, _) = data.load_mnist()
    digits = x_test[:3]
    probs = pg.diagonal_sweep(model, digits)
    assert probs.shape == (23, 3, 10) and probs.dtype == np.float64
    for t in (0, 11, 22):
        canvases = np.zeros((3, 50, 50), np.uint8)
        canvases[:, t:t + 28, t:t + 28] = digits
        np.testing.assert_array_equal(probs[t], lib.train.predict_proba(model, canvases, batch_size=256))
    assert not np.array_equal(probs[0], probs[22])  # negative control: the dense network sees the move


def test_stride_walk_moves_right_one_pixel_a_step():
    keras.utils.set_random_seed(3)
    model = models.dense_classifier(input_shape=(50, 50, 1), hidden_units=8)
    (_, _), (x_test, y_test) = data.load_mnist()
    walk = pg.stride_walk(model, x_test[:2], start=(11, 11), length=8)
    assert walk.shape == (9, 2, 10) and walk.dtype == np.float64
    for k in (0, 3, 8):
        canvases = np.zeros((2, 50, 50), np.uint8)
        canvases[:, 11:39, 11 + k:39 + k] = x_test[:2]
        np.testing.assert_array_equal(walk[k], lib.train.predict_proba(model, canvases, batch_size=256))
    p_right, swing, back = pg.stride_wobble(walk, y_test[:2])
    assert p_right.shape == (9, 2)
    np.testing.assert_array_equal(p_right[:, 1], walk[:, 1, y_test[1]])
    np.testing.assert_array_equal(back, np.abs(p_right[8] - p_right[0]))
    np.testing.assert_array_equal(swing, np.abs(p_right[1:8] - p_right[0]).max(axis=0))
    assert swing.min() > 0  # negative control: a dense network sees every one-pixel move
    with pytest.raises(ValueError, match="leaves the 50-pixel canvas"):
        pg.stride_walk(model, x_test[:1], start=(11, 20), length=8)


def test_blank_answers_are_what_the_biases_give():
    keras.utils.set_random_seed(4)
    model = models.dense_classifier(input_shape=(28, 28, 1), hidden_units=8)
    rng = np.random.default_rng(0)
    _random_bias(model, rng)
    (answer, p), = pg.blank_answers({"m": model}).values()
    # An empty image: every weight multiplies zero, so the biases alone give the logits.
    hidden, out = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
    h = np.maximum(hidden.bias.numpy(), 0)
    logits = h @ out.kernel.numpy() + out.bias.numpy()
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert answer == int(expected.argmax()) and abs(p - expected.max()) < 1e-6


# --- The page's figures (drawing only) -------------------------------------------------------


def _fonts_and_width_ok(fig):
    assert isinstance(fig, matplotlib.figure.Figure)
    assert fig.get_figwidth() <= plots.COLUMN_WIDTH_IN + 1e-9
    fig.canvas.draw()  # creates the tick labels
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < plots.MIN_FONT_PT]
    assert not small, small
    return texts


def test_plot_turned_digit_shows_images_and_answers():
    rng = np.random.default_rng(0)
    images = rng.random((8, 28, 28))
    angles = [0, 30, 60, 90, 135, 180, 225, 270]
    answers = {"Dense 100": [6, 6, 0, 6, 5, 9, 6, 6], "Rotated dense, max": [6] * 8}
    fig = plots.plot_turned_digit(images, angles, answers, truth=6)
    texts = _fonts_and_width_ok(fig)
    shown = [ax.images[0].get_array() for ax in fig.axes]
    assert len(shown) == 8
    np.testing.assert_array_equal(shown[4], images[4])
    assert [ax.get_title() for ax in fig.axes] == [f"{a}°" for a in angles]
    words = [t.get_text() for t in texts]
    assert "Dense 100" in words and "Rotated dense, max" in words
    wrong = [t for t in texts if t.get_text() in ("0", "5", "9") and t.get_fontweight() == "bold"]
    assert len(wrong) == 3  # the answers that are not the truth stand out
    plt.close(fig)


def test_plot_turned_digit_refuses_bad_shapes():
    images = np.zeros((3, 28, 28))
    with pytest.raises(ValueError, match=r"\(A, H, H\)"):
        plots.plot_turned_digit(np.zeros((3, 28, 27)), [0, 1, 2], {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="2 angles for 3 images"):
        plots.plot_turned_digit(images, [0, 1], {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="must hold 3 classes"):
        plots.plot_turned_digit(images, [0, 1, 2], {"a": [1, 2]})
    with pytest.raises(ValueError, match="empty"):
        plots.plot_turned_digit(images, [0, 1, 2], {})


def test_plot_sweep_draws_the_curves_it_is_given():
    x = np.arange(0, 361, 5)
    rng = np.random.default_rng(1)
    acc = {"p4 CNN": rng.random(len(x)), "Dense 400": rng.random(len(x))}
    fig = plots.plot_sweep(x, acc, "angle (degrees)", marks=(90, 180, 270), xticks=range(0, 361, 45))
    _fonts_and_width_ok(fig)
    ax = fig.axes[0]
    curves = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    assert set(curves) == set(acc)
    np.testing.assert_array_equal(curves["Dense 400"].get_ydata(), acc["Dense 400"])
    np.testing.assert_array_equal(curves["Dense 400"].get_xdata(), x)
    assert ax.get_xlabel() == "angle (degrees)" and ax.get_ylabel() == "accuracy"
    assert len(ax.lines) == len(acc) + 3  # the marks
    assert fig.legends and not ax.get_legend()  # the legend sits below the axes, off the data
    plt.close(fig)


def test_plot_sweep_in_groups_draws_each_curve_once_in_its_panel():
    x = np.arange(0, 361, 5)
    rng = np.random.default_rng(2)
    acc = {name: rng.random(len(x)) for name in ("a", "b", "c")}
    fig = plots.plot_sweep(x, acc, "angle (degrees)", marks=(90,), height=2.0,
                           groups={"(a) first": ["a", "c"], "(b) second": ["b"]})
    _fonts_and_width_ok(fig)
    drawn = [[line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
             for ax in fig.axes]
    assert drawn == [["a", "c"], ["b"]]
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["(a) first", "(b) second"]
    assert all(ax.get_legend() for ax in fig.axes) and fig.axes[1].get_xlabel() == "angle (degrees)"
    c_first = fig.axes[0].lines[-1]  # a network keeps its style whichever panel it is in
    assert c_first.get_marker() == style._style_cycle(2)["marker"] and c_first.get_color() == "C2"
    plt.close(fig)
    with pytest.raises(ValueError, match="exactly once"):
        plots.plot_sweep(x, acc, "t", groups={"(a)": ["a", "b"]})
    with pytest.raises(ValueError, match="exactly once"):
        plots.plot_sweep(x, acc, "t", groups={"(a)": ["a", "b"], "(b)": ["b", "c"]})


def test_plot_sweep_refuses_bad_shapes():
    x = np.arange(5)
    with pytest.raises(ValueError, match="one-dimensional"):
        plots.plot_sweep(np.zeros((2, 3)), {"a": np.zeros(6)}, "t")
    with pytest.raises(ValueError, match=r"has shape \(4,\), x has \(5,\)"):
        plots.plot_sweep(x, {"a": np.zeros(4)}, "t")
    with pytest.raises(ValueError, match="fractions"):
        plots.plot_sweep(x, {"a": np.full(5, 80.0)}, "t")  # percent, not fractions
    with pytest.raises(ValueError, match="empty"):
        plots.plot_sweep(x, {}, "t")
    fig = plots.plot_sweep(np.arange(23), {"a": np.full(23, 0.5)}, "t (pixels)")
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert np.all(ticks == np.round(ticks))  # pixel positions: whole numbers only
    plt.close(fig)


# --- The page in a browser -------------------------------------------------------------------

needs_page = needs(PAGE.is_file() and (MODELS / "reference.json").is_file(),
                   "the playground is not built: run `jupyter-book build --all -W -n --keep-going book/` first")
needs_chromium = needs(CHROMIUM is not None,
                       "Chromium is not installed (Debian: `apt-get install chromium`); browser check skipped")


@pytest.fixture(scope="module")
def reference():
    return json.loads((MODELS / "reference.json").read_text())


@pytest.fixture(scope="module")
def tab(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(PAGE.as_uri(), wait_until="load")
    page.wait_for_function("window.playground && window.playground.ready", timeout=20_000)
    assert page.locator("#pg-status").inner_text().startswith("Ready")
    errors.clear()  # from here on, every script error is the playground's
    page.errors = errors
    yield page
    page.close()


AGREEMENT_JS = """
(ref) => {
  const pg = window.playground, out = {translation: {}, rotation: {}};
  const scaled = ref.digits.map(d => Float32Array.from(d, v => v / 255));
  for (const key of Object.keys(ref.translation))
    out.translation[key] = ref.positions.map(([i, r, c]) => pg.predict(key, pg.place(scaled[i], r, c)));
  for (const key of Object.keys(ref.rotation))
    out.rotation[key] = ref.angles.map(([i, a]) => pg.predict(key, pg.rotate(scaled[i], a)));
  return out;
}
"""


@needs_page
@needs_chromium
def test_browser_probabilities_equal_keras(tab, reference):
    assert len(reference["digits"]) >= 100
    got = tab.evaluate(AGREEMENT_JS, reference)
    worst = {}
    for panel in ("translation", "rotation"):
        for key, expected in reference[panel].items():
            diff = np.abs(np.array(got[panel][key]) - np.array(expected))
            worst[key] = float(diff.max())
            assert diff.shape[0] >= 300 and diff.shape[1] == 10
    print("largest difference browser - Keras, per network:", worst)
    assert max(worst.values()) < 1e-4, worst
    assert not tab.errors, tab.errors


def _shown(tab, table, model):
    """The probabilities (percent) and the answer shown in the page's table for one network."""
    row = tab.locator(f'#{table} tr[data-model="{model}"]')
    numbers = [float(row.locator(f'td[data-class="{d}"] .pg-num').inner_text()) for d in range(10)]
    return np.array(numbers), row.locator(".pg-answer").inner_text()


def _check_shown(tab, table, model, expected_probs):
    shown, answer = _shown(tab, table, model)
    expected = 100 * np.asarray(expected_probs)
    assert np.abs(shown - expected).max() <= 0.051, (model, shown, expected)
    assert answer.startswith(f"{int(np.argmax(expected))} ("), (model, answer)
    return answer


@needs_page
@needs_chromium
def test_controls_move_and_turn_the_digit(tab, reference):
    """Drive the page as a reader: keyboard, slider, buttons; the shown numbers are Keras'."""
    tab.select_option("#pg-pick", "0")  # the first test digit (a 7): digit 0 of the reference
    positions = {tuple(p[1:]): n for n, p in enumerate(reference["positions"]) if p[0] == 0}
    angles = {a: n for n, (i, a) in enumerate(reference["angles"]) if i == 0}

    # Moving: the digit starts centred; arrow keys on the canvas move it to the top-left corner.
    assert tab.locator("#pg-position").inner_text().startswith("row 11, column 11")
    for key in ("dense", "cnn"):
        _check_shown(tab, "pg-trans", key, reference["translation"][key][positions[(11, 11)]])
    tab.focus("#pg-canvas")
    tab.keyboard.press("Shift+ArrowUp")
    tab.keyboard.press("Shift+ArrowLeft")
    for _ in range(6):
        tab.keyboard.press("ArrowUp")
        tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("ArrowUp")  # at the edge: stays at row 0
    assert tab.locator("#pg-position").inner_text() == "row 0, column 0"
    for key in ("dense", "cnn"):
        _check_shown(tab, "pg-trans", key, reference["translation"][key][positions[(0, 0)]])
    tab.keyboard.press("Home")
    assert tab.locator("#pg-position").inner_text().startswith("row 11, column 11")

    # Turning: slider, keys on the image, the quarter-turn buttons.
    tab.locator("#pg-angle").fill("45")
    assert tab.locator("#pg-angle-text").inner_text() == "45°"
    for key in reference["rotation"]:
        _check_shown(tab, "pg-rot", key, reference["rotation"][key][angles[45]])
    tab.focus("#pg-turned")
    tab.keyboard.press("Home")
    for _ in range(17):
        tab.keyboard.press("Shift+ArrowRight")  # counter-clockwise, as the slider moved right
    assert tab.locator("#pg-angle-text").inner_text() == "17°"
    for key in reference["rotation"]:
        _check_shown(tab, "pg-rot", key, reference["rotation"][key][angles[17]])
    tab.keyboard.press("Home")
    tab.click("#pg-left")  # a quarter turn: the invariant networks do not change at all
    assert tab.locator("#pg-angle-text").inner_text() == "90°"
    for key in reference["rotation"]:
        _check_shown(tab, "pg-rot", key, reference["rotation"][key][angles[90]])
        change = tab.locator(f'#pg-rot tr[data-model="{key}"] .pg-change').inner_text()
        assert (change == "< 0.005") == (key in ("rotated", "p4")), (key, change)
    tab.focus("#pg-turned")
    tab.keyboard.press("PageUp")  # 180
    tab.keyboard.press("PageUp")  # 270
    assert tab.locator("#pg-angle-text").inner_text() == "270°"
    for key in reference["rotation"]:
        _check_shown(tab, "pg-rot", key, reference["rotation"][key][angles[270]])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "playground-used.png"), full_page=True)
    # The answers beside the pad are the tables' answers.
    for table, key in (("pg-trans", "cnn"), ("pg-rot", "p4")):
        beside = tab.locator(f'#pg-pad-answers dd[data-model="{key}"]').inner_text()
        assert beside == _shown(tab, table, key)[1], (key, beside)
    # The slider turns with the same keys and steps as the image.
    tab.focus("#pg-angle")
    tab.keyboard.press("Home")
    tab.keyboard.press("PageUp")
    tab.keyboard.press("ArrowRight")
    assert tab.locator("#pg-angle-text").inner_text() == "95°"
    tab.keyboard.press("Home")
    assert not tab.errors, tab.errors


@needs_page
@needs_chromium
def test_drawing_with_pointer_and_keyboard(tab):
    tab.click("#pg-clear")
    assert tab.evaluate("Math.max(...window.playground.state.digit)") == 0
    # The menu no longer names a test digit, and the empty pad is explained.
    assert tab.locator("#pg-pick").input_value() == "drawn"
    assert tab.locator("#pg-empty").is_visible()
    box = tab.locator("#pg-pad").bounding_box()
    x0, y0, s = box["x"], box["y"], box["width"] / 28

    def to(r, c):
        tab.mouse.move(x0 + (c + 0.5) * s, y0 + (r + 0.5) * s)

    # A "1": one vertical stroke down the middle.
    to(5, 14)
    tab.mouse.down()
    for r in range(6, 24):
        to(r, 14)
    tab.mouse.up()
    tab.wait_for_timeout(100)  # the page redraws on the next animation frame
    ink = tab.evaluate("Array.from(window.playground.state.digit)")
    ink = np.array(ink).reshape(28, 28)
    assert ink[5:24, 14].min() > 0.9 and ink[:, :10].max() == 0
    assert not tab.locator("#pg-empty").is_visible()
    # What is shown is what the networks say about the drawing.
    probs = tab.evaluate("(() => { const p = window.playground.predictAll(); "
                         "return {cnn: p.cnn, p4: p.p4}; })()")
    _check_shown(tab, "pg-trans", "cnn", probs["cnn"])
    _check_shown(tab, "pg-rot", "p4", probs["p4"])

    # Keyboard drawing: Space inks the pixel under the cursor (which starts at row 14, column 14).
    tab.click("#pg-clear")
    tab.focus("#pg-pad")
    for _ in range(3):
        tab.keyboard.press("ArrowRight")
    tab.keyboard.press("Space")
    assert "row 14, column 17" in tab.locator("#pg-cursor").inner_text()
    ink = np.array(tab.evaluate("Array.from(window.playground.state.digit)")).reshape(28, 28)
    assert ink[14, 17] == 1 and ink[14, 14] == 0
    tab.keyboard.press("Delete")
    assert tab.evaluate("window.playground.state.digit[14 * 28 + 17]") == 0
    tab.select_option("#pg-pick", "0")
    assert tab.locator("#pg-pick").input_value() == "0"
    assert not tab.errors, tab.errors


@needs_page
@needs_chromium
def test_fast_enough(tab):
    timing = tab.evaluate("""() => {
      const pg = window.playground, times = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now(); pg.predictAll(); times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return {median: times[10], max: times[19], ready: pg.readyAt};
    }""")
    print(f"one prediction of all six networks: median {timing['median']:.1f} ms, "
          f"slowest {timing['max']:.1f} ms; interactive {timing['ready']:.0f} ms after navigation")
    assert timing["median"] < 50
    assert timing["ready"] < 2000


@needs_page
def test_page_adds_less_than_15_mb():
    files = [PAGE] + [p for p in (HTML / "playground").rglob("*") if p.is_file()]
    html = PAGE.read_text()
    files += [p for p in (HTML / "_images").glob("*") if p.name in html]
    total = sum(p.stat().st_size for p in files)
    print(f"the playground adds {total / 1e6:.2f} MB in {len(files)} files")
    assert total < 15e6


# --- The Ising panel: export and NumPy forward pass ------------------------------------------

from lib import ising  # noqa: E402
from lib.ising_models import dense_network, ordinary_cnn, symmetric_cnn  # noqa: E402

ISING_JS = ROOT / "book" / "_extra" / "playground" / "ising.js"


def _ising_model(seed=0, **kwargs):
    """The panel's architecture with seeded random weights; the head made steeper than at
    initialisation, so that the probabilities spread over (0, 1) and a wrong forward pass shows."""
    keras.utils.set_random_seed(seed)
    model = symmetric_cnn(input_encoding="pixels", **kwargs)
    rng = np.random.default_rng(seed)
    for name in ("hidden", "logits"):
        layer = model.get_layer(name)
        layer.kernel.assign(layer.kernel.numpy() * 6)
        layer.bias.assign(rng.normal(0, 0.5, layer.bias.shape).astype("float32"))
    return model


@pytest.mark.parametrize("L", [8, 32])
def test_ising_forward_pass_equals_keras(L):
    model = _ising_model()
    spec = pg.rounded_spec(pgi.export_ising_model(model))  # the float32 weights the page receives
    spins = pgi.ising_reference_configurations(L, seed=L)
    assert spins.shape == (11, L, L) and spins.dtype == np.int8
    expected = pgi.ising_keras_proba(model, spins)
    got = np.stack([pgi.ising_forward(spec, s) for s in spins])
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(got.sum(axis=1), 1)
    assert np.ptp(expected[:, 1]) > 0.1  # the check compares more than constants
    # The symmetries hold in the export too: flipping every spin or turning the lattice changes nothing.
    assert np.abs(pgi.ising_forward(spec, -spins[5]) - got[5]).max() < 1e-12
    assert np.abs(pgi.ising_forward(spec, np.rot90(spins[5])) - got[5]).max() < 1e-12


def test_ising_wrong_export_is_caught():
    """Negative control: a kernel with rows and columns swapped, or channels in the wrong order."""
    model = _ising_model(1)
    spins = pgi.ising_reference_configurations(32, seed=1)[4:]  # random and sampled: no symmetry to hide behind
    expected = pgi.ising_keras_proba(model, spins)
    for layer, wrong in ((0, lambda k: k.transpose(1, 0, 2, 3)),
                         (1, lambda k: k.reshape(3, 3, 4, 8, 32).transpose(0, 1, 3, 2, 4).reshape(3, 3, 32, 32))):
        spec = pgi.export_ising_model(model)
        spec["layers"][layer]["kernel"] = wrong(spec["layers"][layer]["kernel"])
        got = np.stack([pgi.ising_forward(spec, s) for s in spins])
        assert np.abs(got - expected).max() > 1e-4, layer


@pytest.mark.parametrize("build", [
    lambda: ordinary_cnn(input_encoding="pixels"),
    lambda: dense_network(8, input_encoding="pixels"),
    lambda: symmetric_cnn(input_encoding="pixels", flip="first_layer"),
    lambda: symmetric_cnn(input_encoding="pixels", flip="none"),
    lambda: symmetric_cnn(input_encoding="pixels", even="square"),
    lambda: symmetric_cnn(input_encoding="pixels", padding="same"),
    lambda: models.p4_cnn(),
], ids=["ordinary", "dense", "flip-first-layer", "no-flip", "square", "zero-padding", "p4-digits"])
def test_ising_export_refuses_other_models(build):
    with pytest.raises(ValueError, match="not the playground's Ising network"):
        pgi.export_ising_model(build())


def test_ising_export_accepts_variants_of_the_architecture():
    for kwargs in ({"filters": (2, 3, 2), "dense_units": 0}, {"kernel_size": 5}):
        keras.utils.set_random_seed(3)
        model = symmetric_cnn(input_encoding="spins", **kwargs)
        spec = pgi.export_ising_model(model)
        spins = pgi.ising_reference_configurations(8, seed=3)
        got = np.stack([pgi.ising_forward(spec, s) for s in spins])
        assert np.abs(got - pgi.ising_keras_proba(model, spins)).max() < 1e-5, kwargs
    with pytest.raises(ValueError, match="-1 or \\+1"):
        pgi.ising_forward(spec, np.zeros((8, 8)))


def test_ising_bundle_round_trip(tmp_path):
    import base64

    model = _ising_model(2)
    summary = pgi.ising_panel_bundle(model, tmp_path, trained=False)
    assert summary["weights"] == 1302 and summary["numpy_vs_keras"] < 1e-5
    text = (tmp_path / "ising-model.js").read_text()
    assert summary["bytes"] == len(text.encode()) < 100_000
    bundle = json.loads(text[text.index("{"):text.rindex("}") + 1])
    assert bundle["format"] == pgi.ISING_FORMAT and bundle["lattice"] == 32 and bundle["trained"] is False
    assert [layer["type"] for layer in bundle["layers"]] == [
        "circular_conv", "circular_conv", "group_mean", "global_mean", "abs", "dense", "dense", "softmax"]
    lift = bundle["layers"][0]["kernel"]
    kernel = np.frombuffer(base64.b64decode(lift["data"]), "<f4").reshape(lift["shape"])
    np.testing.assert_array_equal(kernel, model.get_layer("lift").effective_kernel().numpy())
    reference = json.loads((tmp_path / "ising-reference.json").read_text())
    spins = np.array(reference["spins"]).reshape(-1, 32, 32)
    np.testing.assert_allclose(reference["probabilities"], pgi.ising_keras_proba(model, spins), atol=1e-8)


# --- The Ising panel in a browser: a small page made from the panel's own HTML ----------------


def _panel_html():
    """The ``{raw} html`` block of book/playground.md that holds the Ising panel."""
    text = (ROOT / "book" / "playground.md").read_text()
    blocks = re.findall(r"```\{raw\} html\n(.*?)```", text, flags=re.S)
    panel = [b for b in blocks if 'id="ising-panel"' in b]
    assert len(panel) == 1
    return panel[0]


@pytest.fixture(scope="module")
def ising_site(tmp_path_factory):
    """A page with the panel, its script and CSS, and the bundle of a seeded model (as the book's)."""
    site = tmp_path_factory.mktemp("ising-site")
    folder = site / "playground"
    model = _ising_model(0)
    pgi.ising_panel_bundle(model, folder / "models", trained=False)
    for name in ("arrays.js", "ising.js", "playground.css"):
        shutil.copy(ROOT / "book" / "_extra" / "playground" / name, folder / name)
    (site / "page.html").write_text(  # the book's page loads arrays.js with the digit playground
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ising panel</title>'
        '<link rel="stylesheet" href="playground/playground.css"></head><body><main>'
        '<script defer src="playground/arrays.js"></script>' + _panel_html() + "</main></body></html>")
    small = pgi.ising_reference_configurations(8, seed=8)
    reference = json.loads((folder / "models" / "ising-reference.json").read_text())
    return {"page": site / "page.html", "reference": reference, "small": small,
            "small_expected": pgi.ising_keras_proba(model, small)}


@pytest.fixture(scope="module")
def ising_tab(browser, ising_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(ising_site["page"].as_uri(), wait_until="load")
    page.wait_for_function("window.isingPanel && window.isingPanel.ready", timeout=10_000)
    assert page.locator("#is-status").inner_text().startswith("Ready")
    page.errors = errors
    yield page
    page.close()


@needs_chromium
def test_ising_browser_equals_keras(ising_tab, ising_site):
    ref = ising_site["reference"]
    got32 = ising_tab.evaluate("(s) => s.map(x => window.isingPanel.predict(x, 32))", ref["spins"])
    got8 = ising_tab.evaluate("(s) => s.map(x => window.isingPanel.predict(x, 8))",
                              ising_site["small"].reshape(len(ising_site["small"]), -1).tolist())
    diff32 = np.abs(np.array(got32) - np.array(ref["probabilities"])).max()
    diff8 = np.abs(np.array(got8) - ising_site["small_expected"]).max()
    print(f"largest difference browser - Keras: L = 32 {diff32:.1e}, L = 8 {diff8:.1e}")
    assert len(got32) == 11 and diff32 < 1e-4 and diff8 < 1e-4
    assert not ising_tab.errors, ising_tab.errors


def _mulberry32(seed):
    """The page's generator, in Python (uint32 arithmetic as JavaScript's Math.imul and >>> 0)."""
    a = seed & 0xFFFFFFFF
    mask = 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & mask

    def next_uniform():
        nonlocal a
        a = (a + 0x6D2B79F5) & mask
        t = imul(a ^ (a >> 15), a | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & mask
        return ((t ^ (t >> 14)) & mask) / 4294967296

    return next_uniform


def _metropolis_as_described(seed, temperature, sweeps, L):
    """The chain ising.js's comments describe: random start, then black sites row by row, then
    white ones, one uniform number per site, acceptance from lib.ising."""
    random = _mulberry32(seed)
    spins = np.array([-1 if random() < 0.5 else 1 for _ in range(L * L)], np.int64).reshape(L, L)
    accept = ising.metropolis_acceptance(temperature)
    for _ in range(sweeps):
        for colour in (0, 1):
            for i in range(L):
                for j in range((i + colour) % 2, L, 2):
                    h = spins[i - 1, j] + spins[(i + 1) % L, j] + spins[i, j - 1] + spins[i, (j + 1) % L]
                    if random() < accept[spins[i, j] * h + 4]:
                        spins[i, j] *= -1
    return spins


@needs_chromium
def test_ising_metropolis_reproduces_itself_from_a_seed(ising_tab):
    simulate = "([seed, t, n, start, L]) => window.isingPanel.simulate(seed, t, n, start, L)"
    first = ising_tab.evaluate(simulate, [7, 2.5, 30, "random", 32])
    assert ising_tab.evaluate(simulate, [7, 2.5, 30, "random", 32]) == first
    assert ising_tab.evaluate(simulate, [8, 2.5, 30, "random", 32]) != first
    uniforms = ising_tab.evaluate("() => { const r = window.isingPanel.mulberry32(42); "
                                  "return [r(), r(), r(), r(), r()]; }")
    python = _mulberry32(42)
    assert uniforms == [python() for _ in range(5)] and all(0 <= u < 1 for u in uniforms)
    # The chain is the one described, site for site (lib.ising's acceptance probabilities).
    chain = np.array(ising_tab.evaluate(simulate, [3, 2.269, 5, "random", 8])).reshape(8, 8)
    np.testing.assert_array_equal(chain, _metropolis_as_described(3, 2.269, 5, 8))
    # Physics, roughly: ordered spins stay ordered when cold and melt when hot.
    cold = ising_tab.evaluate(simulate, [1, 1.0, 100, "ordered", 32])
    hot = ising_tab.evaluate(simulate, [1, 4.0, 200, "ordered", 32])
    assert abs(np.mean(cold)) > 0.95 and abs(np.mean(hot)) < 0.3
    assert not ising_tab.errors, ising_tab.errors


@needs_chromium
def test_ising_keyboard_and_buttons(ising_tab):
    text = lambda: ising_tab.locator("#is-temperature-text").inner_text()  # noqa: E731
    temperature = lambda: ising_tab.evaluate("window.isingPanel.state.temperature")  # noqa: E731
    assert text().startswith("3.000")
    ising_tab.focus("#is-temperature")
    ising_tab.keyboard.press("ArrowLeft")
    assert temperature() == 2.95 and text().startswith("2.950")
    ising_tab.keyboard.press("PageDown")
    ising_tab.keyboard.press("ArrowDown")
    assert temperature() == 2.4 and ising_tab.locator("#is-temperature").input_value() == "2.4"
    ising_tab.keyboard.press("End")
    ising_tab.keyboard.press("ArrowUp")  # at the end: stays at 4
    assert temperature() == 4
    ising_tab.keyboard.press("Home")
    assert temperature() == 1 and text() == "1.000 (below Tc)"
    ising_tab.click("#is-tc")
    assert text().startswith("2.269")

    # Reset to all up: |m| = 1, e = -2, and the shown P(ordered) is the network's for these spins.
    ising_tab.click("#is-ordered")
    assert ising_tab.locator("#is-abs-m").inner_text() == "1.000"
    assert ising_tab.locator("#is-energy").inner_text() == "-2.000"
    p = ising_tab.evaluate("window.isingPanel.predict(new Array(1024).fill(1), 32)")[1]
    assert ising_tab.locator("#is-p-ordered").inner_text() == f"{100 * p:.0f}%"
    assert ising_tab.locator("#is-p").get_attribute("aria-live") == "polite"

    # Start (keyboard: Enter on the button), let it run a few frames, pause.
    ising_tab.focus("#is-run")
    ising_tab.keyboard.press("Enter")
    assert ising_tab.locator("#is-run").get_attribute("aria-pressed") == "true"
    ising_tab.wait_for_function("window.isingPanel.state.sweeps >= 12", timeout=5_000)
    ising_tab.keyboard.press("Enter")
    assert ising_tab.locator("#is-run").inner_text() == "Start"
    sweeps = ising_tab.evaluate("window.isingPanel.state.sweeps")
    ising_tab.wait_for_timeout(100)
    assert ising_tab.evaluate("window.isingPanel.state.sweeps") == sweeps  # paused means paused
    ising_tab.evaluate("window.isingPanel.measure()")
    assert ising_tab.locator("#is-sweeps").inner_text() == str(sweeps)
    ising_tab.click("#is-random")
    assert ising_tab.evaluate("window.isingPanel.state.sweeps") == 0
    assert float(ising_tab.locator("#is-abs-m").inner_text()) < 0.15
    canvas = ising_tab.locator("#is-lattice")
    assert canvas.get_attribute("role") == "img" and "32 by 32" in canvas.get_attribute("aria-label")
    assert canvas.get_attribute("tabindex") is None  # an image, not a control
    assert not ising_tab.errors, ising_tab.errors


@needs_chromium
def test_ising_panel_is_fast_and_accessible(ising_tab):
    from axe_playwright_python.sync_playwright import Axe

    ms = ising_tab.evaluate("""() => {
      const api = window.isingPanel, spins = api.simulate(1, 2.3, 10, "random", 32), times = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now(); api.predict(spins, 32); times.push(performance.now() - t0);
      }
      const t0 = performance.now(); api.simulate(2, 2.3, 100, "random", 32);
      return {predict: times.sort((a, b) => a - b)[2], sweep: (performance.now() - t0) / 100};
    }""")
    print(f"Ising panel in Chromium: one forward pass {ms['predict']:.1f} ms (median), "
          f"one sweep {ms['sweep']:.3f} ms")
    assert ms["predict"] < 100 and ms["sweep"] < 2
    results = Axe().run(ising_tab, context="#ising-panel", options={
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]})
    serious = [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious


@needs_page
@needs_chromium
def test_built_ising_panel_equals_keras(tab):
    """The built page: the panel loads its bundle and gives the build's Keras probabilities."""
    reference = json.loads((MODELS / "ising-reference.json").read_text())
    tab.wait_for_function("window.isingPanel && window.isingPanel.ready", timeout=10_000)
    assert tab.locator("#is-status").inner_text().startswith("Ready")
    got = tab.evaluate("(s) => s.map(x => window.isingPanel.predict(x, 32))", reference["spins"])
    diff = np.abs(np.array(got) - np.array(reference["probabilities"])).max()
    print(f"largest difference browser - Keras on the built page's Ising network: {diff:.1e}")
    assert diff < 1e-4
    assert not tab.errors, tab.errors
