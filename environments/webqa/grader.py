"""The rule layer of the web-QA grader: committed short answers compared with gold aliases.

Order of checks: exact match of the canonical forms (`canonical.py`) → an answer addressing the grader, or
too long to be a short answer (incorrect) → refusals (not attempted) → yes/no → what the answer commits to
(`stance.py`: two or more candidates are incorrect, a gold named only to be rejected is incorrect, one
hedged candidate is graded as if committed unless `strict=True`) → acronyms → order-free lists → numbers,
quantities (converted with pint, `quantities.py`) and dates compared as values → the gold inside a short
sentence → a surname, initials, a spelling variant of a name (`names.py`) → a category word left out.
SQuAD EM and token F1 are reported alongside. The policy, with its reasons, is in docs/webqa.md.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from .canonical import DATE_RE, NUMBER_RE, Canon, canon, fold, is_number, plain
from .names import (acronym_in, acronym_match, initials_match, name_like, near_name, ordinal_last, person_like,
                    phrase_not_name)
from .quantities import UNITS, convert, decimal_related, resolve_decades
from .stance import Stance, list_items, polarity, read_stance



class Outcome(StrEnum):
    """SimpleQA's three grades."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not_attempted"


CORRECT, INCORRECT, NOT_ATTEMPTED = Outcome.CORRECT, Outcome.INCORRECT, Outcome.NOT_ATTEMPTED


class Reason(StrEnum):
    """Why the rule layer decided. Only `NO_MATCH` may go to an LLM judge (`Grade.judgeable`): the
    anti-hacking reasons (hedges, candidates, refusals, notes to the grader) are final."""

    EXACT = "exact match"
    ACRONYM = "acronym"
    ACRONYM_IN_ANSWER = "acronym in the answer"
    SAME_VALUE = "same value"
    STATED = "gold stated in the answer"
    SURNAME = "surname of the gold name"
    SURNAME_IN_ANSWER = "surname of the gold name in the answer"
    INITIALS = "initials for given names"
    SPELLING = "spelling variant of the name"
    SPELLING_IN_ANSWER = "spelling variant of the name in the answer"
    SURNAME_SPELLING = "spelling variant of the surname"
    CATEGORY_WORD = "the name without its category word"
    WITHOUT_QUALIFIER = "gold without its qualifier"
    SAME_ITEMS = "same items in any order"
    YES_NO = "yes/no"
    PARTIAL_LIST = "part of the list, the rest admitted unknown"
    APPROXIMATE = "an approximate value that does not match"
    BOUND = "a bound, not a value"
    RANGE = "a range, not a value"
    SEVERAL = "several candidates"
    BOTH_SIGNS = "both signs offered"
    QUESTION = "a question, not an answer"
    ECHO = "repeats the question"
    REJECTS_GOLD = "names the gold only to reject it"
    NO_CANDIDATE = "no candidate"
    REFUSAL = "refusal"
    EMPTY = "empty answer"
    HEDGED = "hedged"
    ADDRESSES_GRADER = "addresses the grader"
    NOT_SHORT = "not a short answer"
    NO_MATCH = "no match"


_REFUSAL_RE = re.compile(
    r"\b(i\s+do\s*n[o']?t\s+know|don'?t\s+know|unknown|n/?a|not\s+enough\s+information|insufficient"
    r"|cannot\s+(?:determine|answer|find|say)|can'?t\s+(?:determine|answer|find|say)|unable\s+to"
    r"|could\s*(?:n[o']?t|\s+not)\s+find|no\s+information|not\s+(?:mentioned|stated|specified|available|sure)"
    r"|do(?:es)?\s+not\s+(?:say|mention|state)|do(?:es)?n\s*'?t\s+(?:say|mention|state)|no\s+answer|no\s+idea"
    r"|need\s+more\s+(?:context|information|details)|unclear|(?:no\s+one|nobody)\s+knows|no\s+record"
    r"|can\s*'?t\s+help|cannot\s+help|not\s+applicable)\b",
    re.IGNORECASE,
)
_OFFERS_CANDIDATE_RE = re.compile(
    r"\b(but|maybe|might|possibly|probably|perhaps|i\s+think|i\s+believe|likely|guess|it\s*'?s|it\s+(?:is|was))\b"
    r"|[.,;:]\s*[A-Z][\w '-]{0,40}\?\s*$",  # `Not sure. Madrid?`
    re.IGNORECASE,
)
# `Answer: X`, `Answer - X`; never the minus of `Answer -5`
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:the\s+)?final\s+answer(?:\s+is)?|answer|the\s+answer\s+is|short\s+answer)\s*(?::|-(?!\d))?\s*", re.I
)
# LaTeX a model wraps a short answer in: `$\boxed{\text{Velmora}}$` is `Velmora`, `\pm 3` is `±3`
_LATEX_WRAPPER_RE = re.compile(r"\\(?:boxed|text|textbf|textit|mathrm|mathbf|mbox|fbox)\s*\{([^{}]*)\}")
_LATEX_SYMBOLS = {"\\pm": "±", "\\mp": "±", "\\times": "×", "\\cdot": "×", "\\div": "÷", "\\%": "%", "\\$": "$",
                  "\\,": " ", "\\;": " ", "\\!": "", "\\circ": "°", "\\degree": "°", "\\lor": " or ", "\\vee": " or ",
                  "\\land": " and ", "\\wedge": " and ", "\\quad": " ", "\\qquad": " "}
