"""Answers that are relations: chains, inequalities and set-builder forms, equations.

A chain `x = 5 + 5 + 1 = 11` answers with its last member (`\\approx` tails are approximations and are
dropped); an inequality, `x \\in S` or an interval compares by its solution set in both directions
(`3 \\ge y` = `y \\le 3`, `y \\in [1, \\infty)` = `y \\ge 1`); two equations are equal when one is a
non-zero multiple of the other (`2x - 4y = 6` = `x - 2y - 3 = 0`).
"""

from __future__ import annotations

import re

from .compare import sympy_of
from .warm import warm_sympy

_INEQUALITY = re.compile(r"<|>|\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|\\neq(?![a-zA-Z])")
_SET_BUILDER = re.compile(r"\\in(?![a-zA-Z])")
_BRACE_BUILDER = re.compile(
    r"\\\{\s*[A-Za-z](?:\s*\\in\s*[^|:]*?)?\s*(?:\\mid|\||:)\s*(?P<condition>.+?)\s*\\\}"
)
_LIST = re.compile(r"\\text\{\s*(?:or|and)\s*\}|(?<![A-Za-z\\])(?:or|and)(?![A-Za-z])")


def _top_level_split(text: str, separator: str) -> list[str]:
    """Split on `separator` outside brackets and braces."""
    depth, parts, last = 0, [], 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[last:i])
            last = i + len(separator)
    parts.append(text[last:])
    return [p.strip() for p in parts]


def final_member(text: str) -> str:
    """`x = 5+5+1 = 7 = 11` → `11`; `x = 1/3 \\approx 0.33` → `1/3`; `x \\approx 11` → `11`; else the text.

    `3 + 4 = 7` → `7`; any other two-member equation is left alone (`x = 3` is an assignment, `2x + z = 1`
    a relation).
    """
    if _INEQUALITY.search(text) or _LIST.search(text) or len(_top_level_split(text, ",")) > 1:
        return text  # `x = -2, x = 3` is a list of assignments, not a chain
    members = _top_level_split(text, "=")
    if "\\approx" in text:
        exact = [m.split("\\approx")[0].strip() for m in members]
        if len(members) == 1:  # `x \\approx 11` answers 11; `\\frac13 \\approx 0.333` answers its exact value
            parts = _top_level_split(text, "\\approx")
            return parts[-1] if re.fullmatch(r"(?:[A-Za-z](?:_\{?\w+\}?)?)?", parts[0]) else parts[0]
        return exact[-1] if len(members) >= 3 else f"{exact[0]} = {exact[-1]}"
    if len(members) == 2 and not re.search(r"[A-Za-z]", text):
        return members[1]  # `3 + 4 = 7`: a worked calculation answers with its result
    return members[-1] if len(members) >= 3 and all(members) else text


def is_inequality(text: str) -> bool:
    return bool(_INEQUALITY.search(text))


def solution_set(text: str):
    """The set an answer describes: an inequality in one variable, `x \\in S`, an interval/union, or such
    parts joined by "or" (union) / "and" (intersection); else None."""
    sympy = warm_sympy()
    for joiner, combine in (("or", sympy.Union), ("and", sympy.Intersection)):
        parts = re.split(rf"\\text\{{\s*{joiner}\s*\}}|(?<![A-Za-z\\]){joiner}(?![A-Za-z])", text)
        if len(parts) > 1:
            sets = [solution_set(part.strip(" ,")) for part in parts]
            return None if any(part is None for part in sets) else combine(*sets)
    braces = _BRACE_BUILDER.fullmatch(text.strip())
    if braces:  # `\\{x \\mid x > 2\\}`, `\\{y : y \\ge 1\\}`, `\\{x \\in \\mathbb{R} \\mid x > 2\\}`: the condition
        return solution_set(braces.group("condition"))
    builder = _top_level_split(text, "\\in") if _SET_BUILDER.search(text) else None
    if builder is not None and len(builder) == 2 and re.fullmatch(r"[A-Za-z](?:_\{?\w+\}?)?", builder[0]):
        text = builder[1]
    parsed = sympy_of(text)
    if not parsed or isinstance(parsed[0], str):
        return None
    value = parsed[0]
    if isinstance(value, sympy.Set):
        return value
    if isinstance(value, sympy.logic.boolalg.Boolean) and not isinstance(value, sympy.Eq):
        if len(value.free_symbols) != 1:
            return None
        try:
            return value.as_set()
        except (NotImplementedError, TypeError, ValueError):
            return None
    return None


def sets_match(gold: str, pred: str) -> bool | None:
    """Equality of solution sets when either side is an inequality or set-builder; None when not applicable."""
    if not any(is_inequality(t) or _SET_BUILDER.search(t) or _BRACE_BUILDER.fullmatch(t) for t in (gold, pred)):
        return None
    gold_set, pred_set = solution_set(gold), solution_set(pred)
    if gold_set is None or pred_set is None:
        return None
    return bool(gold_set == pred_set)


def equations_match(gold: str, pred: str) -> bool | None:
    """Two single equations equal up to a non-zero constant factor; None when either is not an equation."""
    if gold.count("=") != 1 or pred.count("=") != 1:
        return None
    sympy = warm_sympy()  # only now: most answers are not equations, and sympy takes seconds to import
    g, p = sympy_of(gold), sympy_of(pred)
    if not g or not p or not isinstance(g[0], sympy.Eq) or not isinstance(p[0], sympy.Eq):
        return None
    sides = (g[0].lhs, g[0].rhs, p[0].lhs, p[0].rhs)
    if not all(isinstance(side, sympy.Expr) for side in sides):
        return None  # `x = \\{1, 2\\}`: a set on one side is not an equation to scale
    g_expr, p_expr = sides[0] - sides[1], sides[2] - sides[3]
    if g_expr.free_symbols != p_expr.free_symbols or p_expr == 0:
        return False
    ratio = sympy.simplify(g_expr / p_expr)
    return bool(ratio.is_number and ratio != 0 and ratio.is_finite)
