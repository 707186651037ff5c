"""Fixtures: one Sandbox per workspace backend (embedded tier 1 and Docker) for the whole session, and a
scripted client that plays tool calls."""

from __future__ import annotations

import json

import pytest

from envsdk.clients.chat import ChatReply
from envsdk_sandbox import Sandbox
from tests.sandbox.conftest import docker_unavailable, tier_unavailable

WORKSPACE_BACKENDS = ["tier1", "docker"]


def _tier1() -> Sandbox:
    from envsdk_sandbox.embedded import SandboxUnavailable

    try:
        return Sandbox(tier=1)
    except SandboxUnavailable as exc:
        tier_unavailable("tier1", str(exc))


def _docker() -> Sandbox:
    try:
        return Sandbox(backend="docker")
    except Exception as exc:  # noqa: BLE001 - any engine problem decides skip vs fail
        docker_unavailable(f"{type(exc).__name__}: {exc}")


@pytest.fixture(scope="session", params=WORKSPACE_BACKENDS)
def sb(request):
    """A Sandbox per workspace backend (tier 1, Docker), shared by the session."""
    sandbox = _docker() if request.param == "docker" else _tier1()
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def tier1():
    """The tier-1 Sandbox alone (tests of the embedded host side and of the environment)."""
    sandbox = _tier1()
    yield sandbox
    sandbox.close()


def call(name: str, **arguments) -> dict:
    """An assistant message with one native tool call."""
    return {"role": "assistant", "content": "", "tool_calls": [
        {"id": f"call_{name}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def tag(name: str, **arguments) -> dict:
    """An assistant message with one text-tag tool call."""
    body = json.dumps({"name": name, "arguments": arguments})
    return {"role": "assistant", "content": f"<tool_call>{body}</tool_call>"}


class Script:
    """A ChatClient that plays fixed assistant messages, then plain text (which ends a tool episode)."""

    def __init__(self, *turns: dict):
        self.turns = list(turns)
        self.seen: list[list[dict]] = []

    async def chat(self, messages, **kwargs) -> ChatReply:
        self.seen.append(list(messages))
        message = self.turns.pop(0) if self.turns else {"role": "assistant", "content": "done"}
        return ChatReply(message=message, finish_reason="stop")
