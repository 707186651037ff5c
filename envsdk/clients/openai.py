"""An async OpenAI-compatible chat client on httpx: retries, timeouts and a concurrency limit.

Retries follow the `openai` SDK's rules (docs/reference.md, "envsdk eval"): transient statuses and transport
errors are retried with jittered exponential backoff (except a connection refused before the server ever
answered: that fails at once, as nothing is listening), and a server's `Retry-After` / `retry-after-ms` wait
(up to a minute) replaces the backoff. The loop is ours rather than the SDK's because the core depends on
httpx alone, and the `openai` versions that verifiers and openenv pin cannot share one environment.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .chat import ChatReply

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 60.0  # a longer wait asked by the server is not honoured (the openai SDK's rule): backoff instead


def retry_after_s(response: httpx.Response) -> float | None:
    """The wait the server asked for: `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as an
    HTTP date; None when absent, unreadable, negative or over MAX_RETRY_AFTER_S."""
    headers = response.headers
    wait: float | None = None
    try:
        if "retry-after-ms" in headers:
            wait = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            value = headers["retry-after"]
            try:
                wait = float(value)
            except ValueError:
                wait = parsedate_to_datetime(value).timestamp() - time.time()
    except (ValueError, TypeError):
        return None
    return wait if wait is not None and 0 <= wait <= MAX_RETRY_AFTER_S else None


class ChatError(RuntimeError):
    """The server refused a request for good (a 4xx other than rate limits) or kept failing."""


class OpenAIChatClient:
    """Calls `POST {base_url}/chat/completions`; retries transient failures with jittered backoff."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout_s: float = 600.0,
        max_retries: int = 4,
        max_concurrency: int = 32,
        backoff_s: float = 1.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        key = api_key or (os.environ.get(api_key_env) if api_key_env else None)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout_s, connect=30.0))
        self._sem = asyncio.Semaphore(max_concurrency)
        self.max_retries, self.backoff_s = max_retries, backoff_s
        self._answered = False  # whether the server ever answered: until it has, a refused connection is final

    async def chat(self, messages: list[dict[str, Any]], **sampling: Any) -> ChatReply:
        """One completion; `sampling` passes through (temperature, max_tokens, tools, n=1...)."""
        body = {"model": self.model, "messages": messages, **{k: v for k, v in sampling.items() if v is not None}}
        data = await self._post("/chat/completions", body)
        try:
            choice = data["choices"][0]
            message = dict(choice["message"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ChatError(f"malformed chat response from {self.base_url}: {str(data)[:200]}") from exc
        message.setdefault("role", "assistant")
        return ChatReply(message=message, usage=data.get("usage") or {}, finish_reason=choice.get("finish_reason"))

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            wait = None
            try:
                async with self._sem:
                    response = await self._http.post(self.base_url + path, json=body)
                self._answered = True
                if response.status_code < 400:
                    return response.json()
                if response.status_code not in RETRY_STATUS:
                    raise ChatError(f"{self.base_url}{path}: HTTP {response.status_code}: {response.text[:300]}")
                last = ChatError(f"HTTP {response.status_code}: {response.text[:200]}")
                wait = retry_after_s(response)
            except httpx.ConnectError as exc:
                if not self._answered:  # nothing listens there (yet): retrying for a minute would only hide it
                    raise ChatError(f"cannot connect to {self.base_url}: {exc or type(exc).__name__}") from exc
                last = exc
            except (httpx.TransportError, ValueError) as exc:
                last = exc
            if attempt < self.max_retries:
                await asyncio.sleep(wait if wait is not None else self.backoff_s * (2**attempt) * (0.5 + random.random()))
        raise ChatError(f"{self.base_url}{path} failed after {self.max_retries + 1} tries: {last}")

    async def aclose(self) -> None:
        await self._http.aclose()
