"""Build the index of real API names by introspecting an installed module.

Run as ``python -m vaultkit.apiindex.build MODULE OUT_DIR``: it imports the
module (torch takes seconds and hundreds of MB), walks its public namespaces
and the attributes of the classes people call methods through, and writes two
JSON files next to each other:

* ``<stem>.names.json``: what the check needs (qualified name -> kind code,
  walked namespaces, deprecated names); small, loaded on every check.
* ``<stem>.details.json``: signature and first docstring paragraph per name,
  loaded only when the language server asks for hover or completion details.

This module is only ever imported inside that subprocess, so the checking
process never imports torch.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import sys
import time
import types
import warnings

from .cache import FORMAT

# Submodules that ``import torch`` does not load by itself but that notes use.
# Each is imported if it can be (an optional dependency may be missing).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "torch": (
        "torch.nn", "torch.optim", "torch.utils", "torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.nn.utils.rnn",
        "torch.nn.utils.parametrize", "torch.nn.utils.parametrizations", "torch.nn.utils.prune",
        "torch.nn.attention", "torch.optim.lr_scheduler", "torch.optim.swa_utils",
        "torch.utils.data", "torch.utils.checkpoint", "torch.distributions", "torch.linalg",
        "torch.fft", "torch.special", "torch.autograd", "torch.autograd.functional",
        "torch.amp", "torch.cuda", "torch.cuda.amp", "torch.jit", "torch.distributed",
        "torch.func", "torch.export", "torch.profiler", "torch.hub", "torch.sparse",
        "torch.masked", "torch.nested", "torch.random", "torch.backends.cudnn",
        "torch.backends.mps", "torch.mps", "torch.compiler", "torch.fx", "torch.testing",
        "torch.multiprocessing", "torch.ao.quantization", "torch.onnx", "torch.signal",
    ),
    "numpy": ("numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial", "numpy.ma"),
}

# Classes whose attributes are indexed, so that ``nn.Module.paramters`` is
# checked.  Attributes of any other class are not judged: ``nn.Linear.weight``
# is set in ``__init__`` and does not exist on the class.
CLASS_NAMESPACES: dict[str, tuple[str, ...]] = {
    "torch": (
        "torch.Tensor", "torch.nn.Module", "torch.nn.Parameter", "torch.nn.Sequential",
        "torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.ParameterList",
        "torch.nn.ParameterDict", "torch.optim.Optimizer",
        "torch.optim.lr_scheduler.LRScheduler", "torch.utils.data.Dataset",
        "torch.utils.data.DataLoader", "torch.distributions.Distribution",
        "torch.autograd.Function", "torch.Size", "torch.device", "torch.dtype",
        "torch.Generator",
    ),
    "numpy": ("numpy.ndarray", "numpy.dtype"),
}

# How deep to follow submodules reached as attributes (torch.a.b.c.d).
MAX_DEPTH = 5

# Deprecation of the object itself, not of one of its arguments: a top-level
# ``.. deprecated::`` directive, or a sentence about the function/class.
_DEPRECATED_RE = re.compile(
    r"(^\.\. deprecated::"
    r"|\b(?:function|method|class|module|api|this|it)\s+(?:is|has\s+been)\s+(?:now\s+)?deprecated"
    r"|^deprecated[:.,]"
    r"|:(?:func|class|meth):`[^`]+`\s+is\s+(?:now\s+)?deprecated)",
    re.IGNORECASE | re.MULTILINE,
)
# The first cross-reference after the deprecation sentence: what to use instead.
_REPLACEMENT_RE = re.compile(r":?\w*:?`+~?([A-Za-z_][\w.]*)(?:\(\))?`+")


def _public(name: str) -> bool:
    return not name.startswith("_")


def _kind(obj) -> str:
    """One-letter kind: m module, c class, f function/method, p property, a attribute."""
    if isinstance(obj, types.ModuleType):
        return "m"
    if inspect.isclass(obj):
        return "c"
    if isinstance(obj, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
        return "p"
    if callable(obj) or inspect.isroutine(obj) or inspect.ismethoddescriptor(obj):
        return "f"
    return "a"


def _belongs(obj, root: str) -> bool:
    """False for what a module merely imported: ``torch.os``, ``F.np``, ``F.Callable``."""
    if isinstance(obj, types.ModuleType):
        name = getattr(obj, "__name__", "")
        return name == root or name.startswith(root + ".")
    if inspect.isclass(obj) or inspect.isroutine(obj):
        module = getattr(obj, "__module__", None)
        if module is None:
            return True  # C functions without __module__ (torch's builtins)
        return module == root or module.startswith(root + ".") or module.startswith("_" + root)
    module = type(obj).__module__ or ""
    return module not in ("typing", "typing_extensions", "collections.abc", "abc")


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) if not isinstance(obj, (int, float, str, bool)) else None
    if not doc:
        return ""
    paragraph = []
    for line in doc.strip().splitlines():
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)[:600]


def _signature(obj) -> str:
    if not callable(obj):
        return ""
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        pass
    # Many C functions carry their signature as the first docstring line.
    doc = getattr(obj, "__doc__", None) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    match = re.match(r"[\w.]+(\(.*\))", first)
    return match.group(1) if match else ""


def _deprecation(obj) -> tuple[bool, str]:
    """(deprecated?, replacement or "") from PEP 702 marks and docstrings."""
    message = getattr(obj, "__deprecated__", None)
    text = message if isinstance(message, str) else ""
    if text and "deprecated" in text:
        text = text[text.index("deprecated"):]
    if not text:
        try:
            doc = inspect.getdoc(obj) or ""
        except Exception:
            doc = ""
        found = _DEPRECATED_RE.search(doc)
        if found:
            text = doc[found.end(): found.end() + 240]
    if not text:
        return False, ""
    found = _REPLACEMENT_RE.search(text)
    return True, found.group(1) if found else ""


_SELF_ASSIGN = re.compile(r"^\s*self\.([A-Za-z]\w*)\s*(?::[^=\n]+)?=(?!=)", re.MULTILINE)


def _init_attributes(cls) -> set[str]:
    """Public attributes ``__init__`` assigns (``Optimizer.param_groups``, ``DataLoader.dataset``)."""
    found: set[str] = set()
    for klass in getattr(cls, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None or not inspect.isfunction(init):
            continue
        try:
            source = inspect.getsource(init)
        except (OSError, TypeError):
            continue
        found.update(_SELF_ASSIGN.findall(source))
    return found


def _safe_getattr(obj, name):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return True, getattr(obj, name)
    except Exception:
        return False, None


def walk(root: str) -> dict:
    names: dict[str, str] = {}
    details: dict[str, list] = {}
    deprecated: dict[str, str] = {}
    namespaces: list[str] = []
    errors: list[str] = []

    module = importlib.import_module(root)
    for extra in EXTRA_MODULES.get(root, ()):
        try:
            importlib.import_module(extra)
        except Exception as exc:  # an optional dependency is missing
            errors.append(f"{extra}: {type(exc).__name__}: {exc}"[:300])

    canonical: dict[int, str] = {}  # id(object) -> first (shallowest) name seen

    def record(qualified: str, obj) -> str:
        kind = _kind(obj)
        if kind in "mcf" and not isinstance(obj, (int, float, str, bool)):
            first = canonical.setdefault(id(obj), qualified)
            # A second name for the same object (torch.nn.modules.linear.Linear,
            # Sequential.parameters) is valid but not worth suggesting.
            names[qualified] = kind if first == qualified else kind + "~"
        else:
            names[qualified] = kind
        try:
            details[qualified] = [_signature(obj), _summary(obj)]
        except Exception:
            details[qualified] = ["", ""]
        try:
            is_dep, replacement = _deprecation(obj)
        except Exception:
            is_dep, replacement = False, ""
        if is_dep:
            deprecated[qualified] = replacement
        return kind

    record(root, module)
    queue: list[tuple[str, types.ModuleType, int]] = [(root, module, 0)]
    seen_modules = {id(module)}
    while queue:
        qualified, mod, depth = queue.pop(0)
        namespaces.append(qualified)
        members = set(dir(mod))
        if type(mod) is not types.ModuleType:
            # A module replaced by an instance of a ModuleType subclass keeps
            # its settings as class properties (torch.backends.cudnn.benchmark).
            members.update(n for n in dir(type(mod)) if n not in dir(types.ModuleType))
        for name in sorted(members):
            if not _public(name):
                continue
            ok, obj = _safe_getattr(mod, name)
            if not ok or not _belongs(obj, root):
                continue
            child = f"{qualified}.{name}"
            kind = record(child, obj)
            if kind == "m" and id(obj) not in seen_modules and depth < MAX_DEPTH:
                real = obj.__name__
                # Only follow a submodule under its own name (no private detours).
                if real == child and not any(p.startswith("_") for p in real.split(".")):
                    seen_modules.add(id(obj))
                    queue.append((child, obj, depth + 1))

    for class_path in CLASS_NAMESPACES.get(root, ()):
        module_path, _, class_name = class_path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_path), class_name)
        except Exception as exc:
            errors.append(f"{class_path}: {type(exc).__name__}: {exc}"[:300])
            continue
        if class_path not in names:
            record(class_path, cls)
        namespaces.append(class_path)
        members = set(dir(cls))
        # Annotated instance attributes (nn.Module.training) are not in dir().
        for klass in getattr(cls, "__mro__", ()):
            members.update(getattr(klass, "__annotations__", {}) or {})
        instance_attributes = _init_attributes(cls)
        members.update(instance_attributes)
        for name in sorted(members):
            if not _public(name):
                continue
            ok, obj = _safe_getattr(cls, name)
            if not ok:
                # An annotation without a class-level value.
                names[f"{class_path}.{name}"] = "a"
                details[f"{class_path}.{name}"] = ["", ""]
                continue
            record(f"{class_path}.{name}", obj)

    return {
        "names": names,
        "details": details,
        "deprecated": deprecated,
        "namespaces": namespaces,
        # Where suggestions come from: the namespaces people write, not
        # implementation modules (torch.ops.aten, torch.nn.quantized).
        "primary": [ns for ns in (root, *EXTRA_MODULES.get(root, ()), *CLASS_NAMESPACES.get(root, ()))
                    if ns in names],
        "errors": errors,
    }


def module_version(root: str) -> str:
    module = sys.modules.get(root)
    version = getattr(module, "__version__", None)
    return str(version) if version else ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print("usage: python -m vaultkit.apiindex.build MODULE OUT_DIR STEM", file=sys.stderr)
        return 2
    root, out_dir, stem = argv
    started = time.perf_counter()
    # Importing and touching deprecated names warns; the build must stay quiet.
    warnings.simplefilter("ignore")
    try:
        result = walk(root)
    except ImportError as exc:
        print(f"cannot import {root}: {exc}", file=sys.stderr)
        return 3
    seconds = time.perf_counter() - started
    header = {
        "format": FORMAT,
        "module": root,
        "version": module_version(root),
        "build_seconds": round(seconds, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "errors": result["errors"],
    }
    names_doc = dict(
        header,
        names=result["names"],
        namespaces=result["namespaces"],
        primary=result["primary"],
        deprecated=result["deprecated"],
    )
    os.makedirs(out_dir, exist_ok=True)
    # Write details first: a names file is the sign of a complete build.
    _write_atomic(os.path.join(out_dir, stem + ".details.json"), dict(header, details=result["details"]))
    _write_atomic(os.path.join(out_dir, stem + ".names.json"), names_doc)
    print(json.dumps({"names": len(result["names"]), "seconds": header["build_seconds"]}))
    return 0


def _write_atomic(path: str, data: dict) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"), ensure_ascii=False)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
