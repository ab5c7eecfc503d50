"""Tests of lib.cache: the key sees all the code a run reaches and nothing else; shipped entries."""

import functools
import importlib.util
import sys
import textwrap

import numpy as np
import pytest

from lib import cache
from lib.cache import function_fingerprint, function_parts

MODULE = '''
SIZE = 40
UNUSED = 3


def helper(x):
    return x + SIZE


def unrelated():
    return UNUSED


def build(**config):
    return helper(1)
'''


def _module(tmp_path, source, name):
    """Import ``source`` as the module ``lib.<name>`` (the key follows the book's own code)."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(f"lib.{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("edit,changes", [
    (("return x + SIZE", "return x - SIZE"), True),   # a helper the builder calls
    (("SIZE = 40", "SIZE = 41"), True),               # a constant the helper reads
    (("return UNUSED", "return UNUSED + 1"), False),  # a function nobody calls
    (("UNUSED = 3", "UNUSED = 4"), False),            # a constant nobody reads
    (("return x + SIZE", "return x + SIZE  # why"), False),  # a comment
])
def test_the_key_follows_the_code_a_builder_reaches_and_nothing_else(tmp_path, edit, changes):
    first = function_fingerprint(_module(tmp_path, MODULE, "fp_first").build)
    second = function_fingerprint(_module(tmp_path, MODULE.replace(*edit), "fp_first").build)
    assert (first != second) == changes


def test_the_books_runs_reach_their_helpers_and_constants():
    from lib import rotation, translation

    parts = function_parts(translation.place_on_training_canvas, "augment")
    assert {"lib.data.random_placement", "lib.data.place_on_canvas",
            "lib.translation.BEST_TRAIN_CANVAS"} <= set(parts)
    parts = function_parts(rotation.small_data_cnn)
    assert {"lib.models.p4_cnn", "lib.models.plain_cnn", "lib.layers.LiftingConv2D",
            "lib.layers.GroupConv2D"} <= set(parts)
    assert not any(p.startswith("lib.playground") for p in parts), "nothing the builder does not reach"


def test_what_the_key_cannot_see_is_refused():
    size = 40

    def closure(**config):
        return size

    with pytest.raises(TypeError, match="closure.*size"):
        function_fingerprint(closure)
    with pytest.raises(TypeError, match="partial"):
        function_fingerprint(functools.partial(np.zeros, 3))


def test_the_cache_is_the_shipped_folder_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("SYMBOOK_CACHE", raising=False)
    assert cache.cache_dir() == cache.REPO_ROOT / "weights" / "cache"
    monkeypatch.setenv("SYMBOOK_CACHE", str(tmp_path))
    assert cache.cache_dir() == tmp_path


def test_symbook_train_must_be_0_or_1(monkeypatch):
    monkeypatch.setenv("SYMBOOK_TRAIN", "yes")
    with pytest.raises(ValueError, match="SYMBOOK_TRAIN"):
        cache.retrain_everything()
    monkeypatch.setenv("SYMBOOK_TRAIN", "1")
    assert cache.retrain_everything()


def test_record_use_lists_the_entries_a_build_used(monkeypatch, tmp_path):
    log = tmp_path / "used.txt"
    monkeypatch.setenv("SYMBOOK_USED", str(log))
    cache.record_use("dense", "0123456789abcdef")
    assert log.read_text() == "dense-0123456789abcdef\n"
