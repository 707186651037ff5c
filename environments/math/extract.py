"""Find the committed final answer in a completion: boxed first, then explicit answer anchors, else nothing.

A response with no anchor (a truncated chain of thought, a stray last number) has committed to nothing, so
it is never credited; hedges between candidates ("12 or maybe 13") are reported as hedged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOX_COMMANDS = ("\\boxed", "\\fbox", "\\framebox")
_BOX_RE = re.compile(r"\\(?:boxed|fbox|framebox)(?![a-zA-Z])")
_ANCHOR_RE = re.compile(
    r"(?:final answer is|final answer:|the answer is|answer is:|\banswer:|\*\*answer:?\*\*:?|^####)",
    re.IGNORECASE | re.MULTILINE,
)
_MINERVA_TAIL = re.compile(r"\.?\s*I hope it is correct\.?\s*$", re.IGNORECASE)
_OR_BETWEEN = re.compile(r"\bor\b", re.IGNORECASE)
_OR_AFTER = re.compile(r"^\s*(?:\$|\\\)|\\\])?\s*[,;]?\s*(?:or|maybe|perhaps)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Extraction:
    """What the completion committed to: `answer` is None when nothing was committed."""

    answer: str | None
    anchor: str  # "boxed", "anchor", or "none"
    reason: str = ""


def _match_braces(text: str, open_at: int) -> int | None:
    """Index just past the brace group that starts at `open_at` ('{'), or None if it never closes."""
    depth = 0
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or text[i - 1] != "\\"):
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


def _from_boxes(text: str, boxes: list[_Box]) -> Extraction:
    last = boxes[-1]
    answer = unwrap_boxes(last.content)
    if not answer:
        return Extraction(None, "boxed", "empty \\boxed{}")
    distinct = [b for b in boxes if unwrap_boxes(b.content) != answer]
    if distinct:
        between = text[distinct[-1].end : last.start]
        if len(between) < 80 and _OR_BETWEEN.search(between):
            return Extraction(None, "boxed", "hedged between boxed candidates")
    if _OR_AFTER.search(text[last.end : last.end + 40]):
        return Extraction(None, "boxed", "hedged after the boxed answer")
    return Extraction(answer, "boxed")


def _from_anchor(text: str) -> Extraction:
    matches = list(_ANCHOR_RE.finditer(text))
    if not matches:
        return Extraction(None, "none", "no committed final answer (no \\boxed{} or answer anchor)")
    tail = text[matches[-1].end() :].lstrip(" :*\t")
    line = tail.split("\n", 1)[0] if tail.strip() else ""
    line = _MINERVA_TAIL.sub("", line).strip()
    # A sentence ends at ". " or a final "."; decimals like 3.5 keep their dot.
    line = re.split(r"\.(?:\s|$)", line, maxsplit=1)[0].strip()
    line = line.strip("*$ ").strip()
    if not line:
        return Extraction(None, "anchor", "answer anchor with nothing after it")
    return Extraction(line, "anchor")


def extract_answer(text: str) -> Extraction:
    """The committed final answer of a completion: the last \\boxed{}, else the last answer anchor."""
    boxes, unclosed = find_boxes(text)
    if unclosed:
        return Extraction(None, "boxed", "unclosed \\boxed{ (truncated response)")
    if boxes:
        return _from_boxes(text, boxes)
    return _from_anchor(text)
