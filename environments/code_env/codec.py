"""The closed typed encoding of values crossing between a candidate and its checker.

JSON values plus tuple, set, frozenset, bytes, complex and non-finite floats, and nothing user-defined:
exact types only (an `int` subclass or an object with a custom `__eq__` cannot be encoded), so whatever
the checker compares is plain built-in data. Stdlib only: this file is also shipped into the sandboxes.
"""

from __future__ import annotations

import base64
import json
import math
import re

MAX_DEPTH = 200
_SAFE_INT = 2**53  # larger ints travel as hex text: no float rounding, no str-digit limit
# What one protocol line may decode into, counted before it is decoded: a 4 MiB line of `[{},{},...]`
# would otherwise become ~1.4 million dicts (~110 MB). Containers cost the most, so they have their own
# cap. A candidate's largest honest line (a batch of MAX_BATCH answers) holds ~90k values.
MAX_VALUES = 1 << 18
MAX_CONTAINERS = 1 << 16
# A string (skipped whole: its content cannot open a container) or one structural character.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[][{},:]')
_OPEN, _CLOSE, _SEPARATOR = frozenset(b"[{"), frozenset(b"]}"), frozenset(b",:")


class EncodeError(TypeError):
    """A value outside the closed encoding (a user-defined object, a subclass, a cycle, too deep)."""


class DecodeError(ValueError):
    """A message that is not a well-formed encoding."""


def encode(value, depth: int = 0):
    """A JSON-ready form of `value`; raises EncodeError for anything outside the closed set."""
    if depth > MAX_DEPTH:
        raise EncodeError(f"value nested deeper than {MAX_DEPTH}")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -_SAFE_INT < value < _SAFE_INT else {"$": "int", "v": format(value, "x")}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple or kind is set or kind is frozenset:
        return {"$": kind.__name__, "v": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is bytes:
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"$": "complex", "v": [encode(value.real, depth + 1), encode(value.imag, depth + 1)]}
    raise EncodeError(f"cannot encode a value of type {kind.__name__!r} (only built-in data types cross)")


def _decode_tagged(obj: dict, depth: int):
    if set(obj) != {"$", "v"}:
        raise DecodeError(f"unexpected object keys {sorted(obj)[:5]}")
    tag, raw = obj["$"], obj["v"]
    if tag == "int" and type(raw) is str:
        return int(raw, 16)
    if tag == "float" and raw in ("nan", "inf", "-inf"):
        return float(raw)
    if tag == "bytes" and type(raw) is str:
        return base64.b64decode(raw.encode("ascii"), validate=True)
    if type(raw) is not list:
        raise DecodeError(f"bad payload for tag {tag!r}")
    items = [decode(item, depth + 1) for item in raw]
    if tag == "tuple":
        return tuple(items)
    if tag == "set":
        return set(items)
    if tag == "frozenset":
        return frozenset(items)
    if tag == "dict" and all(type(pair) is list and len(pair) == 2 for pair in items):
        return {k: v for k, v in items}
    if tag == "complex" and len(items) == 2 and all(type(x) in (int, float) for x in items):
        return complex(items[0], items[1])
    raise DecodeError(f"unknown or malformed tag {tag!r}")


def decode(obj, depth: int = 0):
    """The value an `encode` result stands for; raises DecodeError on anything malformed."""
    if depth > MAX_DEPTH:
        raise DecodeError(f"value nested deeper than {MAX_DEPTH}")
    kind = type(obj)
    if obj is None or kind in (bool, int, float, str):
        return obj
    if kind is list:
        return [decode(item, depth + 1) for item in obj]
    if kind is dict:
        try:
            return _decode_tagged(obj, depth)
        except (TypeError, ValueError) as exc:  # unhashable set members, bad base64, bad hex
            raise DecodeError(str(exc)) from None
    raise DecodeError(f"unexpected JSON type {kind.__name__}")


def _no_constant(token: str):
    raise DecodeError(f"non-standard JSON token {token!r}")


def strict_json(text: str | bytes):
    """Standard JSON only (no NaN/Infinity tokens); raises DecodeError on anything else."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # DecodeError is a ValueError too
        raise DecodeError(f"not standard JSON: {exc}") from None


def value_text(value) -> str:
    """A value's encoding as JSON text: it crosses the host as an opaque string (the host never builds
    objects from what a candidate returns; the sandboxed checker parses it with `text_value`)."""
    return json.dumps(encode(value), separators=(",", ":"), allow_nan=False)


def text_value(text):
    """The value `value_text` produced; raises DecodeError on anything malformed."""
    if type(text) is not str:
        raise DecodeError("a value must arrive as JSON text")
    return decode(strict_json(text))


def dumps(message: dict) -> bytes:
    """One protocol line: compact ASCII JSON (never a raw newline inside) plus a newline."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode("ascii") + b"\n"


def measure(line: bytes) -> None:
    """Raise DecodeError unless `line` decodes into at most MAX_VALUES values, MAX_CONTAINERS of them
    lists or objects. Counted on the text before anything is built: first an upper bound (structural
    characters, strings included), then, only when that is over a cap, exactly (strings skipped, nesting
    past MAX_DEPTH + 8 refused), given up as soon as a cap is passed."""
    opening = line.count(b"[") + line.count(b"{")  # upper bounds: strings may hold these characters too
    if opening <= MAX_CONTAINERS and opening + line.count(b",") + line.count(b":") < MAX_VALUES:
        return  # deeper nesting than the recursion limit still fails in strict_json, at no cost
    values, containers, depth = 1, 0, 0
    for token in _TOKEN.finditer(line):
        char = line[token.start()]
        if char in _SEPARATOR:
            values += 1
        elif char in _OPEN:
            values, containers, depth = values + 1, containers + 1, depth + 1
            if depth > MAX_DEPTH + 8:
                raise DecodeError(f"a message nested deeper than {MAX_DEPTH + 8}")
        elif char in _CLOSE:
            depth -= 1
        if values > MAX_VALUES or containers > MAX_CONTAINERS:
            raise DecodeError(f"a message of more than {MAX_VALUES} values or {MAX_CONTAINERS} lists and "
                              "objects")


def loads(line: bytes) -> dict:
    """Parse one protocol line (bounded by `measure`) into a JSON object; raises DecodeError otherwise."""
    measure(line)
    message = strict_json(line)
    if type(message) is not dict:
        raise DecodeError("a protocol line must be a JSON object")
    return message
