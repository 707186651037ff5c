"""A float value for simple closed-form LaTeX (`3\\sqrt{10} + \\frac{\\pi}{2}`), without importing sympy.

Used only to prove two answers *unequal* cheaply: when both sides evaluate and differ clearly, sympy
(1-2 s to import, milliseconds per parse) is never needed. Equal-looking values still go to the exact
comparison, so a float can never make a wrong answer pass.
"""

from __future__ import annotations

import math
import re

_TOKEN = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+|\\frac|\\sqrt|\\pi|\\cdot|\\times|[-+*/^(){}\[\]])")
_CONSTANTS = {"\\pi": math.pi}


class _Unsupported(ValueError):
    """The text uses something this evaluator does not read (variables, functions, sets...)."""


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _Unsupported(text[pos:])
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over + - * / ^, implicit products (`3\\sqrt{2}`, `2\\pi`), \\frac, \\sqrt, \\pi."""

    def __init__(self, tokens: list[str]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Unsupported(f"expected {expected!r}")
        self.i += 1
        return token

    def expression(self) -> float:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> float:
        value = self.power()
        while True:
            token = self.peek()
            if token in ("*", "/", "\\cdot", "\\times"):
                self.take()
                right = self.power()
                value = value / right if token == "/" else value * right
            elif token is not None and (token[0].isdigit() or token in ("(", "{", "\\frac", "\\sqrt", "\\pi")):
                value *= self.power()  # implicit product
            else:
                return value

    def power(self) -> float:
        base = self.unary()
        if self.peek() == "^":
            self.take()
            exponent = self.unary()
            if abs(exponent) > 1000:
                raise _Unsupported("exponent")
            return base**exponent
        return base

    def unary(self) -> float:
        if self.peek() in ("-", "+"):
            return -self.unary() if self.take() == "-" else self.unary()
        return self.atom()

    def group(self) -> float:
        closing = {"{": "}", "(": ")", "[": "]"}[self.take()]
        value = self.expression()
        self.take(closing)
        return value

    def atom(self) -> float:
        token = self.peek()
        if token in ("{", "("):
            return self.group()
        if token == "\\frac":
            self.take()
            numerator = self.group()
            return numerator / self.group()
        if token == "\\sqrt":
            self.take()
            index = self.group() if self.peek() == "[" else 2.0
            return self.group() ** (1 / index)
        if token in _CONSTANTS:
            self.take()
            return _CONSTANTS[token]
        if token is not None and (token[0].isdigit() or token[0] == "."):
            self.take()
            return float(token)
        raise _Unsupported(f"unexpected {token!r}")


def float_value(text: str) -> float | None:
    """The value of a simple closed-form expression, or None when it is not one (or not a finite real)."""
    try:
        parser = _Parser(_tokens(text))
        value = parser.expression()
        if parser.peek() is not None:
            return None
    except (_Unsupported, ZeroDivisionError, OverflowError, ValueError, TypeError, KeyError):
        return None
    return value if isinstance(value, float) and math.isfinite(value) else None


def clearly_different(a: float, b: float) -> bool:
    """True when two float values cannot be equal exact numbers (relative gap well above float error)."""
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))
