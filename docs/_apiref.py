"""What the API reference's templates (``docs/api/_templates``) need beyond autosummary.

autosummary lists a package's functions, classes and exceptions from its ``__all__``; two
things it cannot do for packages that re-export names defined in their submodules:

- the constants and objects of ``__all__`` (tuples of names, the unit registry, ...): their
  description is the ``#:`` comment above their assignment in the submodule that defines
  them, which autosummary does not look for (:func:`public_data`);
- a class exported by two packages (``linkage.InputError`` is ``conversions.InputError``)
  must be documented once, or its canonical name is registered twice
  (:func:`reexported_classes`).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from types import ModuleType

from sphinx.pycode import ModuleAnalyzer


def _submodules(package: ModuleType) -> list[ModuleType]:
    """The package and its already imported submodules (importing one has no side effect
    here: a package's ``__init__`` imports what its ``__all__`` names)."""
    out = [package]
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
        module = sys.modules.get(info.name)
        if module is not None:
            out.append(module)
    return out


def _is_data(name: str, obj: object) -> bool:
    """Neither a routine nor a module, nor a class exported under its own name (an alias
    such as ``Q_ = ureg.Quantity`` is data)."""
    if inspect.isclass(obj):
        return obj.__name__ != name
    return not (inspect.isroutine(obj) or inspect.ismodule(obj))


def _value(obj: object) -> str | None:
    """A short literal value for the page, or None (shown by type instead)."""
    literal = isinstance(obj, str) or (
        isinstance(obj, (tuple, list)) and all(isinstance(x, str) for x in obj))
    text = repr(obj)
    return text if literal and len(text) <= 400 else None


def public_data(packages: list[str]) -> dict[str, list[dict[str, object]]]:
    """``{package: [{"name", "doc", "value", "type", "alias", "defined_in"}, ...]}``: the
    names of each package's ``__all__`` that are neither routines, modules nor classes under
    their own name, with the ``#:`` comment of the assignment that defines them (in the
    package or a submodule). ``type`` is the class itself for an alias of a class."""
    out: dict[str, list[dict[str, object]]] = {}
    for pkg in packages:
        package = importlib.import_module(pkg)
        items = []
        for name in package.__all__:
            obj = getattr(package, name)
            if not _is_data(name, obj):
                continue
            doc, home = [], pkg
            for module in _submodules(package):
                if getattr(module, name, None) is not obj:
                    continue
                comment = ModuleAnalyzer.for_module(module.__name__).find_attr_docs()
                if ("", name) in comment:
                    doc, home = [line for line in comment["", name] if line.strip()], \
                        module.__name__
                    break
            kind = obj if inspect.isclass(obj) else type(obj)
            items.append({"name": name, "doc": doc, "value": _value(obj),
                          "type": f"{kind.__module__}.{kind.__qualname__}".replace(
                              "builtins.", ""),
                          "alias": inspect.isclass(obj), "defined_in": home})
        out[pkg] = items
    return out


def reexported_classes(packages: list[str]) -> dict[str, str]:
    """``{"linkage.LinkageError": "conversions.LinkageError", ...}``: classes that several
    of ``packages`` export, each mapped to the one that defines it (the package whose name is
    the longest prefix of the class's module), whose page documents it."""
    out = {}
    for pkg in packages:
        module = importlib.import_module(pkg)
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            homes = [p for p in packages
                     if obj.__module__ == p or obj.__module__.startswith(p + ".")]
            home = max(homes, key=len, default=pkg)
            if home != pkg and name in importlib.import_module(home).__all__ \
                    and getattr(importlib.import_module(home), name) is obj:
                out[f"{pkg}.{name}"] = f"{home}.{name}"
    return out