_PLACE_PREFIXES = {"new", "lake", "mount", "saint", "san", "santa", "north", "south", "east", "west", "port",
                   "fort", "cape", "upper", "lower", "great", "little", "old", "river", "isle", "gulf", "bay"}
_ATTACHED_WORDS = {"on", "in", "at", "of", "near", "by", "from", "which", "who", "where", "located", "a", "an"}
# A comment after the answer (`X, though this is disputed`, `X, since 1561`) is not a second candidate;
# `X, though Y` is.
_COMMENT_RE = re.compile(
    r"^(?:(?:though|although|but|as|because|however|while)\s+(?:this|that|it|its|there|which)\b"
    r"|(?:since|until|after|before|from|in)\s+(?:DATE|\d))"
)
MAX_SENTENCE_TOKENS = 25
_PUNCTUATION = set(string.punctuation)
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "mt", "jr", "sr", "prof", "gen", "col", "lt", "sgt", "capt", "no",
                  "vs", "etc", "inc", "ltd", "co", "corp", "ft", "approx", "ca", "fig", "vol"}
# Words a question usually names, so an answer may leave them out or move them: `the Pacific` for
# `Pacific Ocean`, `Thames River` for `River Thames`, `Outstanding Paper` for `Outstanding Paper Award`.
_CATEGORY_WORDS = {"river", "ocean", "sea", "mount", "mountain", "mountains", "desert", "award", "prize", "medal"}
MAX_ANSWER_CHARS = 400  # longer than any short answer; also bounds the grader's time on a flood of text
_ADDRESSES_GRADER_RE = re.compile(
    r"\b(?:grader|grading|evaluator|(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:judge|reviewer)"
    r"|(?:dear|attention|hey)\s+(?:the\s+)?(?:judge|reviewer)|judge\s*:|reference\s+answer|gold\s+(?:answer|target)"
    r"|expected\s+answer|evaluation\s+override"
    r"|grade\s+(?:it|this|me|a)\b|mark\s+(?:it|this)\s+(?:as\s+)?correct|output\s+correct|full\s+(?:marks|credit)"
    r"|ignore\s+(?:all\s+|the\s+)?(?:previous|above|prior)\s+instructions|system\s+prompt)\b"
    r"|\b(?:verdict|reward|passed|outcome)\W{0,3}\s*[:=]",
    re.IGNORECASE,
)
# An article, unless it makes a fraction (`a third` is 1/3, never `third`) or ends the phrase
_ARTICLE_RE = re.compile(
    r"\b(?:a|an|the)\b(?!\s+(?:half|third|thirds|quarter|quarters|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b)"
    r"(?!\s*(?:$|[,;)]))",  # a last `a` is a letter: `Vitamin A`
    re.IGNORECASE,
)
_ORDINAL_WORD_RE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\b(?!\s+(?:century|centuries))", re.I
)
CONVERSION_TOLERANCE = 0.02  # relative; a value converted between unit systems is usually rounded


@dataclass(frozen=True)
class Grade:
    """The rule layer's outcome for one prediction, why, and the SQuAD figures for the record."""

    outcome: Outcome
    reason: Reason
    em: float
    f1: float
    matched: str | None = None
    hedged: bool = False

    @property
    def judgeable(self) -> bool:
        """True when an LLM judge may overrule the rules: a short answer they could not match."""
        return self.outcome is Outcome.INCORRECT and self.reason is Reason.NO_MATCH

    @property
    def description(self) -> str:
        """The reason as recorded in a verdict's details (`exact match (hedged)`)."""
        return self.reason.value + (" (hedged)" if self.hedged else "")


# ---- SQuAD baseline ----------------------------------------------------------------------------

