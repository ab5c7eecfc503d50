"""Training: a run described once, trained once, and loaded everywhere after that.

:class:`Run` is a frozen description of one training run (builder, config, optimisation,
augmentation) that checks itself and computes its own cache key from the data it is given
(:mod:`lib.cache`). :func:`fit` looks the key up among the shipped networks
(``weights/cache/``) and loads the weights and history if they are there; otherwise it
trains with Adam on ``uint8`` images fed by :func:`lib.pipeline.batches`, validates every
epoch, scores the final model once on the test set, and writes the entry. Everything trains
in float32, which every CPU runs at full speed.

:func:`predict_proba` and :func:`accuracy` are the one way the book runs a model on images.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import numbers
import random
import re
import time
from pathlib import Path
from typing import Callable

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402

from lib import cache as store  # noqa: E402  (`cache` is fit's argument)
from lib.keras_internals import build_training_state, release_free_memory  # noqa: E402
from lib.pipeline import batches, positive_int, to_float  # noqa: E402
from lib.progress import Progress  # noqa: E402

#: What a run name may look like (it becomes part of a file name).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")

#: Steps per call into TensorFlow: the same updates; the short steps of small models no
#: longer wait for Python between them (the dense runs take 20-25 % less time).
STEPS_PER_EXECUTION = 16


# --- checks ----------------------------------------------------------------------------------


def check_labels(labels, classes: int, what: str = "labels") -> np.ndarray:
    """Return ``labels`` as ``int64`` ``(N,)`` or raise a ``ValueError`` that says what is wrong.

    Labels must be whole numbers in ``0 .. classes - 1``: floats are accepted only when every
    value is a finite whole number; NaN, fractions and out-of-range values are refused.
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array of class indices, got shape {y.shape}")
    if y.dtype.kind == "f":
        if np.isnan(y).any():
            raise ValueError(f"{what} contain NaN at {np.flatnonzero(np.isnan(y))[:5].tolist()}; "
                             f"every image needs a class index in 0..{classes - 1}")
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{what} must be whole numbers (class indices), got values such as "
                             f"{y[y != np.round(y)][:3].tolist()}")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"{what} must be integers (class indices 0..{classes - 1}), got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"{what} must lie in 0..{classes - 1} (the model has {classes} classes); "
                         f"found {int(y.min())}..{int(y.max())}")
    return y


