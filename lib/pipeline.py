"""The input pipeline: ``uint8`` images in memory, ``float32`` batches out, at the speed of arrays.

Images stay ``uint8`` (one byte a pixel) and are converted to ``float32`` in ``[0, 1]`` one
batch at a time (:func:`to_float`), inside TensorFlow. :func:`batches` builds a
``tf.data.Dataset`` whose every batch is a slice or a gather of a tensor that TensorFlow holds
already, as Keras does for ``model.fit`` on arrays; Python runs once per pass over the data
(to draw that pass's order and augmentation with NumPy), never once per batch.

Why not a Python generator (``tf.data.Dataset.from_generator``), which would need no copy at
all: every batch it yields becomes a fresh TensorFlow buffer, and on some CPUs the kernel then
spends as much time faulting in new memory pages as the model spends computing (measured:
5 million minor page faults and half the CPU time in the system for two epochs of a small CNN,
against 23 thousand here; ``benchmarks/input_pipeline.py`` measures it on your machine).
"""

from __future__ import annotations

import numbers
import weakref
from typing import Callable

import numpy as np

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import tensorflow as tf  # noqa: E402


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


def positive_int(value, name: str) -> int:
    """``value`` as an ``int``, or a ``ValueError`` naming ``name`` if it is not a positive integer."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order of pass ``epoch`` over ``n`` images: ``int32 (n,)``, a new permutation each pass."""
    return np.random.default_rng([seed, epoch]).permutation(n).astype(np.int32)


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator an augmentation draws pass ``epoch``'s random versions from."""
    return np.random.default_rng([seed, epoch, 1])


