"""How a record's values read in the page's cells: numbers, prompts and completions as text, transform notes."""

from __future__ import annotations

import json
from typing import Any

from envsdk.messages import content_text


def number(value: Any) -> str:
    """A number as the page shows it (floats to 4 significant digits); "–" for none."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def transcript(text: Any) -> str | None:
    """A prompt or completion as text: a string as is, chat messages as a transcript (`_message_text`)."""
    if text is None or isinstance(text, str):
        return text
    if isinstance(text, list):
        return "\n".join(_message_text(m) for m in text if isinstance(m, dict))
    return json.dumps(text, ensure_ascii=False)


def _message_text(message: dict[str, Any]) -> str:
    """`role: content`; a tool result names its tool, and each tool call follows as `-> name(arguments)`."""
    role = f"tool {message.get('name') or ''}".strip() if message.get("role") == "tool" else message.get("role", "?")
    calls = "".join(f"\n  -> {(c.get('function') or {}).get('name')}({(c.get('function') or {}).get('arguments')})"
                    for c in message.get("tool_calls") or [] if isinstance(c, dict))
    return f"{role}: {content_text(message)}{calls}"


def note(values: dict[str, Any]) -> str:
    """One transform's annotation of a rollout, compact and in its order: `class 2 · diversity 0.5`."""
    return " · ".join(f"{key} {_value(v)}" for key, v in values.items())


def _value(value: Any) -> str:
    """An annotation's value: a number as the page shows numbers, text as is, anything else as JSON."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def compact(values: dict[str, Any]) -> str:
    """A verdict's details as one line of JSON (keys sorted); nothing for none."""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str) if values else ""
