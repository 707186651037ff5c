"""The multi-turn loop and tool environments, against a scripted OpenAI-compatible server on loopback."""

import asyncio
import json

import pytest

from envsdk.clients.openai import OpenAIChatClient
from envsdk.multiturn import MultiTurnEnv, ToolEnv, stop
from tests.helpers.openai_server import FakeOpenAI, text_reply


def run(env, server, row, **sampling):
    async def go():
        client = OpenAIChatClient(server.base_url, "scripted", max_retries=0)
        try:
            return await env.rollout(client, row, **sampling)
        finally:
            await client.aclose()

    return asyncio.run(go())


class Guess(MultiTurnEnv):
    """Guess the number: the environment says higher/lower; a correct guess ends the game."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.cleanups = 0

    async def setup_state(self, state, row):
        state["secret"] = row["answer"]
        state["_resource"] = object()  # private: never returned

    async def env_response(self, messages, state):
        guess = int(messages[-1]["content"])
        state["won"] = guess == state["secret"]
        return [{"role": "user", "content": "correct" if state["won"] else ("higher" if guess < state["secret"] else "lower")}]

    @stop
    def won(self, messages, state):
        return bool(state.get("won"))

    async def cleanup(self, state):
        self.cleanups += 1


def bisect_player(body):
    """A model that bisects 1..100 from the feedback so far."""
    lo, hi, last = 1, 100, None
    for m in body["messages"]:
        if m["role"] == "assistant":
            last = int(m["content"])
        elif m["role"] == "user" and last is not None:
            lo, hi = (last + 1, hi) if m["content"] == "higher" else (lo, last - 1) if m["content"] == "lower" else (lo, hi)
    return text_reply(str((lo + hi) // 2))


def test_environment_answers_each_turn_until_a_stop_condition():
    env = Guess(max_turns=10)
    with FakeOpenAI(bisect_player) as server:
        result = run(env, server, {"prompt": "guess", "answer": 37})
    assert result.state["stop_reason"] == "won"
    assert result.completion[-1] == {"role": "user", "content": "correct"}
    assert [m["role"] for m in result.completion[:2]] == ["assistant", "user"]
    assert result.usage["total_tokens"] == 5 * result.state["turn"]


def test_max_turns_ends_the_rollout_and_private_state_is_dropped():
    env = Guess(max_turns=2)
    with FakeOpenAI(bisect_player) as server:
        result = run(env, server, {"prompt": "guess", "answer": 99})
    assert result.state["stop_reason"] == "max_turns" and result.state["turn"] == 2
    assert "_resource" not in result.state


def test_cleanup_runs_once_even_when_the_environment_raises():
    class Broken(Guess):
        async def env_response(self, messages, state):
            raise RuntimeError("boom")

    env = Broken(max_turns=3)
    with FakeOpenAI(bisect_player) as server, pytest.raises(RuntimeError, match="boom"):
        run(env, server, {"prompt": "guess", "answer": 5})
    assert env.cleanups == 1


# ---- tools ------------------------------------------------------------------------------------

def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first term.
        b: second term.
    """
    return a + b


async def remember(note: str, state: dict) -> str:
    """Store a note for later in this episode."""
    state.setdefault("notes", []).append(note)
    return "stored"


def explode() -> str:
    """Always fails."""
    raise ValueError("kaput")


def native_call(name, arguments, call_id):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def native_player(body):
    """Calls several tools (good and bad) in the first turn, then answers with what the tools said."""
    if body["messages"][-1]["role"] == "user":
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                native_call("add", {"a": 2, "b": 3}, "c1"),
                native_call("remember", {"note": "hi"}, "c2"),
                native_call("explode", {}, "c3"),
                native_call("nosuch", {}, "c4"),
                native_call("add", {"a": "x", "b": 1}, "c5"),
            ],
        }
    results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
    return text_reply(f"done: {results[0]}")


def tool_env(**kw):
    return ToolEnv(tools=[add, remember, explode], max_turns=4, **kw)


def test_native_tool_calls_are_run_and_answered_with_tool_messages():
    with FakeOpenAI(native_player) as server:
        result = run(tool_env(), server, {"prompt": "compute"})
        first_request = server.requests[0]
    assert [t["function"]["name"] for t in first_request["tools"]] == ["add", "remember", "explode"]
    tool_msgs = [m for m in result.completion if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["c1", "c2", "c3", "c4", "c5"]
    assert tool_msgs[0]["content"] == "5"
    assert result.completion[-1]["content"] == "done: 5"
    assert result.state["stop_reason"] == "no_tool_calls"


def test_hidden_state_argument_is_injected_and_not_shown():
    with FakeOpenAI(native_player) as server:
        result = run(tool_env(), server, {"prompt": "compute"})
        schema = {t["function"]["name"]: t for t in server.requests[0]["tools"]}["remember"]
    assert result.state["notes"] == ["hi"]
    assert list(schema["function"]["parameters"]["properties"]) == ["note"]


def test_tool_errors_go_back_to_the_model_as_messages():
    with FakeOpenAI(native_player) as server:
        result = run(tool_env(), server, {"prompt": "compute"})
    contents = {m["tool_call_id"]: m["content"] for m in result.completion if m["role"] == "tool"}
    assert contents["c3"] == "Error: explode raised ValueError: kaput"
    assert contents["c4"].startswith("Error: unknown tool 'nosuch'")
    assert contents["c5"].startswith("Error: invalid arguments for add")
    assert result.state["tool_errors"] == 3


def test_calls_beyond_the_budget_are_refused():
    with FakeOpenAI(native_player) as server:
        result = run(tool_env(max_tool_calls=2), server, {"prompt": "compute"})
    contents = [m["content"] for m in result.completion if m["role"] == "tool"]
    assert contents[:2] == ["5", "stored"]
    assert all("budget" in c for c in contents[2:])
    assert result.state["tool_budget_exhausted"] is True


def text_player(body):
    """A model without native tool calls: writes a tag, then reads the <tool_result> and answers."""
    last = body["messages"][-1]
    if last["role"] == "user" and "<tool_result" not in last["content"]:
        return text_reply('I will add. <tool_call>{"name": "add", "arguments": {"a": 20, "b": 22}}</tool_call>')
    return text_reply("The sum is " + last["content"].split("\n")[1])


def test_text_tag_fallback_runs_tools_without_native_support():
    with FakeOpenAI(text_player) as server:
        result = run(tool_env(tool_format="text"), server, {"prompt": "compute"})
        first_request = server.requests[0]
    assert "tools" not in first_request
    assert "<tool_call>" in first_request["messages"][0]["content"]
    assert result.completion[1] == {"role": "user", "content": '<tool_result name="add">\n42\n</tool_result>'}
    assert result.completion[-1]["content"] == "The sum is 42"
    assert result.state["tool_calls"] == [{"turn": 1, "name": "add", "arguments": {"a": 20, "b": 22}, "error": None}]


def test_a_tool_can_end_the_episode_through_state():
    async def submit(answer: str, state: dict) -> str:
        """Submit the final answer."""
        state["final"], state["done"] = answer, True
        return "ok"

    def submitter(body):
        return {"role": "assistant", "content": None, "tool_calls": [native_call("submit", {"answer": "x"}, "s")]}

    with FakeOpenAI(submitter) as server:
        result = run(ToolEnv(tools=[submit], max_turns=5), server, {"prompt": "go"})
    assert result.state["stop_reason"] == "done" and result.state["final"] == "x" and result.state["turn"] == 1