def squad_normalize(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
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


# ---- value checks ------------------------------------------------------------------------------

def _same_number(pred: float, gold: float, step: float | None) -> bool:
    """Equal, or equal once the prediction is rounded to the precision the gold was written at
    (3.14159 for 3.14; 124k for 120k, SimpleQA's last-significant-figure rule)."""
    if math.isclose(pred, gold, rel_tol=1e-9, abs_tol=1e-12):
        return True
    if step is None or not math.isfinite(pred / step):
        return False
    return math.isclose(round(pred / step) * step, gold, rel_tol=1e-9)


def _converted(value: float, unit: str, step: float | None, gold: float, gold_unit: str, gold_step: float | None) -> bool:
    """A value in another unit agrees with the gold: exactly between g and kg; between unit systems within
    2% and equal once rounded at the gold's precision or at the answer's own (26.2 miles for 42.195 km,
    5.5 lb for 2.5 kg; never 2 km for 1 mile)."""
    got = convert(value, unit, gold_unit)
    if got is None:
        return False
    if unit == gold_unit or decimal_related(unit, gold_unit):
        return _same_number(got, gold, gold_step)
    if abs(got - gold) > CONVERSION_TOLERANCE * abs(gold) + 1e-9:  # 32 °F is 0 °C give or take a float
        return False
    if _same_number(got, gold, gold_step or 1.0):
        return True
    back = convert(gold, gold_unit, unit)
    enough = _significant(value, step) >= min(_significant(gold, gold_step), 3)
    return back is not None and enough and _same_number(back, value, step or 1.0)


def _significant(value: float, step: float | None) -> int:
    """Significant figures of a number as written: 26.2 → 3, 42.195 → 5, 100 → 1."""
    if value == 0:
        return 1
    if step is None:
        digits = str(int(abs(value))) if float(value).is_integer() else repr(abs(value)).replace(".", "").lstrip("0")
        return len(digits.rstrip("0")) or 1
    return max(1, math.floor(math.log10(abs(value))) - round(math.log10(step)) + 1)


def _numeric_grade(pred: Canon, gold: Canon, other_aliases_have_units: bool) -> bool | None:
    """For golds that state a number or a date: do the values agree? None when the gold has neither."""
    if gold.dates:
        gold_iso, precision = gold.dates[0]
        if not pred.dates:
            return False
        width = {"day": 10, "month": 7, "year": 4}[precision]
        return all(len(iso) >= width and iso[:width] == gold_iso for iso, _ in pred.dates)
    if not gold.numbers:
        return None
    if ("bc" in pred.tokens) != ("bc" in gold.tokens):
        return False  # 44 BC is not 44 AD
    values = list(pred.numbers) + [float(iso[:4]) for iso, _ in pred.dates]
    if pred.quantities and gold.quantities:
        (p_at, p_unit), (g_at, g_unit) = pred.quantities[0], gold.quantities[0]
        if not _converted(values[p_at], p_unit, pred.steps[p_at], gold.numbers[g_at], g_unit, gold.steps[g_at]):
            return False
        values[p_at] = gold.numbers[g_at]
    elif pred.quantities and other_aliases_have_units:
        return False  # `47 feet` is not rescued by a bare `47` alias when another alias says metres
    if len(set(values)) != len(set(gold.numbers)):
        return False
    return all(any(_same_number(p, g, step) for p in values) for g, step in zip(gold.numbers, gold.steps))


def _bound_grade(pred: Canon, gold: Canon, bound: str) -> str:
    """`more than 50k` for 120k neither confirms nor contradicts (not attempted); `more than 200k` does."""
    value = pred.numbers[0]
    if pred.quantities and gold.quantities:
        value = convert(value, pred.quantities[0][1], gold.quantities[0][1]) or value
    consistent = gold.numbers[0] > value if bound == "more" else gold.numbers[0] < value
    return NOT_ATTEMPTED if consistent else INCORRECT


# ---- name checks -------------------------------------------------------------------------------

def _unwrap_latex(text: str) -> str:
    """`The final answer is $\\boxed{\\pm 3}$` → `The final answer is ±3`: wrappers and math delimiters go,
    symbols become their characters, `\\frac{a}{b}` becomes `a/b`. Text without a backslash is left as it is
    (`$5` is money)."""
    if "\\" not in text:
        return text
    previous = None
    while previous != text:
        previous, text = text, _LATEX_WRAPPER_RE.sub(r"\1", text)
    text = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"\1/\2", text)
    for command, symbol in _LATEX_SYMBOLS.items():
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", symbol, text)
    return re.sub(r"\$([^$]*)\$", r" \1 ", text)


def _strip_prefix(prediction: str) -> str:
    text = _PREFIX_RE.sub("", _unwrap_latex(prediction.strip()).strip())
    return text.strip().rstrip(".").strip()


def _find(haystack: tuple[str, ...], needle: tuple[str, ...]) -> int:
    if not needle:
        return -1
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1


def _light_tokens(text: str) -> list[str]:
    """Words in their original case (accents folded), for checks that need capitals."""
    return re.findall(r"[\w.]+", plain(text))


