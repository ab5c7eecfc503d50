"""Training: uint8 batches and a result cache that cannot lie (progress: :mod:`lib.progress`).

Images stay ``uint8`` in memory and are converted to ``float32`` in ``[0, 1]``
one batch at a time (:func:`to_float`, :func:`batches`), so a chapter holds one
byte a pixel. :func:`fit` trains a model built by a builder from a config, with
a validation set for the per-epoch curves and one final evaluation on the test
set, or loads the weights and history of an identical earlier run from the cache.
Everything trains in float32, which every CPU runs at full speed.

The cache key covers everything that determines the result (see :func:`cache_key`):
the builder's source, its config, the data by content, every argument of
:func:`fit`, the code of the modules that build and train models
(:data:`TRAINING_MODULES`, comments and docstrings ignored) and the TensorFlow,
Keras and NumPy versions. Entries are written atomically; an unreadable entry is
reported in one line and retrained.
"""

from __future__ import annotations

import ast
import ctypes
import dataclasses
import gc
import hashlib
import inspect
import json
import math
import numbers
import os
import re
import tempfile
import weakref
import textwrap
import time
from pathlib import Path
from typing import Callable

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from lib.progress import Progress  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Where trained weights and histories are cached; override with ``SYMBOOK_CACHE``.
CACHE_DIR = Path(os.environ.get("SYMBOOK_CACHE", REPO_ROOT / ".cache" / "train"))

#: The modules whose code can change what a training run produces.
TRAINING_MODULES = ("layers.py", "models.py", "train.py")

#: Bumped when the layout of a cache entry changes; older entries are retrained.
CACHE_FORMAT = 3

#: What a run name may look like (it becomes part of a file name).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


# --- uint8 -> float, one batch at a time -----------------------------------------------------


def to_float(images, channel_axis: bool = True):
    """``uint8`` images ``(N, H, W)`` -> ``float32`` in ``[0, 1]``, ``(N, H, W, 1)`` or ``(N, H, W)``.

    The one place where pixels are scaled: pixel ``p`` becomes ``p / 255``. Works on NumPy
    arrays (returns a NumPy array) and on TensorFlow tensors (returns a tensor), so the
    training pipeline and every analysis see identical inputs.
    """
    if isinstance(images, np.ndarray) or not tf.is_tensor(images):
        x = np.asarray(images)
        if x.dtype != np.uint8:
            raise TypeError(f"images must be uint8 (pixels 0..255), got {x.dtype}")
        x = x.astype(np.float32) / np.float32(255.0)
        return x[..., None] if channel_axis else x
    x = tf.cast(images, tf.float32) / 255.0
    return x[..., None] if channel_axis else x


