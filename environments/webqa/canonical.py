"""The canonical form of a short answer: the tokens, numbers, dates and quantities every check compares.

Case, accents (and ł, ø, ß…, Cyrillic/Greek look-alikes), punctuation and articles go; digits of any
script, CJK numerals and vulgar fractions become ASCII numerals and a minus sign stays (`numerals.py`); number
words, ordinals, Roman numerals after a name (`names.py`), fractions, eras, currencies and units (`quantities.py`)
and dates (dateparser) each get one spelling, so `forty-two thousand` and `42,000` are both `42000`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from word2number import w2n

from .names import romans_to_numbers
from .numerals import mark_signs, signed, to_ascii
from .quantities import UNITS, merge_eras, rewrite

_FOLD = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i",
    # Cyrillic and Greek letters that look Latin (`оr` with a Cyrillic о must still read as `or`)
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "ο": "o", "Ο": "O", "α": "a", "Α": "A", "ν": "v",
    # separators without a compatibility form: the ideographic comma and friends
    "、": ",", "､": ",", "⁄": "/", "〜": "~", "\u200b": " ", "\u200c": " ", "\u200d": " ", "\u2060": " ", "\ufeff": " ",
})
_SPELLING = {
    "harbour": "harbor", "colour": "color", "grey": "gray", "centre": "center", "theatre": "theater",
    "organisation": "organization", "metre": "m", "metres": "m", "meter": "m", "meters": "m", "kilometre": "km",
    "kilometres": "km", "kilometer": "km", "kilometers": "km", "kms": "km", "centimetre": "cm", "centimetres": "cm",
    "centimeter": "cm", "centimeters": "cm", "millimetre": "mm", "millimetres": "mm", "millimeter": "mm",
    "millimeters": "mm", "millilitre": "ml", "millilitres": "ml", "milliliter": "ml", "milliliters": "ml",
    "milligram": "mg", "milligrams": "mg", "kilograms": "kg", "kilogram": "kg", "feet": "ft", "foot": "ft", "miles": "mi",
    "mile": "mi", "percent": "%", "per cent": "%", "years": "year", "yrs": "year", "st": "saint", "mt": "mount", "bce": "bc",
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_WORDS = set(w2n.american_number_system) - {"point"} - set(_SCALES) - {"and"}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
DATE_RE = re.compile(
    rf"\b{_WEEKDAY}(?:"
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}/\d{4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?,?\s+\d{{4}}"
    r")\b",
    re.IGNORECASE,
)
NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])|(?<![\w.])\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Canon:
    """A text's canonical tokens, the numbers it states with the rounding each was written at, its
    dates and its quantities (a number followed by a unit)."""

    tokens: tuple[str, ...]
    numbers: tuple[float, ...]
    steps: tuple[float | None, ...]  # None: exact; 0.01 for `3.14`; 10**4 for `120k`
    dates: tuple[tuple[str, str], ...]  # (iso prefix at its precision, precision)
    quantities: tuple[tuple[int, str], ...]  # (index into numbers, unit token)

    @property
    def units(self) -> set[str]:
        return {unit for _, unit in self.quantities}


def plain(text: str) -> str:
    """Markup removed, numerals of every script as ASCII digits, accents and special letters folded to
    ASCII; case kept."""
    text = to_ascii(re.sub(r"<[^>]+>", " ", text)).translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lowercase plain text with `&` spelled out."""
    return plain(text).lower().replace("&", " and ")


@lru_cache(maxsize=4096)
def _parse_date(span: str) -> tuple[str, str] | None:
    data = _date_parser().get_date_data(span)
    if data.date_obj is None:
        return None
    iso = data.date_obj.date().isoformat()
    precision = data.period if data.period in ("day", "month") else "year"
    return {"day": iso, "month": iso[:7], "year": iso[:4]}[precision], precision


@lru_cache(maxsize=1)
def _date_parser():
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})


