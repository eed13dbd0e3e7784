"""A value rule's raw values to its field's canonical kind: ``text``, ``texts``, ``int``, ``float``, ``bool``.

``first_text`` and ``all_texts`` are the value functions of the text kinds (values stripped, empty
ones left out; ``texts`` de-duplicated, first occurrence kept). ``coerce_scalar`` converts one value
to a number or a bool and raises ValueError or TypeError when it cannot: the caller reports MAP-TYPE
and tries the next value (``rule_general.GeneralCode.coerce``) or leaves the value to the general
code (``rule_memo``). ``listify`` makes a rule's const, default or variable a list. All pure.
"""

from __future__ import annotations

import math
from typing import Any

from harvester.mapping.numbers import parse_number
from harvester.mapping.spec import Kind
from harvester.mapping.transforms import as_text


def listify(value: Any) -> list[Any]:
    """[] for None, a list or tuple as a list, anything else as a one-element list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def first_text(values: list[Any]) -> list[Any]:
    """``text`` kind: the first non-empty value as stripped text ([] when there is none)."""
    for value in values:
        text = value.strip() if type(value) is str else as_text(value)
        if text:
            return [text]
    return []


def all_texts(values: list[Any]) -> list[Any]:
    """``texts`` kind: every non-empty value as stripped text, duplicates left out, in order."""
    if len(values) == 1 and type(values[0]) is str:
        text = values[0].strip()
        return [text] if text else []
    texts = [v.strip() if type(v) is str else as_text(v) for v in values]  # as_text of a str, inlined
    return list(dict.fromkeys([t for t in texts if t]))


def coerce_scalar(value: Any, kind: Kind) -> Any:
    """``value`` as the ``bool``, ``int`` or ``float`` kind ("ya" / "tidak", "1.234,5" ...); raises
    ValueError (or TypeError) when it is not one (a fraction for ``int``, NaN or infinity)."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        key = str(value).strip().casefold()
        if key in ("true", "1", "ya", "yes", "y"):
            return True
        if key in ("false", "0", "tidak", "no", "n"):
            return False
        raise ValueError("expected yes/no")
    number = parse_number(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else value
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError("not finite")
    if kind == "int":
        if isinstance(number, float) and not number.is_integer():
            raise ValueError("not a whole number")
        return int(number)
    return float(number)