def _check_pair(data, what):
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"{what} must be a pair (images, labels), got {type(data).__name__}")
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if x.dtype != np.uint8 or x.ndim != 3:
        raise TypeError(f"{what} images must be uint8 of shape (N, H, W), got {x.dtype} {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"{what} has {len(x)} images but {len(y)} labels")
    return x, y


# --- a run, described ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    """Everything that determines a trained network except its data; checked when made.

    ``build(**config)`` returns an uncompiled Keras model whose output is softmax
    probabilities. Adam with ``learning_rate``; ``schedule``: ``None`` (constant) or
    ``"cosine"`` (decays to 0 along half a cosine over the run); ``patience``: ``None`` (train
    all ``epochs``) or the stopping rule "stop when validation accuracy has not improved for
    ``patience`` epochs, keep the best epoch's weights" (``epochs`` is then the most).
    ``augment(images, rng) -> uint8 images`` makes new training images every epoch
    (:func:`lib.pipeline.batches`). ``eval_batch_size`` changes memory only.
    """

    name: str
    build: Callable
    config: dict
    epochs: int
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 0
    schedule: str | None = None
    patience: int | None = None
    channel_axis: bool = True
    eval_batch_size: int = 128
    augment: Callable | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"name must be 1-81 letters, digits, '_', '.' or '-' (it names cache files), "
                             f"starting with a letter or digit; got {self.name!r}")
        for field in ("epochs", "batch_size", "eval_batch_size"):
            positive_int(getattr(self, field), field)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        rate = self.learning_rate
        if not (isinstance(rate, numbers.Real) and math.isfinite(rate) and rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {rate!r}")
        if self.schedule not in (None, "cosine"):
            raise ValueError(f"schedule must be None or 'cosine', got {self.schedule!r}")
        if self.patience is not None:
            positive_int(self.patience, "patience")
            if self.schedule is not None:
                raise ValueError("patience (early stopping) needs a constant learning rate (schedule=None): "
                                 "a schedule tied to the number of epochs would end at another rate")
        if not isinstance(self.config, dict):
            raise TypeError(f"config must be a dict of keyword arguments of build, got {type(self.config).__name__}")
        store.function_fingerprint(self.build, "build")  # refuses what the key cannot see
        if self.augment is not None:
            store.function_fingerprint(self.augment, "augment")

    def key(self, *arrays) -> str:
        """The cache key of this run on these data arrays (see :mod:`lib.cache`)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                  if f.name not in ("name", "build", "augment", "eval_batch_size")}
        fields["learning_rate"] = float(self.learning_rate)
        fields.update(
            builder=store.function_fingerprint(self.build, "build"),
            builder_name=getattr(self.build, "__qualname__", ""),
            augment=None if self.augment is None else store.function_fingerprint(self.augment, "augment"),
            data=store.array_fingerprint(*arrays),
            code=store.module_fingerprint(*store.TRAINING_MODULES),
            versions=store.versions(), format=store.CACHE_FORMAT)
        return store.cache_key(fields)

    def learning_rate_for(self, n_train: int):
        """The optimiser's learning rate: a number, or the cosine schedule over the run's steps."""
        if self.schedule == "cosine":
            steps = self.epochs * -(-n_train // self.batch_size)
            return keras.optimizers.schedules.CosineDecay(self.learning_rate, decay_steps=steps)
        return self.learning_rate


# --- training ----------------------------------------------------------------------------


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit` returns.

    ``history`` maps ``loss, accuracy`` (training) and ``val_loss, val_accuracy``
    (validation set) to one float per epoch. ``test_loss`` and ``test_accuracy`` are
    of the final model on the test set, evaluated once (``None`` without test data).
    ``train_seconds`` is the wall time of the original training run (also when loaded
    from the cache). ``best_epoch`` (1-based) is the epoch whose weights the model has:
    the last, or with ``patience`` the one of highest validation accuracy.
    """

    name: str
    model: keras.Model
    history: dict
    test_loss: float | None
    test_accuracy: float | None
    train_seconds: float
    params: int
    from_cache: bool
    key: str
    best_epoch: int = 0

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy after the last epoch."""
        return self.history["val_accuracy"][-1]


def fit(name: str, build: Callable[..., keras.Model], config: dict, train_data: tuple, val_data: tuple,
        test_data: tuple | None = None, *, epochs: int, batch_size: int = 128, learning_rate: float = 1e-3,
        seed: int = 0, schedule: str | None = None, patience: int | None = None, channel_axis: bool = True,
        progress: str = "auto", cache: bool = True, cache_dir: str | Path | None = None,
        eval_batch_size: int = 128, augment: Callable | None = None) -> TrainResult:
    """Load the shipped network of this run, or train ``build(**config)`` and store it.

    ``train_data``, ``val_data``, ``test_data``: ``(images, labels)``, ``uint8 (N, H, W)`` and
    integer ``(N,)``. The model learns from ``train_data`` (with ``augment``, from new random
    versions of it every epoch); ``val_data`` gives the per-epoch validation curve (for every
    choice); ``test_data``, if given, scores the final model once. The other arguments describe
    the run (:class:`Run`). ``progress``: ``"auto"`` (a line in Jupyter that disappears when
    training ends), ``"epoch"`` (a printed line per epoch) or ``"none"``. ``cache``: look the
    run up in ``cache_dir`` (default :func:`lib.store.cache_dir`) and store it there;
    ``SYMBOOK_TRAIN=1`` trains anyway. Returns a :class:`TrainResult`.
    """
    run = Run(name, build, config, epochs, batch_size, learning_rate, seed, schedule, patience,
              bool(channel_axis), eval_batch_size, augment)
    if progress not in ("auto", "epoch", "none"):
        raise ValueError(f"progress must be 'auto', 'epoch' or 'none', got {progress!r}")
    x_train, y_train = _check_pair(train_data, "train_data")
    x_val, y_val = _check_pair(val_data, "val_data")
    arrays = [x_train, y_train, x_val, y_val]
    if test_data is not None:
        x_test, y_test = _check_pair(test_data, "test_data")
        arrays += [x_test, y_test]
    key = run.key(*arrays)
    directory = Path(cache_dir) if cache_dir is not None else store.cache_dir()
    weights_path, meta_path = store.entry_paths(directory, name, key)

    with _seeded(run.seed):
        model = _build(run)
        classes = int(model.output_shape[-1])
        y_train = check_labels(y_train, classes, "train_data labels")
        y_val = check_labels(y_val, classes, "val_data labels")
        if test_data is not None:
            y_test = check_labels(y_test, classes, "test_data labels")
        meta = None
        if cache and not store.retrain_everything():
            meta = store.load_entry(model, weights_path, meta_path)  # before compiling: no optimizer state
            if meta is None and weights_path.exists():  # a failed load may have changed some weights
                model = _build(run)
        compile_model(model, run.learning_rate_for(len(x_train)))
        if meta is None:
            meta = _train(run, model, (x_train, y_train), (x_val, y_val),
                          None if test_data is None else (x_test, y_test), progress)
            if cache:
                store.save_entry(model, {k: v for k, v in meta.items() if k != "_trained"},
                                 weights_path, meta_path)
    if cache:
        store.record_use(name, key)
    fields = {k: meta[k] for k in ("history", "test_loss", "test_accuracy", "train_seconds", "params", "best_epoch")}
    return TrainResult(name=name, model=model, from_cache="_trained" not in meta, key=key, **fields)


def _train(run: Run, model, train, val, test, progress) -> dict:
    """Train ``model`` as ``run`` says; the entry's metadata (with ``_trained`` set)."""
    (x_train, y_train), (x_val, y_val) = train, val
    first = x_train[:1] if run.augment is None else run.augment(x_train[:1], np.random.default_rng(0))
    build_training_state(model, (to_float(first, run.channel_axis), np.asarray(y_train[:1], np.int32), None))
    keras.utils.set_random_seed(run.seed)
    train_ds = batches(x_train, y_train, run.batch_size, shuffle=True, seed=run.seed,
                       channel_axis=run.channel_axis, augment=run.augment)
    val_ds = batches(x_val, y_val, run.eval_batch_size, channel_axis=run.channel_axis)
    callbacks = [Progress(run.name, run.epochs, progress if progress != "none" else "off")]
    if run.patience is not None:
        callbacks.insert(0, _KeepBest(run.patience))
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=run.epochs, verbose=0, callbacks=callbacks,
                        shuffle=False)  # the dataset draws a new order every epoch itself
    seconds = time.perf_counter() - start
    test_loss = test_accuracy = None
    if test is not None:  # the one evaluation of the final model on the test set
        test_loss, test_accuracy = model.evaluate(
            batches(*test, run.eval_batch_size, channel_axis=run.channel_axis), verbose=0)
    val_curve = history.history["val_accuracy"]
    meta = {
        "format": store.CACHE_FORMAT,
        "name": run.name,
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "test_loss": None if test_loss is None else float(test_loss),
        "test_accuracy": None if test_accuracy is None else float(test_accuracy),
        "train_seconds": float(seconds),
        "params": int(model.count_params()),
        "best_epoch": _best_epoch(val_curve) if run.patience is not None else len(val_curve),
        "versions": store.versions(),
        "machine": store.machine(),
    }
    # The traced train/test steps of this run hold each other in reference cycles; collect
    # them now, so that a chapter that trains dozens of networks does not keep them all.
    del history, train_ds, val_ds, callbacks
    gc.collect()
    release_free_memory()
    return {**meta, "_trained": True}


@contextlib.contextmanager
def _seeded(seed: int):
    """Seed Keras, TensorFlow, NumPy and ``random`` for a run; give back NumPy's and ``random``'s state.

    Keras draws initial weights and dropout seeds from these generators, so the seed must be
    set; a reader's own global generators are left as they were.
    """
    numpy_state, random_state = np.random.get_state(), random.getstate()
    keras.utils.set_random_seed(int(seed))
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(random_state)


def _best_epoch(val_accuracy) -> int:
    """1-based epoch of the highest validation accuracy (the first, if several tie)."""
    return int(np.argmax(val_accuracy)) + 1


class _KeepBest(keras.callbacks.Callback):
    """Early stopping on validation accuracy that always ends with the best epoch's weights.

    (Keras' ``EarlyStopping(restore_best_weights=True)`` restores them only when it stops
    early; a run that uses all its epochs would keep the last ones.)
    """

    def __init__(self, patience: int):
        super().__init__()
        self.patience = patience

    def on_train_begin(self, logs=None):
        self.best, self.best_weights, self.wait = -np.inf, None, 0

    def on_epoch_end(self, epoch, logs=None):
        value = float(logs["val_accuracy"])
        if value > self.best:
            self.best, self.best_weights, self.wait = value, self.model.get_weights(), 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def _build(run: Run):
    """Build in float32 with the seed set (the initial weights depend on it)."""
    policy = keras.config.dtype_policy().name
    if policy != "float32":
        raise ValueError(f"the global Keras dtype policy is {policy!r}; this book trains in float32, which "
                         "runs at full speed on every CPU: call keras.config.set_dtype_policy('float32')")
    keras.utils.set_random_seed(run.seed)
    model = run.build(**run.config)
    if not isinstance(model, keras.Model):
        raise TypeError(f"build must return a keras.Model, got {type(model).__name__}")
    return model


def compile_model(model, learning_rate):
    """Compile for training: Adam, sparse cross-entropy, accuracy (as every run of the book)."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=STEPS_PER_EXECUTION)


def predict_proba(model, images, batch_size: int = 128, channel_axis: bool = True) -> np.ndarray:
    """Class probabilities ``float32`` ``(N, classes)`` for ``uint8`` images ``(N, H, W)``.

    ``batch_size`` bounds the memory of the activations; it does not change the result.
    """
    probs = model.predict(batches(images, None, batch_size, channel_axis=channel_axis), verbose=0)
    return np.asarray(probs, dtype=np.float32)


def accuracy(model, images, labels, batch_size: int = 128, channel_axis: bool = True) -> float:
    """Fraction of ``uint8`` images ``(N, H, W)`` whose most probable class is the label."""
    labels = np.asarray(labels)
    return float(np.mean(predict_proba(model, images, batch_size, channel_axis).argmax(-1) == labels))
