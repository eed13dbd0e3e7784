"""Fast construction of the model's frozen, slotted dataclasses, for code that builds many of them.

A frozen dataclass's generated ``__init__`` must set every field through ``object.__setattr__``
(the class's own ``__setattr__`` refuses), a slow generic call: for ``Dataset``'s 80 fields it costs
more than mapping a dozen rules of a record. ``builder(cls)`` returns a function taking the same
keyword arguments with the same defaults that fills an instance of a plain twin class with the same
slots (ordinary, fast attribute stores) and then turns it into a ``cls`` by ``__class__`` assignment,
which Python allows between classes of identical slot layout. The result is exactly what
``cls(**kwargs)`` gives: same type, same field values, equal and hashing alike.

Failure behaviour: a missing required argument or an unknown one raises ``TypeError`` as the class
would. Classes the technique does not fit (no slots of their own, a base class, ``__post_init__``,
``default_factory``, fields outside ``__init__``, init-only variables, a refused ``__class__``
assignment) get ``cls`` itself back: the same result at the ordinary speed.
"""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields, is_dataclass
from functools import lru_cache
from typing import Any, Callable

_RESERVED = frozenset({"_new", "_twin", "_cls", "_obj"})


def _fits(cls: type) -> bool:
    if not is_dataclass(cls) or cls.__bases__ != (object,) or "__slots__" not in cls.__dict__:
        return False
    if hasattr(cls, "__post_init__"):
        return False
    names = [f.name for f in fields(cls)]
    if tuple(cls.__slots__) != tuple(names) or _RESERVED.intersection(names) or any(
            n.startswith("_d_") for n in names):
        return False
    if any(not f.init or f.default_factory is not MISSING for f in fields(cls)):
        return False
    return list(inspect.signature(cls).parameters) == names  # no init-only variables


@lru_cache(maxsize=None)
def builder(cls: type) -> Callable[..., Any]:
    """A keyword-only constructor equivalent to ``cls`` (see the module doc), made once per class."""
    if not _fits(cls):
        return cls
    twin = type(f"_{cls.__name__}Draft", (object,), {"__slots__": cls.__slots__, "__module__": __name__})
    try:  # the layouts must be identical; CPython checks when the class is assigned
        object.__new__(twin).__class__ = cls
    except TypeError:
        return cls
    flds = fields(cls)
    params = ", ".join(f.name if f.default is MISSING else f"{f.name}=_d_{f.name}" for f in flds)
    lines = [f"def build(*, {params}):", "    _obj = _new(_twin)"]
    lines += [f"    _obj.{f.name} = {f.name}" for f in flds]
    lines += ["    _obj.__class__ = _cls", "    return _obj"]
    namespace: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    namespace.update({f"_d_{f.name}": f.default for f in flds if f.default is not MISSING})
    exec("\n".join(lines), namespace)  # noqa: S102 - source built from the class's own field names
    build = namespace["build"]
    build.__qualname__ = f"builder({cls.__name__})"
    build.__doc__ = f"``{cls.__name__}(**kwargs)``, built faster (harvester.model.builders)."
    return build
