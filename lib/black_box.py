"""The reference CNN of the chapter *Opening the black box*, and its shipped weights.

The course hands students a pre-trained network; so does this book. The weights live in
``weights/reference_cnn.weights.h5`` (about 0.5 MB) and are made by::

    python -m lib.black_box

which trains :func:`reference_cnn` on the standard MNIST training set with a fixed seed
(:data:`SEED`, :data:`EPOCHS` epochs of Adam, see :func:`train_reference`) and saves the weights. The chapter only
*loads* them with :func:`load_reference`, which checks that the file exists and that
every weight array has the shape the architecture expects; if not, the error names the
command above.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

from lib.models import reference_cnn  # noqa: E402

#: Repository root and the shipped weight files.
REPO_ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_DIR = REPO_ROOT / "weights"
WEIGHTS_PATH = WEIGHTS_DIR / "reference_cnn.weights.h5"
#: Training record written next to the weights (test accuracy, seconds, versions).
META_PATH = WEIGHTS_DIR / "reference_cnn.json"

#: Training settings of the shipped weights.
SEED = 2
EPOCHS = 12
BATCH_SIZE = 128
LEARNING_RATE = 1e-3

REGENERATE_COMMAND = "python -m lib.black_box"

#: Chapter 1's best CNN, shipped so that chapter 2 can open it without training it.


class ReferenceWeightsError(RuntimeError):
    """The shipped reference weights are missing or do not match :func:`reference_cnn`."""


def expected_shapes(model: keras.Model | None = None) -> list[tuple[int, ...]]:
    """Shapes of ``model.get_weights()`` for the reference architecture (in order)."""
    model = model if model is not None else reference_cnn()
    return [tuple(w.shape) for w in model.get_weights()]


def load_reference(path: str | Path | None = None) -> keras.Model:
    """Build :func:`reference_cnn` and load the shipped weights into it.

    Checks, before loading, that the file exists and that the arrays stored in it have
    exactly the names and shapes that the architecture's weights (``get_weights()``) have in a
    Keras weights file; after loading, that ``get_weights()`` has the expected shapes. Any
    problem raises :class:`ReferenceWeightsError` naming ``python -m lib.black_box``.
    Returns a model compiled with sparse cross-entropy and accuracy (so ``evaluate`` works).
    """
    return _load_checked(reference_cnn(), Path(path) if path is not None else WEIGHTS_PATH,
                         "lib.models.reference_cnn", REGENERATE_COMMAND)


def load_translation_cnn(data: dict | None = None) -> keras.Model:
    """The best CNN of chapter 1 (``lib.translation.BEST_CONFIG``, seed 0) for ``(N, 50, 50)``
    canvases: :func:`lib.translation.train_best` on ``data`` (default
    :func:`lib.data.translated_mnist`; pass it if you hold it already, which saves a second
    copy in memory). This loads the network the book ships in ``weights/cache/`` (and trains
    it only if the code that makes it has changed)."""
    from lib.data import translated_mnist
    from lib.translation import train_best

    return train_best(translated_mnist() if data is None else data, seed=0).model


def _load_checked(model: keras.Model, path: Path, architecture: str, command: str) -> keras.Model:
    fix = f"Regenerate it with `{command}` (run from the repository root)."
    if not path.is_file():
        raise ReferenceWeightsError(f"Shipped weights not found at {path}. {fix}")
    expected = template_shapes(model)
    try:
        stored = stored_shapes(path)
    except (OSError, KeyError) as err:
        raise ReferenceWeightsError(f"Shipped weights at {path} are unreadable ({err}). {fix}") from err
    if stored != expected:
        differences = [f"{key}: file {stored.get(key, 'missing')}, model {expected.get(key, 'none')}"
                       for key in sorted(set(stored) | set(expected)) if stored.get(key) != expected.get(key)]
        raise ReferenceWeightsError(
            f"Shipped weights at {path} do not match the architecture of {architecture} "
            f"({'; '.join(differences)}). {fix}"
        )
    shapes = [tuple(w.shape) for w in model.get_weights()]
    try:
        model.load_weights(path)
    except Exception as err:  # noqa: BLE001 - re-raised with the fix named
        raise ReferenceWeightsError(f"Loading {path} failed ({err}). {fix}") from err
    loaded = [tuple(w.shape) for w in model.get_weights()]
    if loaded != shapes:  # pragma: no cover - guarded by the comparison above
        raise ReferenceWeightsError(f"Loaded weights have shapes {loaded}, expected {shapes}. {fix}")
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def stored_shapes(path: str | Path) -> dict[str, tuple[int, ...]]:
    """``{dataset path: shape}`` of every array in a Keras 3 ``.weights.h5`` file.

    Keras 3 stores a layer's variables as ``layers/<layer key>/vars/<i>``, with the layer key
    derived from its class (``conv2d``, ``conv2d_1``, ...), not from its name.
    """
    import h5py

    shapes = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda key, obj: shapes.__setitem__(key, tuple(obj.shape))
                     if isinstance(obj, h5py.Dataset) else None)
    return shapes


def template_shapes(model: keras.Model | None = None) -> dict[str, tuple[int, ...]]:
    """What :func:`stored_shapes` gives for a file saved from the reference architecture
    (saved once from a fresh, untrained :func:`reference_cnn` to a temporary file)."""
    import tempfile
    import warnings

    model = model if model is not None else reference_cnn()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # Keras 3.15's h5 writer calls np.array(variable, copy=False): a NumPy 2 deprecation
        # inside Keras, harmless here.
        warnings.simplefilter("ignore", DeprecationWarning)
        template = Path(tmp) / "template.weights.h5"
        model.save_weights(template)
        return stored_shapes(template)


def train_reference(epochs: int = EPOCHS, seed: int = SEED, path: str | Path | None = None,
                    progress: bool = True) -> dict:
    """Train :func:`reference_cnn` on the MNIST training set and save its weights to ``path``.

    A self-contained loop (it does not depend on :mod:`lib.train`, so that changes there do not
    change the shipped weights): Adam with a learning rate decaying from :data:`LEARNING_RATE`
    to 0 along half a cosine over the run, batch size
    :data:`BATCH_SIZE`, float32, pixels ``/ 255``; the order of the training images in epoch
    ``e`` is ``numpy.random.default_rng([seed, e]).permutation(60000)``; initial weights and
    dropout come from ``keras.utils.set_random_seed(seed)``. Writes ``path`` (default
    :data:`WEIGHTS_PATH`, weights only) and, for the default path, the JSON record
    :data:`META_PATH`. Returns the record: test accuracy and loss, epochs, seed, seconds, versions.
    """
    import tensorflow as tf

    from lib.data import load_mnist
    from lib.pipeline import to_float

    path = Path(path) if path is not None else WEIGHTS_PATH
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train = to_float(x_train)  # (60000, 28, 28, 1) float32, 188 MB
    x_test = to_float(x_test)
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)

    keras.utils.set_random_seed(seed)
    model = reference_cnn()
    steps = epochs * int(np.ceil(len(x_train) / BATCH_SIZE))
    rate = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    for epoch in range(epochs):
        order = np.random.default_rng([seed, epoch]).permutation(len(x_train))
        history = model.fit(x_train[order], y_train[order], batch_size=BATCH_SIZE, epochs=1,
                            shuffle=False, verbose=0)
        if progress:  # training metrics only: the test set scores the final network once
            print(f"reference_cnn: epoch {epoch + 1}/{epochs}  loss {history.history['loss'][0]:.4f}  "
                  f"accuracy {history.history['accuracy'][0]:.4f}  {time.perf_counter() - start:.0f} s",
                  flush=True)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)

    path.parent.mkdir(parents=True, exist_ok=True)
    model.optimizer = None  # weights only: no optimizer state (smaller, loads without warnings)
    model.save_weights(path)
    record = {
        "command": REGENERATE_COMMAND,
        "seed": seed,
        "epochs": epochs,
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "schedule": "cosine decay to 0 over the run",
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "params": int(model.count_params()),
        "train_seconds": round(seconds, 1),
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "trained_on": time.strftime("%Y-%m-%d"),
    }
    if path == WEIGHTS_PATH:
        META_PATH.write_text(json.dumps(record, indent=2) + "\n")
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the reference CNN and save its weights under weights/.")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    output = args.output or WEIGHTS_PATH
    record = train_reference(args.epochs, args.seed, output)
    size_kb = output.stat().st_size / 1024
    print(f"saved {output} ({size_kb:.0f} KiB): test accuracy {record['test_accuracy']:.4f} "
          f"after {record['epochs']} epochs, seed {record['seed']}")


if __name__ == "__main__":
    main()
