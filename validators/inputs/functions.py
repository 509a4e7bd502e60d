"""The few Terraform functions and operators the evaluator computes before plan, on known
values only (the evaluator has already turned unknown arguments into Unresolved).

A function that cannot compute its result raises `Bad`; its message becomes the reason of
an Unresolved. `Sourced` text (from file()) keeps its origin through the string functions,
so `trimspace(file("cert.pem"))` still names cert.pem.
"""

from __future__ import annotations

import re

from ..findings import Where
from ..model import Ref, Unresolved


class Sourced(str):
    """Text read by file(): remembers the file it came from (a PEM's origin)."""

    origin: Where


class Bad(Exception):
    """Arguments that do not fit; the message becomes the Unresolved reason."""


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_whole(v) -> bool:
    """An int, or a float without a fraction (never float() on an int: it may overflow)."""
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def is_index(v) -> bool:
    return is_whole(v) or (isinstance(v, str) and re.fullmatch(r"[0-9]{1,18}", v) is not None)


def to_text(v) -> str | None:
    """A known primitive as Terraform prints it in a template; None for lists, objects, null."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)  # Terraform prints 1500, not 1500.0
    return None


def _equal(a, b) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    return type(a) is type(b) and a == b


def _arith(op):
    def run(a, b):
        if not (is_number(a) and is_number(b)):
            return None
        result = op(a, b)
        # No real argument needs more; a chain of squarings through locals would
        # otherwise grow numbers without bound.
        return None if isinstance(result, int) and result.bit_length() > 256 else result
    return run


def _logic(op):
    def run(a, b):
        return op(a, b) if isinstance(a, bool) and isinstance(b, bool) else None
    return run


# Binary operators: None when the operands do not fit.
OPERATORS = {
    "+": _arith(lambda a, b: a + b), "-": _arith(lambda a, b: a - b), "*": _arith(lambda a, b: a * b),
    "/": _arith(lambda a, b: a / b), "%": _arith(lambda a, b: a % b),
    "<": _arith(lambda a, b: a < b), ">": _arith(lambda a, b: a > b),
    "<=": _arith(lambda a, b: a <= b), ">=": _arith(lambda a, b: a >= b),
    "==": _equal, "!=": lambda a, b: not _equal(a, b),
    "&&": _logic(lambda a, b: a and b), "||": _logic(lambda a, b: a or b),
}


def _keep_origin(fn):
    def run(s):
        if not isinstance(s, str):
            raise Bad("expects a string")
        out = fn(s)
        if isinstance(s, Sourced):
            out = Sourced(out)
            out.origin = s.origin
        return out
    return run


_FORMAT_VERB = re.compile(r"%(.)")


def _format(fmt, *args):
    if not isinstance(fmt, str):
        raise Bad("format() needs a format string")
    values = list(args)

    def verb(m: re.Match) -> str:
        v = m.group(1)
        if v == "%":
            return "%"
        if not values:
            raise Bad("format() has too few arguments")
        a = values.pop(0)
        if v in "sv" and to_text(a) is not None:
            return to_text(a)
        if v == "d" and is_whole(a):
            return str(int(a))
        if v == "q" and isinstance(a, str):
            return '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if v == "t" and isinstance(a, bool):
            return "true" if a else "false"
        raise Bad(f"format() verb %{v} is not evaluated here")
    return _FORMAT_VERB.sub(verb, fmt)


def _as_list(v) -> list:
    if not isinstance(v, list):
        raise Bad("expects a list")
    return v


def _join(sep, *lists):
    items = [x for lst in lists for x in _as_list(lst)]
    if any(isinstance(x, (Ref, Unresolved)) for x in items):
        raise Bad("an element is known only at plan")
    texts = [to_text(x) for x in items]
    if not isinstance(sep, str) or None in texts:
        raise Bad("join() needs a separator and lists of strings")
    return sep.join(texts)


def _toset(v):
    out = []
    for x in _as_list(v):
        if x not in out:
            out.append(x)
    return sorted(out) if all(isinstance(x, str) for x in out) else out  # Terraform orders string sets


def _coalesce(*args):
    for a in args:
        if isinstance(a, (Ref, Unresolved)):
            raise Bad("an earlier argument is known only at plan")
        if a is not None and a != "":
            return a
    raise Bad("coalesce() found no non-null argument")


def _lookup(mapping, key, *default):
    if not isinstance(mapping, dict) or not isinstance(key, str):
        raise Bad("lookup() needs a map and a key")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise Bad(f"the map has no key {key!r} and lookup() has no default")


def _tostring(v):
    text = to_text(v)
    if text is None and v is not None:
        raise Bad("tostring() needs a string, number or bool")
    return text


def _tonumber(v):
    if is_number(v):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            return float(v)
    raise Bad("tonumber() needs a number or a numeric string")


# file() is not here: it needs the root module's directory (evaluate.Scope._file).
FUNCTIONS = {
    "trimspace": _keep_origin(str.strip), "lower": _keep_origin(str.lower), "upper": _keep_origin(str.upper),
    "chomp": _keep_origin(lambda s: s.rstrip("\r\n")),
    "format": _format, "join": _join,
    "concat": lambda *lists: [x for lst in lists for x in _as_list(lst)],
    "tolist": lambda v: list(_as_list(v)), "toset": _toset, "coalesce": _coalesce, "lookup": _lookup,
    "tostring": _tostring, "tonumber": _tonumber,
}
