"""A real OpenAI-compatible chat server on loopback that answers from a script (for tests)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

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
        pending = list(failures)
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.arrivals.append(time.monotonic())
                    failure = pending.pop(0) if pending else None
                if self.path != "/v1/chat/completions":
                    return self._send(404, b'{"detail": "Not Found"}')
                if failure is not None:
                    return self._send(failure.status, failure.body.encode(), failure.headers)
                outer.requests.append(body)
                payload = {
                    "id": "x",
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": respond(body), "finish_reason": finish_reason}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
                }
                self._send(200, json.dumps(payload).encode())

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        """The server without `/v1` (a common misconfiguration: every request is a 404)."""
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
