"""JSON POST with the paper's retry policy (3 tries, exponential backoff from 1 s), then raise."""

from __future__ import annotations

import time
from typing import Any

import httpx


def post_json(
    client: httpx.Client, url: str, payload: dict[str, Any], *, tries: int = 3, backoff_s: float = 1.0
) -> Any:
    """POST `payload` and return the decoded JSON reply; retries connection errors and 5xx replies."""
    for attempt in range(tries):
        try:
            reply = client.post(url, json=payload)
            if reply.status_code < 500:
                reply.raise_for_status()
                return reply.json()
            error: Exception = httpx.HTTPStatusError(
                f"{url} answered {reply.status_code}: {reply.text[:200]}", request=reply.request, response=reply
            )
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code < 500:
                raise
            error = exc
        if attempt + 1 < tries:
            time.sleep(backoff_s * 2**attempt)
    raise error