def batches(images, labels=None, batch_size: int = 128, shuffle: bool = False, seed: int = 0,
            channel_axis: bool = True, augment: Callable | None = None):
    """A ``tf.data.Dataset`` of ``float32`` batches made from ``uint8`` images.

    Parameters
    ----------
    images
        ``uint8`` array ``(N, H, W)``.
    labels
        Optional integer array ``(N,)``.
    batch_size, shuffle, seed
        Batching; with ``shuffle`` every pass over the dataset (every epoch) takes the images
        in a new order, reproducibly: pass ``e`` uses :func:`epoch_order` ``(N, seed, e)``.
    channel_axis
        Yield ``(B, H, W, 1)`` (for Conv2D) instead of ``(B, H, W)``.
    augment
        Optional ``augment(images, rng) -> uint8 (N, H', W')``: called once per pass on all
        the images (vectorised), with :func:`epoch_rng` ``(seed, e)``, so every epoch sees new
        random versions of every image (e.g. :func:`lib.data.random_placement`). It must
        return one image per input image, of the same shape every time.

    Yields
    ------
    ``float32`` images ``(B, H, W[, 1])`` (``(B, H', W'[, 1])`` with ``augment``) and, with
    labels, ``int32`` labels ``(B,)``; the last batch may be smaller.

    Memory: TensorFlow holds one ``uint8`` copy of the images (with ``augment``, of one pass's
    augmented images) and a ``float32`` copy of a few batches; nothing is kept when the
    dataset and its iterators are gone.
    """
    batch_size = positive_int(batch_size, "batch_size")
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (converted per batch), got {images.dtype}")
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    n = len(images)
    if n == 0:
        raise ValueError("images is empty: there is nothing to make batches of")
    y = None
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
        y = tf.constant(labels.astype(np.int32))
    steps = -(-n // batch_size)

    def output(x):
        return to_float(x, channel_axis)

    if augment is None and not shuffle:  # evaluation: slices of one constant, in order
        x_all = tf.constant(images)

        def batch(i):
            start = i * batch_size
            x = output(x_all[start:start + batch_size])
            return x if y is None else (x, y[start:start + batch_size])

        ds = tf.data.Dataset.range(steps).map(batch, num_parallel_calls=tf.data.AUTOTUNE)
        return ds.prefetch(tf.data.AUTOTUNE)

    item_shape = images.shape[1:] if augment is None else _augmented_shape(augment, images)
    source = _Passes(images, seed, shuffle, augment, item_shape)
    # TensorFlow keeps the Python functions of a dataset's numpy_function calls for as long as
    # the process lives, so those functions reach the images only through a weak reference;
    # the dataset (which its iterators keep alive) holds them strongly. Without this, every
    # training set would stay in memory until the kernel ends.
    passes = _weak_reference(source)
    if augment is None:
        x_all = tf.constant(images)
        one_pass = tf.data.Dataset.range(1).map(
            lambda _: (tf.ensure_shape(tf.numpy_function(lambda: _alive(passes).order(), [], tf.int32,
                                                         stateful=True), (n,)), x_all))
    else:
        one_pass = tf.data.Dataset.range(1).map(lambda _: _Passes.tensors(passes, n, item_shape))

    def pass_batches(order, x_pass):
        def batch(i):
            index = order[i * batch_size:(i + 1) * batch_size]
            x = output(tf.gather(x_pass, index))
            return x if y is None else (x, tf.gather(y, index))

        return tf.data.Dataset.range(steps).map(batch, num_parallel_calls=tf.data.AUTOTUNE)

    ds = one_pass.flat_map(pass_batches)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(tf.data.AUTOTUNE)
    ds._symbook_passes = source  # released with the dataset and its iterators
    return ds


#: How the functions TensorFlow keeps refer to a dataset's images (weakly; see :func:`batches`).
_weak_reference = weakref.ref


def _alive(reference):
    source = reference()
    if source is None:  # cannot happen while the dataset or an iterator over it exists
        raise RuntimeError("this dataset's images were released; call batches() again")
    return source


class _Passes:
    """The NumPy side of a shuffled or augmented dataset: one call per pass over the data.

    Counts the passes, so pass ``e`` draws :func:`epoch_order` and :func:`epoch_rng` of
    ``(seed, e)``; TensorFlow calls it once when an iterator starts (Keras makes one iterator
    per epoch), so training sees a new, reproducible order and augmentation every epoch.
    """

    def __init__(self, images, seed, shuffle, augment, item_shape):
        self.images, self.seed, self.shuffle, self.augment = images, int(seed), shuffle, augment
        self.item_shape, self.epoch = tuple(item_shape), 0

    def order(self) -> np.ndarray:
        n = len(self.images)
        order = epoch_order(n, self.seed, self.epoch) if self.shuffle else np.arange(n, dtype=np.int32)
        self.epoch += 1
        return order

    def _order_and_images(self):
        epoch = self.epoch
        order = self.order()
        x = self.augment(self.images, epoch_rng(self.seed, epoch))
        return order, _check_augmented(x, len(self.images), self.item_shape, self.augment)

    @staticmethod
    def tensors(reference, n, item_shape):
        """The order and augmented images of the next pass, as tensors (``reference``: weak)."""
        order, x = tf.numpy_function(lambda: _alive(reference)._order_and_images(), [],
                                     (tf.int32, tf.uint8), stateful=True)
        return tf.ensure_shape(order, (n,)), tf.ensure_shape(x, (n,) + tuple(item_shape))


def _augmented_shape(augment, images):
    """The shape of one image after ``augment`` (tried on the first two images), checked."""
    if not callable(augment):
        raise TypeError(f"augment must be a function (images, rng) -> uint8 images, got {augment!r}")
    first = images[:2]
    sample = augment(first, np.random.default_rng(0))
    if not isinstance(sample, np.ndarray) or sample.ndim != 3:
        raise ValueError(f"augment must return a uint8 array (N, H, W), got "
                         f"{getattr(sample, 'shape', type(sample).__name__)}")
    return tuple(_check_augmented(sample, len(first), sample.shape[1:], augment).shape[1:])


def _check_augmented(x, size, item_shape, augment):
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.shape != (size,) + tuple(item_shape):
        raise ValueError(
            f"augment {getattr(augment, '__name__', augment)!r} returned "
            f"{getattr(x, 'dtype', type(x).__name__)} {getattr(x, 'shape', '')}; it must return "
            f"uint8 images of shape {(size,) + tuple(item_shape)}, one per input image, the same shape every time")
    return x
