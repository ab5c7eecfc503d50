"""Training: uint8 batches, a compact progress line, and a result cache on disk.

Images stay ``uint8`` in memory and are converted to ``float32`` in ``[0, 1]``
one batch at a time (:func:`batches`), so a chapter holds one byte a pixel.
:func:`fit` trains a model built by a named builder from a config, or loads
the weights and history of an identical earlier run from the cache, keyed by
everything that determines the result: the builder and its config, the data,
the optimisation settings, the seed and the source code of ``lib/``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

import keras
import tensorflow as tf

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Where trained weights and histories are cached; override with ``SYMBOOK_CACHE``.
CACHE_DIR = Path(os.environ.get("SYMBOOK_CACHE", REPO_ROOT / ".cache" / "train"))


#: The modules whose source can change a training result (plotting and analysis cannot).
TRAINING_MODULES = ("__init__.py", "data.py", "layers.py", "models.py", "train.py")


def lib_source_hash() -> str:
    """SHA-256 (16 hex digits) over the source of the :data:`TRAINING_MODULES` of ``lib/``."""
    digest = hashlib.sha256()
    lib_dir = REPO_ROOT / "lib"
    for path in sorted(lib_dir / name for name in TRAINING_MODULES):
        if not path.is_file():
            continue
        digest.update(str(path.relative_to(lib_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def array_fingerprint(*arrays) -> str:
    """SHA-256 (16 hex digits) of the shapes, dtypes and bytes of some arrays."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.shape}{a.dtype}".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()[:16]


