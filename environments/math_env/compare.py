"""Compare two answer elements: text, exact numbers, then math-verify's sympy objects with exact magnitudes.

math-verify rounds numbers to 6 decimals, so `1/2^{99}` equals `1/2^{98}` and `0.333333` equals `1/3`;
numeric expressions are therefore compared here at 50 significant digits instead. Its own timeouts are
disabled (they rely on SIGALRM, which cannot stop sympy's C-level work and fails off the main thread):
the executor kills a hung worker instead.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .guard import check_answer
from .normalize import Normalized
from .numeric import clearly_different, float_value
from .warm import warm_math_verify, warm_sympy

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
_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(am|pm)?")


@dataclass(frozen=True)
class Tolerance:
    """Opt-in closeness for numbers (`verify_answer(rel_tol=, abs_tol=)`); both 0 (the default) is exact."""

    rel_tol: float = 0.0
    abs_tol: float = 0.0

    @property
    def active(self) -> bool:
        return self.rel_tol > 0 or self.abs_tol > 0

    def close(self, gold: float, pred: float) -> bool:
        """`pred` within `rel_tol` of the gold's magnitude or within `abs_tol` (asymmetric: the gold sets the scale)."""
        return abs(gold - pred) <= max(self.abs_tol, self.rel_tol * abs(gold))


EXACT = Tolerance()
_PRECISION = 50
_REL_TOL = 1e-35


def clock_seconds(element: Normalized) -> int | None:
    """Seconds after midnight of a clock time (`20:34`, `20:34:00`, `08:34 \\text{P.M.}`, `8:34pm`), else None.

    A time without a.m./p.m. is read on the 24-hour clock, so `9:30` is morning and `9:30 p.m.` is not it.
    """
    text = f"{element.text} {element.unit or ''}".lower()
    compact = re.sub(r"\\text\{|[{}.\s~]|\\[,;: ]", "", text)
    match = _CLOCK_TIME.fullmatch(compact)
    if match is None:
        return None
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    half = match.group(4)
    if minutes > 59 or seconds > 59 or hours > (12 if half else 24) or (half and hours == 0):
        return None
    if half:
        hours = hours % 12 + (12 if half == "pm" else 0)
    return (hours % 24) * 3600 + minutes * 60 + seconds


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
    check_answer(latex)
    math_verify = warm_math_verify()
    from latex2sympy2_extended import NormalizationConfig

    config = math_verify.LatexExtractionConfig(
        boxed_match_priority=0,
        normalization_config=NormalizationConfig(
            basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
        ),
    )
    return tuple(math_verify.parse("\\boxed{" + latex + "}", extraction_config=[config], parsing_timeout=None))


def _rationalize(expr):
    """Decimals as exact rationals (`0.1` → 1/10) so that approximations never pass as exact values."""
    sympy = warm_sympy()
    return expr.xreplace({f: sympy.Rational(str(f)) for f in expr.atoms(sympy.Float)})


def numeric_equal(a, b) -> bool | None:
    """Exact comparison of two closed-form numbers at 50 digits; None when either is not a number."""
    sympy = warm_sympy()
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)) or a.free_symbols or b.free_symbols:
        return None
    a, b = _rationalize(a).doit(), _rationalize(b).doit()
    if a == b:
        return True
    if a.is_infinite or b.is_infinite or a.has(sympy.zoo, sympy.nan) or b.has(sympy.zoo, sympy.nan):
        return False  # `-\\infty` is not `\\infty`: a relative tolerance means nothing against an infinite magnitude
    exact_diff = (a - b).doit()
    if exact_diff.is_Rational:  # exact forms exist: no tolerance (`3^{100} - 1` is not `3^{100}`)
        return exact_diff == 0
    diff = sympy.N(exact_diff, _PRECISION)
    magnitudes = (abs(sympy.N(a, _PRECISION)), abs(sympy.N(b, _PRECISION)))
    if not (diff.is_number and all(m.is_comparable for m in magnitudes)) or diff.has(sympy.nan, sympy.zoo, sympy.oo):
        return None  # not real numbers (functions like `I(1)`, complex values): left to math-verify's `verify`
    return bool(abs(diff) <= max(magnitudes) * _REL_TOL)


def _lost_variables(text: str, parsed) -> bool:
    """True when the parse is a plain number although the text names variables: math-verify dropped part of it
    (`\\frac{1}{3} E_{1}+\\frac{2}{3} E_{2}` parses to 2/3, so it would equal the same with `E_{3}`)."""
    if getattr(parsed, "free_symbols", None) or not hasattr(parsed, "free_symbols"):
        return False
    commands = r"\\(?:begin|end)\s*\{\w+\*?\}(?:\{[a-z|]*\})?|\\text\s*\{[^{}]*\}|\\[A-Za-z]+"
    letters = set(re.findall(r"[A-Za-z]", re.sub(commands, " ", text)))
    return bool(letters - {"e", "i"})


