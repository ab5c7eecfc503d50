"""The training cache: a content key for every run, and entries shipped with the book.

A trained network is stored as two files, ``<name>-<key>.weights.h5`` and
``<name>-<key>.json`` (history, test scores, metadata), in :data:`CACHE_DIR`:
``weights/cache/`` in the repository, so the book's networks ship with it and every
clean clone, CI run and reader loads them instead of training. The key is a hash of
everything that determines the result (:func:`run_key`):

- the code that runs: the builder and the augmentation with every function, class and
  constant of ``lib`` (or of the notebook) that they reach (:func:`function_fingerprint`),
  and the modules that feed and train a model (:data:`TRAINING_MODULES`); comments,
  docstrings and layout do not count, so editing them keeps every shipped network;
- the config, the data by content, every training argument;
- the TensorFlow, Keras and NumPy versions.

What the code changed misses the cache and is trained (and written there) as before.
``SYMBOOK_TRAIN=1`` retrains everything; ``SYMBOOK_CACHE=DIR`` uses another folder.
"""

from __future__ import annotations

import ast
import dis
import hashlib
import inspect
import json
import numbers
import os
import sys
import tempfile
import textwrap
import types
from pathlib import Path
from typing import Callable

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The shipped networks (override with the environment variable ``SYMBOOK_CACHE``).
SHIPPED_DIR = REPO_ROOT / "weights" / "cache"

#: The modules that feed and train every model: their code is part of every key.
TRAINING_MODULES = ("pipeline.py", "train.py", "keras_internals.py")

#: Bumped when the layout of an entry changes; older entries are retrained.
CACHE_FORMAT = 4


def cache_dir() -> Path:
    """Where entries are read and written: ``$SYMBOOK_CACHE`` or :data:`SHIPPED_DIR`."""
    return Path(os.environ["SYMBOOK_CACHE"]) if os.environ.get("SYMBOOK_CACHE") else SHIPPED_DIR


def retrain_everything() -> bool:
    """``True`` when ``SYMBOOK_TRAIN=1``: train every network anew, reading no entry."""
    value = os.environ.get("SYMBOOK_TRAIN", "")
    if value not in ("", "0", "1"):
        raise ValueError(f"SYMBOOK_TRAIN must be 1 (retrain every network) or 0/unset, got {value!r}")
    return value == "1"


# --- fingerprints ------------------------------------------------------------------------------


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


def module_fingerprint(*names: str) -> str:
    """:func:`code_fingerprint` over modules of ``lib/`` given by file name."""
    lib_dir = Path(__file__).resolve().parent
    return hashlib.sha256("".join(code_fingerprint((lib_dir / m).read_text()) for m in names)
                          .encode()).hexdigest()[:16]


def _ours(obj) -> bool:
    """Is ``obj`` code of this book (``lib``) or of the notebook running it (``__main__``)?"""
    module = getattr(obj, "__module__", None) or ""
    return module == "lib" or module.startswith("lib.") or module == "__main__"


def _source_fingerprint(obj) -> str:
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        if code is None:
            raise TypeError(f"cannot read the code of {obj!r}: define it in a module or a notebook cell") from None
        return hashlib.sha256(f"{code.co_code.hex()}|{code.co_consts!r}|{code.co_names!r}".encode()).hexdigest()[:16]
    try:
        return code_fingerprint(source)
    except SyntaxError:  # a lambda in the middle of a line: hash its text
        return hashlib.sha256(source.strip().encode()).hexdigest()[:16]


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _referenced(obj):
    """The names ``obj``'s code uses, and the ``lib`` modules it imports inside functions."""
    functions = [obj] if inspect.isfunction(obj) else [
        f for v in vars(obj).values()
        for f in [getattr(v, "__func__", v), getattr(v, "fget", None)] if inspect.isfunction(f)]
    names, modules = set(), set()
    for f in functions:
        for code in _code_objects(f.__code__):
            names.update(code.co_names)
            for ins in dis.get_instructions(code):
                if ins.opname == "IMPORT_NAME" and str(ins.argval).split(".")[0] == "lib":
                    modules.add(str(ins.argval))
    return names, modules


def _constant(value):
    """A stable text for a module constant, or ``None`` for what is not one."""
    try:
        return json.dumps(_canonical(value), sort_keys=True)
    except TypeError:
        text = repr(value)
        return None if " at 0x" in text else text


def function_fingerprint(func: Callable, what: str = "build") -> str:
    """SHA-256 (16 hex digits) of ``func`` and of all the book's code it can reach.

    Starting from ``func``, every name its code uses is looked up in its module (and in the
    ``lib`` modules it imports): functions and classes of ``lib`` (or of the notebook) are
    followed, with their default arguments; the values of module constants (numbers,
    strings, tuples, dicts, arrays) are included; Keras, TensorFlow and NumPy are covered by
    their versions. So editing a helper that a builder calls, or a constant it reads,
    changes the key, and editing anything else does not.

    Refuses what the key cannot see: a closure (a function that reads variables of the
    function that made it) and a ``functools.partial``; pass such values in ``config``.
    """
    if not callable(func):
        raise TypeError(f"{what} must be a function, got {func!r}")
    if inspect.ismethod(func):
        func = func.__func__
    if not (inspect.isfunction(func) or inspect.isclass(func)):
        raise TypeError(f"{what} must be a function defined with def or lambda (got {type(func).__name__}): "
                        "the cache key reads its code; pass fixed arguments in config instead of functools.partial")
    return hashlib.sha256(json.dumps(function_parts(func, what), sort_keys=True).encode()).hexdigest()[:16]