def batches(images, labels=None, batch_size: int = 128, shuffle: bool = False, seed: int = 0,
            channel_axis: bool = True):
    """A ``tf.data.Dataset`` that turns ``uint8`` images into float batches on the fly.

    Parameters
    ----------
    images
        ``uint8`` array ``(N, H, W)``; pixel ``p`` becomes ``p / 255``.
    labels
        Optional integer array ``(N,)``.
    batch_size, shuffle, seed
        Batching; the shuffle order is reshuffled every epoch, reproducibly from ``seed``.
    channel_axis
        Yield ``(B, H, W, 1)`` (for Conv2D) instead of ``(B, H, W)``.

    Yields
    ------
    ``float32`` images ``(B, H, W[, 1])``, and ``int32`` labels ``(B,)`` if given.
    """
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
    labels32 = labels.astype(np.int32) if labels is not None else None
    epoch = [0]

    def generate():
        if shuffle:  # a new, reproducible order every pass over the data
            order = np.random.default_rng([seed, epoch[0]]).permutation(n)
            epoch[0] += 1
        else:
            order = np.arange(n)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            if labels32 is None:
                yield images[index]
            else:
                yield images[index], labels32[index]

    image_spec = tf.TensorSpec((None,) + images.shape[1:], tf.uint8)
    if labels is None:
        signature = image_spec
    else:
        signature = (image_spec, tf.TensorSpec((None,), tf.int32))
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
    ds = ds.apply(tf.data.experimental.assert_cardinality(-(-n // batch_size)))

    def to_float(x):
        x = tf.cast(x, tf.float32) / 255.0
        return x[..., None] if channel_axis else x

    if labels is not None:
        ds = ds.map(lambda x, y: (to_float(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


class CompactProgress(keras.callbacks.Callback):
    """Print one short line per epoch (``every=1``), every n-th epoch, or none (``every=0``)."""

    def __init__(self, name: str, epochs: int, every: int = 1):
        super().__init__()
        self.name, self.epochs, self.every = name, epochs, every

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if not self.every or ((epoch + 1) % self.every and epoch + 1 != self.epochs):
            return
        logs = logs or {}
        parts = [f"{self.name}: epoch {epoch + 1}/{self.epochs}"]
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            if key in logs:
                parts.append(f"{key} {logs[key]:.4f}")
        parts.append(f"{time.perf_counter() - self._start:.1f} s")
        print("  ".join(parts), flush=True)


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit` returns.

    ``history`` maps ``loss, accuracy, val_loss, val_accuracy`` to one float per
    epoch (validation = the test set passed to :func:`fit`); ``test_accuracy``
    and ``test_loss`` are of the final model; ``train_seconds`` is the wall time
    of the original training run (also when loaded from the cache).
    """

    name: str
    model: keras.Model
    history: dict
    test_loss: float
    test_accuracy: float
    train_seconds: float
    params: int
    from_cache: bool
    key: str


def fit(
    name: str,
    build: Callable[..., keras.Model],
    config: dict,
    train_data: tuple,
    test_data: tuple,
    *,
    epochs: int,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    precision: str = "float32",
    channel_axis: bool = True,
    progress: str = "summary",
    cache: bool = True,
    cache_dir: str | Path | None = None,
    schedule: str | None = None,
    eval_batch_size: int = 128,
) -> TrainResult:
    """Train ``build(**config)`` with Adam on ``train_data``, or load the cached result.

    Parameters
    ----------
    name
        A label for progress lines and the cache file names.
    build
        A model builder (e.g. from :mod:`lib.models`); it must return an
        uncompiled Keras model whose output is softmax probabilities.
    config
        Keyword arguments of ``build``; JSON-serialisable (part of the cache key).
    train_data, test_data
        ``(images, labels)``: ``uint8`` ``(N, H, W)`` and integer ``(N,)``.
    epochs, batch_size, learning_rate, seed
        Optimisation; ``seed`` fixes initial weights, dropout and shuffling.
    precision
        ``"float32"`` or ``"mixed_bfloat16"`` (compute in bfloat16, weights in
        float32: about twice as fast for convolutions on CPUs with AMX/AVX512-BF16).
    channel_axis
        Feed ``(B, H, W, 1)`` (True) or ``(B, H, W)`` (False).
    progress
        ``"epoch"``: one line per epoch; ``"summary"``: one line per run; ``"none"``.
    cache, cache_dir
        Reuse an identical earlier run from ``cache_dir`` (default :data:`CACHE_DIR`).
    eval_batch_size
        Batch size of the per-epoch evaluation on ``test_data`` (memory: a convolutional network
        on 50x50 canvases needs about 0.4 GB more at 1024 than at 128; the result is the same).
    schedule
        ``None`` (constant ``learning_rate``) or ``"cosine"``: the rate decays from
        ``learning_rate`` to 0 over the run along half a cosine (often worth a few tenths of a
        percent of accuracy at the end of a short run).

    Returns
    -------
    TrainResult
    """
    if precision not in ("float32", "mixed_bfloat16"):
        raise ValueError(f"precision must be 'float32' or 'mixed_bfloat16', got {precision!r}")
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine', got {schedule!r}")
    if progress not in ("epoch", "summary", "none"):
        raise ValueError(f"progress must be 'epoch', 'summary' or 'none', got {progress!r}")
    x_train, y_train = train_data
    x_test, y_test = test_data
    key_fields = {
        "builder": f"{build.__module__}.{build.__qualname__}",
        "config": config,
        "data": array_fingerprint(x_train, y_train, x_test, y_test),
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "seed": seed,
        "precision": precision,
        "channel_axis": channel_axis,
        "lib": lib_source_hash(),
        "keras": keras.__version__,
    }
    if schedule is not None:  # only then, so that keys without a schedule stay as they were
        key_fields["schedule"] = schedule
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True, default=str).encode()).hexdigest()[:16]
    cache_dir = Path(cache_dir) if cache_dir is not None else CACHE_DIR
    weights_path = cache_dir / f"{name}-{key}.weights.h5"
    meta_path = cache_dir / f"{name}-{key}.json"

    model = _build(build, config, precision, seed)
    rate = learning_rate
    if schedule == "cosine":
        steps = epochs * -(-len(x_train) // batch_size)
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    if cache and weights_path.is_file() and meta_path.is_file():
        model.load_weights(weights_path)
        _compile(model, rate)
        meta = json.loads(meta_path.read_text())
        result = TrainResult(name=name, model=model, from_cache=True, key=key, **meta)
    else:
        _compile(model, rate)
        keras.utils.set_random_seed(seed)
        train_ds = batches(x_train, y_train, batch_size, shuffle=True, seed=seed, channel_axis=channel_axis)
        test_ds = batches(x_test, y_test, eval_batch_size, channel_axis=channel_axis)
        callbacks = [CompactProgress(name, epochs, every=1 if progress == "epoch" else 0)]
        start = time.perf_counter()
        history = model.fit(train_ds, validation_data=test_ds, epochs=epochs, verbose=0, callbacks=callbacks,
                            shuffle=False)  # the dataset shuffles itself
        seconds = time.perf_counter() - start
        test_loss, test_accuracy = history.history["val_loss"][-1], history.history["val_accuracy"][-1]
        meta = {
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "test_loss": float(test_loss),
            "test_accuracy": float(test_accuracy),
            "train_seconds": float(seconds),
            "params": int(model.count_params()),
        }
        result = TrainResult(name=name, model=model, from_cache=False, key=key, **meta)
        if cache:
            cache_dir.mkdir(parents=True, exist_ok=True)
            _save_weights_only(model, weights_path)
            meta_path.write_text(json.dumps(meta))
    if progress == "summary":
        source = "loaded from cache" if result.from_cache else "trained"
        print(
            f"{name}: {source}, test accuracy {result.test_accuracy:.4f}, "
            f"{result.params:,} parameters, {result.train_seconds:.0f} s training",
            flush=True,
        )
    return result


def _build(build, config, precision, seed):
    """Build under the requested dtype policy, restoring the global one after."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(precision)
    try:
        keras.utils.set_random_seed(seed)
        model = build(**config)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    return model


def _compile(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def _save_weights_only(model, path):
    """Save the layers' weights without the optimizer state (smaller; loads without warnings)."""
    optimizer = model.optimizer
    model.optimizer = None
    try:
        model.save_weights(path)
    finally:
        model.optimizer = optimizer


def predict_proba(model, images, batch_size: int = 128, channel_axis: bool = True) -> np.ndarray:
    """Class probabilities ``float32`` ``(N, classes)`` for ``uint8`` images ``(N, H, W)``.

    ``batch_size`` bounds the memory of the activations (128 keeps a CNN on 50x50 canvases
    about 0.25 GB below 1024); it does not change the result.
    """
    probs = model.predict(batches(images, None, batch_size, channel_axis=channel_axis), verbose=0)
    return np.asarray(probs, dtype=np.float32)
