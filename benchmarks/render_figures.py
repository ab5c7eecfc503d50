"""Render every figure of :mod:`lib.plots` with realistic inputs, for looking at them.

Images come from the shipped MNIST (:func:`lib.data.load_mnist`, :func:`lib.data.translated_mnist`);
what a trained network would produce (accuracy grids, feature maps, learning curves, kernels) is
synthetic but shaped and scaled like the chapters' values, so no network is trained and TensorFlow
is not imported. Each figure is saved as the Jupyter inline backend saves it
(``bbox_inches='tight'``, the figure's own dpi) and its pixel size is printed; a figure wider than
the book's content column (690 px) is flagged.

    python benchmarks/render_figures.py              # all figures into /tmp/figs
    python benchmarks/render_figures.py --out DIR --only 1.5 2.2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lib import data, plots  # noqa: E402

COLUMN_PX = 690


def summary(label, val, train, spread=0.004, seed=0):
    """A :func:`lib.stats.summarize_seeds`-shaped dict with the given mean curves (accuracy)."""
    rng = np.random.default_rng(seed)
    val, train = np.asarray(val, dtype=np.float64), np.asarray(train, dtype=np.float64)
    out = {"model": label, "runs": 3, "curves": {}}
    for key, mean in (("val_accuracy", val), ("accuracy", train)):
        width = spread * (1 + rng.random(mean.shape))
        out["curves"][key] = {"mean": mean, "min": mean - width, "max": np.minimum(1.0, mean + width)}
    return out


def smooth(rng, shape, sigma=1.0):
    """Gaussian-smoothed noise (FFT), a stand-in for learnt kernels and feature maps."""
    noise = rng.normal(size=shape)
    axes = (-2, -1)
    f = np.fft.fftn(noise, axes=axes)
    ky = np.fft.fftfreq(shape[-2])[:, None]
    kx = np.fft.fftfreq(shape[-1])[None, :]
    f *= np.exp(-2 * (np.pi * sigma) ** 2 * (ky ** 2 + kx ** 2))
    return np.real(np.fft.ifftn(f, axes=axes))


def probes(angles, kind="bar", size=28):
    """Lines through the centre, or step edges whose inked side faces the angle (uint8)."""
    y, x = np.mgrid[:size, :size] - (size - 1) / 2
    out = []
    for a in np.deg2rad(angles):
        d = -x * np.sin(a) - y * np.cos(a)       # signed distance across the line (rows point down)
        along = x * np.cos(a) - y * np.sin(a)
        img = (np.abs(d) < 1.25) if kind == "bar" else (along > 0)
        out.append(255 * img.astype(np.uint8))
    return np.stack(out)


def figures():
    """``{number: (name, thunk)}``: every public plotting function with the chapters' arguments."""
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    tm = data.translated_mnist()
    figs = {}

    figs["0.1"] = ("intro_image_grid", lambda: plots.image_grid(
        x_train[:20], titles=[f"label {v}" for v in y_train[:20]], ncols=10))

    # --- chapter 1 ---
    figs["1.1"] = ("canvas_grid", lambda: plots.canvas_grid(
        tm["x_train"][:20], titles=[f"label {y}" for y in tm["y_train"][:20]], ncols=10))
    figs["1.2"] = ("position_coverage", lambda: plots.position_coverage(tm["pos_train"], tm["x_train"]))

    def kernel_figure():
        from lib.convolution import cross_correlation

        digit, w = x_test[0] / 255, np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
        feature = cross_correlation(digit, w, padding="same")
        return plots.kernel_sliding(digit, w, feature, np.unravel_index(np.argmax(feature), feature.shape))

    def network_figure():
        from lib.analysis import stages
        from lib.models import conv_classifier
        from lib.translation import BEST_CONFIG

        return plots.network_diagram(stages(conv_classifier(**BEST_CONFIG)))

    figs["1.2a"] = ("kernel_sliding", kernel_figure)
    figs["1.2b"] = ("network_diagram", network_figure)

    b = 12  # ceil(23 / 2) bins of 2x2 positions
    centre = np.linspace(-1, 1, b)
    r2 = centre[:, None] ** 2 + centre[None, :] ** 2
    n_bin = 70
    centred = np.clip(0.1 + 0.88 * np.exp(-r2 / 0.12), 0, 1)
    translated = 0.955 - 0.03 * r2
    cnn = np.full((b, b), 0.991)
    grids = {k: rng.binomial(n_bin, g) / n_bin for k, g in (("c", centred), ("t", translated), ("n", cnn))}
    figs["1.3"] = ("accuracy_heatmaps_dense", lambda: plots.accuracy_heatmaps(
        {"dense, trained on centred digits": grids["c"], "dense, trained on translated digits": grids["t"]},
        bin_size=2))
    figs["1.4"] = ("accuracy_heatmaps_cnn", lambda: plots.accuracy_heatmaps(
        {"convolutional network": grids["n"]}, bin_size=2))

    def equivariance():
        s, stride, margin, channels = 144, 4, 2, 8
        image = np.zeros((s, s), np.uint8)
        image[40:68, 40:68] = x_test[0]
        shifted = np.roll(image, (16, 16), axis=(0, 1))
        h = s // stride
        def fmap(img):
            small = img.reshape(h, stride, h, stride).mean(axis=(1, 3)) / 255
            return np.stack([small ** (1 + 0.2 * c) * (1 + 0.3 * c) for c in range(channels)], -1)
        maps = fmap(image).astype(np.float32).astype(np.float64)
        maps_shifted = fmap(shifted)
        maps_shifted = (maps_shifted * (1 + rng.normal(0, 6e-8, maps_shifted.shape))).astype(np.float32)
        maps_shifted = maps_shifted.astype(np.float64)
        expected = np.roll(maps, (4, 4), axis=(0, 1))
        idx = np.arange(h)
        inside = (idx >= margin) & (idx < h - margin) & (idx - 4 >= margin) & (idx - 4 < h - margin)
        valid = inside[:, None] & inside[None, :]
        residual = np.where(valid[..., None], maps_shifted - expected, np.nan)
        check = {"maps": maps, "maps_shifted": maps_shifted, "expected": expected, "residual": residual,
                 "shifted": shifted, "margin": margin, "shift": (16, 16), "stride": stride,
                 "map_shift": (4, 4)}
        control = {**check, "shift": (17, 13), "maps_shifted": np.roll(maps_shifted, (0, 1), axis=(0, 1))}
        channel = int(np.argmax(maps.max(axis=(0, 1))))
        return plots.equivariance_panels(image, check, channel=channel, control=control)
    figs["1.5"] = ("equivariance_panels", equivariance)

    epochs = np.arange(1, 4)
    ablation = []
    for i, (name, final) in enumerate([("base", 0.93), ("+ dropout 0.5", 0.94), ("+ batch norm", 0.955),
                                       ("+ max pooling", 0.95), ("+ global max pooling", 0.93),
                                       ("deeper (3 conv)", 0.96)]):
        val = final - (0.5 - final / 2) * 0.4 * (3 - epochs) - 0.002 * (i == 4)
        train = val - 0.03 / epochs
        ablation.append(summary(name, val, train, seed=i))
    ablation[4]["curves"] = {k: {s: v.copy() for s, v in c.items()} for k, c in ablation[0]["curves"].items()}
    ablation[4]["curves"]["val_accuracy"]["mean"] += 0.001  # nearly on top of base, as in the chapter
    figs["1.6"] = ("learning_curves", lambda: plots.learning_curves(ablation, reference="base"))

    # --- chapter 2 ---
    kernels = smooth(rng, (16, 5, 5), 0.7) * 0.4
    figs["2.1"] = ("plot_kernels", lambda: plots.plot_kernels(kernels, size=1.6))
    pick = rng.choice(len(x_test), 24, replace=False)
    conf = np.sort(rng.uniform(0.9, 0.9999, 24))[::-1]
    conf[0] = 0.9996
    figs["2.2"] = ("plot_misclassified", lambda: plots.plot_misclassified(
        x_test[pick], y_test[pick], (y_test[pick] + 1 + rng.integers(0, 8, 24)) % 10, conf))
    confusion = np.diag(rng.integers(950, 1130, 10)) + rng.poisson(0.9, (10, 10)) * (1 - np.eye(10, dtype=int))
    confusion[4, 9] = 12
    figs["2.3"] = ("plot_confusion", lambda: plots.plot_confusion(confusion))
    titles = {"conv1": "conv1 (filters, averaged over positions)",
              "conv2": "conv2 (filters, averaged over positions)", "dense": "dense (units)"}
    panels = {titles["conv1"]: rng.random((10, 16)) * 0.3 + 0.7, titles["conv2"]: rng.random((10, 32)),
              titles["dense"]: rng.random((10, 64)) ** 4}
    marks = {t: list(rng.choice(m.shape[1], 3, replace=False)) for t, m in panels.items()}
    figs["2.4"] = ("plot_class_unit_means", lambda: plots.plot_class_unit_means(panels, highlight=marks))
    digits = np.stack([x_test[y_test == c][:200].mean(0) / 255 for c in range(10)])  # (10, 28, 28)
    gains = smooth(rng, (16, 28, 28), 3)
    class_means = np.maximum(0, digits[:, None] * (1 + gains[None])).transpose(0, 2, 3, 1)  # (10, 28, 28, 16)
    figs["2.5"] = ("plot_mean_feature_maps", lambda: plots.plot_mean_feature_maps(
        class_means, filters=range(16), size=0.6, overall=class_means.mean(0)))
    bar_angles, edge_angles = np.arange(0, 180, 15), np.arange(0, 360, 30)
    t = np.deg2rad(bar_angles)
    bars_r = {"conv1 filter 7": 2.0 + 1.6 * np.cos(2 * (t - np.deg2rad(95))),
              "conv1 filter 12": 1.5 + 0.5 * np.cos(2 * (t - np.deg2rad(20)))}
    te = np.deg2rad(edge_angles)
    edges_r = {"conv1 filter 7": np.maximum(0, 0.3 + 0.4 * np.cos(te - 1.2)),
               "conv1 filter 12": np.maximum(0, 0.2 + 1.1 * np.cos(te - 3.5))}
    figs["2.6"] = ("plot_tuning_bars", lambda: plots.plot_tuning(
        bar_angles, bars_r, probes=probes(bar_angles), preferred={"conv1 filter 7": 95.0, "conv1 filter 12": 20.0},
        period=180))
    figs["2.7"] = ("plot_tuning_edges", lambda: plots.plot_tuning(
        edge_angles, edges_r, probes=probes(edge_angles, "edge"),
        preferred={"conv1 filter 7": 69.0, "conv1 filter 12": 200.0},
        xlabel="direction the inked side faces (degrees, counter-clockwise)", period=360))
    top = np.stack([x_test[rng.choice(len(x_test), 9, replace=False)] for _ in range(3)])
    figs["2.8"] = ("plot_top_exciting", lambda: plots.plot_top_exciting(
        top, rng.integers(6, 22, (3, 9, 2)), ["conv1\nfilter 7", "conv1\nfilter 12", "conv2\nfilter 21"],
        receptive_field=[5, 5, 10], titles=[[f"label {v}" for v in rng.integers(0, 10, 9)] for _ in range(3)]))
    figs["2.9"] = ("plot_tuning_conv2", lambda: plots.plot_tuning(
        bar_angles, {"conv2 filter 21": 3 + np.cos(2 * (t - 1.0))}, probes=probes(bar_angles), period=180,
        preferred={"conv2 filter 21": 57.0}))

    # --- chapter 3 ---
    examples = x_test[:5]
    grid = np.concatenate([data.rotate90(examples, k) for k in range(4)])
    rtitles = [f"{y_test[i]}, k={k} ({90 * k}°)" for k in range(4) for i in range(5)]
    figs["3.1"] = ("image_grid_rotations", lambda: plots.image_grid(grid, titles=rtitles, ncols=5, size=1.4))
    counts = np.full((10, 4), 1100) + np.array([[1, 1, 0, 0]] * 10)
    figs["3.2"] = ("plot_rotation_counts", lambda: plots.plot_rotation_counts(counts))
    y = rng.normal(size=(4, 30)) * 40
    figs["3.3"] = ("plot_rotation_shift", lambda: plots.plot_rotation_shift(y, np.roll(y, 1, axis=0), k=1))
    e5 = np.arange(1, 6)
    rot_rows = [summary(name, final - 0.08 / e5 ** 1.2, final + 0.01 - 0.1 / e5, seed=i)
                for i, (name, final) in enumerate([("dense 100", 0.90), ("dense 400", 0.925),
                                                   ("rotated 100, no pooling", 0.93),
                                                   ("rotated 100, max pool", 0.95),
                                                   ("rotated 100, mean pool", 0.94)])]
    figs["3.4"] = ("plot_curves", lambda: plots.plot_curves(rot_rows))
    w = smooth(rng, (3, 28, 28), 2).reshape(3, 784).T
    cols = np.concatenate([np.stack([np.rot90(w[:, f].reshape(28, 28), k).ravel() for f in range(3)], 1)
                           for k in range(4)], axis=1)
    figs["3.5"] = ("plot_effective_kernel", lambda: plots.plot_effective_kernel(cols, filters=3, size=28))
    per_angle = {"dense 100": [0.905, 0.9, 0.895, 0.902], "dense 400": [0.93, 0.925, 0.92, 0.927],
                 "rotated 100, no pooling": [0.935, 0.93, 0.932, 0.929],
                 "rotated 100, max pool": [0.951] * 4, "rotated 100, mean pool": [0.944] * 4}
    figs["3.6"] = ("plot_per_rotation", lambda: plots.plot_per_rotation(per_angle))

    def confusion_rot(err):
        m = rng.poisson(err * 4000 / 9, (10, 10)) * (1 - np.eye(10, dtype=int))
        m[6, 9] += int(err * 2000)
        m[9, 6] += int(err * 1800)
        return m + np.diag(4000 - m.sum(1))
    figs["3.7"] = ("plot_confusions", lambda: plots.plot_confusions(
        {"dense 400": confusion_rot(0.08), "rotated 100, no pooling": confusion_rot(0.07),
         "rotated 100, max pool": confusion_rot(0.05)}))
    return figs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/figs", help="output folder (default /tmp/figs)")
    parser.add_argument("--only", nargs="*", help="figure numbers, e.g. 1.5 2.2")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for number, (name, draw) in figures().items():
        if args.only and number not in args.only:
            continue
        fig = draw()
        path = out / f"fig{number}_{name}.png"
        fig.savefig(path, bbox_inches="tight")
        plt.close(fig)
        width, height = plt.imread(path).shape[1::-1]
        flag = "" if width <= COLUMN_PX else f"  WIDER THAN {COLUMN_PX} px"
        too_wide += [number] if flag else []
        print(f"Fig. {number:4s} {name:26s} {width:5d} x {height:4d} px  (dpi {fig.dpi:g}){flag}")
    return 1 if too_wide else 0


if __name__ == "__main__":
    sys.exit(main())
