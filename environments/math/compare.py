"""Compare two answer elements: text, exact numbers, then math-verify's sympy objects with exact magnitudes.

math-verify rounds numbers to 6 decimals, so `1/2^{99}` equals `1/2^{98}` and `0.333333` equals `1/3`;
numeric expressions are therefore compared here at 50 significant digits instead. Its own timeouts are
disabled (they rely on SIGALRM, which cannot stop sympy's C-level work and fails off the main thread):
the executor kills a hung worker instead.
"""

from __future__ import annotations

import logging
import re
from fractions import Fraction
from functools import lru_cache

from .guard import check_answer
from .normalize import Normalized
from .numeric import clearly_different, float_value

_DECIMAL = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_NUMBER_FORMS = (
    (re.compile(rf"^({_DECIMAL})$"), lambda m: Fraction(m.group(1))),
    (re.compile(rf"^(-?)\\frac\{{({_DECIMAL})\}}\{{({_DECIMAL})\}}$"),
     lambda m: (-1 if m.group(1) else 1) * Fraction(m.group(2)) / Fraction(m.group(3))),
    (re.compile(rf"^(-?)\\frac(\d)(\d)$"), lambda m: (-1 if m.group(1) else 1) * Fraction(int(m.group(2)), int(m.group(3)))),
    (re.compile(rf"^({_DECIMAL})/({_DECIMAL})$"), lambda m: Fraction(m.group(1)) / Fraction(m.group(2))),
    (re.compile(rf"^({_DECIMAL})(?:\\times|\\cdot)10\^\{{?(-?\d+)\}}?$"),
     lambda m: Fraction(m.group(1)) * Fraction(10) ** int(m.group(2))),
    (re.compile(r"^(-?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$"),  # mixed number 2\frac{1}{2}
     lambda m: (-1 if m.group(1) else 1) * (int(m.group(2)) + Fraction(int(m.group(3)), int(m.group(4))))),
)
# We disable math-verify's timeouts on purpose (the executor bounds runtime), so its warning is noise.
for _name in ("math_verify.parser", "math_verify.grader"):
    logging.getLogger(_name).addFilter(lambda record: "Timeout is disabled" not in record.getMessage())

_CLOCK = re.compile(r"^\d{1,2}:\d{2}(?!\d)")
_PRECISION = 50
_REL_TOL = 1e-35


def exact_number(text: str) -> Fraction | None:
    """The exact rational value of a plain number (int, decimal, fraction, a×10^b, mixed number), else None."""
    compact = re.sub(r"\s+|\{,\}", "", text).lstrip("+")
    compact = re.sub(r"^\{(.*)\}$", r"\1", compact)
    for pattern, value in _NUMBER_FORMS:
        match = pattern.match(compact)
        if match:
            try:
                return value(match)
            except ZeroDivisionError:
                return None
    return None


def percent_pairs(gold, gold_percent: bool, pred, pred_percent: bool) -> list[tuple]:
    """The (gold, pred) value pairs that may be compared when `%` is written on one side only.

    `x%` is the value x/100 and may also match its bare number x (the sign omitted, `28%` = `28`), but only
    for |x| >= 1: a bare number below 1 reads as a proportion, so `\\frac12` never equals `\\frac12\\%`.
    With `%` on both sides the numbers themselves must be equal (`0.5%` is not `50%`).
    """
    if gold_percent == pred_percent:
        return [(gold, pred)]
    percent_value, bare = (gold, pred) if gold_percent else (pred, gold)
    pairs = [(percent_value / 100, bare)]
    magnitude = abs(percent_value)
    if getattr(magnitude, "is_number", True) and magnitude >= 1:
        pairs.append((percent_value, bare))
    return [(g, p) if gold_percent else (p, g) for g, p in pairs]


@lru_cache(maxsize=4096)
def sympy_of(latex: str) -> tuple:
    """math-verify's parse of one answer element, wrapped so raw LaTeX like `\\sqrt{2}` is found."""
    from latex2sympy2_extended import NormalizationConfig
    from math_verify import LatexExtractionConfig, parse

    check_answer(latex)
    config = LatexExtractionConfig(
        boxed_match_priority=0,
        normalization_config=NormalizationConfig(
            basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
        ),
    )
    return tuple(parse("\\boxed{" + latex + "}", extraction_config=[config], parsing_timeout=None))


def _rationalize(expr):
    """Decimals as exact rationals (`0.1` → 1/10) so that approximations never pass as exact values."""
    import sympy

    return expr.xreplace({f: sympy.Rational(str(f)) for f in expr.atoms(sympy.Float)})


def numeric_equal(a, b) -> bool | None:
    """Exact comparison of two closed-form numbers at 50 digits; None when either is not a number."""
    import sympy

    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)) or a.free_symbols or b.free_symbols:
        return None
    a, b = _rationalize(a).doit(), _rationalize(b).doit()
    if a == b:
        return True
    exact_diff = (a - b).doit()
    if exact_diff.is_Rational:  # exact forms exist: no tolerance (`3^{100} - 1` is not `3^{100}`)
        return exact_diff == 0
    diff = sympy.N(exact_diff, _PRECISION)
    scale = max(abs(sympy.N(a, _PRECISION)), abs(sympy.N(b, _PRECISION)))
    if not (diff.is_number and scale.is_number) or diff.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    return bool(abs(diff) <= scale * _REL_TOL)


def _sympy_equal(gold: Normalized, pred: Normalized) -> bool:
    from math_verify import verify

    g, p = sympy_of(gold.text), sympy_of(pred.text)
    if not g or not p:
        return False
    g_obj, p_obj = g[0], p[0]
    if isinstance(g_obj, str) or isinstance(p_obj, str):
        return False
    for g_val, p_val in percent_pairs(g_obj, gold.percent, p_obj, pred.percent):
        exact = numeric_equal(g_val, p_val)
        if exact is not None:
            if exact:
                return True
            continue
        if verify([g_val], [p_val], strict=True, timeout_seconds=None):
            return True
    return False


def _text_key(text: str) -> str:
    return re.sub(r"[\s.,;:!'\"()]", "", text).lower()


def elements_equal(gold: Normalized, pred: Normalized) -> bool:
    """Equality of two single answer elements under the labelling policy (docs/math.md)."""
    if gold.unit and pred.unit and gold.unit != pred.unit:
        return False
    if gold.is_text or pred.is_text:
        return _text_key(gold.text) == _text_key(pred.text)
    if re.sub(r"\s+", "", gold.text) == re.sub(r"\s+", "", pred.text) and gold.percent == pred.percent:
        return True
    if _CLOCK.match(gold.text) or _CLOCK.match(pred.text):  # `9:30` is a time or a ratio, not arithmetic
        return re.sub(r"\s+", "", gold.text) == re.sub(r"\s+", "", pred.text)
    g_num, p_num = exact_number(gold.text), exact_number(pred.text)
    if g_num is not None and p_num is not None:
        return any(g == p for g, p in percent_pairs(g_num, gold.percent, p_num, pred.percent))
    g_float, p_float = float_value(gold.text), float_value(pred.text)
    if g_float is not None and p_float is not None:
        pairs = percent_pairs(g_float, gold.percent, p_float, pred.percent)
        if all(clearly_different(g, p) for g, p in pairs):
            return False  # proven unequal without importing sympy
    return _sympy_equal(gold, pred)
