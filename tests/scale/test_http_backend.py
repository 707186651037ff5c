"""The http sandbox backend against two real `envsdk sandbox serve` processes on loopback (bearer token
on): verdicts equal the local backend's, hacks still fail, a server killed mid-run loses no row, and a
run that no server can take is a flagged verdict, never the candidate's 0."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from envsdk_env_code import CodeVerifier
from envsdk_sandbox import Limits, Sandbox
from envsdk_sandbox.http_pool import ServerPool
from tests.code.test_hacks import ASSERTS, FUNCTION_HACKS, HUMANEVAL, STDIO, STDIO_HACKS
from tests.helpers.http import Answer, LoopbackHTTP
from tests.scale.cluster import ENVSDK, SandboxServer, free_port
from tests.scale.envs import wait_for

TOKEN = "scale-test-token"
HONEST = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
SLOW = ("import time\ndef add(a, b):\n    t = time.time()\n    while time.time() - t < 1.0:\n        pass\n"
        "    return a + b\n")
STDIO_OK = "a, b = map(int, input().split())\nprint(a + b)\n"
STDIO_SLOW = "import time\nt = time.time()\nwhile time.time() - t < 1.0:\n    pass\n" + STDIO_OK
# (tests, completion): right, wrong, slow (in flight long enough to be cut by a dying server), hacks
CASES = [(t, c) for t in (ASSERTS, HUMANEVAL) for c in (HONEST, WRONG, SLOW, FUNCTION_HACKS["os_exit_in_the_call"],
                                                       FUNCTION_HACKS["always_equal_object"])]
CASES += [(STDIO, c) for c in (STDIO_OK, STDIO_SLOW, "print(3)\n", STDIO_HACKS["marker_then_os_exit"])]


@pytest.fixture(scope="module")
def servers():
    """Two servers that want the token; the client reads it from ENVSDK_SANDBOX_TOKEN."""
    env = {**os.environ, "SCALE_SANDBOX_TOKEN": TOKEN}
    started = [SandboxServer.start(env=env, extra=["--token-env", "SCALE_SANDBOX_TOKEN"]) for _ in range(2)]
    saved = os.environ.get("ENVSDK_SANDBOX_TOKEN")
    os.environ["ENVSDK_SANDBOX_TOKEN"] = TOKEN
    yield started
    if saved is None:
        os.environ.pop("ENVSDK_SANDBOX_TOKEN", None)
    else:
        os.environ["ENVSDK_SANDBOX_TOKEN"] = saved
    for server in started:
        server.kill()


@pytest.fixture(scope="module")
def local():
    verifier = CodeVerifier(timeout_s=5.0)
    yield verifier
    verifier.close()


def _same(verdict) -> tuple:
    """What must not depend on where a program ran: the verdict and every test's status."""
    return (verdict.reward, verdict.passed, verdict.error, [t["status"] for t in verdict.details.get("tests", [])])


def test_every_hack_fails_through_the_remote_backend(servers):
    verifier = CodeVerifier(timeout_s=5.0, backend="http", sandbox_urls=[s.url for s in servers])
    try:
        cases = [(t, name, code) for t in (ASSERTS, HUMANEVAL) for name, code in FUNCTION_HACKS.items()]
        cases += [(STDIO, name, code) for name, code in STDIO_HACKS.items()]
        rewarded = {}
        for tests, name, code in cases:
            verdict = verifier.verify(tests, code)
            if verdict.passed is not False or verdict.reward != 0.0 or verdict.error is not None:
                rewarded[f"{tests['kind']}:{name}"] = (verdict.reward, verdict.passed, verdict.error)
        assert rewarded == {}
        assert verifier.verify(HUMANEVAL, HONEST).details["sandbox"] == {"backend": "http", "tier": "remote"}
    finally:
        verifier.close()


def test_a_remote_timeout_is_the_candidates_zero(servers):
    verifier = CodeVerifier(timeout_s=1.0, row_budget_s=3.0, backend="http", sandbox_urls=[s.url for s in servers])
    try:
        hang_stdio = verifier.verify(STDIO, "while True:\n    pass\n")
        hang_call = verifier.verify(ASSERTS, "def add(a, b):\n    while True:\n        pass\n")
    finally:
        verifier.close()
    for verdict in (hang_stdio, hang_call):
        assert (verdict.reward, verdict.passed, verdict.error) == (0.0, False, None)
        assert verdict.details["tests"][0]["status"] == "timeout"


def test_no_server_left_is_a_flagged_verdict_not_a_zero():
    dead = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    verifier = CodeVerifier(timeout_s=2.0, backend="http", sandbox_urls=dead)
    try:
        verdicts = [verifier.verify(STDIO, STDIO_OK), verifier.verify(ASSERTS, HONEST)]
    finally:
        verifier.close()
    for verdict in verdicts:
        assert verdict.passed is None and verdict.error is not None  # abstains: not the candidate's 0
        assert "sandbox" in verdict.error


