"""Split an answer into its shape: a scalar, an order-free list/set, or a bracketed tuple/interval.

Sets and solution lists compare order-free, tuples and intervals ordered with their brackets, and a
missing or extra element is a mismatch (math-verify's any-pair semantics accepts "1728" for "1331 and 1728").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .normalize import PLAIN_THOUSANDS, clean_latex

Kind = Literal["scalar", "list", "bracket"]
_SEPARATORS = re.compile(r"\\(?:quad|qquad)|(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])|[,;]")
_OPEN, _CLOSE = "([{", ")]}"
_RELATION = re.compile(r"<|>|\\le|\\ge|\\lt|\\gt|\\neq|=")
_ASSIGNMENT = re.compile(
    r"^\s*(?:\(?\s*[A-Za-z](?:_\{?\w+\}?)?(?:\s*,\s*[A-Za-z](?:_\{?\w+\}?)?)*\s*\)?)\s*(?:=|\\in)\s*(?P<rhs>[^=]+)$"
)


@dataclass(frozen=True)
class Shape:
    """`kind` with its elements (strings); brackets only for `bracket` kind, e.g. "[)"."""

    kind: Kind
    elements: tuple[str, ...]
    brackets: str = ""


def _top_level_splits(text: str) -> list[tuple[int, int]]:
    """Spans of separators that sit outside every bracket and brace."""
    depth, spans = 0, []
    masked = list(text)
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth:
            masked[i] = "\0"
    for m in _SEPARATORS.finditer("".join(masked)):
        spans.append((m.start(), m.end()))
    return spans


def split_top(text: str) -> list[str]:
    """Elements of a top-level list ("1, 2", "-2 \\text{ and } 3"); one element when there is no list."""
    text = re.sub(r"\\text\{\s*(and|or)\s*\}", r" \1 ", text)
    spans = _top_level_splits(text)
    if not spans:
        return [text.strip()]
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def _enclosing(text: str) -> tuple[str, str, str] | None:
    """(open, inner, close) when one bracket pair encloses the whole text."""
    if text.startswith("\\{") and text.endswith("\\}"):
        return "{", text[2:-2], "}"
    if not text or text[0] not in "([" or text[-1] not in ")]":
        return None
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return None
    return text[0], text[1:-1], text[-1]


def expand_pm(text: str) -> list[str]:
    """`1 \\pm \\sqrt{2}` → [`1+\\sqrt{2}`, `1-\\sqrt{2}`]; `\\pm 1` → [`1`, `-1`]."""
    if text.count("\\pm") != 1:
        return [text]
    return [text.replace("\\pm", "+").lstrip("+").strip(), text.replace("\\pm", "-").strip()]


def strip_assignment(text: str) -> str:
    """`x = 3` → `3`, `(x, y) = (1, 2)` → `(1, 2)`, `x \\in [0, 1]` → `[0, 1]`."""
    match = _ASSIGNMENT.match(text)
    return match.group("rhs").strip() if match else text


def is_relation(text: str) -> bool:
    return bool(_RELATION.search(text))


def shape_of(answer: str, *, keep_equations: bool) -> Shape:
    """The shape of a cleaned answer. With `keep_equations=False`, `x = 3` is read as `3`."""
    text = clean_latex(answer)
    if not keep_equations:
        text = strip_assignment(text)
    if text in ("\\emptyset", "\\{\\}"):
        return Shape("list", ())
    if PLAIN_THOUSANDS.match(text):
        return Shape("scalar", (text,))
    enclosed = _enclosing(text)
    if enclosed is not None and "\\cup" not in text:
        opening, inner, closing = enclosed
        parts = split_top(inner) if "\\begin" not in inner else [inner]
        if opening == "{":
            return Shape("list", tuple(e for p in parts for e in expand_pm(p)))
        if len(parts) > 1:
            return Shape("bracket", tuple(parts), opening + closing)
    parts = split_top(text)
    if not keep_equations:
        parts = [strip_assignment(p) for p in parts]
    elements = tuple(e for p in parts for e in expand_pm(p))
    if len(elements) == 1:
        return Shape("scalar", elements)
    return Shape("list", elements)
