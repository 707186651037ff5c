"""Quantities in short answers: units (converted with pint), spelled fractions, centuries and decades.

Two jobs, both for the grader's canonical form: `rewrite` turns phrasings of one value into one spelling
before tokenising (`three quarters` → `0.75`, `the 1600s` → `century17`, `'90s` → `decadex90`,
`120k` → `120 thousand`), and `convert` compares a value in one unit with a gold in another.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# Canonical unit tokens (after the grader's spelling table) → pint unit names.
UNITS = {
    "m": "meter", "km": "kilometer", "cm": "centimeter", "mm": "millimeter", "mi": "mile", "ft": "foot",
    "inch": "inch", "inches": "inch", "yd": "yard", "yard": "yard", "yards": "yard",
    "kg": "kilogram", "g": "gram", "gram": "gram", "grams": "gram", "mg": "milligram",
    "lb": "pound", "lbs": "pound", "pound": "pound", "pounds": "pound", "oz": "ounce", "ounce": "ounce",
    "ounces": "ounce", "tonne": "metric_ton", "tonnes": "metric_ton",
    "c": "degree_Celsius", "celsius": "degree_Celsius", "f": "degree_Fahrenheit", "fahrenheit": "degree_Fahrenheit",
    "kelvin": "kelvin", "sec": "second", "seconds": "second", "min": "minute", "minute": "minute",
    "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "day": "day",
    "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month", "year": "year",
    "l": "liter", "litre": "liter", "litres": "liter", "liter": "liter", "liters": "liter", "ml": "milliliter",
    "ha": "hectare", "hectare": "hectare", "hectares": "hectare", "acre": "acre", "acres": "acre",
    "mph": "mile/hour", "kph": "kilometer/hour", "km2": "kilometer**2", "mi2": "mile**2", "m2": "meter**2",
    "%": "percent", "usd": "currency:usd", "eur": "currency:eur", "gbp": "currency:gbp", "jpy": "currency:jpy",
}
_CURRENCY_SIGNS = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy"}
_CURRENCY_WORDS = {"dollar": "usd", "dollars": "usd", "euro": "eur", "euros": "eur", "sterling": "gbp", "yen": "jpy"}
# Words that can stand for "one" of a unit: `an hour`, `a mile`.
_ONE_OF = "hour|minute|day|week|month|year|mile|metre|meter|kilometre|kilometer|foot|inch|pound|kilogram|tonne|litre|liter"
_SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10}
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
                 "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8,
                 "eighths": 8, "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10, "hundredth": 100, "hundredths": 100}
_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
                 "eighties": 8, "nineties": 9}
_NUM = r"\d+(?:\.\d+)?"
_SMALL_RE = "|".join(_SMALL)
_REWRITES: list[tuple[re.Pattern, object]] = []


def _rule(pattern: str):
    def register(fn):
        _REWRITES.append((re.compile(pattern), fn))
        return fn
    return register


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@_rule(r"(?<![\w'])(\d{1,2})00'?s\b")
def _hundreds(m: re.Match) -> str:  # the 1600s = the 17th century
    return f" century{int(m.group(1)) + 1} "


@_rule(r"(?<![\w'])(\d{1,3}[1-9])0'?s\b")
def _decade(m: re.Match) -> str:  # 1990s, 1990's
    return f" decade{m.group(1)}0 "


@_rule(r"(?:(?<=\s)|^)'?([1-9])0'?s\b")
def _short_decade(m: re.Match) -> str:  # '90s, 90s: the century is left open
    return f" decadex{m.group(1)}0 "


@_rule(r"\b(" + "|".join(_DECADE_WORDS) + r")\b")
def _decade_word(m: re.Match) -> str:
    return f" decadex{_DECADE_WORDS[m.group(1)]}0 "


@_rule(r"(\d+(?:st|nd|rd|th))\s+(?:c|cent)\.?(?!\w)")
def _century_abbreviation(m: re.Match) -> str:  # 17th c. (never 17 °C: the ordinal says it counts centuries)
    return f"{m.group(1)} century"


@_rule(r"(?<=\d)\s+(?:ad|a\.d\.|ce|c\.e\.)(?!\w)|\b(?:ad|a\.d\.)\s+(?=\d)|\b(centur(?:y|ies))\s+(?:ad|a\.d\.|ce)(?!\w)")
def _anno_domini(m: re.Match) -> str:  # 1066 AD, AD 1066, the 19th century AD: the era years are counted in
    return f" {m.group(1) or ''} "


@_rule(r"\b(centur(?:y|ies))\s+(?:bce|b\.?\s?c\.?(?:e\.?)?)(?!\w)")
def _bc(m: re.Match) -> str:
    return f"{m.group(1)} bc"


@_rule(r"(?:\bus\s*)?([$€£¥])\s*(\d+(?:\.\d+)?(?:\s*(?:thousand|million|billion|trillion|k)\b)?)")
def _currency_sign(m: re.Match) -> str:  # $5 million → 5 million usd (the scale stays with its number)
    return f" {m.group(2)} {_CURRENCY_SIGNS[m.group(1)]} "


@_rule(r"\b(?:us\s+|american\s+)?(dollars?|euros?|yen)\b|\b(?:pounds?\s+)?(sterling)\b")
def _currency_word(m: re.Match) -> str:
    return _CURRENCY_WORDS[m.group(1) or m.group(2)]


@_rule(r"(?<![\w.])(\d+(?:\.\d+)?)e([+-]?\d{1,3})\b")
def _scientific(m: re.Match) -> str:  # 1.2e1
    return _fmt(float(m.group(0)))


@_rule(r"(?<![\w.])(\d+(?:\.\d+)?)k\b")
def _thousands(m: re.Match) -> str:  # 120k keeps its rounding: it is `120 thousand`
    return f"{m.group(1)} thousand"


@_rule(r"(?<![\w./])(\d+)(?:\s+|\s*-\s*|\s+and\s+)(\d+)/(\d+)(?![\w/])")
def _mixed_number(m: re.Match) -> str:  # 1 1/2, 2-1/2, 2 and 1/2
    whole, num, den = (int(g) for g in m.groups())
    return _fmt(whole + num / den) if den else m.group(0)


@_rule(r"(?<![\w./])(\d+)/(\d+)(?![\w/])")
def _slash_fraction(m: re.Match) -> str:  # 3/4 (dates were taken out before)
    num, den = int(m.group(1)), int(m.group(2))
    return f" {_fmt(num / den)} " if den else m.group(0)


@_rule(rf"\b({_NUM}|{_SMALL_RE})\s+and\s+a\s+half\b")
def _and_a_half(m: re.Match) -> str:  # one and a half, 2 and a half
    whole = _SMALL.get(m.group(1)) or float(m.group(1))
    return _fmt(whole + 0.5)


@_rule(rf"\b(?:an?|one)\s+({_ONE_OF})s?\s+and\s+a\s+half\b")
def _unit_and_a_half(m: re.Match) -> str:  # an hour and a half
    return f"1.5 {m.group(1)}"


@_rule(rf"\b({_NUM})\s+({_ONE_OF})s?\s+and\s+a\s+half\b")
def _number_unit_and_a_half(m: re.Match) -> str:  # 2 hours and a half
    return f"{_fmt(float(m.group(1)) + 0.5)} {m.group(2)}s"


@_rule(rf"\b({_SMALL_RE})[\s-]+({'|'.join(_DENOMINATORS)})\b")
def _spelled_fraction(m: re.Match) -> str:  # three quarters, a fifth, two-thirds
    num, den = _SMALL[m.group(1)], _DENOMINATORS[m.group(2)]
    if m.group(1) not in ("a", "an", "one") and not m.group(2).endswith("s") and den != 2:
        return m.group(0)  # `three fifth` is not a fraction phrase
    return f" {_fmt(num / den)} "


@_rule(rf"(\d+(?:\.\d+)?)\s+of\s+an?\s+({_ONE_OF})\b|\bhalf\s+an?\s+({_ONE_OF})\b")
def _fraction_of_a_unit(m: re.Match) -> str:  # three quarters of an hour, half an hour
    return f"{m.group(1)} {m.group(2)}" if m.group(1) else f"0.5 {m.group(3)}"


@_rule(r"(?:(?<=\s)|^)half(?=\s|$)")
def _half(m: re.Match) -> str:
    return "0.5"


@_rule(rf"\b(?:an?)\s+({_ONE_OF})\b")
def _one_unit(m: re.Match) -> str:  # a mile, an hour
    return f"1 {m.group(1)}"


@_rule(r"\bkm\s*/\s*h\b|\bkm\s+per\s+hour\b|\bkmh\b")
def _kph(m: re.Match) -> str:
    return "kph"


@_rule(r"\b(?:square|sq)\s+(km|mi|m|kilometres|kilometers|miles|metres|meters)\b|\b(km|mi|m)(?:2|²)(?!\w)")
def _area(m: re.Match) -> str:
    unit = m.group(1) or m.group(2)
    return {"kilometres": "km", "kilometers": "km", "miles": "mi", "metres": "m", "meters": "m"}.get(unit, unit) + "2"


@_rule(r"(\d)\s*(km|cm|mm|kg|mg|lbs?|ft|mi|mph|kph|ml|hrs?|min|m|g)\b")
def _attached_unit(m: re.Match) -> str:  # 8849m, 2.5kg
    return f"{m.group(1)} {m.group(2)}"


@_rule(r"\bdegrees?\s+(?=c\b|f\b|celsius\b|fahrenheit\b)|°\s*")
def _degrees(m: re.Match) -> str:
    return " "


def rewrite(folded: str) -> str:
    """One spelling for values written several ways (lowercase input, dates already taken out)."""
    for pattern, fn in _REWRITES:
        folded = pattern.sub(fn, folded)
    return folded


def merge_eras(pairs: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """`17 century` (from `17th`/`seventeenth`/`XVII`) becomes the single token `century17`; each token
    keeps whatever the caller paired it with."""
    out: list[tuple[str, object]] = []
    for tok, extra in pairs:
        if tok in ("century", "centuries") and out and out[-1][0].isdigit():
            out[-1] = (f"century{out[-1][0]}", None)
        else:
            out.append((tok, extra))
    return out


def resolve_decades(pred: tuple[str, ...], gold: tuple[str, ...]) -> tuple[str, ...]:
    """A decade without its century (`the nineties`) takes the gold's century when the decades agree."""
    centuries = {t[6:-2]: t for t in gold if re.fullmatch(r"decade\d+0", t)}
    return tuple(next((g for g in centuries.values() if g.endswith(t[-2:])), t) if t.startswith("decadex") else t
                 for t in pred)


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=4096)
def convert(value: float, unit: str, target: str) -> float | None:
    """`value` in `unit` expressed in `target`, or None when the two measure different things (decided by
    dimensionality, not by catching pint's error: nothing cached here comes from an exception)."""
    if UNITS[unit].startswith("currency:") or UNITS[target].startswith("currency:"):
        return value if unit == target else None  # exchange rates change: no conversion between currencies
    quantity = _registry().Quantity(value, UNITS[unit])
    if not quantity.is_compatible_with(UNITS[target]):
        return None
    return float(quantity.to(UNITS[target]).magnitude)


def decimal_related(unit: str, target: str) -> bool:
    """True when the units differ by a power of ten (g and kg), so a converted value must be exact."""
    one, zero = convert(1.0, unit, target), convert(0.0, unit, target)
    if not one or zero is None or abs(zero) > 1e-12 or one < 0:
        return False
    exponent = math.log10(one)
    return abs(exponent - round(exponent)) < 1e-9
