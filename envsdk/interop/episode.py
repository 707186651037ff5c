"""One rollout of any envsdk environment, driven from outside one model turn at a time.

Servers that speak a reset/step protocol (OpenEnv) hold the model on the other side of the wire. Instead of
re-implementing each environment's loop step-wise, `SteppedEpisode` runs the environment's own `rollout`
with itself as the chat client: each `chat()` call the rollout makes is handed out as the next observation,
and the reply the outside sends with `step()` becomes that call's answer. Single-turn, multi-turn and tool
environments therefore behave exactly as they do in `envsdk eval` (same stop conditions, state, cleanup).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ..clients.chat import ChatReply
from ..environment import Environment, RolloutResult
from ..messages import Messages


@dataclass
class Turn:
    """What the outside sees after reset or a step: the messages it has not seen yet, and whether it is over.

    `tools` and `sampling` are what the environment passes to its model call (OpenAI `tools`, `max_tokens`...).
    """

    messages: Messages
    done: bool
    tools: list[dict[str, Any]] | None = None
    sampling: dict[str, Any] = field(default_factory=dict)


class EpisodeError(RuntimeError):
    """A step the episode cannot take (before reset, after the end)."""


class SteppedEpisode:
    """Drives `env.rollout(self, row)`: `start()` → first Turn; `step(message)` → next Turn; `result` at the end."""

    def __init__(self, env: Environment, row: dict[str, Any]):
        self.env = env
        self.row = row
        self.result: RolloutResult | None = None
        self._calls: asyncio.Queue[tuple[Messages, dict[str, Any], asyncio.Future]] = asyncio.Queue()
        self._pending: asyncio.Future | None = None
        self._task: asyncio.Task | None = None
        self._shown = 0

    async def chat(self, messages: Messages, **kwargs: Any) -> ChatReply:
        """The rollout's model call: wait for the reply the outside sends through `step()`."""
        reply: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._calls.put((list(messages), kwargs, reply))
        return await reply

    async def start(self) -> Turn:
        """Begin the rollout; the first Turn carries the prompt."""
        if self._task is not None:
            raise EpisodeError("this episode has already started")
        self._task = asyncio.create_task(self.env.rollout(self, self.row))
        return await self._next()

    async def step(self, message: dict[str, Any], finish_reason: str | None = "stop") -> Turn:
        """Answer the pending model call with an assistant `message`; the next Turn is the environment's reply."""
        if self._pending is None:
            raise EpisodeError("the episode is over" if self.result is not None else "call reset before step")
        pending, self._pending = self._pending, None
        self._shown += 1  # the assistant message itself: the caller wrote it
        pending.set_result(ChatReply(message={**message, "role": "assistant"}, finish_reason=finish_reason))
        return await self._next()

    async def _next(self) -> Turn:
        call = asyncio.ensure_future(self._calls.get())
        await asyncio.wait({call, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if call.done():
            messages, kwargs, self._pending = call.result()
            new, self._shown = messages[self._shown :], len(messages)
            tools = kwargs.pop("tools", None)
            return Turn(messages=new, done=False, tools=tools, sampling=kwargs)
        call.cancel()
        self.result = self._task.result()  # the environment's own errors surface here
        return Turn(messages=[], done=True)

    def cancel(self) -> None:
        """Abandon an unfinished rollout; its `finally` (the environment's cleanup) still runs."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
