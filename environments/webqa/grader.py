"""The rule layer of the web-QA grader: committed short answers compared with gold aliases.

Order of checks: exact match after canonicalisation (case, accents, punctuation, articles, spelling
variants, number words, ordinals, scale words, units, dates) → refusals (not attempted) → yes/no →
several candidates or hedging (not credited) → numbers and dates compared as values (decimals kept,
dates at the gold's precision) → the gold inside a short sentence → a surname for a person's name → a
near spelling of a long name. SQuAD EM and token F1 are reported alongside for comparison.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel
from word2number import w2n

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not_attempted"

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})
_SPELLING = {
    "harbour": "harbor", "colour": "color", "grey": "gray", "centre": "center", "theatre": "theater",
    "metre": "m", "metres": "m", "meter": "m", "meters": "m", "kilometre": "km", "kilometres": "km",
    "kilometer": "km", "kilometers": "km", "kms": "km", "centimetres": "cm", "centimeters": "cm",
    "kilograms": "kg", "kilogram": "kg", "feet": "ft", "foot": "ft", "miles": "mi", "mile": "mi",
    "percent": "%", "per cent": "%", "years": "year", "yrs": "year", "st": "saint",
}
UNITS = {"m", "km", "cm", "mm", "kg", "g", "ft", "mi", "%", "year", "day", "days", "hours", "minutes", "tonnes"}
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
_DATE_RE = re.compile(
    rf"\b{_WEEKDAY}(?:"
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}/\d{4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?,?\s+\d{{4}}"
    r")\b",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])|(?<![\w.])\d+(?:\.\d+)?")
_REFUSAL_RE = re.compile(
    r"\b(i\s+do\s*n[o']?t\s+know|don'?t\s+know|unknown|n/?a|not\s+enough\s+information|insufficient"
    r"|cannot\s+(?:determine|answer|find|say)|can'?t\s+(?:determine|answer|find|say)|unable\s+to"
    r"|could\s*(?:n[o']?t|\s+not)\s+find|no\s+information|not\s+(?:mentioned|stated|specified|available|sure)"
    r"|do(?:es)?\s+not\s+(?:say|mention|state)|no\s+answer|no\s+idea)\b",
    re.IGNORECASE,
)
_HEDGE_RE = re.compile(
    r"\b(maybe|perhaps|possibly|probably|likely|might|could\s+be|i\s+think|i\s+believe|i\s+guess"
    r"|not\s+sure|uncertain|either)\b",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(r"^\s*(?:final\s+answer|answer|the\s+answer\s+is|short\s+answer)\s*[:\-]?\s*", re.IGNORECASE)
_PLACE_PREFIXES = {"new", "lake", "mount", "saint", "san", "santa", "north", "south", "east", "west", "port",
                   "fort", "cape", "upper", "lower", "great", "little", "old", "river", "isle", "gulf", "bay"}
_ATTACHED_WORDS = {"on", "in", "at", "of", "near", "by", "from", "which", "who", "where", "located", "a", "an"}
MAX_SENTENCE_TOKENS = 25


@dataclass(frozen=True)
class Grade:
    """The rule layer's outcome for one prediction, why, and the SQuAD figures for the record."""

    outcome: str
    reason: str
    em: float
    f1: float
    matched: str | None = None


# ---- SQuAD baseline ----------------------------------------------------------------------------

