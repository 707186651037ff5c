"""Numerals in any script, with their signs: the first step of the canonical form of a number.

A short answer may write `3` as `３` (full width), `٣` (Arabic-Indic), `३` (Devanagari) or `三` (CJK), a
half as `½`, and `-5` with a minus sign (`−5`) that a punctuation filter would drop. `to_ascii` rewrites
digits, CJK numerals and vulgar fractions as ASCII numerals (`2½` → `2 1/2`); `mark_signs` spells a
leading minus as the word `minus`, which `signed` joins back onto the number once number words are read,
so `-5`, `−5`, `minus 5` and `negative five` are all `-5`, and never `5`.
"""

from __future__ import annotations

import re
import unicodedata

_VULGAR = "".join(chr(c) for c in range(0xA0, 0x2190) if "VULGAR FRACTION" in unicodedata.name(chr(c), ""))
_VULGAR_RE = re.compile(rf"(\d?)([{_VULGAR}])")
_SUPERSCRIPT_FRACTION_RE = re.compile(r"(?<=\d)(?=[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+\u2044)")
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CJK_NUMERAL = "".join([*_CJK_DIGITS, *_CJK_UNITS, *_CJK_LARGE])
# Counters and date words a CJK number may be followed by (`三年`, `三个`); any other ideograph next to the
# numeral makes it part of a word or a name (`三菱`, `统一`), which is left alone. `第` makes an ordinal.
_CJK_COUNTERS = "年月日个個人次岁歳倍名位件本つ回号號度"
_CJK_RUN_RE = re.compile(
    rf"(?<![\u3040-\u30ff\u3400-\u9fff])(第?)([{_CJK_NUMERAL}]+)(?=[{_CJK_COUNTERS}]|[^\u3040-\u30ff\u3400-\u9fff]|$)"
)
# A minus sign before a number (`-5`, `−5`, `(-3)`, `-$300`), not a hyphen inside a name (`COVID-19`), a
# range or a score (`1990-95`, `5-3`) or a subtraction (`10 - 3`); an offset from UTC keeps its sign.
_SIGN_RE = re.compile(
    r"(?:(?<![\w.)\]])(?<!\d\s)(?<!\d\s\s)|(?<=\butc)|(?<=\bgmt))[-\u2212\u2013\ufe63\uff0d](?=[$€£¥]?\d)", re.I
)
_BELOW_ZERO_RE = re.compile(
    r"(\d+(?:\.\d+)?|\b[a-z]+(?:-[a-z]+)?)(\s*(?:°\s*[cf]?|degrees?(?:\s+(?:celsius|fahrenheit|c|f))?)?)\s+below\s+(?:zero|0)\b",
    re.I,
)
# Arabic decimal and thousands separators and percent sign; Roman numeral characters (`Ⅻ`)
_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ",", "\u066a": "%"})
_ROMAN_CHARS_RE = re.compile("[\u2160-\u2188]")
_SIGN_WORDS = ("minus", "negative")


def _cjk_value(run: str) -> int:
    """`三十五` → 35, `二千零二十` → 2020, `一万` → 10000; a run of bare digits reads digit by digit
    (`一九六九` → 1969)."""
    if not any(c in _CJK_UNITS or c in _CJK_LARGE for c in run):
        return int("".join(str(_CJK_DIGITS[c]) for c in run))
    total, section, digit = 0, 0, None
    for c in run:
        if c in _CJK_DIGITS:
            digit = _CJK_DIGITS[c]
        elif c in _CJK_UNITS:
            section += (1 if digit is None else digit) * _CJK_UNITS[c]
            digit = None
        else:
            total += ((section + (digit or 0)) or 1) * _CJK_LARGE[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def _cjk(match: re.Match) -> str:
    value = _cjk_value(match.group(2))
    return f" {value}th " if match.group(1) else f" {value} "


def _vulgar(match: re.Match) -> str:
    fraction = unicodedata.normalize("NFKD", match.group(2)).replace("\u2044", "/")
    return f"{match.group(1)} {fraction}" if match.group(1) else fraction


def to_ascii(text: str) -> str:
    """Digits of every script as ASCII digits (with Arabic separators: `٣٫٥` → `3.5`), CJK numerals and
    Roman numeral characters (`Ⅻ`) as numbers, vulgar fractions as `n/d` (a mixed number keeps a space: `2½`
    → `2 1/2`, never `21/2`). Run before NFKD, which would glue them."""
    text = _VULGAR_RE.sub(_vulgar, text)
    text = _SUPERSCRIPT_FRACTION_RE.sub(" ", text)
    text = _CJK_RUN_RE.sub(_cjk, text).translate(_SEPARATORS)
    text = _ROMAN_CHARS_RE.sub(lambda m: str(int(unicodedata.numeric(m.group(0)))), text)
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def mark_signs(text: str) -> str:
    """A leading minus (and `N below zero`) spelled as the word `minus`, so later punctuation filters
    and number rewrites cannot lose it."""
    text = _BELOW_ZERO_RE.sub(lambda m: f" minus {m.group(1)}{m.group(2)} ", text)
    return _SIGN_RE.sub(" minus ", text)


def signed(pairs: list[tuple[str, object]], is_number) -> list[tuple[str, object]]:
    """`minus 5` / `negative 5` become the one token `-5` (each token keeps what the caller paired with
    it); `10 minus 3` keeps its words: a number before the sign makes it a subtraction."""
    out: list[tuple[str, object]] = []
    for tok, extra in pairs:
        sign = out[-1][0] if out else None
        if sign in _SIGN_WORDS and is_number(tok) and not tok.startswith("-") \
                and not (len(out) > 1 and is_number(out[-2][0])):
            out[-1] = ("0" if float(tok) == 0 else f"-{tok}", extra)
        else:
            out.append((tok, extra))
    return out
