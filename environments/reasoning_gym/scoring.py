"""How a reasoning-gym answer becomes a reward: the family's own scorer, behind a committed-answer policy.

reasoning-gym's inherited `ProceduralDataset.score_answer` pays `len(gold) / len(answer)` whenever the gold is
a substring of the answer, and many families' own scorers pay small partial credit (a position match, a format
bonus, a closeness score) to answers that are not attempts at the answer: `envsdk audit` measured hedges,
enumerations (`0, 1, 2, ..., 100`), the echoed prompt and answers buried in filler earning 0.005-0.46
(docs/interop.md, "Scoring policy"). Under GRPO any positive reward against a group of zeros is a full
positive advantage, so these are reinforced. The policies:

- "binary" (default): 1.0 when the answer is one committed answer the family's scorer gives full credit, else 0.
  For families that inherit the substring scorer, full credit is `answer == gold` (reasoning-gym's own 1.0 rule).
- "partial": the family's own partial credit is kept, but the inherited substring credit is not credit and the
  committed-answer checks below still apply. Opt in knowing the audit flags several families under it.
- "upstream": reasoning-gym's `score_answer` exactly as it is (to compare with published numbers).

A committed answer: non-empty; where the reference answer is one number, one number (`3 or 5`, `3, 4, 5`);
and no alternatives (`X or Y`) unless the reference answer itself says "or". Nine families' own scorers
accept `<gold> or <wrong>` at 1.0 (time_intervals reads the first token, spell_backward compares positions).
An answer the family's own parser refuses with ValueError (prime_factorization on prose) is a wrong answer,
not a verifier error to abstain on.
"""

from __future__ import annotations

import re
from typing import Any, Literal

Scoring = Literal["binary", "partial", "upstream"]
SCORINGS: tuple[str, ...] = ("binary", "partial", "upstream")

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_ONE_NUMBER = re.compile(r"\s*[-+]?\d[\d,]*(?:\.\d+)?\s*")
_OR = re.compile(r"\bor\b", re.IGNORECASE)

# Upstream scorers that accept any text: compared with the gold instead (case-insensitive).
# game_of_life_halting tests `bool(answer) == bool(gold)`, true for every non-empty answer.
_EXACT_INSTEAD = frozenset({"game_of_life_halting"})


def _scorer_owner(data: Any, entry: dict[str, Any]) -> tuple[Any, str]:
    """(the dataset whose score_answer scores `entry`, its family name): a composite forwards to its member."""
    from reasoning_gym.composite import CompositeDataset

    name = entry.get("metadata", {}).get("source_dataset", "")
    if isinstance(data, CompositeDataset):
        return data.datasets[name], name
    return data, name


def inherits_substring_scorer(dataset: Any) -> bool:
    """Whether the family scores with reasoning-gym's default (substring partial credit) `score_answer`."""
    from reasoning_gym.dataset import ProceduralDataset

    return type(dataset).score_answer is ProceduralDataset.score_answer


def uncommitted(answer: str | None, gold: Any) -> str | None:
    """Why `answer` is not one committed answer (None when it is)."""
    if answer is None:
        return "no <answer> tags"
    if not answer.strip():
        return "empty answer"
    if isinstance(gold, str) and _ONE_NUMBER.fullmatch(gold) and len(_NUMBER.findall(answer)) > 1:
        return "several numbers where the answer is one number"
    if isinstance(gold, str) and _OR.search(answer) and not _OR.search(gold):
        return "alternatives ('or') where the answer has none"
    return None


def grade(data: Any, answer: str | None, entry: dict[str, Any], scoring: Scoring) -> tuple[float, dict[str, Any]]:
    """(reward, details) for an extracted answer under a scoring policy; details say why a reward is 0."""
    if scoring == "upstream":
        return float(data.score_answer(answer, entry)), {}
    gold = entry.get("answer")
    reason = uncommitted(answer, gold)
    if reason is not None:
        return 0.0, {"reason": reason}
    owner, family = _scorer_owner(data, entry)
    if family in _EXACT_INSTEAD or inherits_substring_scorer(owner):
        exact = answer.strip().lower() == str(gold).strip().lower() if family in _EXACT_INSTEAD else answer == gold
        return (1.0, {}) if exact else (0.0, {"reason": "not the answer (exact match only)"})
    try:
        score = float(owner.score_answer(answer, entry))
    except ValueError as exc:  # the family's parser refused the text (prime_factorization: int("Find ..."))
        return 0.0, {"reason": f"unparseable answer: {exc}"[:200]}
    if scoring == "partial" or score >= 1.0:
        return min(score, 1.0), {}
    return 0.0, {"reason": "no full credit", "family_score": score}
