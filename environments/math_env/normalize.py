"""Rewrite an answer string into LaTeX that math-verify parses correctly, splitting off units and percent.

Each rewrite fixes a measured math-verify failure: e-notation truncated to its mantissa, thin-space
thousands read as products, repeating decimals, `\\varnothing`, text around a number, units stripped
instead of compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .plain import plain_to_latex

# Canonical unit names; unknown count nouns ("apples", "ways") are compared by their singular form.
_UNIT_ALIASES = {
    "m": "m", "meter": "m", "metre": "m", "cm": "cm", "centimeter": "cm", "centimetre": "cm", "mm": "mm",
    "millimeter": "mm", "km": "km", "kilometer": "km", "kilometre": "km", "in": "in", "inch": "in",
    "inche": "in", "ft": "ft", "foot": "ft", "feet": "ft", "yd": "yd", "yard": "yd", "mi": "mi", "mile": "mi",
    "mph": "mph", "miles per hour": "mph", "mile per hour": "mph", "km/h": "km/h", "kph": "km/h",
    "kilometers per hour": "km/h", "kilometer per hour": "km/h", "s": "s", "sec": "s", "second": "s",
    "min": "min", "minute": "min", "h": "h", "hr": "h", "hour": "h", "day": "day", "week": "week",
    "month": "month", "year": "year", "dollar": "$", "$": "$", "cent": "cent", "degree": "deg", "deg": "deg",
    "g": "g", "gram": "g", "kg": "kg", "kilogram": "kg", "l": "l", "liter": "l", "litre": "l", "ml": "ml",
    "unit": "unit", "square unit": "unit^2", "sq unit": "unit^2",
}
_WORDS = r"[A-Za-z][A-Za-z./ ]*?"
_POWER = r"(?P<power>\^\s*\{?\d\}?)?"
_EXPLICIT_UNIT = re.compile(
    r"^(?P<value>.*?)\s*\\(?:text|mathrm|mbox)\s*\{\s*~?\s*(?P<unit>[A-Za-z][A-Za-z./ ]*?)\s*\}\s*" + _POWER + "$"
)
_BARE_UNIT = re.compile(rf"^(?P<value>.*?[\d}}).])\s+(?P<unit>{_WORDS})\s*" + _POWER + "$")
_LEADING_WORDS = re.compile(r"^(?:[A-Za-z][A-Za-z',]*\s+)+(?=[-\d\\(\[{.])")
_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")
_REPEATING = re.compile(r"(-?)(\d*)\.(\d*)\\overline\{(\d+)\}")
_THIN_THOUSANDS = re.compile(r"(\d)\s*(?:\\,|\{\s*,\s*\}|\\!,\\!|,\\!|\\ |~|\\;|\\:)\s*(?=\d{3}(?!\d))")
# `\\frac` written with a doubled backslash (a JSON/Python escaping slip) means `\frac`; `\\` alone is a row break.
_DOUBLED_COMMAND = re.compile(
    r"(?<!\\)\\\\(?=(?:frac|dfrac|tfrac|left|right|le|leq|ge|geq|sqrt|pi|infty|cdot|times|text|boxed|begin|end|in|cup|"
    r"neq|lt|gt|pm|sin|cos|tan|log|ln|circ|mathbf|mathrm|emptyset|varnothing)(?![a-zA-Z]))"
)
# A `$` that opens or closes a math span inside an answer ("12 $ and $13"); a `$` before a digit is currency.
_STRAY_DOLLAR = re.compile(r"\$(?![\d.])")
_MIXED = re.compile(r"(-?)(\d+)\s+(\d+)\s*/\s*(\d+)")
_DECIMAL_COMMA = re.compile(r"(-?)(\d+),(\d+)")
PLAIN_THOUSANDS = re.compile(r"^-?\d{1,3}(?:(,|\s)\d{3})+(?:\.\d+)?$")
_FUNCTION_WORDS = {"sin", "cos", "tan", "log", "ln", "exp", "sqrt", "pi", "infty", "frac", "cdot", "times"}


@dataclass(frozen=True)
class Normalized:
    """An answer element ready for parsing: the LaTeX text, its unit (if any), and whether it had `%`."""

    text: str
    unit: str | None = None
    percent: bool = False
    is_text: bool = False


def canonical_unit(words: str) -> str:
    """One name per unit: aliases folded, plurals singular, case ignored."""
    key = " ".join(words.lower().replace("~", " ").split()).strip(" .")
    if key in _UNIT_ALIASES:
        return _UNIT_ALIASES[key]
    singular = re.sub(r"(ch|sh|ss|x|z)es$|([a-z])s$", r"\1\2", key) if len(key) > 3 else key
    for candidate in (singular, key.rstrip("s")):
        if candidate in _UNIT_ALIASES:
            return _UNIT_ALIASES[candidate]
    return singular


def repeating_to_fraction(match: re.Match) -> str:
    """`0.1\\overline{6}` → `\\frac{1}{6}`: exact value of a repeating decimal."""
    sign, whole, fixed, period = match.groups()
    value = Fraction(int(whole or "0"))
    if fixed:
        value += Fraction(int(fixed), 10 ** len(fixed))
    value += Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
    value = -value if sign else value
    return rf"\frac{{{value.numerator}}}{{{value.denominator}}}"


@lru_cache(maxsize=8192)
def clean_latex(text: str) -> str:
    """Surface clean-up that changes no value: delimiters, sizing, spelling variants, separators.

    Cached: a group's completions mostly repeat a few answers, and each is cleaned at several stages.
    """
    text = _DOUBLED_COMMAND.sub(r"\\", re.sub(r"\\+\s*$", "", text.strip()))  # a stray trailing `\` or `\\`
    text = plain_to_latex(text)  # before `**` (bold) is dropped below: `x**2` is a power
    text = _THIN_THOUSANDS.sub(r"\1", _THIN_THOUSANDS.sub(r"\1", text))  # before `\!` is dropped below
    text = re.sub(r"^\$+|\$+$", "", text).strip()
    text = re.sub(r"^\\\(|\\\)$|^\\\[|\\\]$", "", text).strip()
    text = text.replace("**", "")
    for old, new in (("\\displaystyle", ""), ("\\left", ""), ("\\right", ""), ("\\dfrac", "\\frac"),
                     ("\\tfrac", "\\frac"), ("\\cfrac", "\\frac"), ("\\textnormal{", "\\text{"),
                     ("\\textit{", "\\text{"), (">=", "\\ge"), ("<=", "\\le"), ("!=", "\\neq"),
                     ("\\lt", "<"), ("\\gt", ">"), ("\\geqslant", "\\ge"), ("\\leqslant", "\\le"),
                     ("\\varnothing", "\\emptyset"), ("\\textbf{", "\\text{"),
                     ("\\mathbf{", "\\text{"), ("\\textrm{", "\\text{"), ("\\mbox{", "\\text{"), ("\\!", ""),
                     ("\\mathbb{R}", "(-\\infty,\\infty)"), ("+\\infty", "\\infty"), ("\\leq", "\\le"),
                     ("\\geq", "\\ge"), ("\\dots", "\\ldots"), ("−", "-"), ("\\$", "$")):
        text = text.replace(old, new)
    text = re.sub(r"\\(?:big|Big|bigg|Bigg)(?![a-zA-Z])", "", text)
    text = re.sub(r"(?<!\\)\\[,;: ]", " ", text)  # spacing left after thousands were joined (`12\,\text{cm}`)
    text = _STRAY_DOLLAR.sub(" ", text.replace('\\"', "")).strip()
    text = re.sub(r"\\\{\s*\\\}|^\{\s*\}$", r"\\emptyset", text)
    text = _unwrap_group(text)
    text = re.sub(r"\\sqrt\s*\(([^()]*)\)", r"\\sqrt{\1}", text)
    text = re.sub(r"\s*\.\s*$", "", text) if not re.search(r"\d\.$", text) else text[:-1]
    return text.strip()


def _unwrap_group(text: str) -> str:
    """`{1,3}` → `1,3`: braces around a whole answer group it; a set is written `\\{1,3\\}`."""
    while text.startswith("{") and text.endswith("}"):
        depth = 0
        for i, ch in enumerate(text):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth == 0 and i != len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _degrees(text: str) -> tuple[str, bool]:
    """Drop a degree sign (a unit), except inside trig functions where `45^\\circ` means 45π/180."""
    pattern = r"(\d+(?:\.\d+)?)\s*\^\s*\{?\\circ\}?|(\d+(?:\.\d+)?)\s*°"
    if re.search(r"\\(?:sin|cos|tan|cot|sec|csc)", text):
        return re.sub(pattern, lambda m: rf"\frac{{{m.group(1) or m.group(2)}\pi}}{{180}}", text), False
    stripped, count = re.subn(r"\^\s*\{?\\circ\}?|°|\\circ", "", text)
    return stripped.strip(), bool(count)


def _strip_unit(text: str) -> tuple[str, str | None]:
    """Split `12 \\text{ inches}` / `5 km` / `30^\\circ` into value and canonical unit.

    A unit in `\\text{}`/`\\mathrm{}` may be any word; a bare trailing word must be a known unit or a
    word of 3+ letters, so `2x` and `4i` keep their variables.
    """
    text, degree = _degrees(text)
    explicit = _EXPLICIT_UNIT.match(text)
    if explicit and re.search(r"\d", explicit.group("value")):
        value = _strip_currency(_LEADING_WORDS.sub("", _unwrap_text(explicit.group("value"))))[0]
        return value, canonical_unit(explicit.group("unit")) + _power(explicit)
    text = _unwrap_text(text)
    text, currency = _strip_currency(text)
    text = _LEADING_WORDS.sub("", text) if re.search(r"\d", text) else text
    bare = _BARE_UNIT.match(text)
    if bare and re.search(r"\d", bare.group("value")):
        words = bare.group("unit")
        known = canonical_unit(words) in _UNIT_ALIASES.values()
        if known or (len(words) >= 3 and words.lower().split(" ")[0] not in _FUNCTION_WORDS):
            return bare.group("value").strip(), canonical_unit(words) + _power(bare)
    if degree:
        return text, "deg"
    return text, ("$" if currency else None)


def _power(match: re.Match) -> str:
    return re.sub(r"[\s{}]", "", match.group("power") or "")


def _unwrap_text(text: str) -> str:
    text = re.sub(r"\\(?:text|mathrm|operatorname)\s*\{\s*~?\s*([^{}]*)\}", r" \1 ", text)
    return re.sub(r"\s+", " ", text).replace("~", " ").strip()


def _strip_currency(text: str) -> tuple[str, bool]:
    stripped = text.strip()
    return (stripped[1:].strip(), True) if stripped.startswith("$") else (stripped, False)


def expand_notation(text: str) -> str:
    """Value-preserving rewrites math-verify gets wrong: e-notation, repeating decimals, plain thousands."""
    text = _E_NOTATION.sub(lambda m: rf"{m.group(1)}\times10^{{{int(m.group(2))}}}", text)
    text = _REPEATING.sub(repeating_to_fraction, text)
    if PLAIN_THOUSANDS.match(text):
        text = re.sub(r"[,\s]", "", text)
    mixed = _MIXED.fullmatch(text)
    if mixed and int(mixed.group(3)) < int(mixed.group(4)):  # `1 1/2` is 3/2, never 11/2 or 1·1/2
        sign, whole, numerator, denominator = mixed.groups()
        value = int(whole) * int(denominator) + int(numerator)
        text = rf"{sign}\frac{{{value}}}{{{denominator}}}"
    return text


def decimal_comma(text: str) -> str:
    """`1000,99` → `1000.99`, `0,111` → `0.111`: a comma that can only be a decimal comma (the integer part has
    four or more digits, or is 0 with two or more decimals). `1,234` stays a thousands separator and `3,5` a
    list: either reading is possible there, so neither is guessed."""
    match = _DECIMAL_COMMA.fullmatch(text.strip())
    if match and (len(match.group(2)) >= 4 or (match.group(2) == "0" and len(match.group(3)) >= 2)):
        return f"{match.group(1)}{match.group(2)}.{match.group(3)}"
    return text


_UNITS_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen").split()
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90}
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6,
                 "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}


def _word_integer(words: str) -> int | None:
    """`seven` → 7, `twenty-five` → 25, `one hundred` → 100 (whole numbers below 1,000)."""
    parts = words.replace("-", " ").split()
    if parts and parts[0] in ("a", "one") and parts[1:2] == ["hundred"] and len(parts) == 2:
        return 100
    if len(parts) == 1 and parts[0] in _UNITS_WORDS:
        return _UNITS_WORDS.index(parts[0])
    if len(parts) in (1, 2) and parts[0] in _TENS_WORDS:
        rest = _UNITS_WORDS.index(parts[1]) if len(parts) == 2 and parts[1] in _UNITS_WORDS[1:10] else None
        return _TENS_WORDS[parts[0]] + (rest or 0) if len(parts) == 1 or rest else None
    return None


def spelled_number(text: str) -> str | None:
    """A number written in words, as LaTeX: `six` → `6`, `three quarters` → `\\frac{3}{4}`."""
    words = " ".join(text.lower().split())
    whole = _word_integer(words)
    if whole is not None:
        return str(whole)
    match = re.fullmatch(r"(?:(a|an|[a-z\- ]+?)\s+)?([a-z]+?)s?", words)
    if match and match.group(2) in _DENOMINATORS:
        numerator = 1 if match.group(1) in (None, "a", "an") else _word_integer(match.group(1))
        if numerator is not None:
            return rf"\frac{{{numerator}}}{{{_DENOMINATORS[match.group(2)]}}}"
    return None


def normalize_element(answer: str) -> Normalized:
    """Normalise one answer element (not a list): clean, split off unit and percent, expand notation."""
    text = clean_latex(answer)
    percent = False
    pct = re.match(r"^(.*?)\s*(?:\\%|%|\\text\{\s*(?:percent|percentage|pct)\s*\}|\b(?:percent|percentage|pct))$", text)
    if pct and pct.group(1).strip():
        text, percent = pct.group(1).strip(), True
    whole_text = re.fullmatch(r"\\text\{([^{}]*)\}", text)
    if whole_text and not re.search(r"\d", whole_text.group(1)):
        inner = whole_text.group(1).strip()
        spelled = spelled_number(inner)
        return Normalized(spelled, percent=percent) if spelled else Normalized(inner, is_text=True)
    text, unit = _strip_unit(text)
    text = spelled_number(text) or expand_notation(text)
    words = re.fullmatch(r"[A-Za-z][A-Za-z '\-]*[A-Za-z]", text)
    is_text = bool(words) and len(text) >= 3 and text.lower() not in _FUNCTION_WORDS
    return Normalized(text, unit, percent, is_text)
