"""A client's view of N SandboxFusion-protocol servers: which one runs the next request, and what happens
when one is busy, slow or dead.

Choice: the healthy server with the fewest requests in flight (ties go round-robin). Each server takes at
most `per_server` requests at once from this client; when every slot is taken a caller waits for one
(back-pressure: a client never queues more on a server than it asked for). A connection error, a read
timeout, a 5xx or a 429 sends the request to another server (bounded by `retries`); a server that failed
at the transport level is left out for `cooldown_s` and must answer `GET /health` before it is used again.
Only idempotent requests go through here (running a program with the same input is one), so a retry can
never count twice. When no server is left, `Unavailable` says why: the caller turns that into a flagged
verdict, never into the candidate's 0.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

TOKEN_ENV = "ENVSDK_SANDBOX_TOKEN"
HEALTH_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 3.0


class Unavailable(RuntimeError):
    """Every server failed or is down: no result, and not the program's fault."""


class Refused(RuntimeError):
    """A server refused the request itself (401/403: token; 4xx: a bad request): retrying cannot help."""


@dataclass
class _Server:
    url: str
    in_flight: int = 0
    down_until: float = 0.0  # time.monotonic() before which the server is not chosen
    suspect: bool = False  # failed at the transport level: probe /health before the next use


class ServerPool:
    """Sends requests to the least-loaded healthy server of `urls`; thread-safe.

    `per_server`: requests this client runs on one server at once. `retries`: further servers tried after
    a failure (default: every other server once, at least 2). `token_env`: environment variable holding the
    bearer token (read once, at construction; unset = no Authorization header)."""

    def __init__(self, urls: list[str] | tuple[str, ...], *, per_server: int = 4, retries: int | None = None,
                 token_env: str = TOKEN_ENV, cooldown_s: float = 5.0) -> None:
        import httpx

        if not urls:
            raise ValueError("the http sandbox backend needs at least one server URL (urls=[...])")
        bad = [u for u in urls if not str(u).startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"sandbox server URLs must start with http:// or https://: {bad[0]!r}")
        self.servers = [_Server(str(u).rstrip("/")) for u in urls]
        self.per_server = max(1, per_server)
        self.retries = max(2, len(self.servers) - 1) if retries is None else retries
        self.cooldown_s = cooldown_s
        token = os.environ.get(token_env) or None
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(limits=httpx.Limits(max_connections=self.per_server * len(self.servers) + 4,
                                                        max_keepalive_connections=self.per_server * len(self.servers)))
        self._httpx = httpx
        self._cond = threading.Condition()
        self._turn = itertools.count()
        self.failed_over = 0  # attempts that failed on one server and moved on (or gave up)

    # ---- choice -----------------------------------------------------------------------------
    def _pick(self, avoid: set[str], deadline: float) -> _Server:
        """Reserve a slot on the best server (waiting while all are full); Unavailable if none is up."""
        with self._cond:
            while True:
                now = time.monotonic()
                up = [s for s in self.servers if s.down_until <= now]
                if not up:
                    raise Unavailable("every sandbox server is down")
                fresh = [s for s in up if s.url not in avoid] or up
                free = [s for s in fresh if s.in_flight < self.per_server]
                if free:
                    turn = next(self._turn)
                    server = min(free, key=lambda s: (s.in_flight, (self.servers.index(s) - turn) % len(self.servers)))
                    server.in_flight += 1
                    return server
                if now >= deadline:
                    raise Unavailable("no sandbox server had a free slot before the deadline")
                self._cond.wait(min(deadline - now, 0.5))  # woken by a release; 0.5 s lets a cooldown end

    def _release(self, server: _Server, *, failed: bool = False) -> None:
        with self._cond:
            server.in_flight -= 1
            if failed:
                server.down_until = time.monotonic() + self.cooldown_s
                server.suspect = True
            self._cond.notify_all()

    def _healthy(self, server: _Server) -> bool:
        """A suspect server must answer /health before it runs anything again."""
        if not server.suspect:
            return True
        try:
            answer = self._client.get(server.url + "/health", headers=self._headers, timeout=HEALTH_TIMEOUT_S)
            ok = answer.status_code == 200
        except self._httpx.HTTPError:
            ok = False
        with self._cond:
            if ok:
                server.suspect = False
            else:
                server.down_until = time.monotonic() + self.cooldown_s
        return ok

    # ---- requests ---------------------------------------------------------------------------
    def post(self, path: str, body: dict[str, Any], *, timeout_s: float) -> tuple[int, dict[str, Any], str]:
        """POST `body` to one server and return (HTTP status, its JSON reply, the server's URL). `timeout_s` is how long
        one server may take to answer; a server that takes longer counts as failed and the request moves on.
        Raises Unavailable when every attempt failed, Refused for a reply that no retry can change."""
        errors: list[str] = []
        tried: set[str] = set()
        give_up = time.monotonic() + (self.retries + 1) * (timeout_s + CONNECT_TIMEOUT_S)
        for _ in range(self.retries + 1):
            try:
                server = self._pick(tried, give_up)
            except Unavailable as exc:
                errors.append(str(exc))
                break
            if not self._healthy(server):
                self._release(server)
                errors.append(f"{server.url}: no answer to /health")
                tried.add(server.url)
                continue
            tried.add(server.url)
            failed = False
            try:
                reply = self._client.post(server.url + path, json=body, headers=self._headers,
                                          timeout=self._httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S))
            except self._httpx.HTTPError as exc:  # refused, reset, closed mid-reply, read timeout
                failed = True
                self.failed_over += 1
                errors.append(f"{server.url}: {type(exc).__name__}: {exc}"[:300])
                continue
            finally:
                self._release(server, failed=failed)
            if reply.status_code == 429 or reply.status_code >= 500:
                self.failed_over += 1
                errors.append(f"{server.url}: HTTP {reply.status_code} {reply.text[:200]}")
                if reply.status_code == 429:
                    self._back_off(reply)
                continue
            if reply.status_code in (401, 403):
                raise Refused(f"{server.url} refused the request (HTTP {reply.status_code}: {reply.text[:200]}); "
                              "is the bearer token in the environment variable the server expects?")
            try:
                return reply.status_code, reply.json(), server.url
            except ValueError:
                errors.append(f"{server.url}: HTTP {reply.status_code}, not JSON: {reply.text[:200]}")
        raise Unavailable("no sandbox server ran the program: " + "; ".join(errors[-4:]))

    def _back_off(self, reply: Any) -> None:
        """A busy server asked us to wait: wait its Retry-After (at most 1 s) before the next server."""
        try:
            delay = min(float(reply.headers.get("retry-after", "0.2")), 1.0)
        except ValueError:
            delay = 0.2
        time.sleep(max(delay, 0.0))

    def close(self) -> None:
        self._client.close()