def assume_domain(gold, pred) -> tuple:
    """The policy's domain for two expressions with no stated domain (docs/math.md, "Domain"): when `i` is their
    only letter it is the imaginary unit (`i(2-i)` = `1+2i`); otherwise every variable is a positive real, the
    natural reading of a competition answer (`\\sqrt{1/n}` = `\\frac{1}{\\sqrt n}`, `\\sqrt{x^2}` = `x`)."""
    sympy = warm_sympy()
    if not (isinstance(gold, sympy.Expr) and isinstance(pred, sympy.Expr)):
        return gold, pred
    symbols = gold.free_symbols | pred.free_symbols
    if not symbols:
        return gold, pred
    if {s.name for s in symbols} == {"i"}:
        mapping = {s: sympy.I for s in symbols}
    else:
        mapping = {s: sympy.Symbol(s.name, positive=True) for s in symbols if isinstance(s, sympy.Symbol)}
    return gold.xreplace(mapping), pred.xreplace(mapping)


def _sympy_equal(gold: Normalized, pred: Normalized) -> bool:
    verify = warm_math_verify().verify

    g, p = sympy_of(gold.text), sympy_of(pred.text)
    if not g or not p:
        return False
    g_obj, p_obj = g[0], p[0]
    if isinstance(g_obj, str) or isinstance(p_obj, str) or _lost_variables(gold.text, g_obj) or _lost_variables(
        pred.text, p_obj
    ):
        return False
    g_obj, p_obj = assume_domain(g_obj, p_obj)
    for g_val, p_val in percent_pairs(g_obj, gold.percent, p_obj, pred.percent):
        exact = numeric_equal(g_val, p_val)
        if exact is not None:
            if exact:
                return True
            continue
        if _differ_at_sample_points(g_val, p_val):
            continue  # proven unequal without sympy's simplification (seconds on physics-style formulas)
        if verify([g_val], [p_val], strict=True, timeout_seconds=None):
            return True
    return False


_SAMPLE_POINTS = (0.6180339887, 1.4142135623, 2.7182818284)


def _differ_at_sample_points(a, b) -> bool:
    """True when two expressions in the same variables take clearly different real values at a sample point.

    It can only prove inequality: expressions that agree at every point still go to math-verify's `verify`.
    """
    sympy = warm_sympy()
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return False
    symbols = a.free_symbols
    if not symbols or symbols != b.free_symbols:
        return False
    for point in _SAMPLE_POINTS:
        values = {symbol: sympy.Float(point + 0.1 * k) for k, symbol in enumerate(sorted(symbols, key=str))}
        try:
            va, vb = complex(a.evalf(20, subs=values)), complex(b.evalf(20, subs=values))
        except Exception:  # noqa: BLE001 - sympy raises many types here; failing to evaluate proves nothing
            return False
        finite = all(abs(v) < 1e300 for v in (va, vb)) and va == va and vb == vb
        if finite and abs(va - vb) > 1e-6 * max(1.0, abs(va), abs(vb)):
            return True
    return False


def _text_key(text: str) -> str:
    return re.sub(r"[\s.,;:!'\"()]", "", text).lower()


def _real_value(element: Normalized) -> float | None:
    """A finite real value of a closed-form element (cheap reader first, then sympy), else None."""
    value = float_value(element.text)
    if value is not None:
        return value
    sympy = warm_sympy()
    parsed = sympy_of(element.text)
    if not parsed or not isinstance(parsed[0], sympy.Expr) or parsed[0].free_symbols:
        return None
    try:
        value = complex(sympy.N(parsed[0], 30))
    except (TypeError, ValueError, ArithmeticError):
        return None
    return value.real if value.imag == 0 and math.isfinite(value.real) else None


def _within_tolerance(gold: Normalized, pred: Normalized, tol: Tolerance) -> bool:
    g_value, p_value = _real_value(gold), _real_value(pred)
    if g_value is None or p_value is None:
        return False
    return any(tol.close(g, p) for g, p in percent_pairs(g_value, gold.percent, p_value, pred.percent))


def elements_equal(gold: Normalized, pred: Normalized, tol: Tolerance = EXACT) -> bool:
    """Equality of two single answer elements under the labelling policy (docs/math.md); with an active
    tolerance a number close enough to a numeric gold is equal too."""
    if gold.unit and pred.unit and gold.unit != pred.unit and clock_seconds(gold) is None:
        return False
    if gold.is_text or pred.is_text:
        return _text_key(gold.text) == _text_key(pred.text)
    if re.sub(r"\s+", "", gold.text) == re.sub(r"\s+", "", pred.text) and gold.percent == pred.percent:
        return True
    if _CLOCK.match(gold.text) or _CLOCK.match(pred.text):  # `9:30` is a time or a ratio, not arithmetic
        g_clock, p_clock = clock_seconds(gold), clock_seconds(pred)
        if g_clock is not None and p_clock is not None:
            return g_clock == p_clock
        return re.sub(r"\s+", "", gold.text) == re.sub(r"\s+", "", pred.text)
    if tol.active and _within_tolerance(gold, pred, tol):
        return True
    g_num, p_num = exact_number(gold.text), exact_number(pred.text)
    if g_num is not None and p_num is not None:
        return any(g == p for g, p in percent_pairs(g_num, gold.percent, p_num, pred.percent))
    g_float, p_float = float_value(gold.text), float_value(pred.text)
    if g_float is not None and p_float is not None:
        pairs = percent_pairs(g_float, gold.percent, p_float, pred.percent)
        if all(clearly_different(g, p) for g, p in pairs):
            return False  # proven unequal without importing sympy
    return _sympy_equal(gold, pred)
