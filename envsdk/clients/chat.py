"""The chat-client interface every rollout uses, whatever serves the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ChatReply:
    """One assistant turn: the message (OpenAI shape, possibly with tool_calls) and token usage."""

    message: dict[str, Any]
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """The reply stopped at its token limit (`finish_reason == "length"`), not where the model ended it."""
        return self.finish_reason == "length"


class ChatClient(Protocol):
    """Anything that answers a chat: an OpenAI-compatible server, a local HF model, a trainer."""

    async def chat(self, messages: list[dict[str, Any]], **sampling: Any) -> ChatReply: ...