def function_parts(func: Callable, what: str = "build") -> dict[str, str]:
    """What :func:`function_fingerprint` hashes: ``{"module.name": fingerprint or value}`` for
    ``func`` and everything of the book's code it reaches."""
    if inspect.ismethod(func):
        func = func.__func__
    parts: dict[str, str] = {}
    _collect(func, parts, what)
    return parts


def _collect(obj, parts: dict, what: str):
    label = f"{obj.__module__}.{obj.__qualname__}"
    if label in parts:
        return
    if inspect.isfunction(obj) and obj.__closure__:
        free = ", ".join(obj.__code__.co_freevars)
        raise TypeError(f"{what} {obj.__qualname__!r} is a closure: it reads {free} from the function that "
                        "defined it, which the cache key cannot see. Define it at the top level of a module "
                        "or notebook cell and pass such values through config")
    defaults = (getattr(obj, "__defaults__", None), getattr(obj, "__kwdefaults__", None))
    parts[label] = _source_fingerprint(obj) + (_constant(defaults) or "") if inspect.isfunction(obj) \
        else _source_fingerprint(obj)
    if inspect.isclass(obj):
        for base in obj.__bases__:
            if _ours(base):
                _collect(base, parts, what)
    namespace = sys.modules[obj.__module__].__dict__ if inspect.isclass(obj) else obj.__globals__
    names, imported = _referenced(obj)
    modules = [sys.modules[m] for m in imported if m in sys.modules]
    modules += [v for n in names if isinstance(v := namespace.get(n), types.ModuleType) and _ours_module(v)]
    for name in sorted(names):
        candidates = [(namespace, namespace.get(name, _MISSING))]
        candidates += [(vars(m), getattr(m, name, _MISSING)) for m in modules]
        for home, value in candidates:
            if value is _MISSING or isinstance(value, types.ModuleType):
                continue
            if (inspect.isfunction(value) or inspect.isclass(value)) and _ours(value):
                _collect(value, parts, what)
            elif not callable(value) and not inspect.isclass(value):
                module = home.get("__name__", "")
                if module == "__main__" or module.startswith("lib"):
                    text = _constant(value)
                    if text is not None:
                        parts[f"{module}.{name}"] = text


def _ours_module(module) -> bool:
    return module.__name__ == "lib" or module.__name__.startswith("lib.")


_MISSING = object()


def _canonical(value, where="config"):
    """A JSON-able, unambiguous form of a config value (arrays by content, never ``str()``)."""
    if isinstance(value, dict):
        return {str(k): _canonical(v, f"{where}[{k!r}]")
                for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
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
    """SHA-256 (16 hex digits) of the canonical form of ``fields`` (see :func:`_canonical`)."""
    return hashlib.sha256(json.dumps(_canonical(fields), sort_keys=True).encode()).hexdigest()[:16]


def machine() -> dict:
    """The CPU a network was trained on: same code, CPU kind and thread count give the same bits."""
    import platform
    import re

    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.*)", info)
    return {"cpu": model.group(1).strip() if model else platform.processor(),
            "avx512f": "avx512f" in info, "cores": os.cpu_count()}


def versions() -> dict:
    """The versions a trained network depends on."""
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


# --- entries -------------------------------------------------------------------------------


def entry_paths(directory: Path, name: str, key: str) -> tuple[Path, Path]:
    """The weights and metadata files of an entry."""
    return directory / f"{name}-{key}.weights.h5", directory / f"{name}-{key}.json"


def load_entry(model, weights_path: Path, meta_path: Path):
    """The entry's metadata dict with the weights loaded into ``model``, or ``None`` to retrain.

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


def save_entry(model, meta: dict, weights_path: Path, meta_path: Path):
    """Write the weights, then the metadata, each to a temporary file renamed into place.

    A reader sees either no entry or a whole one (the metadata, written last, marks it
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
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, meta_path)


def record_use(name: str, key: str):
    """Append ``<name>-<key>`` to the file ``$SYMBOOK_USED`` (set while the book builds).

    The list of entries the book used: a test compares it with what ships, so no shipped
    network is dead weight.
    """
    path = os.environ.get("SYMBOOK_USED")
    if path:
        with open(path, "a") as f:
            f.write(f"{name}-{key}\n")


# --- generated data ------------------------------------------------------------------------

#: Where generated data sets ship (Monte Carlo samples): ``<name>-<key>.npz``.
SAMPLES_DIR = REPO_ROOT / "weights" / "samples"


