"""A real OpenAI-compatible chat server on loopback that answers from a script (for tests)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from tests.helpers.http import Answer, LoopbackHTTP

Responder = Callable[[dict], dict]


def text_reply(content: str) -> dict:
    return {"role": "assistant", "content": content}


@dataclass
class Failure:
    """An error answer the server gives before it answers normally (e.g. 429 with a Retry-After header)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error": {"message": "scripted failure"}}'


class FakeOpenAI:
    """Serve `POST /v1/chat/completions`; `respond(request_body) -> assistant message`.

    `failures` are answered, in order, to the first requests; `finish_reason` goes in every normal answer
    ("length" for a reply cut at its token limit). Requests other than `/v1/chat/completions` get a 404 as
    a real server would (e.g. a base URL without `/v1`). `arrivals` holds each request's monotonic time."""

    def __init__(self, respond: Responder, *, failures: list[Failure] = (), finish_reason: str = "stop"):
        self.requests: list[dict] = []
        self.arrivals: list[float] = []
        self._pending = list(failures)
        self._lock = threading.Lock()
        self._respond, self._finish_reason = respond, finish_reason
        self._http: LoopbackHTTP | None = None

    def _answer(self, path: str, raw: bytes) -> Answer:
        with self._lock:
            self.arrivals.append(time.monotonic())
            failure = self._pending.pop(0) if self._pending else None
        if path != "/v1/chat/completions":
            return Answer(404, b'{"detail": "Not Found"}')
        if failure is not None:
            return Answer(failure.status, failure.body.encode(), {"Content-Type": "application/json", **failure.headers})
        body = json.loads(raw)
        self.requests.append(body)
        payload = {
            "id": "x",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": self._respond(body), "finish_reason": self._finish_reason}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        }
        return Answer(200, json.dumps(payload).encode())

    @property
    def root(self) -> str:
        """The server without `/v1` (a common misconfiguration: every request is a 404)."""
        return self._http.url

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._http = LoopbackHTTP(self._answer)
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()
