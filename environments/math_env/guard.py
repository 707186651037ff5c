"""Refuse inputs that would make sympy explode (power towers, giant factorials, huge answers) before parsing.

The executor's kill is the backstop; these checks make the common bombs come back at once, flagged.
"""

from __future__ import annotations

import math
import re

MAX_ANSWER_CHARS = 2000
MAX_DIGITS = 20_000  # digits of an integer sympy would have to build; 2006! has 5,700
MAX_EXPONENT = 100_000  # x^{10^6} is left symbolic by sympy, but expanding it is not
# Brackets nested deeper than this are refused: the parsers recurse per level, and a RecursionError would make
# the verdict depend on how deep the caller's stack already is (math-verify parses 80 levels at top level).
MAX_NESTING = 40
# Likewise operators: the LaTeX parser recurses once per operator of a chain (`1+1+...+1` fails near 400 terms).
MAX_OPERATORS = 200
_OPERATOR = re.compile(r"[-+*/^=<>]|\\(?:cdot|times|div|pm|mp|le|ge|neq)(?![a-zA-Z])")

_NUM = r"(?:\d+|§\d+§)"  # a literal, or §D§: an already evaluated integer with D digits
_POW = re.compile(rf"({_NUM})\s*\^\s*(?:\{{\s*({_NUM})\s*\}}|(\d))")
_FACT = re.compile(rf"(?<![\d.§])({_NUM})\s*!")
_GROUPED = re.compile(rf"[({{]\s*({_NUM})\s*[)}}]")
_EXPONENT = re.compile(rf"\^\s*\{{\s*({_NUM})\s*\}}|\^\s*(§\d+§|\d)")


class GuardError(ValueError):
    """An answer too large to verify safely."""


def _digits(token: str) -> float:
    """Decimal digits of a literal or of a §D§ marker."""
    return float(token.strip("§")) if token.startswith("§") else len(token.lstrip("0") or "0")


def _marker(digits: float) -> str:
    if digits > MAX_DIGITS:
        raise GuardError(f"an integer with about {digits:.3g} digits (limit {MAX_DIGITS})")
    return f"§{int(digits)}§"


def _power_digits(base: str, exponent: str) -> float:
    if _digits(exponent) > 7:
        return math.inf
    exp_value = int(exponent) if not exponent.startswith("§") else 10 ** _digits(exponent)
    log_base = math.log10(max(int(base), 1)) if not base.startswith("§") else _digits(base)  # 0^n, 1^n: one digit
    return exp_value * log_base + 1 if log_base > 0 else 1


def _factorial_digits(n: str) -> float:
    if _digits(n) > 7:
        return math.inf
    value = int(n) if not n.startswith("§") else 10 ** (int(_digits(n)) - 1)
    return math.lgamma(value + 1) / math.log(10) if value > 1 else 1


def _reduce(text: str) -> str:
    """Replace integer powers and factorials (innermost first) by digit-count markers, refusing giant ones."""
    for _ in range(200):
        if match := _FACT.search(text):
            replacement = _marker(_factorial_digits(match.group(1)))
        elif match := _POW.search(text):
            replacement = _marker(_power_digits(match.group(1), match.group(2) or match.group(3)))
        elif (match := _GROUPED.search(text)) and match.group(1).startswith("§"):
            replacement = match.group(1)
        else:
            return text
        text = text[: match.start()] + replacement + text[match.end() :]
    return text


def _nesting(text: str) -> int:
    """The deepest bracket nesting in the text, `(`, `[` and `{` alike."""
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def check_answer(text: str) -> None:
    """Raise GuardError when an extracted answer is too long, too deeply nested, has too many operators, or
    would evaluate to something enormous."""
    if len(text) > MAX_ANSWER_CHARS:
        raise GuardError(f"answer is {len(text)} characters (limit {MAX_ANSWER_CHARS})")
    if _nesting(text) > MAX_NESTING:
        raise GuardError(f"brackets nested more than {MAX_NESTING} deep")
    if len(_OPERATOR.findall(text)) > MAX_OPERATORS:
        raise GuardError(f"more than {MAX_OPERATORS} operators")
    reduced = _reduce(text)
    for match in _EXPONENT.finditer(reduced):
        exponent = match.group(1) or match.group(2)
        if _digits(exponent) > 6 or int(exponent) > MAX_EXPONENT:
            raise GuardError(f"an exponent above {MAX_EXPONENT}")
    if any(len(literal) > MAX_DIGITS for literal in re.findall(r"\d+", reduced)):
        raise GuardError(f"an integer literal with more than {MAX_DIGITS} digits")