def _extends_a_name(prediction: str, alias: str) -> bool:
    """True when the gold sits inside a longer capitalised name (`George Washington Carver`); a comma or
    bracket ends a name (`Paris, France`)."""
    segments = [s for s in re.split(r"[,;()]", prediction) if _find(canon(s).tokens, canon(alias).tokens) >= 0]
    return bool(segments) and all(_extends_in(segment, alias) for segment in segments)


def _extends_in(prediction: str, alias: str) -> bool:
    words = _light_tokens(prediction)
    lowered = [canon(w).tokens[0] if canon(w).tokens else "" for w in words]
    gold = canon(alias).tokens
    at = _find(tuple(lowered), gold)
    if at < 0:
        return False
    before = words[at - 1] if at > 0 else ""
    after = words[at + len(gold)] if at + len(gold) < len(words) else ""
    capital = lambda w: bool(w) and w[0].isupper() and canon(w).tokens not in ((), ("the",))  # noqa: E731
    # a given name before a one-word gold is the same person (`Pyotr Ilyich Tchaikovsky`); a place prefix is
    # another place (`New York`), and so is any capital before a gold of several words
    return capital(after) or (capital(before) and (before.lower() in _PLACE_PREFIXES or (len(gold) > 1 and at - 1 > 0)))


def _partial_name(pred: Canon, gold: Canon) -> bool:
    """A surname alone for a person's name (not `Amsterdam` for `New Amsterdam`), or a name without its
    title (`Pius XII` for `Pope Pius XII`; a number alone is never a name)."""
    if len(gold.tokens) < 2 or not pred.tokens or gold.tokens[0] in _PLACE_PREFIXES:
        return False
    return pred.tokens == gold.tokens[-len(pred.tokens) :] and not all(is_number(t) for t in pred.tokens)


def _same_tokens(pred_text: str, pred: Canon, alias: str, gold: Canon) -> bool:
    """Canonically equal, also with an ordinal moved behind its name (`First World War`) or with every
    article left out on both sides (`an apple a day` = `apple day`, where the canonical form reads `a day`
    as a quantity, `1 day`)."""
    gold_tokens = gold.tokens
    if resolve_decades(pred.tokens, gold_tokens) == resolve_decades(gold_tokens, pred.tokens):
        return True
    moved = ordinal_last(pred_text)
    if moved is not None and canon(moved).tokens == gold_tokens:
        return True
    return _ARTICLE_RE.search(pred_text + " " + alias) is not None and \
        canon(_ARTICLE_RE.sub(" ", pred_text)).tokens == canon(_ARTICLE_RE.sub(" ", alias)).tokens


# ---- one candidate against one alias -----------------------------------------------------------

def _match_one(text: str, pred: Canon, alias: str, gold: Canon, units_elsewhere: bool) -> Reason | None:
    """Why `text` states the gold `alias`, or None. Lists, hedges and rejections are handled before."""
    if not gold.tokens:
        return None
    if _same_tokens(text, pred, alias, gold) or any(
            _same_tokens(v, canon(v), alias, gold) for v in filter(None, [ordinal_last(alias)])):
        return Reason.EXACT
    if acronym_match(text, pred.tokens, alias, gold.tokens):
        return Reason.ACRONYM
    if gold.dates or is_number(gold.tokens[0]) or all(is_number(t) or t in UNITS or t == "bc" for t in gold.tokens):
        if not _ORDINAL_WORD_RE.search(alias):  # `first` in `Humans first landed in 1969` is not a value
            pred = canon(_ORDINAL_WORD_RE.sub(" ", text))
        verdict = _numeric_grade(pred, gold, units_elsewhere)
        if verdict is not None:
            return Reason.SAME_VALUE if verdict else None
    # a count leads with its number (`3 times`); a name with a number (`Apollo 11`) is a name, and the same
    # number elsewhere (`Gemini 11`) is not it
    tokens = resolve_decades(pred.tokens, gold.tokens)
    if _find(tokens, gold.tokens) >= 0 and len(tokens) <= MAX_SENTENCE_TOKENS and not _extends_a_name(text, alias):
        return Reason.STATED
    reason = _as_a_name(text, pred, alias, gold) if name_like(alias) else None
    if reason:
        return reason
    bare_pred, bare_gold = (tuple(t for t in c.tokens if t not in _CATEGORY_WORDS) for c in (pred, gold))
    if bare_gold and bare_pred == bare_gold and bare_gold != gold.tokens + pred.tokens:
        return Reason.CATEGORY_WORD
    return None


