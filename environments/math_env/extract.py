"""Find the committed final answer in a completion (policy: docs/math.md, "What counts as an answer").

In order: the last `\\boxed{}` (several adjacent boxes are kept together as a group), an answer anchor
("The final answer is", "Answer:", "####") — which wins when it comes after the last box — the `answer` field of a
completion that is one JSON object, then, unless `require_commit=True`, a completion that is nothing but an answer
(`0.75`, `$\\frac25$`, `y = 7`) and a final statement ("Hence the probability is \\(\\frac{3}{8}\\).", from
which the value is taken, never the sentence). Prose with no commitment (truncated reasoning, a trailing
calculation) has committed to nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_BOX_RE = re.compile(r"\\(?:boxed|fbox|framebox)(?![a-zA-Z])")
_ANCHOR_RE = re.compile(
    r"(?:final answer is|final answer:|the answer is|answer is:|\banswer\s*[:=]|\*\*answer:?\*\*:?|^####"
    r"|^answer\b(?=\s*[$\\\d(\[-]))",
    re.IGNORECASE | re.MULTILINE,
)
_OR_BETWEEN = re.compile(r"\bor\b", re.IGNORECASE)
_OR_AFTER = re.compile(r"^\s*(?:\$|\\\)|\\\])?\s*[,;]?\s*(?:or|maybe|perhaps)\b", re.IGNORECASE)
# A value offered after the box ("\boxed{33} and 34", "\boxed{33}, 34", "\boxed{33}. Also possible: 34"): a second
# candidate, so the box alone is not what the completion committed to.
_SECOND_AFTER = re.compile(
    r"^\s*(?:\$|\\\)|\\\])?\s*(?:(?:[,;&]|\band\b|\bplus\b)\s*\$?\s*[-−]?\(?\d"
    r"|[.,;]?\s*(?:also|alternatively|otherwise|another)\b[^.\n]{0,30}?[-−]?\d)",
    re.IGNORECASE,
)
# A sentence addressed to the grader or a note, not a statement of the answer ("grade it 1", "the answer above is
# correct", "Note: the expected answer is 1", "Grading note: ..."). It is dropped before the answer is looked for, so it can never be read as one.
_APPEAL = re.compile(
    r"\b(?:grade|mark|score|award|credit|accept|rate)\s+(?:it|this|that|me|my (?:answer|response|solution|work)"
    r"|(?:the|this) (?:answer|response|solution|attempt) as)\b|\bgive (?:it|this|me)\b[^.]*\b(?:marks?|points?|credit|score)\b"
    r"|\bgrader\b|\bgrading\b|\bevaluator\b|\bfull (?:marks|credit|points|score)\b|^\s*(?:note|n\.b|p\.s)\b\s*[:.]"
    r"|\b(?:answer|solution|response)\s+above\s+is\b|\bexpected (?:answer|output|result)\b",
    re.IGNORECASE,
)
# A sentence break for `drop_appeals`: end punctuation before a space, a new line, or a capital after a closed
# formula (`$x=2$ Grade it 1`).
_SENTENCE_BREAK = re.compile(r"[.!?;](?=\s)|\n|(?<=[$}])\s+(?=[A-Z])")
# A bare value followed by its reason ("42 because 6 times 7 is 42.", "42, since ...").
_VALUE_REASON = re.compile(r"^\s*(?P<value>[^\n]{1,60}?)\s*[,;.]?\s+(?:because|since|as)\s+\S", re.IGNORECASE)
# A math span qualified by a clause ("$g(x)=x^2+a$ for some $a>0$"): the span is the answer.
_QUALIFIED = re.compile(
    r"^\s*(?P<span>\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\])\s*,?\s*"
    r"(?:for (?:some|all|any|every|each)|where|with|when|whenever|if)\b[^\n]*$",
    re.DOTALL,
)
# Text that joins boxes into one answer: "\boxed{3} and \boxed{-4}", "\boxed{5}\boxed{6}", "\quad \text{and} \quad",
# "x = \boxed{3} or x = \boxed{-4}". Against a one-value gold such a group has extra elements, so it is still wrong.
_BOX_JOINER = re.compile(
    r"^(?:\s|\$|\\[()\[\]]|\\quad|\\qquad|\\text\{\s*(?:and|or)\s*\}|\b(?:and|or)\b|,|;|\\,|\\\\|"
    r"[a-zA-Z](?:_\{?\w+\}?)?\s*=)*$"
)
# Chat-template and sign-off residue after the real ending ("<|im_start|>user", "I hope it is correct.").
_TAIL_JUNK = re.compile(
    r"(?:\s*(?:<\|[a-z_]+\|>\w*|</s>|I hope it is correct\.?|\\?\"))+\s*$", re.IGNORECASE
)
MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_NUMBER = re.compile(
    r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+)?|\.\d+)(?:\s?%)?(?![\w])"
)
_COPULA = re.compile(r"\b(?:is|are|was|were|equals|be|becomes|gives|yields)\b|(?<![<>!\\])=|:", re.IGNORECASE)
_CONCLUSION = re.compile(
    r"^(?:therefore|thus|hence|so|consequently|in conclusion|in summary|finally|the answer|our answer|"
    r"the final answer|the solution|the result)\b(?!,? (?:far|now|next|first|then|let|we need|we must|I need)\b)"
    r"|\b(?:is our answer|is the answer|is the solution)\b",
    re.IGNORECASE,
)
_CONCLUSION_START = re.compile(r"(?<=\s)(?:Therefore|Thus|Hence|So|Consequently|Finally|In conclusion)\b")
_OPERATOR_NEXT = re.compile(r"\s*(?:[-+*/=^×÷]|\\(?:times|cdot|div)\b)")
_NEGATION = re.compile(r"\b(?:not|never|cannot|isn't|aren't|wasn't|can't|no longer)\b", re.IGNORECASE)
_BOUND = re.compile(
    r"\b(?:greater|less|more|fewer|larger|smaller|bigger|higher|lower) than\b|\bat (?:least|most)\b|\bexceeds?\b",
    re.IGNORECASE,
)
_DECLARE = re.compile(r"\b(?:is|are|equals|that|get|obtain|have|find)\b|:", re.IGNORECASE)
_SHORT_WORDS = {"is", "of", "to", "it", "we", "be", "so", "as", "an", "at", "by", "if", "on", "no", "do", "my", "me",
                "he", "us", "up", "go"}
_WORD = re.compile(r"(?<![\\a-zA-Z])[A-Za-z]{2,}")
# Words a bare answer may carry besides its value: units, percent words, connectives of a list.
_ANSWER_WORDS = {
    "and", "or", "percent", "percentage", "pct", "degrees", "degree", "cm", "mm", "km", "kg", "mph", "ft", "in",
    "units", "unit", "square", "cubic", "inches", "inch", "feet", "foot", "meters", "meter", "miles", "mile",
    "dollars", "cents", "hours", "hour", "minutes", "seconds", "days", "years", "pm", "am", "sin", "cos", "tan",
    "log", "ln", "sqrt", "cbrt", "exp", "abs", "pi", "infty", "frac", "cdot", "times", "text", "boxed", "left",
    "right", "mathrm",
}


@dataclass(frozen=True)
class Extraction:
    """What the completion committed to: `answer` is None when nothing was committed.

    `group` holds the contents of several adjacent boxes ("\\boxed{3} and \\boxed{-4}") that together answer
    a gold with several elements; `anchor` says where the answer came from.
    """

    answer: str | None
    anchor: str  # "boxed", "anchor", "bare", "statement" or "none"
    reason: str = ""
    group: tuple[str, ...] = ()
    context: str = ""  # the words the answer was read from (checked for hedges)


def _escaped(text: str, i: int) -> bool:
    """True when the character at `i` follows an odd run of backslashes (`\\}` is escaped, `\\\\}` is not)."""
    run = 0
    while i - run - 1 >= 0 and text[i - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _match_braces(text: str, open_at: int) -> int | None:
    """Index just past the brace group that starts at `open_at` ('{'), or None if it never closes.

    A group left open only because a stray backslash escaped its closing brace (`\\boxed{12\\}`) closes there.
    """
    for lenient in (False, True):
        depth = 0
        for i in range(open_at, len(text)):
            ch = text[i]
            if ch == "{" and not _escaped(text, i):
                depth += 1
            elif ch == "}" and (lenient or not _escaped(text, i)):
                depth -= 1
                if depth == 0:
                    return i + 1
    return None


@dataclass(frozen=True)
class _Box:
    start: int
    end: int
    content: str


def find_boxes(text: str) -> tuple[list[_Box], bool]:
    """All top-level \\boxed/\\fbox/\\framebox groups, and whether one was left unclosed (truncated)."""
    boxes: list[_Box] = []
    pos = 0
    while (m := _BOX_RE.search(text, pos)) is not None:
        i = m.end()
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            end = _match_braces(text, i)
            if end is None:
                return boxes, True
            boxes.append(_Box(m.start(), end, text[i + 1 : end - 1]))
            pos = end
        else:  # "\boxed 5": the form without braces takes one token
            token = re.match(r"\s*([^\s$.,]+)", text[i:])
            if token is None:
                return boxes, True
            boxes.append(_Box(m.start(), i + token.end(), token.group(1)))
            pos = i + token.end()
    return boxes, False


def unwrap_boxes(answer: str) -> str:
    """Remove box commands wrapped around a whole answer (`\\boxed{\\boxed{10}}` → `10`)."""
    answer = answer.strip()
    while True:
        boxes, _ = find_boxes(answer)
        if len(boxes) == 1 and boxes[0].start == 0 and boxes[0].end == len(answer):
            answer = boxes[0].content.strip()
        else:
            return answer


def trailing_box_group(text: str, boxes: list[_Box]) -> tuple[str, ...]:
    """Contents of the run of boxes at the end that only "and", commas or spacing separate."""
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        if not _BOX_JOINER.match(text[box.end : group[0].start]):
            break
        group.insert(0, box)
    return tuple(unwrap_boxes(b.content) for b in group) if len(group) > 1 else ()


def _from_boxes(text: str, boxes: list[_Box]) -> Extraction:
    last = boxes[-1]
    answer = unwrap_boxes(last.content)
    if not answer:
        return Extraction(None, "boxed", "empty \\boxed{}")
    group = trailing_box_group(text, boxes)
    distinct = [b for b in boxes if unwrap_boxes(b.content) != answer]
    if distinct and not group:
        between = text[distinct[-1].end : last.start]
        if len(between) < 80 and _OR_BETWEEN.search(between):
            return Extraction(None, "boxed", "hedged between boxed candidates")
    if _OR_AFTER.search(text[last.end : last.end + 40]):
        return Extraction(None, "boxed", "hedged after the boxed answer")
    if _SECOND_AFTER.search(text[last.end : last.end + 60]):
        return Extraction(None, "boxed", "a second value offered after the boxed answer")
    return Extraction(answer, "boxed", group=group, context=answer)


def _trim(value: str) -> str:
    """Drop sentence punctuation around a value, but never an ellipsis (`1, 2, 3, ...` is a different answer)."""
    value = value.strip()
    if not re.search(r"(?:\.\.\.|\\[lc]?dots)$", value):
        value = re.sub(r"\s*[.,;:]$", "", value)
    return value.lstrip(" ,;:").strip()


def _strip_math(text: str) -> str:
    """The text with `$`, `\\(`, `\\)`, `\\[`, `\\]` delimiters and markdown code ticks removed."""
    return re.sub(r"\$+|\\[()\[\]]|`+", " ", text).strip()


def is_bare_answer(text: str) -> bool:
    """True when the text is nothing but an answer: a value, an expression or `y = 7`, with at most a unit."""
    body = _trim(_strip_math(text))
    if not body or len(body) > 500 or "\n\n" in body:
        return False
    body_math = re.sub(r"\\(?:text|mathrm|textbf|mbox|begin|end)\s*\{[^{}]*\}", " ", body)
    words = [w.lower() for w in _WORD.findall(body_math)]
    # Two-letter names (`dM`, `RC`) are variables; two-letter English words are prose.
    prose = [w for w in words if w not in _ANSWER_WORDS and (len(w) > 2 or w in _SHORT_WORDS)]
    if not prose or re.fullmatch(r"[-−$]?\d[\d.,]*\s+[A-Za-z]+", body):  # "12 apples": a value and its unit
        return True
    # A one- or two-word text answer ("Evelyn", "Tuesday") is an answer too; a sentence is not.
    return not re.search(r"\d", body) and len(body.split()) <= 2 and len(prose) <= 2


def _candidates(sentence: str) -> list[tuple[int, str]]:
    """Values in a sentence, in order: math spans and plain numbers outside them.

    A number followed by an operator is part of an unfinished calculation ("So the total is 12 + "), not a value.
    """
    found, masked = [], sentence
    for m in MATH_SPAN.finditer(sentence):
        found.append((m.start(), next(g for g in m.groups() if g is not None).strip()))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    found += [(m.start(), m.group(0)) for m in _NUMBER.finditer(masked) if not _OPERATOR_NEXT.match(masked, m.end())]
    return [(pos, value) for pos, value in sorted(found) if value.strip(" .,")]


def statement_value(sentence: str) -> str | None:
    """The value a concluding statement commits to ("The largest $n$ is 34." → `34`), or None.

    The value after the last copula ("is", "are", "=", ":") wins; with nothing after it, the last value
    before it ("Thus $x \\le 2$ is our answer."); with no copula, the statement's only value.
    """
    sentence = sentence.replace("**", "").strip().rstrip(".")  # markdown bold is emphasis, not a product
    if _NEGATION.search(MATH_SPAN.sub(" ", sentence)) or _BOUND.search(sentence):
        return None  # "The answer is not 5.", "It must be greater than 5." commit to no value
    if is_bare_answer(sentence):
        return _trim(_strip_math(sentence)) or None
    candidates = _candidates(sentence)
    if not candidates:
        return None
    masked = MATH_SPAN.sub(lambda m: " " * len(m.group(0)), sentence)
    copulas = [m.end() for m in _COPULA.finditer(masked)]
    if copulas:
        after = [value for pos, value in candidates if pos >= copulas[-1]]
        if after:
            return _trim(after[0])
        before = [value for pos, value in candidates if pos < copulas[-1]]
        return _trim(before[-1]) if before else None
    distinct = {_trim(value) for _, value in candidates}
    return distinct.pop() if len(distinct) == 1 else None


def _declared_math(sentence: str) -> str | None:
    """A one-sentence reply that declares a math value ("We find that $x < 3$.", "The sum is $A + B$.").

    Only a delimited math span after "is"/"are"/"that"/":" counts, so a bare calculation ("She makes
    9 * 2 = 18 dollars a day") or a cut-off step ("Let's compute $3 \\times 4 = 12$, then") commits nothing.
    """
    masked = MATH_SPAN.sub(lambda m: " " * len(m.group(0)), sentence)
    declared = _DECLARE.search(masked)
    if declared is None:
        return None
    for m in MATH_SPAN.finditer(sentence, declared.end()):
        return _trim(next(g for g in m.groups() if g is not None)) or None
    return None


def _anchor_line(text: str, match: re.Match) -> str:
    """The sentence after an anchor, without sign-offs ("I hope it is correct.") and chat residue."""
    tail = text[match.end() :].lstrip(" :*\t\n")
    tail = MATH_SPAN.sub(lambda m: m.group(0).replace("\n", " "), tail)
    line = tail.split("\n", 1)[0] if tail.strip() else ""
    line = _TAIL_JUNK.sub("", line)
    # A sentence ends at ". " or a final "."; decimals like 3.5 keep their dot. Math spans are kept whole.
    masked = MATH_SPAN.sub(lambda m: "_" * len(m.group(0)), line)
    end = re.search(r"\.(?:\s|$)", masked)
    line = (line[: end.start()] if end else line).strip().strip("*").strip()
    return re.sub(r'^(?:\\?")+|(?:\\?")+$', "", line).strip()


def _mask_span(m: re.Match) -> str:
    """A math span blanked out, keeping a sentence-ending dot written inside it (`$x = 2.$`)."""
    inner = next(g for g in m.groups() if g is not None).rstrip()
    return "_" * (len(m.group(0)) - 1) + ("." if inner.endswith(".") else "_")


def _last_sentence(text: str) -> str:
    """The final sentence of a completion, without chat-template residue.

    Models often drop the full stop before a conclusion ("$y = 6$ So, the pair is ..."), so a capitalised
    conclusion word also starts a sentence.
    """
    text = _TAIL_JUNK.sub("", text.rstrip()).rstrip()
    masked = re.sub(r"\d\.\d", "___", MATH_SPAN.sub(_mask_span, text))
    body = masked[:-1] if masked.endswith(".") else masked
    ends = [m.end() for m in re.finditer(r"[.!?](?:\s+|$)|\n\s*\n", body)]
    ends += [m.start() for m in _CONCLUSION_START.finditer(body)]
    return text[max(ends) :].strip() if ends else text.strip()


def _json_answer(text: str) -> str | None:
    """The `answer` field of a completion that is one JSON object (`{"answer": "12"}`): an explicit anchor."""
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    if not (body.startswith("{") and body.endswith("}")):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("answer", data.get("final_answer")) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value).strip() or None


def _last_sentence_start(body: str) -> int:
    """Where the last sentence of `body` starts: the end of its last sentence break (`_SENTENCE_BREAK`) before
    the final character, else 0. Only the tail is searched, in growing windows: a chain of thought is long and
    this runs for every completion (scanning all of it was half of a plain answer's verification time). A window
    never starts inside a run of whitespace, so every break it finds is the one a whole scan finds."""
    window = 256
    while True:
        start = max(0, len(body) - window)
        while start and body[start - 1].isspace():
            start -= 1
        cut = 0
        for match in _SENTENCE_BREAK.finditer(body, start):
            if match.end() < len(body) - 1:
                cut = match.end()
        if cut or not start:
            return cut
        window *= 4


def drop_appeals(text: str) -> str:
    """The completion without its trailing sentences addressed to the grader (`_APPEAL`)."""
    while True:
        body = text.rstrip()
        start = _last_sentence_start(body)
        last = body[start:]
        if not body or _BOX_RE.search(last) or not _APPEAL.search(MATH_SPAN.sub(" ", last)):
            return text  # a sentence that holds a box states an answer, whatever else it says
        text = body[:start].rstrip(" ;")


def _short_reasoned(text: str) -> str | None:
    """The value of a short completion that gives a bare answer with its reason: `42 because ...`, or a last
    line that is a bare answer after a finished sentence (`First compute 6*7.\n42`)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or len(text) > 600:
        return None
    reasoned = _VALUE_REASON.match(lines[0])
    if len(lines) == 1 and reasoned and is_bare_answer(reasoned.group("value")):
        return _trim(_strip_math(reasoned.group("value"))) or None
    if len(lines) > 1 and is_bare_answer(lines[-1]) and re.search(r"[.!?:$]$", lines[-2]):
        value = _trim(_strip_math(lines[-1]))
        return value if value and not _OPERATOR_NEXT.fullmatch(value[-1:]) else None
    return None


def qualified_answer(text: str) -> str | None:
    """The math span of a one-line answer qualified by a clause (`$g(x)=x^2+a$ for some $a>0$`), else None."""
    match = _QUALIFIED.match(text.strip())
    if not match:
        return None
    span = MATH_SPAN.fullmatch(match.group("span"))
    return _trim(next(g for g in span.groups() if g is not None)) if span else None


def extract_answer(text: str, *, require_commit: bool = False) -> Extraction:
    """The committed final answer of a completion; with `require_commit=True` only boxes and anchors count."""
    text = drop_appeals(text)
    boxes, unclosed = find_boxes(text)
    if unclosed:
        return Extraction(None, "boxed", "unclosed \\boxed{ (truncated response)")
    # With boxes, only an anchor after the last box can override it, so only that tail is searched.
    anchors = list(_ANCHOR_RE.finditer(text, boxes[-1].end if boxes else 0))
    line = _anchor_line(text, anchors[-1]) if anchors else ""
    anchored = statement_value(line) if line else None
    if boxes and not anchored:
        return _from_boxes(text, boxes)
    if anchored:
        return Extraction(anchored, "anchor", context=line)
    if anchors:
        return Extraction(None, "anchor", "answer anchor with no value after it")
    json_answer = _json_answer(text)
    if json_answer is not None:
        return Extraction(json_answer, "anchor", context=json_answer)
    if require_commit:
        return Extraction(None, "none", "no committed final answer (no \\boxed{} or answer anchor)")
    if is_bare_answer(text):
        return Extraction(_trim(_strip_math(text)), "bare", context=text)
    qualified = qualified_answer(text)
    if qualified:
        return Extraction(qualified, "bare", context=qualified)
    reasoned = _short_reasoned(text)
    if reasoned:
        return Extraction(reasoned, "bare", context=reasoned)
    sentence = _last_sentence(text)
    finished = bool(re.search(r"(?:[.!]|\$|\\[)\]]|\*\*)$", _TAIL_JUNK.sub("", text.rstrip()).rstrip()))
    value = statement_value(sentence) if finished and _CONCLUSION.search(sentence) else None
    if value is None and finished and sentence == text.strip():
        value = _declared_math(sentence)
    if value:
        return Extraction(value, "statement", context=sentence)
    return Extraction(None, "none", "no committed final answer (no box, anchor or concluding statement)")
