"""Read plain-text and programming notation as LaTeX: `sqrt(3)`, `pi/2`, `-2*pi`, `x**2`, `exp(2)`, `14.0 + -1.0i`.

Models answering without LaTeX (or in Python/sympy style) write the same values in another notation; the
parser reads `sqrt(3)` as the product s·q·r·t·3 and `x**2` not at all. Each rewrite keeps the value: a
function call becomes its LaTeX command with a braced argument, `**` and `^(...)` a braced power, `*` a
product, a doubled sign (`+ -`) its single sign. Text that is already LaTeX passes through unchanged.
"""

from __future__ import annotations

import re

_FUNCTIONS = {"sqrt": "\\sqrt", "cbrt": "\\sqrt[3]", "exp": "e^", "ln": "\\ln", "log": "\\log", "sin": "\\sin",
              "cos": "\\cos", "tan": "\\tan", "abs": ""}
_CALL = re.compile(r"(?<![\\A-Za-z])(" + "|".join(_FUNCTIONS) + r")\s*\(")
_POWER_OP = re.compile(r"(?<=[\w)\]}.])\*\*(?=\s*[\w(.{\-])")  # `x**2`; `**12**` (bold) is left alone
_POWER_GROUP = re.compile(r"\^\s*\(")
_TIMES = re.compile(r"(?<=[\w)}.])\s*\*\s*(?=[\w(\\.])")
_PI = re.compile(r"(?<![\\A-Za-z])pi(?![A-Za-z])")
_SIGNS = re.compile(r"(?<=[\w).}])\s*(?:\+\s*-|-\s*\+)\s*(?=[\w(.\\])")  # `14.0 + -1.0i`: one sign between operands
_DOUBLE_MINUS = re.compile(r"(?<=[\w).}])\s*-\s*-\s*(?=[\w(.\\])")


def _closing(text: str, open_at: int) -> int | None:
    """Index of the `)` that closes the `(` at `open_at`, or None."""
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return None


def _braced_calls(text: str) -> str:
    """`sqrt(x+1)` → `\\sqrt{x+1}`, `exp(2)` → `e^{2}`, `abs(x)` → `|x|`, `^(1/3)` → `^{1/3}` (nested too)."""
    for _ in range(50):  # each pass rewrites one call; nesting is bounded by the guard
        call = _CALL.search(text)
        if call is not None:
            open_at = call.end() - 1
            close = _closing(text, open_at)
            if close is None:
                return text
            inner = text[open_at + 1 : close]
            name = call.group(1)
            replacement = f"|{inner}|" if name == "abs" else f"{_FUNCTIONS[name]}{{{inner}}}"
            if name in ("ln", "log", "sin", "cos", "tan"):
                replacement = f"{_FUNCTIONS[name]}({inner})"
            text = text[: call.start()] + replacement + text[close + 1 :]
            continue
        power = _POWER_GROUP.search(text)
        if power is None:
            return text
        close = _closing(text, power.end() - 1)
        if close is None:
            return text
        text = text[: power.start()] + "^{" + text[power.end() : close] + "}" + text[close + 1 :]
    return text


def plain_to_latex(text: str) -> str:
    """The text with plain/programming notation rewritten as LaTeX (unchanged when there is none)."""
    if not re.search(r"\*|\^\s*\(|(?<![\\A-Za-z])(?:sqrt|cbrt|exp|ln|log|sin|cos|tan|abs|pi)(?![A-Za-z])|[-+]\s*[-+]",
                     text):
        return text
    text = _POWER_OP.sub("^", text)
    text = _braced_calls(text)
    text = _TIMES.sub(r" \\cdot ", text)
    text = _PI.sub(r"\\pi ", text)
    text = _SIGNS.sub(" - ", text)
    return _DOUBLE_MINUS.sub(" + ", text).strip()
