"""Finding the committed final answer in what a rollout produced."""

import json

import pytest

from envsdk_env_webqa.answer import final_answer


def submit_message(answer):
    call = {"id": "1", "type": "function", "function": {"name": "submit", "arguments": json.dumps({"answer": answer})}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


@pytest.mark.parametrize(
    "completion,expected",
    [
        ("Velmora", "Velmora"),
        ("Reasoning... <answer>Velmora</answer>", "Velmora"),
        ("<answer>x</answer> then <answer>Velmora</answer>", "Velmora"),
        ('<tool_call>{"name": "search", "arguments": {"query": "q"}}</tool_call>', None),
        ('<tool_call>{"name": "submit", "arguments": {"answer": "Velmora"}}</tool_call>', None),
    ],
)
def test_string_completions(completion, expected):
    assert final_answer(completion) == expected


def test_a_submit_call_in_the_transcript_is_the_answer():
    transcript = [{"role": "assistant", "content": "thinking"}, {"role": "user", "content": "obs"}, submit_message("Dunmere")]
    assert final_answer(transcript) == "Dunmere"


def test_a_text_tag_submit_is_the_answer():
    message = {"role": "assistant", "content": '<tool_call>{"name": "submit", "arguments": {"answer": "Ashgrove"}}</tool_call>'}
    assert final_answer([message]) == "Ashgrove"


def test_a_transcript_that_stops_on_a_tool_call_has_no_answer():
    call = {"id": "1", "type": "function", "function": {"name": "search", "arguments": "{}"}}
    assert final_answer([{"role": "assistant", "content": None, "tool_calls": [call]}, {"role": "tool", "content": "r"}]) is None


def test_the_submitted_answer_in_state_wins():
    assert final_answer("something else", {"final_answer": "Dunmere"}) == "Dunmere"