def batches(images, labels=None, batch_size: int = 128, shuffle: bool = False, seed: int = 0,
            channel_axis: bool = True, augment: Callable | None = None):
    """A ``tf.data.Dataset`` that turns ``uint8`` images into float batches on the fly.

    Parameters
    ----------
    images
        ``uint8`` array ``(N, H, W)``; converted by :func:`to_float`.
    labels
        Optional integer array ``(N,)``.
    batch_size, shuffle, seed
        Batching; the shuffle order is reshuffled every epoch, reproducibly from ``seed``.
    channel_axis
        Yield ``(B, H, W, 1)`` (for Conv2D) instead of ``(B, H, W)``.
    augment
        Optional ``augment(batch, rng) -> uint8 (B, H', W')``, applied to every ``uint8``
        batch before conversion, with a NumPy generator drawn anew for every pass over the
        data (reproducibly from ``seed``): each epoch sees new random versions of the images
        (e.g. :func:`lib.data.random_placement`). It must not change the batch size or the
        output shape.

    Yields
    ------
    ``float32`` images ``(B, H, W[, 1])`` (or ``(B, H', W'[, 1])`` with ``augment``), and
    ``int32`` labels ``(B,)`` if given.
    """
    batch_size = _positive_int(batch_size, "batch_size")
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (converted per batch), got {images.dtype}")
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")
    # A Python generator slices batches out of the caller's numpy array, so TensorFlow never
    # holds a copy of the whole set (tf.data.Dataset.from_tensor_slices would make one, and
    # its shuffle buffer another): 60,000 canvases cost their 150 MB once.
    n = len(images)
    item_shape = images.shape[1:]
    if augment is not None:
        item_shape = _augmented_shape(augment, images)
    source = _Arrays(images, labels.astype(np.int32) if labels is not None else None)
    # TensorFlow keeps every generator it was given for the life of the process (in eager mode
    # it ties them to the global graph), so the generator holds the arrays only weakly; the
    # dataset (kept alive by its iterators) holds them strongly. Without this, every training
    # set and every set of images predicted on would stay in memory until the kernel ends.
    arrays = _weak_reference(source)
    epoch = [0]

    def generate():
        src = arrays()
        if src is None:  # cannot happen while the dataset or an iterator over it exists
            raise RuntimeError("this dataset's images were released; call batches() again")
        if shuffle:  # a new, reproducible order every pass over the data
            order = np.random.default_rng([seed, epoch[0]]).permutation(n)
        else:
            order = np.arange(n)
        rng = np.random.default_rng([seed, epoch[0], 1])  # new random versions every pass
        epoch[0] += 1
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            x = src.images[index]
            if augment is not None:
                x = _check_augmented(augment(x, rng), len(index), item_shape, augment)
            if src.labels is None:
                yield x
            else:
                yield x, src.labels[index]

    image_spec = tf.TensorSpec((None,) + item_shape, tf.uint8)
    if labels is None:
        signature = image_spec
    else:
        signature = (image_spec, tf.TensorSpec((None,), tf.int32))
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
    ds = ds.apply(tf.data.experimental.assert_cardinality(-(-n // batch_size)))
    if labels is not None:
        ds = ds.map(lambda x, y: (to_float(x, channel_axis), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda x: to_float(x, channel_axis), num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    ds._symbook_arrays = source  # released with the dataset and its iterators
    return ds


def _augmented_shape(augment, images):
    """The shape of one image after ``augment`` (tried on the first two images), checked."""
    if not callable(augment):
        raise TypeError(f"augment must be a function (batch, rng) -> uint8 batch, got {augment!r}")
    first = images[:2]
    sample = augment(first, np.random.default_rng(0))
    if not isinstance(sample, np.ndarray) or sample.ndim != 3:
        raise ValueError(f"augment must return a uint8 array (B, H, W), got "
                         f"{getattr(sample, 'shape', type(sample).__name__)}")
    return tuple(_check_augmented(sample, len(first), sample.shape[1:], augment).shape[1:])


def _check_augmented(x, size, item_shape, augment):
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.shape != (size,) + item_shape:
        raise ValueError(
            f"augment {getattr(augment, '__name__', augment)!r} returned "
            f"{getattr(x, 'dtype', type(x).__name__)} {getattr(x, 'shape', '')}; it must return "
            f"uint8 images of shape {(size,) + item_shape}, one per input image, the same shape every time")
    return x


#: How a :func:`batches` generator refers to its arrays (weakly; see there).
_weak_reference = weakref.ref


@dataclasses.dataclass
class _Arrays:
    """The images and labels a :func:`batches` dataset draws from."""

    images: np.ndarray
    labels: np.ndarray | None


# --- the cache key -----------------------------------------------------------------------


def array_fingerprint(*arrays) -> str:
    """SHA-256 (16 hex digits) of the shapes, dtypes and bytes of some arrays."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.shape}{a.dtype}".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()[:16]


def code_fingerprint(source: str) -> str:
    """SHA-256 (16 hex digits) of Python code, blind to comments, docstrings and layout.

    The code is parsed and its syntax tree (without docstrings) is hashed, so editing a
    comment or a docstring keeps every cached result, while any change to what runs does not.
    """
    tree = ast.parse(textwrap.dedent(source))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def builder_fingerprint(build: Callable) -> str:
    """Fingerprint of a model builder's own code (a function, a lambda, a notebook function).

    Uses its source where Python can find it (modules, Jupyter cells); otherwise its
    compiled code object, constants and names. Two different lambdas differ; an edited
    builder differs from the old one.
    """
    if not callable(build):
        raise TypeError(f"build must be a callable that returns a Keras model, got {build!r}")
    try:
        source = inspect.getsource(build)
        try:
            return code_fingerprint(source)
        except SyntaxError:  # a lambda in the middle of a line: hash the text
            return hashlib.sha256(source.encode()).hexdigest()[:16]
    except (OSError, TypeError):
        code = getattr(build, "__code__", None)
        if code is None:
            raise TypeError(f"cannot fingerprint the builder {build!r}: pass a function") from None
        parts = [code.co_code.hex(), repr(code.co_consts), repr(code.co_names)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _augment_fingerprint(augment: Callable) -> dict:
    """An augmentation's name, its own code and the code of the module that defines it."""
    if not callable(augment):
        raise TypeError(f"augment must be a function (batch, rng) -> uint8 batch, got {augment!r}")
    module = inspect.getmodule(augment)
    try:
        module_code = code_fingerprint(inspect.getsource(module)) if module is not None else ""
    except (OSError, TypeError):  # defined in a notebook or at the prompt: its own code suffices
        module_code = ""
    return {"name": getattr(augment, "__qualname__", ""), "code": builder_fingerprint(augment),
            "module": module_code}


def training_code_fingerprint() -> str:
    """:func:`code_fingerprint` over the :data:`TRAINING_MODULES` of ``lib/``."""
    lib_dir = Path(__file__).resolve().parent
    return hashlib.sha256("".join(code_fingerprint((lib_dir / m).read_text())
                                  for m in TRAINING_MODULES).encode()).hexdigest()[:16]


def versions() -> dict:
    """The versions a cached result depends on."""
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


def _canonical(value, where="config"):
    """A JSON-able, unambiguous form of a config value (arrays by content, never ``str()``)."""
    if isinstance(value, dict):
        return {str(k): _canonical(v, f"{where}[{k!r}]") for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return {"__array__": array_fingerprint(value)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{where} = {value!r} ({type(value).__name__}) cannot be part of a cache key: "
                    "use numbers, strings, lists, dicts or NumPy arrays")


def cache_key(fields: dict) -> str:
    """SHA-256 (16 hex digits) of :func:`_canonical` ``(fields)``."""
    return hashlib.sha256(json.dumps(_canonical(fields), sort_keys=True).encode()).hexdigest()[:16]


# --- checks ----------------------------------------------------------------------------------


def _positive_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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


def fit(
    name: str,
    build: Callable[..., keras.Model],
    config: dict,
    train_data: tuple,
    val_data: tuple,
    test_data: tuple | None = None,
    *,
    epochs: int,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    schedule: str | None = None,
    patience: int | None = None,
    channel_axis: bool = True,
    progress: str = "auto",
    cache: bool = True,
    cache_dir: str | Path | None = None,
    eval_batch_size: int = 128,
    augment: Callable | None = None,
) -> TrainResult:
    """Train ``build(**config)`` with Adam on ``train_data``, or load the cached result.

    Parameters
    ----------
    name
        A label for progress and the cache file names: letters, digits, ``_``, ``.``, ``-``.
    build
        A model builder (e.g. from :mod:`lib.models`); it must return an uncompiled Keras
        model whose output is softmax probabilities over the classes.
    config
        Keyword arguments of ``build`` (numbers, strings, lists, dicts, arrays).
    train_data, val_data, test_data
        ``(images, labels)``: ``uint8`` ``(N, H, W)`` and integer ``(N,)``. The model learns
        from ``train_data``; ``val_data`` gives the per-epoch validation curve (for every
        choice); ``test_data``, if given, scores the final model once.
    epochs, batch_size, learning_rate, seed
        Optimisation; ``seed`` fixes initial weights, dropout and shuffling.
    schedule
        ``None`` (constant ``learning_rate``) or ``"cosine"``: the rate decays from
        ``learning_rate`` to 0 over the run along half a cosine.
    patience
        ``None``: train all ``epochs``. An integer: the stopping rule "stop when the
        validation accuracy has not improved for ``patience`` epochs in a row, and keep
        the weights of the best epoch"; ``epochs`` is then the most it may take. The
        history holds every epoch trained; :attr:`TrainResult.best_epoch` says which one was kept.
    channel_axis
        Feed ``(B, H, W, 1)`` (True) or ``(B, H, W)`` (False).
    progress
        ``"auto"``: a progress line in Jupyter that disappears when training ends, nothing
        elsewhere; ``"epoch"``: one printed line per epoch; ``"none"``.
    cache, cache_dir
        Reuse an identical earlier run from ``cache_dir`` (default :data:`CACHE_DIR`).
    eval_batch_size
        Batch size of evaluation (memory only; the result is the same).
    augment
        Optional ``augment(batch, rng) -> uint8 batch`` applied to the *training* images only,
        anew every epoch (see :func:`batches`); e.g. :func:`lib.data.random_placement` with
        ``train_data`` of ``(N, 28, 28)`` digits, which puts every digit at a new random place
        on the canvas every epoch. Validation and test images are used as given. The code of
        the module that defines ``augment`` is part of the cache key.

    Returns
    -------
    TrainResult
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"name must be 1-81 letters, digits, '_', '.' or '-' (it names cache files), "
                         f"starting with a letter or digit; got {name!r}")
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    eval_batch_size = _positive_int(eval_batch_size, "eval_batch_size")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not (isinstance(learning_rate, numbers.Real) and math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine', got {schedule!r}")
    if patience is not None:
        patience = _positive_int(patience, "patience")
        if schedule is not None:
            raise ValueError("patience (early stopping) needs a constant learning rate (schedule=None): "
                             "a schedule tied to the number of epochs would end at another rate")
    if progress not in ("auto", "epoch", "none"):
        raise ValueError(f"progress must be 'auto', 'epoch' or 'none', got {progress!r}")
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of keyword arguments of build, got {type(config).__name__}")
    x_train, y_train = _check_pair(train_data, "train_data")
    x_val, y_val = _check_pair(val_data, "val_data")
    arrays = [x_train, y_train, x_val, y_val]
    if test_data is not None:
        x_test, y_test = _check_pair(test_data, "test_data")
        arrays += [x_test, y_test]

    key = cache_key({
        "builder": builder_fingerprint(build), "builder_name": getattr(build, "__qualname__", ""),
        "config": config, "data": array_fingerprint(*arrays), "epochs": epochs, "batch_size": batch_size,
        "learning_rate": float(learning_rate), "seed": int(seed), "schedule": schedule, "patience": patience,
        "channel_axis": bool(channel_axis), "code": training_code_fingerprint(), "versions": versions(),
        "format": CACHE_FORMAT, **({} if augment is None else {"augment": _augment_fingerprint(augment)}),
    })
    cache_dir = Path(cache_dir) if cache_dir is not None else CACHE_DIR
    weights_path = cache_dir / f"{name}-{key}.weights.h5"
    meta_path = cache_dir / f"{name}-{key}.json"

    model = _build(build, config, seed)
    classes = int(model.output_shape[-1])
    y_train = check_labels(y_train, classes, "train_data labels")
    y_val = check_labels(y_val, classes, "val_data labels")
    if test_data is not None:
        y_test = check_labels(y_test, classes, "test_data labels")
    rate = learning_rate
    if schedule == "cosine":
        steps = epochs * -(-len(x_train) // batch_size)
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    meta = _load_entry(model, weights_path, meta_path) if cache else None  # before compiling: no
    if meta is None and weights_path.exists():  # optimizer state to load. A failed load may have
        model = _build(build, config, seed)     # changed some weights: start again from the seed.
    _compile(model, rate)
    if meta is None:
        first = x_train[:1] if augment is None else augment(x_train[:1], np.random.default_rng(0))
        _build_state(model, first, y_train[:1], channel_axis)
        keras.utils.set_random_seed(int(seed))
        train_ds = batches(x_train, y_train, batch_size, shuffle=True, seed=int(seed), channel_axis=channel_axis,
                           augment=augment)
        val_ds = batches(x_val, y_val, eval_batch_size, channel_axis=channel_axis)
        callbacks = [Progress(name, epochs, progress if progress != "none" else "off")]
        if patience is not None:
            callbacks.insert(0, _KeepBest(patience))
        start = time.perf_counter()
        history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0, callbacks=callbacks,
                            shuffle=False)  # the dataset shuffles itself
        seconds = time.perf_counter() - start
        test_loss = test_accuracy = None
        if test_data is not None:  # the one evaluation of the final model on the test set
            test_loss, test_accuracy = model.evaluate(
                batches(x_test, y_test, eval_batch_size, channel_axis=channel_axis), verbose=0)
        meta = {
            "format": CACHE_FORMAT,
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "test_loss": None if test_loss is None else float(test_loss),
            "test_accuracy": None if test_accuracy is None else float(test_accuracy),
            "train_seconds": float(seconds),
            "params": int(model.count_params()),
            "best_epoch": _best_epoch(history.history["val_accuracy"]) if patience is not None
            else len(history.history["val_accuracy"]),
        }
        if cache:
            _save_entry(model, meta, weights_path, meta_path)
        from_cache = False
        # The traced train/test steps of this run hold each other in reference cycles; collect
        # them now, so that a chapter that trains dozens of networks does not keep them all.
        del history, train_ds, val_ds, callbacks
        gc.collect()
        _release_free_memory()
    else:
        from_cache = True
    fields = {k: meta[k] for k in ("history", "test_loss", "test_accuracy", "train_seconds", "params",
                                   "best_epoch")}
    return TrainResult(name=name, model=model, from_cache=from_cache, key=key, **fields)


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


def _build(build, config, seed):
    """Build in float32 with the seed set (the weights' initial values depend on it)."""
    policy = keras.config.dtype_policy().name
    if policy != "float32":
        raise ValueError(f"the global Keras dtype policy is {policy!r}; this book trains in float32, which "
                         "runs at full speed on every CPU: call keras.config.set_dtype_policy('float32')")
    keras.utils.set_random_seed(int(seed))
    model = build(**config)
    if not isinstance(model, keras.Model):
        raise TypeError(f"build must return a keras.Model, got {type(model).__name__}")
    return model


def _release_free_memory():
    """Hand memory that training freed back to the operating system (glibc's ``malloc_trim``).

    Each run frees its batches and activations in many small pieces, which the C allocator
    otherwise keeps for reuse; over the dozens of runs of a chapter that is measurably more
    resident memory (about 50 MB over 14 small CNNs). A no-op where glibc is not the C library.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _build_state(model, x, y, channel_axis):
    """Create the optimizer's and the metrics' variables now, outside any traced function.

    Left to Keras, they are created while ``fit`` traces its first step, and TensorFlow then
    registers the conditional initialiser of every such variable in its global function
    library, where it stays after the model is gone: about 5 MB per trained network.
    """
    model._symbolic_build(data_batch=(to_float(x, channel_axis), np.asarray(y, np.int32), None))


def _compile(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        # 16 steps per call into TensorFlow: the same updates; the short steps of small models
        # no longer wait for Python between them (the dense runs take 20-25 % less time).
        steps_per_execution=16,
    )


def _load_entry(model, weights_path: Path, meta_path: Path):
    """The cached meta dict with the weights loaded into ``model``, or ``None`` to retrain.

    A missing entry is a plain miss; an entry that cannot be read (truncated, corrupt, another
    format, weights that do not fit the model) is reported in one line and retrained.
    """
    if not (weights_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
            raise ValueError(f"cache format {meta.get('format') if isinstance(meta, dict) else '?'}, "
                             f"expected {CACHE_FORMAT}")
        for field in ("history", "train_seconds", "params"):
            if field not in meta:
                raise ValueError(f"no {field!r}")
        model.load_weights(weights_path)
        return meta
    except Exception as err:  # noqa: BLE001 (any unreadable entry means: train again)
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        print(f"cache entry {weights_path.name} cannot be used ({reason}); retraining", flush=True)
        return None


def _save_entry(model, meta, weights_path: Path, meta_path: Path):
    """Write the weights, then the meta data, each to a temporary file renamed into place.

    A reader sees either no entry or a whole one (the meta file, written last, marks it
    complete); an interrupted write leaves at most a stray temporary file.
    """
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=weights_path.parent, suffix=".weights.h5")
    os.close(fd)
    optimizer, model.optimizer = model.optimizer, None  # weights only: smaller, loads without warnings
    try:
        model.save_weights(tmp)
        os.replace(tmp, weights_path)
    finally:
        model.optimizer = optimizer
        if os.path.exists(tmp):
            os.remove(tmp)
    fd, tmp = tempfile.mkstemp(dir=meta_path.parent, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, meta_path)


def predict_proba(model, images, batch_size: int = 128, channel_axis: bool = True) -> np.ndarray:
    """Class probabilities ``float32`` ``(N, classes)`` for ``uint8`` images ``(N, H, W)``.

    ``batch_size`` bounds the memory of the activations; it does not change the result.
    """
    probs = model.predict(batches(images, None, batch_size, channel_axis=channel_axis), verbose=0)
    return np.asarray(probs, dtype=np.float32)
