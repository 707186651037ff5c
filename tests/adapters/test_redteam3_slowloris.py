"""`envsdk serve` against slow clients (issue 22, not tried by the red team): a request must arrive whole
within --request-timeout, so a client that trickles its headers or body, or connects and says nothing,
loses its connection while ordinary requests are answered."""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers.asgi import serve_command

TIMEOUT_S = 1.0
BODY = b'{"query": ["Repeat exactly this word: maple maple"], "prompts": ["Repeat exactly this word: maple "], "labels": ["maple"]}'


@pytest.fixture(scope="module")
def url():
    with serve_command(sys.executable, "-m", "envsdk.cli.main", "serve", "toy-echo", "--port", "0", "--workers", "1",
                       "--request-timeout", str(TIMEOUT_S)) as base:
        yield base


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.settimeout(30 * TIMEOUT_S)  # far past the deadline: a server without one leaves recv blocked
    return sock


def _closed_by_server(sock: socket.socket, trickle: bytes = b"") -> None:
    """Send `trickle` a byte at a time (each well inside the deadline) until the server hangs up; raises
    TimeoutError when it never does."""
    for byte in trickle:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return
        sock.settimeout(TIMEOUT_S / 4)
        try:
            if sock.recv(1024) == b"":
                return
        except TimeoutError:
            continue
        finally:
            sock.settimeout(30 * TIMEOUT_S)
    assert sock.recv(1024) == b""


def test_a_silent_connection_is_closed(url):
    with _connect(url) as sock:
        _closed_by_server(sock)


def test_headers_trickled_a_byte_at_a_time_are_cut_off(url):
    endless = b"POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Pad: " + b"a" * 200
    with _connect(url) as sock:
        _closed_by_server(sock, endless)


def test_a_trickled_body_is_cut_off(url):
    head = (f"POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n").encode()
    with _connect(url) as sock:
        sock.sendall(head)
        _closed_by_server(sock, BODY)


def test_ordinary_and_kept_alive_requests_are_answered(url):
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(2):  # the second one on the kept-alive connection
            assert client.post("/get_reward", content=BODY).json()["rewards"] == [1.0]


def test_a_kept_alive_connection_that_then_trickles_is_cut_off(url):
    whole = (f"POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             f"Content-Length: {len(BODY)}\r\n\r\n").encode() + BODY
    with _connect(url) as sock:
        sock.sendall(whole)
        answer = b""
        while b'"rewards"' not in answer:
            answer += sock.recv(65536)
        _closed_by_server(sock, b"POST /get_reward HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 200)
