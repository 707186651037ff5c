"""A loopback OpenAI-compatible chat server that streams (SSE), as verifiers' model client requires:
it answers every request with the last word of the last message (an echo policy)."""

from __future__ import annotations

import json

from tests.helpers.http import Answer, LoopbackHTTP


def _chunk(delta: dict, finish: str | None, **extra) -> str:
    body = {"id": "echo", "object": "chat.completion.chunk", "created": 0, "model": "echo",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body)}\n\n"


def _echo(path: str, raw: bytes) -> Answer:
    request = json.loads(raw)
    content = request["messages"][-1]["content"]
    text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
    usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    stream = (_chunk({"role": "assistant", "content": text.split()[-1]}, None)
              + _chunk({}, "stop", usage=usage) + "data: [DONE]\n\n").encode()
    return Answer(200, stream, {"Content-Type": "text/event-stream"})


class StreamingEcho(LoopbackHTTP):
    """`with StreamingEcho() as server:` serves `server.base_url` (…/v1) from a thread."""

    def __init__(self):
        super().__init__(_echo)
        self.base_url = f"{self.url}/v1"
