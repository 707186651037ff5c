"""Tool schemas from typed functions, and the two ways a model writes tool calls."""

import asyncio
import json

import pytest

from envsdk.tools import Tool, ToolError, native_tool_calls, text_tool_calls, tool_schema


def lookup(query: str, k: int = 3, session: dict | None = None) -> list[str]:
    """Look words up in a glossary.

    Args:
        query: the word to look up,
            case-insensitive.
        k: how many entries to return.
        session: injected by the environment.
    """
    return [query] * k


def test_schema_comes_from_signature_and_docstring():
    fn = tool_schema(lookup, hidden=("session",))["function"]
    assert fn["name"] == "lookup"
    assert fn["description"] == "Look words up in a glossary."
    props = fn["parameters"]["properties"]
    assert props["query"] == {"type": "string", "description": "the word to look up, case-insensitive."}
    assert props["k"]["type"] == "integer" and props["k"]["default"] == 3
    assert fn["parameters"]["required"] == ["query"]


def test_hidden_arguments_are_not_in_the_schema():
    assert "session" not in tool_schema(lookup, hidden=("session",))["function"]["parameters"]["properties"]


def test_call_validates_and_coerces_arguments_and_injects_hidden_ones():
    seen = {}

    def probe(n: int, session: dict) -> int:
        """Double n."""
        seen["session"] = session
        return 2 * n

    tool = Tool(probe, hidden=("session",))
    assert asyncio.run(tool.call({"n": "4"}, {"session": {"user": 1}})) == 8
    assert seen["session"] == {"user": 1}


def test_call_rejects_wrong_types_and_unknown_arguments():
    tool = Tool(lookup, hidden=("session",))
    with pytest.raises(ToolError, match="k"):
        asyncio.run(tool.call({"query": "a", "k": "many"}, {}))
    with pytest.raises(ToolError, match="session"):
        asyncio.run(tool.call({"query": "a", "session": {}}, {}))


def test_text_tags_parse_into_tool_calls():
    text = 'Let me look. <tool_call>{"name": "lookup", "arguments": {"query": "x"}}</tool_call>'
    [call] = text_tool_calls(text)
    assert (call.name, call.arguments, call.error) == ("lookup", {"query": "x"}, None)


def test_malformed_text_tag_is_a_call_with_an_error():
    [call] = text_tool_calls("<tool_call>{not json}</tool_call>")
    assert call.error and "JSON" in call.error


def test_native_tool_calls_decode_json_string_arguments():
    message = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"query": "q"})}},
            {"id": "c2", "type": "function", "function": {"name": "lookup", "arguments": "[1]"}},
        ],
    }
    first, second = native_tool_calls(message)
    assert (first.id, first.arguments, first.error) == ("c1", {"query": "q"}, None)
    assert second.error == "arguments must be a JSON object"
