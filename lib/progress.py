"""Training progress: a line that updates in Jupyter, one line per epoch on the command line,
and a log file while the book builds.

Kept apart from :mod:`lib.train` on purpose: the training cache is keyed on the code of
``lib/train.py``, and how progress is shown does not change what a network learns.
"""

from __future__ import annotations

import os
import sys
import time

from lib import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Progress(keras.callbacks.Callback):
    """Show how training goes while it runs, and leave nothing behind.

    In Jupyter (``mode="auto"``) one line is updated in place after every epoch
    (a text progress bar with the latest metrics) and emptied when the run ends.
    Elsewhere ``"auto"`` prints nothing; ``"epoch"`` prints one line per epoch to
    stdout (for the command line).

    While the book builds, the environment variable ``SYMBOOK_PROGRESS=file:PATH`` (set by
    ``book/_ext/libhash.py`` and inherited by the kernels) turns ``"auto"`` into one
    line per trained model appended to ``PATH`` (``book/_build/training-log.txt``): an
    executed page must keep no output of its own (myst-nb would wrap even an empty one in
    the cell's figure, and the kernel forwards anything written to stderr into the page).
    """

    def __init__(self, name: str, epochs: int, mode: str = "auto"):
        super().__init__()
        self.name, self.epochs, self.mode = name, epochs, mode
        self._handle = None

    def _log_file(self):
        """The build's training log, or None outside a book build."""
        setting = os.environ.get("SYMBOOK_PROGRESS", "")
        return setting[len("file:"):] if self.mode == "auto" and setting.startswith("file:") else None

    def _show(self, text):
        if self._log_file():
            return  # the build's log gets one line per model, from on_train_end
        if self.mode == "epoch":
            print(text, flush=True)
        elif self.mode == "auto" and _in_notebook():
            from IPython.display import HTML, display

            html = HTML(f"<pre>{text}</pre>") if text else HTML("")
            if self._handle is None:
                self._handle = display(html, display_id=True)
            else:
                self._handle.update(html)

    def on_train_begin(self, logs=None):
        self._start, self._done = time.perf_counter(), 0
        self._show(f"{self.name}: training [{'.' * self.epochs}] 0/{self.epochs} epochs")

    def on_epoch_end(self, epoch, logs=None):
        logs, done = logs or {}, epoch + 1
        self._done = done
        bar = "#" * done + "." * (self.epochs - done)
        metrics = "  ".join(f"{k} {logs[k]:.4f}" for k in ("loss", "accuracy", "val_accuracy") if k in logs)
        self._show(f"{self.name}: [{bar}] {done}/{self.epochs} epochs  {metrics}  "
                   f"{time.perf_counter() - self._start:.0f} s")

    def on_train_end(self, logs=None):
        if self._log_file():
            with open(self._log_file(), "a") as log:
                log.write(f"{time.strftime('%H:%M:%S')} {self.name}: {self._done} epochs in "
                          f"{time.perf_counter() - self._start:.0f} s\n")
        elif self._handle is not None:  # replace the line by nothing: the page keeps only results
            self._show("")