def _as_a_name(text: str, pred: Canon, alias: str, gold: Canon) -> Reason | None:
    """The rules for names, for a gold written as a name (`name_like`): a surname, initials, a spelling
    variant, each also inside a short sentence. A prediction that reads as a phrase (`who's there?`) is
    never a spelling of a name."""
    short = len(pred.tokens) <= MAX_SENTENCE_TOKENS
    if phrase_not_name(text, pred.tokens):
        return _stated_in_a_sentence(text, alias, gold) if short else None
    person = person_like(alias)
    if person and _partial_name(pred, gold):
        return Reason.SURNAME
    if initials_match(pred.tokens, gold.tokens):
        return Reason.INITIALS
    if near_name(text, pred.tokens, alias, gold.tokens):
        return Reason.SPELLING
    if short:
        reason = _stated_in_a_sentence(text, alias, gold)
        if reason:
            return reason
    surname = pred.tokens[-1:]
    if len(gold.tokens) == 1 and len(pred.tokens) in (2, 3) and surname != gold.tokens \
            and near_name(text, surname, alias, gold.tokens):
        return Reason.SURNAME_SPELLING  # `Fyodor Dostoevsky` for `Dostoyevsky`
    if person and len(pred.tokens) == 1 and pred.tokens != gold.tokens[-1:] and len(gold.tokens[-1]) >= 6 \
            and gold.tokens[0] not in _PLACE_PREFIXES and near_name(text, pred.tokens, alias, gold.tokens[-1:]):
        return Reason.SURNAME_SPELLING  # `Dostoevsky` for `Fyodor Dostoyevsky`
    return None


_ORDINAL_NAME_RE = re.compile(
    r"\b(?:the\s+)?((?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)|\d+(?:st|nd|rd|th))"
    r"\s+((?:[A-Z][\w'-]*\s*){1,4})"
)
_SENTENCE_START_RE = re.compile(r"^\s*(?:it|the|i|that|this|he|she)\b", re.IGNORECASE)  # capitalised, no name
_CAPITALISED_RUN_RE = re.compile(r"(?:\b[A-Z][\w'-]*\.?(?:\s+|$))+")  # `C. Tolkien` is one name


def _stated_in_a_sentence(text: str, alias: str, gold: Canon) -> Reason | None:
    """The gold in another of its forms inside a short sentence: an acronym or its expansion, an ordinal
    name (`fought in the First World War`), a surname spelled another way (`written by Fyodor Dostoyevsky`),
    a person's surname as the sentence's only name (`I think it was Curie`)."""
    moved = _ORDINAL_NAME_RE.sub(lambda m: f"{m.group(2).strip()} {m.group(1)} ", text)
    if moved != text and _find(canon(moved).tokens, gold.tokens) >= 0 and not _extends_a_name(moved, alias):
        return Reason.STATED
    if not name_like(alias):
        return None
    if len(gold.tokens) == 1 and len(gold.tokens[0]) >= 6:
        for word in re.findall(r"\b[A-Z][a-z][\w'-]+", text):
            if canon(word).tokens != gold.tokens and near_name(word, canon(word).tokens, alias, gold.tokens):
                return Reason.SPELLING_IN_ANSWER
    if not person_like(alias):
        return None
    names = [run.strip() for run in _CAPITALISED_RUN_RE.findall(_SENTENCE_START_RE.sub(" ", text))]
    last = len(names) == 1 and re.search(re.escape(names[0]) + r"[\s.!,;]*$", text) is not None  # `The Curie family`: no
    return Reason.SURNAME_IN_ANSWER if last and _partial_name(canon(names[0]), gold) else None
    return None


def _shared_surname(items: list[str]) -> list[list[str]]:
    """Each item with the ways it may be written when the items share a surname: `Wilbur and Orville
    Wright` → [Wilbur, Wilbur Wright], [Orville Wright, Orville]."""
    words = [i.split() for i in items]
    if len(words) >= 2 and len(words[-1]) >= 2 and all(len(w) == 1 for w in words[:-1]):
        shared = words[-1][-1]
        return [[i, f"{i} {shared}"] for i in items[:-1]] + [[items[-1], " ".join(words[-1][:-1])]]
    lasts = {w[-1].lower() for w in words}
    if len(words) >= 2 and len(lasts) == 1 and all(len(w) >= 2 for w in words):
        return [[i, " ".join(w[:-1])] for i, w in zip(items, words)]
    return [[i] for i in items]


def _gold_items(alias: str, gold: Canon) -> list[str]:
    """The items of a list gold (`red, green and yellow`, `Lennon & McCartney`), else []."""
    if gold.dates:
        return []
    items, conjoined = list_items(alias)
    return items if len(items) >= 2 and (conjoined or len(items) >= 3) else []


def _item_matches(pred_forms: list[str], gold_forms: list[str]) -> bool:
    return any(_match_one(p, canon(p), g, canon(g), False) for p in pred_forms for g in gold_forms)


