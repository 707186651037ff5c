"""Whole episodes: a scripted model on a loopback OpenAI-compatible server searches, opens and answers."""

import asyncio
import json
import re

import envsdk
from envsdk.clients.openai import OpenAIChatClient
from tests.helpers.openai_server import FakeOpenAI, text_reply

QUESTION = "In which town was the founder of the Orvane Observatory born?"
ROW = {"id": "q", "prompt": QUESTION, "answer": ["Dunmere"]}


def researcher(call):
    """A two-hop researcher: search, open the top hit, search for the person it names, open, answer.

    `call(name, arguments)` renders one tool call in the protocol under test."""

    def respond(body):
        observations = [m["content"] for m in body["messages"] if m["role"] in ("tool", "user")][1:]
        step = len(observations)
        if step == 0:
            return call("search", {"query": "Orvane Observatory founder", "k": 3})
        if step == 1:
            return call("open", {"id_or_url": re.search(r"id: ([\w-]+)", observations[0]).group(1)})
        if step == 2:
            founder = re.search(r"founded in \d{4} by the astronomer (\w+ \w+)", observations[1]).group(1)
            return call("search", {"query": founder})
        if step == 3:
            return call("open", {"id_or_url": re.search(r"url: (\S+)", observations[2]).group(1)})
        town = re.search(r"born in the mining town of (\w+)", observations[3]).group(1)
        return call("submit", {"answer": town})

    return respond


def native_call(name, arguments):
    call = {"id": f"call-{name}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def text_call(name, arguments):
    if name == "submit":
        return text_reply(f"I found it. <answer>{arguments['answer']}</answer>")
    return text_reply(f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>')


def episode(env, server):
    async def go():
        client = OpenAIChatClient(server.base_url, "scripted", max_retries=0)
        try:
            result = await env.rollout(client, ROW)
            verdict = await env.score(ROW, result.completion, result.state)
            return result, verdict
        finally:
            await client.aclose()
            await env.aclose()

    return asyncio.run(go())


def test_native_tool_episode_searches_opens_and_answers_correctly():
    env = envsdk.load_environment("webqa")  # starts its own BM25 service on loopback
    with FakeOpenAI(researcher(native_call)) as server:
        result, verdict = episode(env, server)
        tools_offered = [t["function"]["name"] for t in server.requests[0]["tools"]]
    assert tools_offered == ["search", "open", "find", "submit"]
    assert [c["name"] for c in result.state["tool_calls"]] == ["search", "open", "search", "open", "submit"]
    assert result.state["tool_calls"][1]["arguments"] == {"id_or_url": "orvane-observatory"}
    assert result.state["stop_reason"] == "done" and result.state["final_answer"] == "Dunmere"
    assert verdict.passed is True and verdict.reward == 1.0 and verdict.details["outcome"] == "correct"
    assert verdict.components["tool_calls"] == 5.0


def test_tool_results_reach_the_model_as_tool_messages():
    env = envsdk.load_environment("webqa")
    with FakeOpenAI(researcher(native_call)) as server:
        result, _ = episode(env, server)
    tool_messages = [m for m in result.completion if m["role"] == "tool"]
    assert tool_messages[0]["content"].startswith("[1] id: orvane-observatory | title: Orvane Observatory")
    assert "Title: Orvane Telluric" in tool_messages[3]["content"]
    assert "[characters 0-" in tool_messages[3]["content"]


def test_text_tag_fallback_episode_answers_in_an_answer_tag(search_service):
    env = envsdk.load_environment("webqa", tool_format="text", search_url=search_service.url)
    with FakeOpenAI(researcher(text_call)) as server:
        result, verdict = episode(env, server)
        first = server.requests[0]
    assert "tools" not in first and "<tool_call>" in first["messages"][0]["content"]
    assert [c["name"] for c in result.state["tool_calls"]] == ["search", "open", "search", "open"]
    assert result.state["stop_reason"] == "no_tool_calls"
    assert verdict.passed is True and verdict.details["final_answer"] == "Dunmere"


def test_a_wrong_answer_is_graded_incorrect(search_service):
    env = envsdk.load_environment("webqa", search_url=search_service.url)
    with FakeOpenAI(lambda body: native_call("submit", {"answer": "Pollen Bay"})) as server:
        _, verdict = episode(env, server)
    assert verdict.passed is False and verdict.details["outcome"] == "incorrect"


def test_a_refusal_is_not_attempted(search_service):
    env = envsdk.load_environment("webqa", search_url=search_service.url)
    with FakeOpenAI(lambda body: text_reply("I could not find this.")) as server:
        _, verdict = episode(env, server)
    assert verdict.passed is None and verdict.reward == 0.0 and verdict.details["outcome"] == "not_attempted"
