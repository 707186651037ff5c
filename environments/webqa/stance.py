"""What a short answer commits to: its candidates, what it names only to reject, hedges, bounds, list items.

`read_stance("Sydney — not Canberra, as many think")` affirms `Sydney` and rejects `Canberra`;
`read_stance("Probably Madrid, though I'm not certain")` affirms `Madrid`, hedged; `Madrid or Barcelona`
offers two candidates. The grader then compares only the affirmed text with the gold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = r"(?=\s*(?:[,;.!?()|]|\bbut\b|\bas\b|\bit\s*'?s\b|\bit\s+is\b|$))"
_PHRASE = r"(?P<x>[^,;.!?()|]+?)"
_HEDGES = [
    r"(?:but|though|although)?\s*i\s*'?(?:m|\s+am)\s+not\s+(?:100\s*%\s+|entirely\s+|completely\s+|totally\s+|really\s+)?(?:sure|certain|positive)(?:\s+about\s+[^,.;!?|]*)?",
    r"(?:and\s+)?(?:i\s+)?would\s+(?:have|need)\s+to\s+(?:double[\s-]?check|verify|confirm)",
    r"\bif\s+i\s+(?:recall|remember)\s+(?:correctly|rightly)",
    r"\b(?:i\s+think|i\s+believe|i\s+guess|i\s+suppose|i\s*'?d\s+say|my\s+best\s+guess\s+is|best\s+guess\s*:?)",
    r"\bi\s*'?(?:m|\s+am)\s+(?:fairly|pretty|quite|reasonably)\s+(?:sure|confident|certain)(?:\s+(?:that|it\s*'?s|it\s+is))?",
    r"\b(?:most\s+)?(?:probably|likely)\b",
    r"\b(?:maybe|perhaps|possibly|presumably)\b",
    r"\b(?:it\s+)?(?:could|might|may)\s+(?:well\s+)?be\b",
    r"\bi\s+(?:do\s*n[o']?t|don\s*'?t)\s+know\b",
    r"\bi\s+(?:can\s*'?t|cannot)\s+(?:say|be)\s+(?:for\s+)?(?:sure|certain)|\b(?:it\s*'?s\s+)?hard\s+to\s+say",
    r"\bnot\s+(?:sure|certain)\b",
    r"\b(?:unknown|unclear|uncertain)\b",
]
_HEDGE_RE = re.compile("|".join(f"(?:{h})" for h in _HEDGES), re.IGNORECASE)
_CERTAINTY_RE = re.compile(
    r"\b(?:definitely|certainly|surely|for\s+sure|of\s+course|clearly|undoubtedly|absolutely|without\s+(?:a\s+)?doubt)\b",
    re.IGNORECASE,
)
_CONFIDENT_RE = re.compile(r"\bi\s*'?(?:m|\s+am)\s+(?:fairly|pretty|quite|reasonably)\s+(?:sure|confident|certain)", re.I)
_REJECTIONS = [
    # `Madrid is not the capital`: the subject is what the sentence denies (not a placeholder `it`)
    rf"^\s*(?!(?:it|that|this|the\s+answer|answer)\b){_PHRASE}(?=\s+(?:is|was)(?:\s+not|n\s*'?t)\b)",
    rf"\bi\s+(?:do\s*n[o']?t|don\s*'?t)\s+(?:think|believe)\s+(?:that\s+)?(?:it\s*'?s\s+|it\s+(?:is|was)\s+)?{_PHRASE}{_BOUNDARY}",
    rf"\b(?:i\s+doubt|(?:it\s*'?s\s+|it\s+is\s+)?unlikely)\s+(?:that\s+)?(?:to\s+be\s+)?(?:it\s*'?s\s+|it\s+(?:is|was)\s+)?{_PHRASE}{_BOUNDARY}",
    rf"\b(?:anything\s+but|neither)\s+{_PHRASE}(?=\s+nor\b|{_BOUNDARY[3:]}",
    rf"\bnor\s+{_PHRASE}{_BOUNDARY}",
    rf"\b(?:can\s*'?t|cannot|can\s+not|(?:could|would|does|did|do|should|must|are|were)(?:n\s*'?t|\s+not))\s+"
    rf"(?:seem\s+to\s+)?(?:be\s+)?{_PHRASE}{_BOUNDARY}",
    rf"(?:\b(?:it|that|this)\s*'?s\s+|\b(?:it|that|this)\s+(?:is|was)\s+|\bis\s+)?\bnot\s+(?:the\s+)?{_PHRASE}{_BOUNDARY}",
    rf"\b(?:it\s+)?(?:is|was)n\s*'?t\s+(?:the\s+)?{_PHRASE}{_BOUNDARY}",
    rf"\b(?:rather\s+than|instead\s+of)\s+{_PHRASE}{_BOUNDARY}",
    rf"(?:^|(?<=[,;(|]))\s*{_PHRASE}\s+is\s+(?:wrong|incorrect|a\s+(?:common\s+)?(?:misconception|myth|mistake))",
    rf"\b(?:often\s+|commonly\s+|sometimes\s+|frequently\s+)?(?:confused\s+with|mistaken\s+for)\s+{_PHRASE}{_BOUNDARY}",
]
_REJECTION_RES = [re.compile(r, re.IGNORECASE) for r in _REJECTIONS]
# What people wrongly believe: rejected when the answer affirms something else, the answer otherwise.
_BELIEF_RE = re.compile(
    r"\b(?:although\s+|though\s+|while\s+)?(?:many|most|some|lots\s+of)?\s*(?:people|many|others|everyone|folks)\s+"
    r"(?:often\s+|commonly\s+|usually\s+|wrongly\s+|mistakenly\s+)?(?:would\s+)?"
    rf"(?:think|believe|say|guess|assume|claim|answer)s?\s+(?:that\s+)?(?:it\s*'?s\s+|it\s+is\s+)?{_PHRASE}{_BOUNDARY}",
    re.IGNORECASE,
)
# Another candidate conceded in passing: `Bern, though Zurich is also possible`.
_CONCEDED_RE = re.compile(
    rf"\b(?:though|although|but|while|and)\s+{_PHRASE}\s+(?:is|was|seems|remains)\s+(?:also\s+|equally\s+)?"
    r"(?:possible|plausible|likely|an?\s+(?:option|possibility|candidate))",
    re.IGNORECASE,
)
_AS_MANY_THINK_RE = re.compile(r"\bas\s+(?:many|most|some)?\s*(?:people\s+)?(?:think|believe|assume|say)\b", re.I)
# An aside that offers another candidate: `(though some sources say Barcelona)`.
_ALTERNATIVE_ASIDE_RE = re.compile(
    r"\b(?:sources|reports|records|accounts|references|others)\s+(?:say|give|list|claim|suggest)|\bor\b|\bmaybe\b|"
    r"\bperhaps\b|\bpossibly\b|\balternatively\b|\bno\b|\bwait\b|\bactually\b|\bcorrection\b|\brather\b",
    re.IGNORECASE,
)
_APPROX_RE = re.compile(r"\b(?:about|around|approximately|approx\.?|roughly|nearly|almost|circa|c\.|some|~)\s*(?=[\d$£€])", re.I)
_BOUND_RE = re.compile(
    r"\b(?:(?P<more>more\s+than|over|above|at\s+least|greater\s+than|exceeding)|"
    r"(?P<less>less\s+than|fewer\s+than|under|below|at\s+most|up\s+to))\s*(?=[\d$£€])",
    re.IGNORECASE,
)
# A self-correction (`X. No, wait: Y`, `X; actually Y`) offers X and Y: two candidates, like `X or Y`
_CORRECTION = r"\bno\s*,?\s+wait\b|\bwait\s*,?\s+no\b|(?<=[.,;:!])\s*(?:actually|correction|rather|i\s+mean)\b"
_SPLIT_CANDIDATES_RE = re.compile(
    rf"\s*(?:\||;|\bor\b|\beither\b|\bvs\.?(?!\w)|\bversus\b|(?<!\d)/|/(?!\d)|\?|{_CORRECTION})\s*", re.I
)
_CORRECTION_RE = re.compile(_CORRECTION, re.IGNORECASE)
FILLER = {
    "but", "and", "it", "its", "s", "is", "was", "actually", "in", "fact", "really", "the", "answer", "so", "well",
    "however", "though", "although", "i", "im", "m", "am", "that", "this", "as", "many", "think", "believe", "sure",
    "certain", "confident", "not", "fairly", "quite", "pretty", "very", "though", "yes", "no", "correct", "right",
    "true", "definitely", "certainly", "surely", "indeed", "a", "an", "of", "course", "be", "would", "say",
    "what", "which", "who", "where", "when", "how", "why", "sorry",
}


@dataclass(frozen=True)
class Stance:
    """What the answer affirms, once hedges, rejected mentions and asides are set apart."""

    candidates: tuple[str, ...]
    rejected: tuple[str, ...]
    hedged: bool
    approximate: bool
    bound: str | None  # "more" or "less" for `more than 50k`, `under 3 m`

    @property
    def answer(self) -> str:
        return self.candidates[0] if self.candidates else ""


def has_content(text: str) -> bool:
    """True when the text says something beyond filler words (`but it's actually`); an acronym (`WHO`)
    is never filler."""
    return any(w.lower() not in FILLER or (w.isupper() and len(w) > 1) for w in re.findall(r"[^\W_]+", text))


def _remove(pattern: re.Pattern, text: str, found: list[str]) -> str:
    def take(match: re.Match) -> str:
        found.append(match.group("x").strip())
        return " | "

    return pattern.sub(take, text)


def _shield(text: str, masked: list[str]) -> tuple[str, dict[str, str]]:
    """Replace each masked phrase holding `or`, `not`, `/`, `;` or `?` by a placeholder token."""
    shields: dict[str, str] = {}
    for i, phrase in enumerate(sorted(masked, key=len, reverse=True)):
        if re.search(r"\bor\b|\bnot\b|/|;|\?", phrase, re.I):
            token = f"GOLD{chr(65 + i % 26)}{i}"
            shields[token] = phrase
            text = re.sub(re.escape(phrase), token, text, flags=re.IGNORECASE)
    return text, shields


def _take_asides(work: str, rejected: list[str]) -> tuple[str, list[str], list[str]]:
    """Take out the clauses in brackets or after a dash. Returns the main text, the asides that offer
    another candidate (`or`, `maybe`, `sources say`, `no, wait`) and the rest of the asides, which count
    only when the main clause affirms nothing (`Not Ottawa — it's Toronto`). Rejections in asides are kept."""
    dash = r"(?:\s*(?:—|--)\s*|\s+[–-]\s+)"  # `1970–80` (an en dash between words) is a range, not an aside
    work = re.sub(rf"{dash}([^()]*?)(?={dash}|$)", lambda m: f" ({m.group(1)}) ", work)
    asides = re.findall(r"\(([^()]*)\)", work)
    work = re.sub(r"\([^()]*\)", " | ", work)
    alternatives, residues = [], []
    for rest in asides:
        for pattern in _REJECTION_RES:
            rest = _remove(pattern, rest, rejected)
        if _ALTERNATIVE_ASIDE_RE.search(rest):
            alternatives.append(rest)
        elif has_content(rest):
            residues.append(rest)
    return work, alternatives, residues


def read_stance(text: str, masked: list[str]) -> Stance:
    """Split an answer into what it affirms and what it rejects. `masked` holds phrases (the gold's
    aliases) whose own `or`, `/` or `not` must not be read as structure."""
    work, shields = _shield(" " + re.sub(r"\s+", " ", text) + " ", masked)
    rejected: list[str] = []
    work, alternatives, residues = _take_asides(work, rejected)
    work = _remove(_CONCEDED_RE, work, alternatives)
    hedged = _HEDGE_RE.search(work) is not None and not _CONFIDENT_RE.search(work)
    work = _AS_MANY_THINK_RE.sub(" ", _CERTAINTY_RE.sub(" ", _HEDGE_RE.sub(" | ", work)))
    beliefs: list[str] = []
    work = _remove(_BELIEF_RE, work, beliefs)
    for pattern in _REJECTION_RES:
        work = _remove(pattern, work, rejected)
    bound_match = _BOUND_RE.search(work)
    candidates = [p.strip(" ,.:!") for p in _SPLIT_CANDIDATES_RE.split(work)]
    candidates = [p for p in candidates if p and has_content(p)] or [r.strip(" ,.:;!") for r in residues]
    if beliefs and candidates:
        rejected.extend(beliefs)  # `Many think X, but it's Y`
    elif beliefs:
        candidates, hedged = beliefs, True  # `most people would say X, but I'm not sure`
    candidates += [a for a in alternatives if has_content(a)]
    unshield = lambda s: re.sub(r"GOLD[A-Z]\d+", lambda m: shields.get(m.group(0), m.group(0)), s)  # noqa: E731
    return Stance(
        candidates=tuple(unshield(c) for c in candidates),
        rejected=tuple(unshield(r) for r in rejected),
        hedged=hedged,
        approximate=_APPROX_RE.search(work) is not None,
        bound=None if bound_match is None else ("more" if bound_match.group("more") else "less"),
    )


_YES = {"yes", "yeah", "yep", "true", "correct", "indeed", "affirmative"}
_NO = {"no", "nope", "not", "false", "incorrect", "never", "negative"}


def polarity(text: str) -> tuple[str | None, bool]:
    """`yes`, `no` or None for an answer to a yes/no question, and whether it was hedged
    (`Probably not` → (`no`, True))."""
    hedged = _HEDGE_RE.search(text) is not None
    words = re.findall(r"[a-z]+", _CERTAINTY_RE.sub(" ", _HEDGE_RE.sub(" ", text.lower())))
    correction = _CORRECTION_RE.search(text)
    if correction and re.search(r"\w", text[: correction.start()]):
        return None, hedged  # `no. No, wait: the answer is yes` takes one back
    if {"or", "either"} & set(words) or "/" in text or (_YES & set(words) and _NO - {"not"} & set(words)):
        return None, hedged  # `yes or no`, `yes/no`, `yes and no` commit to neither
    first = next((w for w in words if w not in ("it", "s", "is", "i", "would", "say", "so")), None)
    return ("yes" if first in _YES else "no" if first in _NO else None), hedged


# ---- lists -------------------------------------------------------------------------------------

_LIST_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+and\s+|\s*&\s*", re.IGNORECASE)


def list_items(text: str) -> tuple[list[str], bool]:
    """The items of `A, B and C` / `A & B`, and whether a conjunction joined them (a bare `A, B` pair
    usually qualifies A: `San Francisco, California`)."""
    items = [i.strip(" .") for i in _LIST_SPLIT_RE.split(text.strip().rstrip("."))]
    items = [i for i in items if i]
    conjoined = re.search(r"\band\b|&", text, re.IGNORECASE) is not None
    return items, conjoined