def test_a_refused_token_is_a_flagged_verdict_not_a_zero(servers, monkeypatch):
    monkeypatch.setenv("ENVSDK_SANDBOX_TOKEN", "not-the-token")
    verifier = CodeVerifier(timeout_s=2.0, backend="http", sandbox_urls=[s.url for s in servers])
    try:
        verdict = verifier.verify(STDIO, STDIO_OK)
    finally:
        verifier.close()
    assert verdict.passed is None and "HTTP 401" in verdict.error and "token" in verdict.error


def test_compiled_languages_give_the_local_result(servers):
    programs = {"ok": '#include <cstdio>\nint main(){int a,b; scanf("%d %d",&a,&b); printf("%d\\n",a+b);}\n',
                "compile_error": "int main(){return 1}\n"}
    with Sandbox() as here, Sandbox(backend="http", urls=[s.url for s in servers]) as there:
        for status, code in programs.items():
            mine, theirs = (sb.run(code, stdin="20 22\n", language="cpp") for sb in (here, there))
            assert (theirs.status, theirs.exit_code, theirs.stdout) == (mine.status, mine.exit_code, mine.stdout)
            assert theirs.status == status


def test_each_server_gets_at_most_its_slots_and_the_rest_wait():
    lock, seen = threading.Condition(), {"now": 0, "max": 0, "total": 0}

    def handler(path: str, body: bytes) -> Answer:
        with lock:
            seen["now"] += 1
            seen["total"] += 1
            seen["max"] = max(seen["max"], seen["now"])
            lock.notify_all()
            lock.wait_for(lambda: seen["now"] >= 2 or seen["total"] == 6, timeout=5)  # until the server is full
        with lock:
            seen["now"] -= 1
        return Answer(200, json.dumps({"echo": json.loads(body)["n"]}).encode())

    with LoopbackHTTP(handler) as server:
        pool = ServerPool([server.url], per_server=2)
        with ThreadPoolExecutor(6) as threads:
            replies = list(threads.map(lambda n: pool.post("/run_code", {"n": n}, timeout_s=10)[1]["echo"], range(6)))
        pool.close()
    assert replies == list(range(6)) and seen["total"] == 6
    assert seen["max"] == 2  # never a third request on a server with 2 slots


def test_a_busy_or_failing_server_sends_the_run_to_the_next(servers):
    hits = {"503": 0, "429": 0}

    def failing(code: int):
        def handler(path: str, body: bytes) -> Answer:
            hits[str(code)] += 1
            return Answer(code, b'{"detail": "no"}', {"Content-Type": "application/json", "Retry-After": "0"})
        return handler

    with LoopbackHTTP(failing(503)) as broken, LoopbackHTTP(failing(429)) as busy:
        pool = ServerPool([broken.url, busy.url, servers[1].url], per_server=1)
        status, reply, url = pool.post("/run_code", {"code": "print(6 * 7)", "language": "python"}, timeout_s=30)
        pool.close()
    assert (status, reply["status"], reply["run_result"]["stdout"], url) == (200, "Success", "42\n", servers[1].url)
    assert hits == {"503": 1, "429": 1} and pool.failed_over == 2


def test_verify_cli_with_sandbox_urls_gives_the_local_verdicts(servers, tmp_path):
    rows = [{"id": str(i), "tests": tests, "completion": f"```python\n{code}```"}
            for i, (tests, code) in enumerate(CASES)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    remote_args = json.dumps({"backend": "http", "sandbox_urls": [s.url for s in servers], "timeout_s": 5.0})
    outputs = []
    for args in ('{"timeout_s": 5.0}', remote_args):
        done = subprocess.run([ENVSDK, "verify", "code", "-a", args, "--input", str(path), "--workers", "2",
                               "--no-progress"], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "ENVSDK_SANDBOX_TOKEN": TOKEN})
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append([json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")])
    local, remote = ([(v["id"], v["reward"], v["passed"], v["error"], [t["status"] for t in v["details"]["tests"]])
                      for v in out] for out in outputs)
    assert len(remote) == len(rows) and remote == local


def test_a_server_killed_mid_run_loses_no_row_and_changes_no_verdict(servers, local):
    """Runs last in this module: it kills the first server while a program is in flight on it."""
    verifier = CodeVerifier(timeout_s=5.0, backend="http", sandbox_urls=[s.url for s in servers])
    pool = verifier.sandbox._impl.pool
    try:
        with ThreadPoolExecutor(4) as threads:
            futures = [threads.submit(verifier.verify, tests, code) for tests, code in CASES]
            wait_for(lambda: pool.servers[0].in_flight > 0, 60, "a run in flight on the first server")
            servers[0].kill()
            remote = [f.result(timeout=300) for f in futures]
    finally:
        verifier.close()
    expected = [local.verify(tests, code) for tests, code in CASES]
    assert len(remote) == len(expected)
    assert [_same(v) for v in remote] == [_same(v) for v in expected]
    assert pool.failed_over >= 1  # runs did reach the dead server, and went to the live one
    assert all(v.error is None for v in remote)

