"""A loopback OpenAI-compatible chat server that streams (SSE), as verifiers' model client requires:
it answers every request with the last word of the last message (an echo policy)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _chunk(delta: dict, finish: str | None, **extra) -> str:
    body = {"id": "echo", "object": "chat.completion.chunk", "created": 0, "model": "echo",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body)}\n\n"


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server naming)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = request["messages"][-1]["content"]
        text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
        usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
        stream = (_chunk({"role": "assistant", "content": text.split()[-1]}, None)
                  + _chunk({}, "stop", usage=usage) + "data: [DONE]\n\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(stream)))
        self.end_headers()
        self.wfile.write(stream)

    def log_message(self, *args):
        pass


class StreamingEcho:
    """`with StreamingEcho() as server:` serves `server.base_url` (…/v1) from a thread."""

    def __enter__(self) -> StreamingEcho:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