def _list_grade(answer: str, gold_items: list[str]) -> str | None:
    """`same`: the same items in any order; `partial`: some of the gold's items and nothing else."""
    pred_items, _ = list_items(answer)
    pred_forms, gold_forms = _shared_surname(pred_items), _shared_surname(gold_items)
    fits = [[_item_matches(p, g) for g in gold_forms] for p in pred_forms]
    if len(pred_forms) == len(gold_forms) and len(gold_forms) <= 7:
        for order in itertools.permutations(range(len(gold_forms))):
            if all(fits[i][j] for i, j in enumerate(order)):
                return "same"
    if len(pred_forms) < len(gold_forms) and all(any(row) for row in fits):
        return "partial"
    return None


def _is_pred_list(answer: str, aliases: list[str]) -> bool:
    """A short list `X, Y and Z` offered for a single gold. `X, on the coast` is one answer; `Paris,
    France` counts as two candidates, since nothing tells it from `Madrid, Barcelona`."""
    masked = DATE_RE.sub(" DATE ", fold(answer))
    masked = NUMBER_RE.sub(lambda m: m.group(0).replace(",", ""), masked)
    for alias in aliases:
        words = re.findall(r"\w+", fold(alias))
        if words:
            masked = re.sub(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", " ANSWER ", masked)
    parts = [p.strip() for p in re.split(r",|\band\b", masked) if p.strip(" .")]
    candidates = [p for p in parts if p.split()[0] not in _ATTACHED_WORDS and not _COMMENT_RE.match(p)]
    return len(candidates) >= 2 and all(len(p.split()) <= 4 for p in candidates)


# ---- the grader --------------------------------------------------------------------------------

def _with_variants(aliases: list[str]) -> list[str]:
    """The aliases, plus each one without a generational suffix (`Martin Luther King Jr.`), a
    disambiguation in brackets (`Mercury (planet)`) or the realm after a regnal number (`Louis XIV of
    France`; not `Bank of England`)."""
    bare = [re.sub(r",?\s+(?:jr|sr)\.?\s*$|\s*\([^()]*\)\s*$", "", a, flags=re.IGNORECASE) for a in aliases]
    bare = [re.sub(r"^(.*\b(?:[IVXL]+|\d+))\s+of\s+[A-Z][\w ]*$", r"\1", b) for b in bare]
    return aliases + [b for b, a in zip(bare, aliases) if b != a and b.strip()]


def _is_short(text: str) -> bool:
    """One line, one sentence, at most MAX_SENTENCE_TOKENS words: what a judge may look at. A dot after
    an initial or an abbreviation (`W. Shakespeare`, `Dr. King`, `Mt. Everest`) ends no sentence."""
    ends = [m for m in re.finditer(r"(\w+)[.!?]\s+(?=\S)", text.strip())
            if len(m.group(1)) > 1 and m.group(1).lower() not in _ABBREVIATIONS]
    return "\n" not in text.strip() and not ends and len(text.split()) <= MAX_SENTENCE_TOKENS


def _mentions(text: str, gold: Canon) -> bool:
    return _find(canon(text).tokens, gold.tokens) >= 0


# `±3`, `\pm 3`, `+/- 3`, `plus or minus 3`: both signs, two candidates (after a number, `5 ± 0.1`, an error bar)
_BOTH_SIGNS_RE = re.compile(r"(?<![\d\s])\s*(?:±|\\pm\b|\+/-|\+-|\bplus\s+or\s+minus\b)\s*[$€£¥]?\d|^\s*(?:±|\\pm\b)", re.I)
# A question in reply (`What acronym does it use?`): it commits to nothing, whatever words it repeats
_QUESTION_RE = re.compile(r"^\s*(?:what|which|who|whom|whose|where|when|why|how)\b[^?]*\?\s*$", re.IGNORECASE)
_OPERAND = r"[$€£¥]?\(*-?\d[\d,]*(?:\.\d+)?%?\)*"
_WORKING_RE = re.compile(rf"{_OPERAND}(?:(?:\s*[-+*/×÷^·⋅\u2212]\s*|\s+x\s+){_OPERAND})+\s*=\s*(?P<result>[^=]+)$")
# Working written in words: `28 plus 32 equals 60`
_WORD_OPERATORS = [
    (re.compile(r"(?<=\d)\s+(?:plus|and)\s+(?=[$€£¥]?\d)", re.I), " + "),
    (re.compile(r"(?<=\d)\s+minus\s+(?=[$€£¥]?\d)", re.I), " - "),
    (re.compile(r"(?<=\d)\s+(?:times|multiplied\s+by)\s+(?=[$€£¥]?\d)", re.I), " × "),
    (re.compile(r"(?<=\d)\s+divided\s+by\s+(?=[$€£¥]?\d)", re.I), " / "),
    (re.compile(r"(?<=[\d%])\s+(?:equals|is\s+equal\s+to|makes|gives)\s+", re.I), " = "),
]
_RANGE_RE = re.compile(r"\d\s*(?:'?s)?\s*(?:–|\s-\s|\bto\b|\buntil\b|\bthrough\b)\s*'?\d", re.IGNORECASE)


def _other_sign(pred: Canon, golds: list[tuple[str, Canon]]) -> bool:
    """`roughly 20 °C` for `-20 °C`: an approximate value of the other sign contradicts every gold."""
    return bool(pred.numbers) and all((pred.numbers[0] < 0) != (g.numbers[0] < 0) for _, g in golds if g.numbers)


_Found = tuple[Outcome, Reason, str | None]  # outcome, reason, the alias matched


def _grade_answer(answer: str, golds: list[tuple[str, Canon]], stance: Stance) -> _Found:
    """Grade the one affirmed candidate against every alias."""
    pred = canon(answer)
    if _RANGE_RE.search(answer) and not any(_RANGE_RE.search(alias) for alias, _ in golds):
        if not any(_same_tokens(answer, pred, alias, gold) for alias, gold in golds):
            return INCORRECT, Reason.RANGE, None  # `1970s–80s` for `1970s`
    units_elsewhere = any(g.quantities for _, g in golds)
    for alias, gold in golds:
        if acronym_match(answer, pred.tokens, alias, gold.tokens):
            return CORRECT, Reason.ACRONYM, alias
        if len(pred.tokens) <= MAX_SENTENCE_TOKENS and acronym_in(answer, alias, gold.tokens):
            return CORRECT, Reason.ACRONYM_IN_ANSWER, alias
    list_golds = {alias: _gold_items(alias, gold) for alias, gold in golds}
    if not any(list_golds.values()) and _is_pred_list(answer, [a for a, _ in golds]):
        return INCORRECT, Reason.SEVERAL, None
    partial = False
    for alias, gold in golds:
        if _same_tokens(answer, pred, alias, gold):
            return CORRECT, Reason.EXACT, alias
        if list_golds[alias]:
            verdict = _list_grade(answer, list_golds[alias])
            if verdict == "same":
                return CORRECT, Reason.SAME_ITEMS, alias
            partial = partial or verdict == "partial"
            continue
        if stance.bound and gold.numbers and pred.numbers:
            return _bound_grade(pred, gold, stance.bound), Reason.BOUND, None
        reason = _match_one(answer, pred, alias, gold, units_elsewhere and not gold.quantities)
        if reason:
            return CORRECT, reason, alias
        head, conjoined = list_items(alias)
        if len(head) == 2 and not conjoined and not gold.numbers and not gold.dates:
            head_canon = canon(head[0])
            if _match_one(answer, pred, head[0], head_canon, False):
                return CORRECT, Reason.WITHOUT_QUALIFIER, alias
    if partial and stance.hedged:
        return NOT_ATTEMPTED, Reason.PARTIAL_LIST, None
    if stance.approximate and any(g.numbers for _, g in golds) and not _other_sign(pred, golds):
        return NOT_ATTEMPTED, Reason.APPROXIMATE, None
    return INCORRECT, Reason.NO_MATCH, None


def _before_stance(
    text: str, pred: Canon, golds: list[tuple[str, Canon]]
) -> tuple[Outcome, Reason, str | None, bool] | None:
    """The checks on the whole answer: both signs offered, an exact match, a question, a note to the
    grader, a refusal, a yes/no gold (hedged or not)."""
    if _BOTH_SIGNS_RE.search(text) and not any(_BOTH_SIGNS_RE.search(alias) for alias, _ in golds):
        return INCORRECT, Reason.BOTH_SIGNS, None, False
    for alias, gold in golds:
        if _same_tokens(text, pred, alias, gold) or (gold.dates and pred.dates == gold.dates and len(pred.tokens) == 1):
            return CORRECT, Reason.EXACT, alias, False
    if _QUESTION_RE.match(text):
        return INCORRECT, Reason.QUESTION, None, False
    note = _ADDRESSES_GRADER_RE.search(text)
    if note and not any(note.group(0).lower() in alias.lower() for alias, _ in golds):
        return INCORRECT, Reason.ADDRESSES_GRADER, None, False
    if _REFUSAL_RE.search(text) and not _OFFERS_CANDIDATE_RE.search(text):
        return NOT_ATTEMPTED, Reason.REFUSAL, None, False
    for alias, gold in golds:
        if gold.tokens in (("yes",), ("no",)):
            said, hedged = polarity(text)
            if said == gold.tokens[0]:
                return CORRECT, Reason.YES_NO, alias, hedged
            return INCORRECT, Reason.YES_NO, None, False
    return None


def _echoes(answer: str, question: str | None) -> bool:
    """Every word of the answer is in the question: `AGS` for `What does AGS stand for?`, `Curie` for
    `Which Curie won two Nobel prizes?`. Such an answer states the gold by a rule (an acronym, a surname)
    only because the question named it; an exact match (`Paris` for `Paris or Lyon?`) still counts."""
    return bool(question) and set(canon(answer).tokens) <= set(canon(question).tokens)


def _conclusion(text: str, aliases: list[str]) -> str:
    """An answer that shows its working (`28 + 32 = 60%`, `The total is 2023 - 1969 = 54`, `28 plus 32
    equals 60`) commits to what the working concludes: the text after its last `=`. Left as it is when a
    gold holds `=` (`E = mc2`) or the text before the working offers another candidate or a rejection."""
    if any("=" in a for a in aliases):
        return text
    worked = text
    if "=" not in worked:
        for pattern, symbol in _WORD_OPERATORS:
            worked = pattern.sub(symbol, worked)
    working = _WORKING_RE.search(worked) if "=" in worked else None
    if working is None or re.search(r"\bor\b|\bnot\b|\?", worked[: working.start()], re.IGNORECASE):
        return text
    return working.group("result").strip()


def _without_generation(text: str, aliases: list[str]) -> str:
    """`Martin Luther King Jr.` answers a gold that has no suffix; a gold that has one keeps the answer's."""
    if any(re.search(r"\b(?:jr|sr)\.?\s*$", a, re.IGNORECASE) for a in aliases):
        return text
    return re.sub(r",?\s+(?:jr|sr)\.?\s*$", "", text, flags=re.IGNORECASE) or text


def alias_list(aliases: list[str] | str) -> list[str]:
    """A row's gold as a list of non-empty alias strings."""
    return [aliases] if isinstance(aliases, str) else [str(a) for a in aliases if str(a).strip()]


def grade(prediction: str | None, aliases: list[str] | str, *, strict: bool = False, question: str | None = None) -> Grade:
    """Grade a committed final answer against the gold aliases (rule layer only).

    `strict=True` refuses credit to hedged answers (`Probably Madrid`); by default one hedged candidate
    is graded like a committed one, as SimpleQA does. Two candidates are never credited. With `question`,
    an answer that only repeats the question is incorrect even when the question names the gold."""
    aliases = alias_list(aliases)
    raw = (prediction or "").strip()
    em, f1 = (squad_em(raw, aliases), squad_f1(raw, aliases)) if aliases else (0.0, 0.0)
    make = lambda outcome, reason, matched=None, hedged=False: Grade(  # noqa: E731
        outcome, reason, em, f1, matched, hedged)
    if len(raw) > MAX_ANSWER_CHARS:
        return make(INCORRECT, Reason.NOT_SHORT)
    text = _conclusion(_without_generation(_strip_prefix(plain(raw)), aliases), aliases)
    if not text.strip(" \t\n.,;:"):
        return make(NOT_ATTEMPTED, Reason.EMPTY)
    pred = canon(text)
    golds = [(a, gold) for a in _with_variants(aliases) if (gold := canon(a)).tokens]  # `∞` alone states nothing
    early = _before_stance(text, pred, golds)
    if early is not None and strict and early[3]:
        return make(INCORRECT, Reason.HEDGED)
    if early is not None:
        return make(*early)
    stance = read_stance(text, aliases)
    rejects_gold = any(_mentions(r, gold) for r in stance.rejected for _, gold in golds if gold.tokens)
    if len({canon(c).tokens for c in stance.candidates}) >= 2:
        return make(INCORRECT, Reason.SEVERAL)
    if not stance.candidates:
        return make(INCORRECT, Reason.REJECTS_GOLD) if rejects_gold else make(NOT_ATTEMPTED, Reason.NO_CANDIDATE)
    if strict and stance.hedged:
        return make(INCORRECT, Reason.HEDGED)
    answer = _conclusion(stance.answer, aliases)
    outcome, reason, matched = _grade_answer(answer, golds, stance)
    if outcome is CORRECT and reason is not Reason.EXACT and _echoes(answer, question):
        return make(INCORRECT, Reason.ECHO)
    if outcome != CORRECT and rejects_gold:
        return make(INCORRECT, Reason.REJECTS_GOLD)
    if reason is Reason.NO_MATCH and not _is_short(text):
        return make(INCORRECT, Reason.NOT_SHORT)  # a judge is for variants of a short answer, not prose
    return make(outcome, reason, matched, stance.hedged and outcome is CORRECT)
