"""Numeric text for transforms: ``parse_number`` (Indonesian and English separators) and
``region_code`` (Kemendagri region codes in dotted or digit notation).

Both functions are pure and raise only ``ValueError`` (with a short reason) on bad input.
"""

from __future__ import annotations

import re

_NUMBER_CHARS = re.compile(r"^[+-]?[\d.,]+$")
_CURRENCY = re.compile(r"^(rp\.?|idr|usd|\$|€)\s*", re.IGNORECASE)


def parse_number(value: object, *, decimal: str = "auto") -> int | float:
    """A number from text such as ``1.234.567,89`` (id), ``1,234,567.89`` (en), ``12,5%``, ``Rp 1.500``.

    ``decimal`` is ``","``, ``"."`` or ``"auto"``. With ``auto``: when both separators occur the
    last one is the decimal mark; a separator that occurs more than once groups thousands; a single
    separator followed by exactly three digits (``1.500``, ``2,500``) groups thousands, otherwise it is
    the decimal mark (``8951.96``, ``0,5``). Set ``decimal`` explicitly for sources where ``1.234``
    means one point two three four. A percentage keeps its number (``12,5%`` -> 12.5).
    Returns an int when there is no decimal part in the text.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    if not isinstance(value, str):
        raise ValueError(f"cannot read a number from {type(value).__name__}")
    if value.isdigit() and value.isascii() and len(value) <= 64:
        return int(value)  # plain digits (byte sizes, counts): what the general reading gives
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    text = _CURRENCY.sub("", text)
    if text.endswith("%"):
        text = text[:-1]
    if not text or len(text) > 64 or not _NUMBER_CHARS.match(text) or not any(c.isdigit() for c in text):
        raise ValueError("not a number")
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    dec = _decimal_mark(text, decimal)
    group = "." if dec == "," else ","
    if dec is None:
        digits, frac = text.replace(".", "").replace(",", ""), None
    else:
        head, _, frac = text.rpartition(dec)
        digits = head.replace(group, "")
        if dec in digits or group in frac or dec in frac:
            raise ValueError("misplaced separators")
    if not digits and not frac:
        raise ValueError("not a number")
    if not (digits or "0").isdigit() or (frac is not None and not (frac or "0").isdigit()):
        raise ValueError("misplaced separators")
    if frac is None:
        return int(sign + digits)
    return float(f"{sign}{digits or '0'}.{frac or '0'}")


def _decimal_mark(text: str, decimal: str) -> str | None:
    if decimal in (",", "."):
        return decimal if decimal in text else None
    if decimal != "auto":
        raise ValueError(f"decimal must be ',', '.' or 'auto', not {decimal!r}")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        return "," if text.rfind(",") > text.rfind(".") else "."
    sep = "." if has_dot else "," if has_comma else None
    if sep is None:
        return None
    if text.count(sep) > 1:
        return None  # grouping only
    head, _, tail = text.partition(sep)
    if len(tail) == 3 and 1 <= len(head) <= 3 and head != "0":
        return None  # 1.500 / 2,500: thousands grouping
    return sep


# --- region codes --------------------------------------------------------------------------------


class FloatCoercedCode(ValueError):
    """A region code that went through a float and lost digits (``35.1`` for ``35.10``)."""

_PARTS = (2, 2, 2, 4)  # province . kab/kota . kecamatan . desa/kelurahan (Kemendagri)
_DIGIT_LENGTHS = {2: 1, 4: 2, 6: 3, 10: 4}  # digits -> number of Kemendagri parts


def region_code(value: object, *, to: str = "kemendagri") -> str:
    """Normalise a region code. ``to='kemendagri'`` gives ``35.72`` / ``35.72.01.1001``;
    ``to='bps'`` gives the digit notation ``3572`` / ``3572011001``.

    Accepts dotted Kemendagri codes and digit strings of 2, 4, 6 or 10 digits read positionally
    (PP KK CC DDDD), an integer, or a float-artefact text such as ``3201.0`` (pandas). This changes
    the *notation* only: BPS numbers below kab/kota level (and for a few kab/kota, e.g. in Sumatera
    Selatan and Papua) differ from Kemendagri ones; translating numbers needs the wilayah code list.
    A 7-digit BPS kecamatan code is only accepted with ``to='bps'``.

    Raises ``FloatCoercedCode`` (a ValueError) for a float-coerced code (``35.1`` lost the trailing
    zero of ``35.10``) and ValueError for anything else that is not a region code.
    """
    if to not in ("kemendagri", "bps"):
        raise ValueError(f"to must be 'kemendagri' or 'bps', not {to!r}")
    if isinstance(value, bool):
        raise ValueError("a boolean is not a region code")
    if isinstance(value, float):
        if not value.is_integer():
            raise FloatCoercedCode(f"region code given as a number ({value!r}); float-coerced codes lose "
                             f"trailing zeros (35.10 -> 35.1): store codes as text")
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"cannot read a region code from {type(value).__name__}")
    text = value.strip().replace(" ", "")
    m = re.fullmatch(r"(\d+)\.0+", text)
    if m and len(m.group(1)) in (*_DIGIT_LENGTHS, 7):
        text = m.group(1)  # '3201.0': a float round-trip of a digit code, the value is intact
    if text.isdigit():
        if len(text) == 7 and to == "bps":
            return text
        count = _DIGIT_LENGTHS.get(len(text))
        if count is None:
            raise ValueError(f"{value!r} is not a region code (expected 2, 4, 6 or 10 digits)")
        parts, pos = [], 0
        for size in _PARTS[:count]:
            parts.append(text[pos : pos + size])
            pos += size
    else:
        parts = text.split(".")
        if len(parts) > 4 or any(len(p) != size or not p.isdigit() for p, size in zip(parts, _PARTS)):
            if len(parts) == 2 and len(parts[1]) == 1 and all(p.isdigit() for p in parts):
                raise FloatCoercedCode(f"float-coerced region code {value!r}: store codes as text (e.g. "
                                 f"{parts[0]}.{parts[1]}0, not {parts[0]}.{parts[1]})")
            raise ValueError(f"{value!r} is not a Kemendagri region code (PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD)")
    if any(int(p) == 0 for p in parts):
        raise ValueError(f"{value!r} is not a region code (a part is zero)")
    return ".".join(parts) if to == "kemendagri" else "".join(parts)
