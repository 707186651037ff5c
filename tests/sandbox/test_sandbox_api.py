"""Python API behaviour (run, spawn, files, argv, tiers) on the embedded backend."""

from __future__ import annotations

import pytest

from envsdk_sandbox import Limits, RunResult, Sandbox, SandboxProcess


@pytest.fixture(scope="module")
def box():
    with Sandbox() as sb:
        yield sb


@pytest.fixture(scope="module")
def fast_box():
    with Sandbox(fast=True) as sb:
        yield sb


def test_strongest_tier_is_reported(box):
    assert box.backend == "embedded" and box.tier == "1"


def test_fast_path_is_reported_in_the_tier(fast_box):
    assert fast_box.tier == "1-fast"


def test_run_returns_stdout_stderr_and_exit_code(box):
    res = box.run("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)")
    assert isinstance(res, RunResult)
    assert (res.status, res.exit_code, res.stdout, res.stderr) == ("error", 3, "out\n", "err\n")


@pytest.mark.parametrize("stdin", [b"bytes in", "text in"])
def test_stdin_is_fed_to_the_program(box, stdin):
    res = box.run("import sys; print(sys.stdin.read())", stdin=stdin)
    assert res.stdout == ("bytes in\n" if stdin == b"bytes in" else "text in\n")


def test_files_sit_beside_main_and_are_importable(box):
    res = box.run("import helper; print(helper.X, open('data/in.txt').read())",
                  files={"helper.py": "X = 41 + 1", "data/in.txt": b"payload"})
    assert res.stdout == "42 payload\n"


def test_files_cannot_escape_the_work_dir(box):
    res = box.run("print(1)", files={"../escape.py": "x"})
    assert res.status == "sandbox_error" and "escapes" in res.stderr


def test_argv_reaches_the_program(box):
    assert box.run("import sys; print(sys.argv)", argv=["a", "b"]).stdout == "['main.py', 'a', 'b']\n"


def test_work_dir_holds_only_the_program_and_its_files(box):
    res = box.run("import os; print(os.getcwd(), sorted(os.listdir('.')))", files={"x.txt": "1"})
    assert res.stdout == "/work ['main.py', 'x.txt']\n"


def test_fast_path_runs_like_a_fresh_interpreter(fast_box):
    code = "import sys\nprint(__name__, sys.argv[0], __file__)\nraise SystemExit(4)"
    res = fast_box.run(code)
    assert (res.stdout, res.exit_code) == ("__main__ main.py /work/main.py\n", 4)


def test_fast_path_prints_uncaught_exceptions(fast_box):
    res = fast_box.run("def f():\n    raise ValueError('boom')\nf()")
    assert res.status == "error" and res.exit_code == 1 and "ValueError: boom" in res.stderr


def test_fast_path_runs_atexit_handlers(fast_box):
    assert fast_box.run("import atexit; atexit.register(print, 'bye')").stdout == "bye\n"


def test_spawn_talks_over_pipes(fast_box):
    code = "import sys\nfor line in sys.stdin:\n    print(int(line) * 2, flush=True)\n"
    with fast_box.spawn(code) as proc:
        assert isinstance(proc, SandboxProcess)
        for i in (1, 2, 3):
            proc.stdin.write(f"{i}\n".encode())
            proc.stdin.flush()
            assert proc.stdout.readline() == f"{i * 2}\n".encode()
        proc.stdin.close()
        res = proc.wait(10)
    assert res.status == "ok"


def test_spawn_wait_timeout_kills_and_reports_timeout(box):
    proc = box.spawn("import time; time.sleep(60)")
    assert proc.wait(0.2).status == "timeout"


def test_spawn_kill_reports_killed(box):
    proc = box.spawn("import sys; sys.stdin.read()")
    proc.kill()
    assert proc.wait(10).status == "killed"


def test_spawn_captures_stderr_with_a_cap(box):
    proc = box.spawn("import sys; sys.stderr.write('e' * 5000)", limits=Limits(output_bytes=100))
    res = proc.wait(10)
    assert res.status == "output_limit" and res.stderr == "e" * 100


def test_two_spawned_programs_relay_messages(fast_box):
    echo = "import sys\nfor line in sys.stdin:\n    print(line.strip()[::-1], flush=True)\n"
    with fast_box.spawn(echo) as a, fast_box.spawn(echo) as b:
        a.stdin.write(b"hello\n")
        a.stdin.flush()
        b.stdin.write(a.stdout.readline())
        b.stdin.flush()
        assert b.stdout.readline() == b"hello\n"


def test_no_isolation_backend_reports_tier_3():
    with Sandbox(backend="none") as sb:
        res = sb.run("print('plain')")
    assert (sb.backend, sb.tier, res.stdout) == ("none", "3", "plain\n")


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown sandbox backend .firecracker.: expected one of docker, embedded, http, none"):
        Sandbox(backend="firecracker")


def test_forked_caller_gets_its_own_server_and_leaves_the_parents_alone(box):
    import os

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: a worker process forked from a caller that already owns a sandbox
        os.close(read_end)
        os.write(write_end, box.run("print(1)").status.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        child_status = f.read()
    os.waitpid(pid, 0)
    assert child_status == "ok"
    assert box.run("print(1)").status == "ok"


THIRD_PARTY = '''
from envsdk_sandbox.embedded import EmbeddedBackend

class Recording:
    """Delegates to the unisolated backend and remembers what it ran."""

    name, tier = "recording", "none"

    def __init__(self, options):
        self.inner = EmbeddedBackend(tier=3, name="none")
        self.codes = []

    def spawn(self, code, *, files=None, limits=None, argv=None, capture_stdout=False):
        self.codes.append(code)
        return self.inner.spawn(code, files=files, limits=limits, argv=argv, capture_stdout=capture_stdout)

    def close(self):
        self.inner.close()
'''


def test_a_backend_registered_under_the_entry_point_group_serves_sandbox_and_cli(tmp_path, monkeypatch):
    """Issue 13: a third party adds a backend with an entry point, no edit of ours."""
    (tmp_path / "envsdk_test_backend.py").write_text(THIRD_PARTY)
    dist = tmp_path / "envsdk_test_backend-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: envsdk-test-backend\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[envsdk.sandbox_backends]\nrecording = envsdk_test_backend:Recording\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from envsdk_sandbox.backend import backend_names
    from envsdk_sandbox.cli import _parser

    assert backend_names() == ["docker", "embedded", "http", "none", "recording"]
    assert _parser().parse_args(["run", "x.py", "--backend", "recording"]).backend == "recording"
    with Sandbox(backend="recording") as sb:
        res = sb.run("print(6 * 7)")
        assert (sb.backend, res.stdout, sb._impl.codes) == ("recording", "42\n", ["print(6 * 7)"])