def _scaled_step(mantissa: str, scale: int) -> float:
    """The rounding a scaled number was written at: `1.2 million` → 10**5, `120 thousand` → 10**4."""
    if "." in mantissa:
        return 10.0 ** -len(mantissa.split(".")[1]) * scale
    return 10.0 ** (len(mantissa) - len(mantissa.rstrip("0"))) * scale


def _words_to_numbers(tokens: list[str]) -> list[tuple[str, float | None]]:
    """Runs of number words become numerals; ordinals and `2.5 million` scale words too. Each token
    comes with the rounding step of the number it states (None when exact or not a number)."""
    out: list[tuple[str, float | None]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _ORDINALS:
            out.append((str(_ORDINALS[tok]), None))
            i += 1
            continue
        if tok in _NUMBER_WORDS:
            j = i
            while j < len(tokens) and (tokens[j] in _NUMBER_WORDS or tokens[j] in _SCALES):
                j += 1
            try:
                value = w2n.word_to_num(" ".join(tokens[i:j]))
            except ValueError:
                out.extend((t, None) for t in tokens[i:j])
                i = j
                continue
            if j < len(tokens) and _ORDINALS.get(tokens[j], 10) < 10 and value % 10 == 0:
                value, j = value + _ORDINALS[tokens[j]], j + 1  # twenty-first
            out.append((str(value), None))
            i = j
            continue
        if tok in _SCALES and out and is_number(out[-1][0]):
            mantissa = out[-1][0]
            out[-1] = (_fmt(float(mantissa) * _SCALES[tok]), _scaled_step(mantissa, _SCALES[tok]))
            i += 1
            continue
        out.append((re.sub(r"^(\d+)(st|nd|rd|th)$", r"\1", tok), None))
        i += 1
    return out


def is_number(token: str) -> bool:
    """A canonical number token: `5`, `-5`, `3.14`."""
    return re.fullmatch(r"-?\d+(\.\d+)?", token) is not None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _decimal_step(token: str) -> float | None:
    return 10.0 ** -len(token.split(".")[1]) if "." in token else None


@lru_cache(maxsize=8192)
def canon(text: str) -> Canon:
    """The canonical form used for every comparison."""
    folded = romans_to_numbers(plain(text)).lower().replace("&", " and ")
    dates = []

    def date_token(match: re.Match) -> str:
        parsed = _parse_date(match.group(0))
        if parsed is None:
            return match.group(0)
        dates.append(parsed)
        return f" date{len(dates) - 1} "

    folded = mark_signs(DATE_RE.sub(date_token, folded))
    folded = NUMBER_RE.sub(lambda m: m.group(0).replace(",", ""), folded)
    folded = rewrite(folded)
    folded = re.sub(r"(\d)\s*%", r"\1 %", folded).replace("per cent", "percent")
    folded = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", folded)  # dots go, except decimal points
    folded = re.sub(r"\b([a-z]) (?=[a-z]\b)", r"\1", " ".join(folded.split()))  # U S A → usa (initials once dotted)
    folded = re.sub(r"[^\w.%\s]|_", " ", folded)
    words = [_SPELLING.get(t, t) for t in folded.split()]
    # articles go; a last `a` is a letter (`Vitamin A`, `Plan A`): no article ends a phrase
    articles = ("a", "an", "the")
    kept = [t for i, t in enumerate(words)
            if t not in articles or (t == "a" and 0 < i == len(words) - 1 and words[i - 1] not in articles)] or words
    pairs = merge_eras(signed([(_fmt(float(t)) if is_number(t) else t, step) for t, step in _words_to_numbers(kept)],
                              is_number))
    tokens = [f"date:{dates[int(t[4:])][0]}" if re.fullmatch(r"date\d+", t) else t for t, _ in pairs]
    numbers, steps, quantities = [], [], []
    for i, tok in enumerate(tokens):
        if is_number(tok):
            numbers.append(float(tok))
            steps.append(pairs[i][1] or _decimal_step(tok))
            if i + 1 < len(tokens) and tokens[i + 1] in UNITS:
                quantities.append((len(numbers) - 1, tokens[i + 1]))
    return Canon(tuple(tokens), tuple(numbers), tuple(steps), tuple(dates), tuple(quantities))
