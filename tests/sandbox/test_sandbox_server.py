"""The sandbox HTTP server over a real loopback uvicorn: SandboxFusion /run_code, /run, /health,
bearer tokens, body caps, unsupported languages, and the non-loopback refusal."""

from __future__ import annotations

import base64
import socket
import threading

import httpx
import pytest
import uvicorn

from envsdk_sandbox import Sandbox
from envsdk_sandbox.server import Ceilings, create_app, serve

from .conftest import need_language

TOKEN = "test-token-123"


def _start(app) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve on a socket that already listens, so requests queue until uvicorn accepts them."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(fast=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def open_url(sandbox):
    server, thread, url = _start(create_app(sandbox, max_concurrency=2, max_body_bytes=4096))
    yield url
    server.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def locked_url(sandbox):
    server, thread, url = _start(create_app(sandbox, token=TOKEN))
    yield url
    server.should_exit = True
    thread.join()


def test_health_reports_backend_and_tier(open_url):
    assert httpx.get(f"{open_url}/health").json() == {"status": "ok", "backend": "embedded", "tier": "1-fast"}


def test_run_code_speaks_sandboxfusion(open_url):
    body = {"code": "import sys; print(open('in.txt').read() + sys.stdin.read())", "language": "python",
            "stdin": "!", "files": {"in.txt": base64.b64encode(b"hello").decode()}, "run_timeout": 5}
    res = httpx.post(f"{open_url}/run_code", json=body, timeout=30).json()
    assert res["status"] == "Success"
    assert res["run_result"]["status"] == "Finished" and res["run_result"]["stdout"] == "hello!\n"
    assert res["run_result"]["return_code"] == 0


def test_run_code_reports_time_limit_exceeded(open_url):
    body = {"code": "while True: pass", "language": "python", "run_timeout": 0.5}
    res = httpx.post(f"{open_url}/run_code", json=body, timeout=30).json()
    assert res["status"] == "Failed" and res["run_result"]["status"] == "TimeLimitExceeded"


def test_unsupported_language_is_a_clear_error(open_url):
    res = httpx.post(f"{open_url}/run_code", json={"code": "PROGRAM-ID. X.", "language": "cobol"})
    assert res.status_code == 400
    assert res.json()["status"] == "SandboxError" and "unsupported language 'cobol'" in res.json()["message"]


def test_run_returns_our_result_model(open_url):
    body = {"code": "import sys; print(sys.argv[1:])", "argv": ["x"], "limits": {"timeout_s": 5}}
    res = httpx.post(f"{open_url}/run", json=body, timeout=30).json()
    assert (res["status"], res["stdout"], res["tier"]) == ("ok", "['x']\n", "1-fast")


def test_oversized_body_is_refused(open_url):
    res = httpx.post(f"{open_url}/run", json={"code": "x = 1\n" * 2000})
    assert res.status_code == 413


def test_token_is_required_when_configured(locked_url):
    assert httpx.post(f"{locked_url}/run", json={"code": "print(1)"}).status_code == 401


