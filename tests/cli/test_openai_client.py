"""The OpenAI-compatible client against a real loopback server: Retry-After-aware retries, permanent
errors not retried, and `truncated` replies (docs/reference.md, "envsdk eval")."""

from __future__ import annotations

import asyncio
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from envsdk.clients.openai import ChatError, OpenAIChatClient, retry_after_s

from tests.helpers.openai_server import Failure, FakeOpenAI, text_reply

MESSAGES = [{"role": "user", "content": "hi"}]


def chat(server: FakeOpenAI, **kw):
    async def go():
        client = OpenAIChatClient(server.base_url, "m", api_key_env=None, backoff_s=0.0, **kw)
        try:
            return await client.chat(MESSAGES)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_429_waits_the_retry_after_seconds_then_succeeds():
    with FakeOpenAI(lambda body: text_reply("ok"), failures=[Failure(429, {"Retry-After": "1"})]) as server:
        reply = chat(server)
    assert reply.message == {"role": "assistant", "content": "ok"}
    assert len(server.arrivals) == 2
    # the backoff is 0 s: only the server's Retry-After can hold the retry back a full second
    assert server.arrivals[1] - server.arrivals[0] >= 1.0


def test_retry_after_ms_is_read_in_milliseconds():
    with FakeOpenAI(lambda body: text_reply("ok"), failures=[Failure(503, {"retry-after-ms": "600"})]) as server:
        chat(server)
    assert server.arrivals[1] - server.arrivals[0] >= 0.6


def test_transient_failures_are_retried_until_the_retries_run_out():
    failures = [Failure(503), Failure(502), Failure(500)]
    with FakeOpenAI(lambda body: text_reply("ok"), failures=failures) as server:
        with pytest.raises(ChatError, match=r"/chat/completions failed after 3 tries: HTTP 500"):
            chat(server, max_retries=2)
    assert len(server.arrivals) == 3


def test_a_permanent_error_is_not_retried():
    with FakeOpenAI(lambda body: text_reply("ok"), failures=[Failure(400)]) as server:
        with pytest.raises(ChatError, match=r"/v1/chat/completions: HTTP 400: .*scripted failure"):
            chat(server)
    assert len(server.arrivals) == 1


def test_a_reply_cut_at_its_token_limit_is_truncated():
    with FakeOpenAI(lambda body: text_reply("abc"), finish_reason="length") as server:
        reply = chat(server)
    assert (reply.finish_reason, reply.truncated) == ("length", True)
    with FakeOpenAI(lambda body: text_reply("abc")) as server:
        assert chat(server).truncated is False


def response(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # OpenAI's precise header wins
        ({"retry-after": "3600"}, None),  # over a minute: backoff instead (the openai SDK's rule)
        ({"retry-after": "-1"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers, expected):
    assert retry_after_s(response(**headers)) == expected


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_s(response(**{"retry-after": when})) <= 30


def test_a_refused_connection_before_any_answer_is_not_retried():
    """Nothing listens: the first refusal is final (a retry would sleep an hour with this backoff)."""
    from tests.helpers.asgi import closed_port

    async def go():
        client = OpenAIChatClient(f"http://127.0.0.1:{closed_port()}/v1", "m", api_key_env=None, max_retries=4,
                                  backoff_s=3600.0)
        try:
            return await asyncio.wait_for(client.chat(MESSAGES), timeout=120)
        finally:
            await client.aclose()

    with pytest.raises(ChatError, match=r"^cannot connect to http://127\.0\.0\.1:\d+/v1: "):
        asyncio.run(go())


def test_a_refused_connection_after_the_server_answered_is_retried():
    """A server that answered once and then went away (a restart) gets the retries."""
    async def go():
        with FakeOpenAI(lambda body: text_reply("hi")) as server:
            client = OpenAIChatClient(server.base_url, "m", api_key_env=None, max_retries=2, backoff_s=0.0)
            await client.chat(MESSAGES)
        try:
            await client.chat(MESSAGES)
        finally:
            await client.aclose()

    with pytest.raises(ChatError, match=r"failed after 3 tries"):
        asyncio.run(go())