def squad_normalize(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_em(prediction: str, aliases: list[str]) -> float:
    """SQuAD exact match, best over aliases."""
    return max(float(squad_normalize(prediction) == squad_normalize(a)) for a in aliases)


def squad_f1(prediction: str, aliases: list[str]) -> float:
    """SQuAD token F1, best over aliases."""
    best = 0.0
    pred = squad_normalize(prediction).split()
    for alias in aliases:
        gold = squad_normalize(alias).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


# ---- canonical form ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Canon:
    """A text's canonical tokens plus the numbers and dates it states."""

    tokens: tuple[str, ...]
    numbers: tuple[float, ...]
    dates: tuple[tuple[str, str], ...]  # (iso prefix at its precision, precision)

    @property
    def units(self) -> set[str]:
        return {t for t in self.tokens if t in UNITS}


def _plain(text: str) -> str:
    """Markup removed, accents and special letters folded to ASCII; case kept."""
    text = re.sub(r"<[^>]+>", " ", text).translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lowercase plain text with `&` spelled out."""
    return _plain(text).lower().replace("&", " and ")


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


def _words_to_numbers(tokens: list[str]) -> list[str]:
    """Runs of number words become numerals; ordinals and `2.5 million` scale words too."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _ORDINALS:
            out.append(str(_ORDINALS[tok]))
            i += 1
            continue
        if tok in _NUMBER_WORDS:
            j = i
            while j < len(tokens) and (tokens[j] in _NUMBER_WORDS or tokens[j] in _SCALES):
                j += 1
            try:
                out.append(str(w2n.word_to_num(" ".join(tokens[i:j]))))
            except ValueError:
                out.extend(tokens[i:j])
            i = j
            continue
        if tok in _SCALES and out and _is_number(out[-1]):
            out[-1] = _fmt(float(out[-1]) * _SCALES[tok])
            i += 1
            continue
        out.append(re.sub(r"^(\d+)(st|nd|rd|th)$", r"\1", tok))
        i += 1
    return out


def _is_number(token: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", token) is not None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@lru_cache(maxsize=8192)
def canon(text: str) -> Canon:
    """The canonical form used for every comparison."""
    folded = fold(text)
    dates = []

    def date_token(match: re.Match) -> str:
        parsed = _parse_date(match.group(0))
        if parsed is None:
            return match.group(0)
        dates.append(parsed)
        return f" date{len(dates) - 1} "

    folded = _DATE_RE.sub(date_token, folded)
    folded = _NUMBER_RE.sub(lambda m: m.group(0).replace(",", ""), folded)
    folded = re.sub(r"(\d)\s*%", r"\1 %", folded).replace("per cent", "percent")
    folded = re.sub(r"(?<!\d)\.|\.(?!\d)", "", folded)  # dots go, except decimal points
    folded = re.sub(r"[^\w.%\s]", " ", folded)
    tokens = [_SPELLING.get(t, t) for t in folded.split() if t not in ("a", "an", "the")]
    tokens = _words_to_numbers(tokens)
    tokens = [_fmt(float(t)) if _is_number(t) else t for t in tokens]
    tokens = [f"date:{dates[int(t[4:])][0]}" if re.fullmatch(r"date\d+", t) else t for t in tokens]
    numbers = tuple(float(t) for t in tokens if _is_number(t))
    return Canon(tuple(tokens), numbers, tuple(dates))


# ---- checks ------------------------------------------------------------------------------------

def _strip_prefix(prediction: str) -> str:
    text = _PREFIX_RE.sub("", prediction.strip())
    return text.strip().rstrip(".").strip()


def _find(haystack: tuple[str, ...], needle: tuple[str, ...]) -> int:
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1


def _several_candidates(text: str, aliases: list[str]) -> bool:
    """`X or Y`, `X/Y`, or a short list `X, Y and Z`, once dates, numbers and the gold itself are masked."""
    masked = _DATE_RE.sub(" DATE ", fold(text))
    masked = _NUMBER_RE.sub(lambda m: m.group(0).replace(",", ""), masked)
    for alias in aliases:
        words = re.findall(r"\w+", fold(alias))
        if words:
            masked = re.sub(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", " ANSWER ", masked)
    if re.search(r"\b(or|vs|versus|either)\b|[/;]", masked):
        return True
    parts = [p.strip() for p in re.split(r",|\band\b", masked) if p.strip(" .")]
    candidates = [p for p in parts if p.split()[0] not in _ATTACHED_WORDS]  # `X, on the coast` is one answer
    return len(candidates) >= 2 and all(len(p.split()) <= 4 for p in candidates)


def _same_number(pred: float, gold: float, gold_text: str) -> bool:
    """Equal, or equal when the prediction is rounded to the gold's decimals (3.14159 for 3.14)."""
    if pred == gold:
        return True
    decimals = len(gold_text.split(".")[1]) if "." in gold_text else None
    return decimals is not None and decimals > 0 and round(pred, decimals) == gold


def _numeric_grade(pred: Canon, gold: Canon) -> bool | None:
    """For golds that state a number or a date: do the values agree? None when the gold has neither."""
    if gold.dates:
        gold_iso, precision = gold.dates[0]
        if not pred.dates:
            return False
        width = {"day": 10, "month": 7, "year": 4}[precision]
        return all(len(iso) >= width and iso[:width] == gold_iso for iso, _ in pred.dates)
    if not gold.numbers:
        return None
    pred_numbers = list(pred.numbers) + [float(iso[:4]) for iso, _ in pred.dates]
    gold_texts = [t for t in gold.tokens if _is_number(t)]
    if len(set(pred_numbers)) != len(set(gold.numbers)):
        return False
    if not all(any(_same_number(p, g, gt) for p in pred_numbers) for g, gt in zip(gold.numbers, gold_texts)):
        return False
    return not (pred.units and gold.units and not pred.units & gold.units)


def _light_tokens(text: str) -> list[str]:
    """Words in their original case (accents folded), for checks that need capitals."""
    return re.findall(r"[\w.]+", _plain(text))


def _extends_a_name(prediction: str, alias: str) -> bool:
    """True when the gold sits inside a longer capitalised name (`George Washington Carver`)."""
    words = _light_tokens(prediction)
    lowered = [canon(w).tokens[0] if canon(w).tokens else "" for w in words]
    gold = canon(alias).tokens
    at = _find(tuple(lowered), gold)
    if at < 0:
        return False
    before = words[at - 1] if at > 0 else ""
    after = words[at + len(gold)] if at + len(gold) < len(words) else ""
    capital = lambda w: bool(w) and w[0].isupper() and canon(w).tokens not in ((), ("the",))  # noqa: E731
    return capital(after) or (capital(before) and at - 1 > 0)


def _partial_name(pred: Canon, gold: Canon) -> bool:
    """A surname alone for a person's name (not `Amsterdam` for `New Amsterdam`)."""
    if len(gold.tokens) < 2 or not pred.tokens or gold.tokens[0] in _PLACE_PREFIXES:
        return False
    return pred.tokens == gold.tokens[-len(pred.tokens) :] and not any(_is_number(t) for t in pred.tokens)


def _near_spelling(pred: Canon, gold: Canon) -> bool:
    """A typo in a long name: same word count, normalised Indel similarity ≥ 0.9."""
    a, b = " ".join(pred.tokens), " ".join(gold.tokens)
    if len(pred.tokens) != len(gold.tokens) or len(b) < 6 or pred.numbers or gold.numbers:
        return False
    return Indel.normalized_similarity(a, b) >= 0.9


def grade(prediction: str | None, aliases: list[str] | str) -> Grade:
    """Grade a committed final answer against the gold aliases (rule layer only)."""
    aliases = [aliases] if isinstance(aliases, str) else [a for a in aliases if str(a).strip()]
    raw = (prediction or "").strip()
    em, f1 = (squad_em(raw, aliases), squad_f1(raw, aliases)) if aliases else (0.0, 0.0)
    make = lambda outcome, reason, matched=None: Grade(outcome, reason, em, f1, matched)  # noqa: E731
    text = _strip_prefix(raw)
    if not text:
        return make(NOT_ATTEMPTED, "empty answer")
    pred = canon(text)
    golds = [(a, canon(a)) for a in aliases]
    for alias, gold in golds:
        if pred.tokens == gold.tokens or (gold.dates and pred.dates == gold.dates and len(pred.tokens) == 1):
            return make(CORRECT, "exact match", alias)
    hedged = _HEDGE_RE.search(text) is not None
    if _REFUSAL_RE.search(text) and not re.search(r"\b(but|maybe|might|possibly|probably|perhaps|i think)\b", text, re.I):
        return make(NOT_ATTEMPTED, "refusal")
    for alias, gold in golds:
        if gold.tokens and gold.tokens[0] in ("yes", "no") and len(gold.tokens) == 1:
            agrees = pred.tokens[:1] == gold.tokens
            return make(CORRECT if agrees else INCORRECT, "yes/no", alias if agrees else None)
    if _several_candidates(text, aliases):
        return make(INCORRECT, "several candidates")
    if hedged:
        return make(INCORRECT, "hedged")
    gold_units = set().union(*(g.units for _, g in golds))
    if pred.units and gold_units and not pred.units & gold_units and any(g.numbers for _, g in golds):
        return make(INCORRECT, "different unit")
    for alias, gold in golds:
        verdict = _numeric_grade(pred, gold)
        if verdict is not None:
            if verdict:
                return make(CORRECT, "same value", alias)
            continue
        if _find(pred.tokens, gold.tokens) >= 0:
            if len(pred.tokens) > MAX_SENTENCE_TOKENS:
                return make(INCORRECT, "answer too long to be committed")
            if not _extends_a_name(text, alias):
                return make(CORRECT, "gold stated in the answer", alias)
        if _partial_name(pred, gold):
            return make(CORRECT, "surname of the gold name", alias)
        if _near_spelling(pred, gold):
            return make(CORRECT, "near spelling", alias)
    return make(INCORRECT, "no match")
