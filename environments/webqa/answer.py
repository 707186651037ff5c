"""Find the committed final answer of a rollout: a submit call, an `<answer>` tag, or the final text."""

from __future__ import annotations

import re
from typing import Any

from envsdk.messages import Text, content_text
from envsdk.tools import native_tool_calls, text_tool_calls

_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_TOOL_TAG_RE = re.compile(r"<tool_call>.*?</tool_call>", re.DOTALL)


def _submitted(message: dict[str, Any]) -> str | None:
    calls = native_tool_calls(message) + text_tool_calls(content_text(message))
    for call in reversed(calls):
        if call.name == "submit" and isinstance(call.arguments.get("answer"), (str, int, float)):
            return str(call.arguments["answer"])
    return None


def _from_text(text: str) -> str | None:
    tags = _ANSWER_RE.findall(text)
    if tags:
        return tags[-1].strip()
    return None


def final_answer(completion: Text, state: dict[str, Any] | None = None) -> str | None:
    """The answer the rollout committed to, or None when it never gave one.

    In order: the submit tool's argument (from state, or found in the transcript), the last `<answer>` tag
    of the last assistant message, else that message's whole text if it calls no tool. A plain string
    completion is its `<answer>` tag or, without one, the string itself."""
    if state and state.get("final_answer") is not None:
        return str(state["final_answer"])
    if isinstance(completion, str):
        tagged = _from_text(completion)
        if tagged is not None:
            return tagged
        return None if _TOOL_TAG_RE.search(completion) else completion.strip()
    for message in reversed(completion):
        if message.get("role") != "assistant":
            continue
        submitted = _submitted(message)
        if submitted is not None:
            return submitted
        text = content_text(message)
        tagged = _from_text(text)
        if tagged is not None:
            return tagged
        if message.get("tool_calls") or _TOOL_TAG_RE.search(text):
            return None
        return text.strip() or None
    return None