def samples_dir() -> Path:
    """Where generated data is read and written: ``$SYMBOOK_SAMPLES`` or :data:`SAMPLES_DIR`."""
    return Path(os.environ.get("SYMBOOK_SAMPLES", SAMPLES_DIR))


def data_key(make: Callable, arguments: dict) -> str:
    """The key of a generated data set: the code ``make`` reaches (:func:`function_fingerprint`),
    its ``arguments`` and the NumPy version (its generators and arithmetic make the numbers)."""
    return cache_key({"code": function_fingerprint(make, "make"), "arguments": arguments,
                      "numpy": np.__version__})


def generated(name: str, make: Callable, directory: Path | None = None, unkeyed: dict | None = None,
              **arguments) -> dict:
    """``make(**arguments)``, a dict of NumPy arrays, read from ``<name>-<key>.npz`` if it exists.

    Like a trained network, a data set is keyed on the code that makes it and its arguments
    (:func:`data_key`) and ships in :data:`SAMPLES_DIR`; what is missing (or ``SYMBOOK_TRAIN=1``)
    is made and written there. ``unkeyed``: objects ``make`` also receives that cannot be
    part of a key (a model, arrays); the caller passes what identifies them among
    ``arguments`` (a network's cache key, a fingerprint of the arrays). Returns ``{array
    name: array}``.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty file name (no '/'), got {name!r}")
    key = data_key(make, arguments)
    directory = samples_dir() if directory is None else Path(directory)
    path = directory / f"{name}-{key}.npz"
    arrays = None
    if path.is_file() and not retrain_everything():
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {k: stored[k] for k in stored.files}
        except Exception as err:  # noqa: BLE001 (an unreadable file means: make it again)
            print(f"data file {path.name} cannot be read ({str(err)[:120]}); making it again", flush=True)
    if arrays is None:
        arrays = make(**arguments, **(unkeyed or {}))
        if not isinstance(arrays, dict) or not all(isinstance(v, np.ndarray) for v in arrays.values()):
            raise TypeError(f"{make.__name__} must return a dict of NumPy arrays, got {type(arrays).__name__}")
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npz")
        os.close(fd)
        try:
            np.savez_compressed(tmp, **arrays)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    record_use(f"samples/{name}", key)
    return arrays


# --- what ships ------------------------------------------------------------------------------


def shipped_entries(directory: Path | None = None) -> list[dict]:
    """One dict per entry in ``directory`` (default :data:`SHIPPED_DIR`), sorted by file name:
    ``name``, ``key``, ``bytes`` (both files), ``params``, ``epochs``, ``test_accuracy``,
    ``train_seconds``, ``machine``."""
    directory = SHIPPED_DIR if directory is None else Path(directory)
    out = []
    for meta_path in sorted(directory.glob("*.json")):
        name, key = meta_path.stem.rsplit("-", 1)
        weights_path = meta_path.with_name(f"{meta_path.stem}.weights.h5")
        meta = json.loads(meta_path.read_text())
        out.append({"name": name, "key": key,
                    "bytes": meta_path.stat().st_size + (weights_path.stat().st_size if weights_path.exists() else 0),
                    "params": meta.get("params"), "epochs": len(meta.get("history", {}).get("loss", [])),
                    "test_accuracy": meta.get("test_accuracy"), "train_seconds": meta.get("train_seconds"),
                    "machine": meta.get("machine")})
    return out


def shipped_table(directory: Path | None = None) -> str:
    """A Markdown table of :func:`shipped_entries`, with the total size."""
    entries = shipped_entries(directory)
    lines = ["| network | key | parameters | epochs | test accuracy | size |", "|---|---|---|---|---|---|"]
    for e in entries:
        acc = "" if e["test_accuracy"] is None else f"{100 * e['test_accuracy']:.2f} %"
        lines.append(f"| `{e['name']}` | `{e['key']}` | {e['params']:,} | {e['epochs']} | {acc} | "
                     f"{e['bytes'] / 1024:,.0f} KiB |")
    total = sum(e["bytes"] for e in entries)
    lines.append(f"\n{len(entries)} networks, {total / 2**20:.1f} MiB in all.")
    return "\n".join(lines)


#: The markers around the generated list in ``weights/README.md``.
README_MARKERS = ("<!-- shipped networks: generated by `python -m lib.cache`; do not edit -->",
                  "<!-- end of shipped networks -->")


def write_readme_table(readme: Path | None = None) -> str:
    """Replace the generated list of shipped networks in ``weights/README.md``; its new text."""
    readme = REPO_ROOT / "weights" / "README.md" if readme is None else readme
    text = readme.read_text()
    begin, end = README_MARKERS
    if begin not in text or end not in text:
        raise ValueError(f"{readme} has no generated section: put the lines {begin!r} and {end!r} where "
                         "the list belongs")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{begin}\n{shipped_table()}\n{end}{tail}"
    readme.write_text(new)
    return new


if __name__ == "__main__":
    write_readme_table()
    print(shipped_table())