def test_correct_token_is_accepted(locked_url):
    res = httpx.post(f"{locked_url}/run", json={"code": "print(1)"},
                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert res.json()["stdout"] == "1\n"


def test_non_loopback_address_without_token_is_refused(monkeypatch, capsys):
    monkeypatch.delenv("ENVSDK_SANDBOX_TOKEN", raising=False)
    assert serve(host="0.0.0.0", port=0) == 2
    assert "bearer token" in capsys.readouterr().err


@pytest.fixture(scope="module")
def strict_url(sandbox):
    """One slot, no queue, small ceilings."""
    app = create_app(sandbox, max_concurrency=1, max_queue=0,
                     ceilings=Ceilings(timeout_s=1.0, output_bytes=1 << 16, memory_mb=256))
    server, thread, url = _start(app)
    yield url
    server.should_exit = True
    thread.join()


def test_client_limits_are_cut_at_the_server_ceilings(strict_url):  # red team v2, item 7
    body = {"code": "import sys\nsys.stdout.write('x' * (8 << 20))",
            "limits": {"output_bytes": 300 << 20, "timeout_s": 100, "memory_mb": 100000}}
    res = httpx.post(f"{strict_url}/run", json=body, timeout=30).json()
    assert res["status"] == "output_limit" and len(res["stdout"]) == 1 << 16
    slow = httpx.post(f"{strict_url}/run", json={"code": "import time; time.sleep(30)", "limits": {"timeout_s": 100}},
                      timeout=30).json()
    assert slow["status"] == "timeout"
    fusion = httpx.post(f"{strict_url}/run_code", json={"code": "import time; time.sleep(30)", "run_timeout": 100},
                        timeout=30).json()
    assert fusion["run_result"]["status"] == "TimeLimitExceeded"


def test_requests_beyond_the_queue_get_429(strict_url):  # red team v2, item 7
    codes: list[int] = []
    body = {"code": "import time; time.sleep(0.9)", "limits": {"timeout_s": 1}}
    threads = [threading.Thread(target=lambda: codes.append(httpx.post(f"{strict_url}/run", json=body, timeout=30).status_code))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 429, 429]


@pytest.mark.parametrize("headers", [{"Host": "rebound.example:8080"}, {"Origin": "http://rebound.example"},
                                     {"Host": "127.0.0.1.rebound.example"}])
def test_foreign_host_or_origin_is_refused(open_url, headers):  # red team v2, item 7 (DNS rebinding)
    res = httpx.post(f"{open_url}/run", json={"code": "print(1)"}, headers=headers, timeout=30)
    assert res.status_code == 403
    assert httpx.get(f"{open_url}/health", headers=headers).status_code == 403


@pytest.mark.parametrize("files", [{"../escape.txt": "aGk="}, {"/etc/x": "aGk="}, {"a/../../b": "aGk="},
                                   {"ok.txt": "not base64!"}, {"ok.txt": "aGk"}])
def test_client_mistakes_in_files_are_400(open_url, files):  # red team v2, item 7
    res = httpx.post(f"{open_url}/run_code", json={"code": "print(1)", "files": files}, timeout=30)
    assert res.status_code == 400 and "file" in res.json()["detail"]
    res = httpx.post(f"{open_url}/run", json={"code": "print(1)", "files_b64": files}, timeout=30)
    assert res.status_code == 400


def test_run_code_compiles_and_runs_other_languages(open_url):
    need_language("cpp")
    body = {"code": '#include <cstdio>\nint main(){int a; scanf("%d", &a); printf("%d\\n", a * 2);}', "language": "cpp",
            "stdin": "21", "compile_timeout": 60, "run_timeout": 5}
    res = httpx.post(f"{open_url}/run_code", json=body, timeout=120).json()
    assert res["status"] == "Success" and res["run_result"]["stdout"] == "42\n"
    assert res["compile_result"]["status"] == "Finished" and res["compile_result"]["return_code"] == 0
    broken = httpx.post(f"{open_url}/run_code", json={**body, "code": "int main( {"}, timeout=120).json()
    assert broken["status"] == "Failed" and broken["run_result"] is None
    assert broken["compile_result"]["return_code"] != 0 and "error" in broken["compile_result"]["stderr"]


@pytest.mark.parametrize("language", ["cpp", "java", "nodejs", "go", "rust"])
def test_run_code_answers_each_language(open_url, language):
    from .test_sandbox_languages import SUM

    need_language(language)
    body = {"code": SUM[language], "language": language, "stdin": "20 22\n", "compile_timeout": 60, "run_timeout": 10}
    res = httpx.post(f"{open_url}/run_code", json=body, timeout=120).json()
    assert res["status"] == "Success" and res["run_result"]["stdout"] == "42\n", res


@pytest.mark.parametrize(("path", "body"), [
    ("/run", b'{"code": "print(1)", "limits": {"timeout_s": NaN}}'),
    ("/run", b'{"code": "print(1)", "limits": {"output_bytes": 1e400}}'),
    ("/run", b'{"code": "print(1)", "limits": {"memory_mb": -Infinity}}'),
    ("/run_code", b'{"code": "print(1)", "run_timeout": NaN}'),
    ("/run_code", b'{"code": "print(1)", "compile_timeout": Infinity}'),
])
def test_non_finite_numbers_from_a_client_are_a_422(open_url, path, body):  # red team v2, item 7
    res = httpx.post(f"{open_url}{path}", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert res.status_code == 422 and res.json()["detail"][0]["loc"][0] == "body", res.text
