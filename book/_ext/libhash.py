"""Key the notebook execution cache on the source of ``lib/`` and the shipped weights.

jupyter-cache hashes only a chapter's own code cells, so editing ``lib/`` would
otherwise serve stale outputs. On ``config-inited`` this extension points
``nb_execution_cache_path`` at ``_build/.jupyter_cache/lib-<hash>``, where the
hash covers every ``lib/**/*.py``, every file under ``weights/`` and
``requirements.txt`` (a new version of a package can change every number). A change
there changes a config value, which makes Sphinx re-read (and so re-execute)
every chapter. Caches of older versions of ``lib/`` are deleted.
"""

import hashlib
import os
import shutil
from pathlib import Path


def lib_fingerprint(repo_root: Path) -> str:
    """SHA-256 over the relative paths and bytes of lib/**/*.py, weights/** and requirements.txt."""
    digest = hashlib.sha256()
    files = sorted((repo_root / "lib").rglob("*.py")) + [repo_root / "requirements.txt"]
    if (repo_root / "weights").is_dir():
        files += sorted(p for p in (repo_root / "weights").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(repo_root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _set_cache_path(app, config):
    repo_root = Path(app.srcdir).resolve().parent
    caches = Path(app.outdir).resolve().parent / ".jupyter_cache"
    current = caches / f"lib-{lib_fingerprint(repo_root)}"
    if caches.is_dir():
        for old in caches.glob("lib-*"):
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
    config.nb_execution_cache_path = str(current)


def setup(app):
    # Kernels inherit this: training reports to a log file instead of leaving an output in
    # the page (myst-nb wraps every display output of a figure cell in that figure).
    log = Path(app.outdir).resolve().parent / "training-log.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SYMBOOK_PROGRESS", f"file:{log}")
    # Every cache entry a chapter uses is listed here (lib.cache.record_use): tests/test_shipped.py
    # checks that nothing shipped in weights/cache/ is dead weight.
    os.environ.setdefault("SYMBOOK_USED", str(log.with_name("cache-used.txt")))
    # The chapters run inside the build: the page shows glued numbers and captions in place, so
    # lib.reader adds no notes below the cells (it does in a reader's notebook).
    os.environ["SYMBOOK_BUILD"] = "1"
    # Priority 900: after jupyter-book has written its own value into the config.
    app.connect("config-inited", _set_cache_path, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
