"""A deadline for each HTTP request to arrive whole: slow clients (slowloris) cannot hold connections.

uvicorn has no such deadline: its keep-alive timer stops at a request's first byte, and nothing times the
rest, so a client that sends a header line now and then, or a body a byte at a time, or opens a
connection and says nothing, holds that connection (and a file descriptor) for as long as it likes.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT_S = 30.0
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)  # the client's side of a request is over


class ArrivalDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, plus: a request (line, headers and body) must arrive whole within
    `request_timeout_s` of the moment the server starts waiting for it (the connection opened, or the
    previous response sent), else the connection is closed (an app still reading the body sees a
    disconnect). The time an app takes to answer is not counted."""

    request_timeout_s = REQUEST_TIMEOUT_S
    _arrival: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _RECEIVED:
            self._stop_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state not in _RECEIVED:
            self._await_request()  # the next request on this kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_request(self) -> None:
        self._stop_waiting()
        self._arrival = self.loop.call_later(self.request_timeout_s, self._too_slow)

    def _stop_waiting(self) -> None:
        if self._arrival is not None:
            self._arrival.cancel()
            self._arrival = None

    def _too_slow(self) -> None:
        self._arrival = None
        if not self.transport.is_closing():
            self.transport.close()


def arrival_deadline(seconds: float = REQUEST_TIMEOUT_S) -> type[ArrivalDeadline]:
    """The protocol class to give uvicorn (`uvicorn.Config(http=...)`) for a deadline of `seconds`."""
    return type("ArrivalDeadline", (ArrivalDeadline,), {"request_timeout_s": seconds})
