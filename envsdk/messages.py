"""Chat-message helpers: prompts and completions are strings or OpenAI-shaped message lists."""

from __future__ import annotations

from typing import Any, Union

Message = dict[str, Any]
Messages = list[Message]
Text = Union[str, Messages]


def content_text(message: Message) -> str:
    """The text of one message; OpenAI content parts are joined."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def completion_text(completion: Text) -> str:
    """The final assistant text of a completion (a string, or the last assistant message)."""
    if isinstance(completion, str):
        return completion
    for message in reversed(completion):
        if message.get("role") == "assistant":
            return content_text(message)
    return ""


def prompt_text(prompt: Text | None) -> str:
    """A prompt flattened to text (the last user message for chats)."""
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    for message in reversed(prompt):
        if message.get("role") == "user":
            return content_text(message)
    return ""


def as_messages(prompt: Text, system_prompt: str | None = None) -> Messages:
    """A prompt as a chat, with the environment's system prompt first when it has none."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if system_prompt and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def is_messages(value: Any) -> bool:
    """True for a list of dicts that each have a role."""
    return isinstance(value, list) and all(isinstance(m, dict) and "role" in m for m in value)
