"""Is a completion's committed final answer equal to the gold? The policy lives in docs/math.md.

`verify_answer(gold, completion, question)` extracts the answer (boxed first), refuses hedges, truncations
and question echoes, then compares by shape: order-free lists and sets, ordered tuples and intervals,
inequalities against interval golds, and single elements via `compare.elements_equal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .budget import BUDGET_REASON, DEFAULT_COMPARE_BUDGET_S, BudgetExceeded, compare_budget
from .compare import EXACT, Tolerance, elements_equal
from .extract import MATH_SPAN, extract_answer, find_boxes, qualified_answer, trailing_box_group, unwrap_boxes
from .guard import GuardError, check_answer
from .normalize import clean_latex, decimal_comma, normalize_element
from .relations import equations_match, final_member, sets_match
from .structure import Shape, is_relation, shape_of

Outcome = Literal["correct", "incorrect", "not_attempted"]
MAX_COMPLETION_CHARS = 200_000
# Words that leave the answer open ("maybe 13", "between 11 and 13"). One value said with "probably" or
# "approximately" is still committed (SimpleQA's convention; `Probably \\boxed{12}` counts).
_HEDGE = re.compile(r"\b(?:maybe|perhaps|possibly|somewhere|between|either)\b", re.IGNORECASE)
# Full-width ASCII (`１２`, `（Ｂ）`) read as ASCII; zero-width characters dropped. Both change no value.
_PLAIN_TEXT = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: " ",
               **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))}
_CHOICE = re.compile(r"^(?:\\(?:text|mathrm)\{)?\s*\(?([A-E])\)\s*(?:\})?\s*(.*)$|^(?:\\(?:text|mathrm)\{)?\(?([A-E])\)?(?:\})?$")


@dataclass(frozen=True)
class MathResult:
    """The verdict on one completion; `error` is set only when the gold itself cannot be verified safely.

    An over-long completion or an answer refused by the guard is a wrong answer (reason kept), not an error:
    an error makes the trainer drop the sample, which a policy could exploit to escape a 0.
    """

    correct: bool
    outcome: Outcome
    reason: str
    extracted: str | None
    error: str | None = None


@dataclass(frozen=True)
class GoldAnswer:
    """A gold answer parsed once (per worker, via `parse_gold`'s cache) and reused for a whole group."""

    raw: str
    text: str
    choice: str | None
    choice_value: str | None


def _choice(text: str) -> tuple[str | None, str | None]:
    """(`B`, `12`) for `\\text{(B) } 12`; (`C`, None) for `(C)` or `C`; (None, None) otherwise."""
    match = _CHOICE.match(text.strip())
    if not match:
        return None, None
    if match.group(1):
        return match.group(1), (match.group(2).strip() or None)
    return match.group(3), None


def gold_text(gold: str) -> str:
    """The answer inside a dataset gold: its last box (adjacent boxes together, `\\boxed{1}\\boxed{2}` →
    `1, 2`), the final answer of a gold written as a whole solution, else the gold itself."""
    boxes, _ = find_boxes(gold)
    if boxes:
        group = trailing_box_group(gold, boxes)
        return ", ".join(group) if group else unwrap_boxes(boxes[-1].content)
    qualified = qualified_answer(gold)
    if qualified:
        return qualified
    prose = MATH_SPAN.search(gold) and re.search(r"[A-Za-z]{3,}", MATH_SPAN.sub(" ", gold))
    if len(gold) > 80 or prose:  # a whole solution, or a formula inside a sentence ("The answer is $f(x)=2x$.")
        extraction = extract_answer(gold, require_commit=len(gold) > 80)
        if extraction.answer:
            return extraction.answer
    return gold


@lru_cache(maxsize=2048)
def parse_gold(gold: str) -> GoldAnswer:
    """Find the answer in a dataset gold (`$…$`, a box, a whole solution) and note a multiple-choice letter."""
    text = clean_latex(unwrap_boxes(clean_latex(gold_text(str(gold)))))
    if text.endswith(".0") and re.fullmatch(r"-?\d+\.0", text):
        text = text[:-2]
    letter, value = _choice(text)
    return GoldAnswer(raw=str(gold), text=text, choice=letter, choice_value=value)


def _compact(text: str) -> str:
    return re.sub(r"\s+|\$|\\left|\\right|\\!|\\,", "", text).replace("\\dfrac", "\\frac")


def _is_echo(pred: str, gold: str, question: str | None) -> bool:
    """A relation or expression copied from the question instead of solved (e.g. `|x-3|<2`)."""
    if not question:
        return False
    p = _compact(pred)
    if len(p) < 3 or p == _compact(gold) or not (is_relation(pred) or re.search(r"[a-zA-Z]", p)):
        return False
    return p in _compact(question)


def _bracket_equal(gold: Shape, pred: Shape, tol: Tolerance) -> bool:
    """Ordered element-wise equality; a bare list may answer a tuple gold (`1, 3` for `(1, 3)`)."""
    brackets_match = gold.brackets == pred.brackets or (gold.brackets == "()" and pred.kind == "list")
    return (
        brackets_match
        and len(gold.elements) == len(pred.elements)
        and all(_element_equal(g, p, tol) for g, p in zip(gold.elements, pred.elements))
    )


def _list_equal(gold: Shape, pred: Shape, tol: Tolerance) -> bool:
    """Order-free: every gold element matched by a distinct predicted one, nothing left over."""
    if len(gold.elements) != len(pred.elements):
        return False
    unused = list(pred.elements)
    for g in gold.elements:
        match = next((i for i, p in enumerate(unused) if _element_equal(g, p, tol)), None)
        if match is None:
            return False
        unused.pop(match)
    return True


def _element_equal(gold: str, pred: str, tol: Tolerance) -> bool:
    return elements_equal(normalize_element(gold), normalize_element(pred), tol)


@lru_cache(maxsize=8192)
def answers_equal(gold: GoldAnswer, pred: str, tol: Tolerance = EXACT) -> bool:
    """Equality of a gold and an extracted answer under the policy (cached: a group repeats its answers)."""
    pred_clean = clean_latex(pred)
    if _compact(gold.text) == _compact(pred_clean):
        return True
    if gold.choice:
        letter, _ = _choice(pred_clean)
        if letter:
            return letter == gold.choice
        return gold.choice_value is not None and answers_equal(parse_gold(gold.choice_value), pred_clean, tol)
    g_text, p_text = final_member(decimal_comma(gold.text)), final_member(decimal_comma(pred_clean))
    if _compact(g_text) == _compact(p_text):
        return True
    for relation_match in (sets_match, equations_match):
        verdict = relation_match(g_text, p_text)
        if verdict is not None:
            return verdict
    equations = "=" in g_text and "=" in p_text
    g_shape = shape_of(g_text, keep_equations=equations)
    p_shape = shape_of(p_text, keep_equations=equations)
    if "bracket" in (g_shape.kind, p_shape.kind):
        return _bracket_equal(g_shape, p_shape, tol)
    if g_shape.kind == p_shape.kind == "scalar":
        return _element_equal(g_shape.elements[0], p_shape.elements[0], tol)
    return _list_equal(g_shape, p_shape, tol)


def _refused(reason: str, extracted: str | None, outcome: Outcome = "incorrect") -> MathResult:
    return MathResult(False, outcome, reason, extracted)


def _committed(extraction) -> str:
    """The answer to compare: several distinct adjacent boxes together (`\\boxed{5}\\boxed{6}` → `5, 6`)."""
    distinct = list(dict.fromkeys(extraction.group))
    return ", ".join(distinct) if len(distinct) > 1 else extraction.answer


def verify_answer(
    gold: str,
    completion: str,
    question: str | None = None,
    *,
    max_completion_chars: int = MAX_COMPLETION_CHARS,
    require_commit: bool = False,
    compare_budget_s: float | None = DEFAULT_COMPARE_BUDGET_S,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> MathResult:
    """Judge one completion against a gold answer (LaTeX allowed in both).

    `require_commit=True` credits only a `\\boxed{}` or an answer anchor ("The final answer is"), for RL
    formats that demand one; the default also reads a bare answer and a concluding statement (docs/math.md).
    `rel_tol`/`abs_tol` (default 0: exact) also credit a number within that distance of a numeric gold
    (`125.664` for `40\\pi` with `rel_tol=1e-4`), for sets whose golds are rounded measurements.
    A comparison that uses more than `compare_budget_s` seconds of CPU counts as wrong, with the reason
    `budget exceeded` (see `budget.py`); so does an answer whose comparison raises (a malformed answer).
    """
    if len(completion) > max_completion_chars:
        return _refused(f"completion too long: {len(completion)} characters (limit {max_completion_chars})", None)
    extraction = extract_answer(completion.translate(_PLAIN_TEXT), require_commit=require_commit)
    if extraction.answer is None:
        return _refused(extraction.reason, None, "not_attempted")
    answer = _committed(extraction)
    if _HEDGE.search(re.sub(r"\\[a-zA-Z]+", "", extraction.context)) and not _HEDGE.search(str(gold)):
        return _refused("hedged answer", answer)
    gold_answer = parse_gold(str(gold).translate(_PLAIN_TEXT))
    try:
        check_answer(gold_answer.text)
    except GuardError as exc:  # the dataset's fault, not the model's: flagged, never a silent 0
        return MathResult(False, "not_attempted", "gold refused", answer, error=f"gold unsafe to verify: {exc}")
    try:
        check_answer(answer)
    except GuardError as exc:  # a bomb or a buried answer is a wrong answer, so it cannot buy an abstention
        return _refused(f"refused: {exc}", answer[:200])
    if _is_echo(answer, gold_answer.text, question):
        return _refused("answer echoes the question", answer)
    try:
        with compare_budget(compare_budget_s):
            equal = answers_equal(gold_answer, answer, Tolerance(rel_tol, abs_tol))
    except BudgetExceeded:  # the answer's 0 with its own reason; never cached (answers_equal did not return)
        return _refused(BUDGET_REASON, answer[:200])
    except GuardError as exc:
        return _refused(f"refused: {exc}", answer[:200])
    except (RecursionError, ArithmeticError, ValueError, TypeError) as exc:
        # An answer that breaks the parser or sympy is a malformed answer: its 0, never an abstention.
        return _refused(f"refused: the comparison raised {type(exc).__name__}", answer[:200])
    if equal:
        return MathResult(True, "correct", f"equal ({extraction.anchor})", answer)
    return _refused(f"not equal ({extraction.anchor})", answer)

