"""Library behind the executable textbook *How neural networks see symmetry*.

Every figure, table and number in the book comes from code in this package, one job per module:

- :mod:`lib.data`: the shipped MNIST, digits on a canvas, rotated digits (quarter turns and
  any angle), the chapters' datasets and validation splits (NumPy only: importing it does not
  import TensorFlow).
- :mod:`lib.layers`, :mod:`lib.models`: custom Keras layers and every model builder;
  :mod:`lib.ising_layers`, :mod:`lib.ising_models`: the same for spins on a torus (the group
  D4, circular padding, spin-flip invariance).
- :mod:`lib.pipeline`: ``uint8`` images in, ``float32`` batches out, a new order and
  augmentation every epoch.
- :mod:`lib.train`: :func:`lib.train.fit` (load the shipped network of a run, or train it),
  :func:`lib.train.predict_proba` runs a model on uint8 images (:func:`lib.rotation.predict_float`
  on digits turned by any angle); :mod:`lib.cache`: the content key and the shipped entries in
  ``weights/cache/``; :mod:`lib.keras_internals`: the one private Keras call.
- :mod:`lib.stats`: summaries over seeds, t-intervals, verdicts, Markdown tables (the only renderer).
- :mod:`lib.book`: the pages of ``book/_toc.yml`` in reading order; :mod:`lib.reader`: the
  chapters' ``glue`` and the prose's ``glued("key:format")``, which shows a computed number in
  the sentence in a reader's notebook as in the built page (and figure captions below figures).
- :mod:`lib.analysis`, :mod:`lib.plots`: inspecting a trained network, and the figures.
- :mod:`lib.translation`, :mod:`lib.black_box`, :mod:`lib.rotation`: each chapter's settings
  and computations.

Modules that need TensorFlow call :func:`import_tensorflow_quietly` before importing it, so its
C++ start-up chatter (oneDNN, CUDA probing, CPU-feature notes) never reaches a rendered page.
"""

import os
import sys

# Set before TensorFlow is imported; setdefault keeps a reader's own choice.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# In a notebook kernel outside the book's build, show each figure's caption below its cell
# from the chapter's first cell on (lib.reader; a no-op elsewhere).
from lib import reader as _reader  # noqa: E402,F401


def import_tensorflow_quietly():
    """Import TensorFlow and Keras with file descriptor 2 pointed at /dev/null (once).

    ``TF_CPP_MIN_LOG_LEVEL`` does not silence every start-up line in TF 2.21,
    because some are written by C++ before the logger is configured; the only
    reliable filter is the file descriptor itself. A failing import still
    raises normally, with its traceback printed after stderr is restored.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        # The first device query and the first op print more notes: do both here.
        tf.config.list_physical_devices()
        _ = (tf.constant(1.0) + 1.0).numpy()
        import keras  # noqa: F401

        tf.get_logger().setLevel("ERROR")
        try:
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
        except ImportError:  # absl ships with TensorFlow; be safe anyway
            pass
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)
