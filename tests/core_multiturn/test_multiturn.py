"""The multi-turn loop and tool environments, against a scripted OpenAI-compatible server on loopback."""

import asyncio
import json

import pytest
from pydantic_core import core_schema

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


def counted_word():
    """A fresh string type that counts how often pydantic builds its validator and its JSON schema."""

    class Word(str):
        validators_built = 0
        json_schemas_built = 0

        @classmethod
        def __get_pydantic_core_schema__(cls, source, handler):
            cls.validators_built += 1
            return core_schema.no_info_after_validator_function(cls, handler(str))

        @classmethod
        def __get_pydantic_json_schema__(cls, schema, handler):
            cls.json_schemas_built += 1
            return handler(schema)

    return Word


@pytest.mark.parametrize("tool_format", ["native", "text"])
def test_a_tools_argument_model_and_schema_are_built_once_per_environment_not_per_rollout(tool_format):
    Word = counted_word()

    def spell(word: Word, times: int = 1) -> str:
        """Spell a word out.

        Args:
            word: the word.
            times: how often.
        """
        return "-".join(word) * times

    def speller(body):
        if body["messages"][-1]["role"] == "user" and "<tool_result" not in body["messages"][-1]["content"]:
            if tool_format == "text":
                return text_reply('<tool_call>{"name": "spell", "arguments": {"word": "abc"}}</tool_call>')
            return {"role": "assistant", "content": None,
                    "tool_calls": [native_call("spell", {"word": "abc"}, "s1"), native_call("add", {"a": 1, "b": 2}, "s2")]}
        return text_reply("spelled")

    env = ToolEnv(tools=[spell, add], tool_format=tool_format, max_turns=3)
    model, built = env.tools["spell"].args_model, (Word.validators_built, Word.json_schemas_built)
    assert built == (1, 1)
    with FakeOpenAI(speller) as server:
        results = [run(env, server, {"prompt": f"spell {i}"}) for i in range(3)]
        requests = list(server.requests)
    spelled = "a-b-c" if tool_format == "native" else '<tool_result name="spell">\na-b-c\n</tool_result>'
    assert [r.completion[1]["content"] for r in results] == [spelled] * 3
    assert len(requests) == 6 and (Word.validators_built, Word.json_schemas_built) == built
    assert env.tools["spell"].args_model is model
    if tool_format == "native":
        assert all(r["tools"] == requests[0]["tools"] == env.tool_schemas for r in requests)
        assert requests[0]["tools"][0]["function"]["parameters"]["properties"]["word"] == {
            "type": "string", "description": "the word."}
    else:
        assert len({r["messages"][0]["content"] for r in requests}) == 1
    ToolEnv(tools=[spell])  # another environment builds its own: the counter does see a build
    assert (Word.validators_built, Word.json_schemas_built) == (2, 2)


def test_each_schema_is_a_fresh_copy_so_a_caller_that_edits_one_changes_no_later_rollout():
    env = ToolEnv(tools=[add])
    first = env.tool_schemas
    first[0]["function"]["parameters"]["properties"]["a"]["type"] = "string"
    first[0]["function"]["parameters"]["required"].append("c")
    assert env.tool_schemas[0]["function"]["parameters"]["properties"]["a"]["type"] == "integer"
    assert env.tool_schemas[0]["function"]["parameters"]["required"] == ["a", "b"]
