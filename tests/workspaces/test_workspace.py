"""Workspace properties on the embedded tier 1 and Docker: persistence, background processes across
commands, isolation between workspaces, fork divergence, hidden files, clean close, limits."""

from __future__ import annotations

import os
import time

import pytest

from envsdk_sandbox.workspace import WorkspaceClosed, WorkspaceLimits

SERVE = ("nohup python3 -c \"import http.server, socketserver\n"
         "class H(http.server.BaseHTTPRequestHandler):\n"
         "    def do_GET(self):\n"
         "        self.send_response(200); self.end_headers(); self.wfile.write(open('/work/state.txt','rb').read())\n"
         "    def log_message(self, *a): pass\n"
         "socketserver.TCPServer(('127.0.0.1', 8765), H).serve_forever()\" >/dev/null 2>&1 &\n"
         "for i in $(seq 100); do python3 -c \"import socket; socket.create_connection(('127.0.0.1', 8765))\" "
         "2>/dev/null && break; sleep 0.05; done; echo up")
ARGS = "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"  # every process's command line, without ps
FETCH = "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8765/').read().decode())\""


def test_files_persist_across_commands_and_puts(sb):
    with sb.workspace(files={"a.txt": "one\n", "pkg/mod.py": "X = 1\n"}) as ws:
        assert ws.run("cat a.txt").stdout == "one\n"
        assert ws.run("echo two >> a.txt && mkdir -p d && echo three > d/f").status == "ok"
        ws.put("pkg/mod.py", "X = 2\n")
        result = ws.run("cat a.txt d/f; python3 -c 'import pkg.mod as m; print(m.X)'")
        assert (result.status, result.stdout) == ("ok", "one\ntwo\nthree\n2\n")
        assert ws.read("d/f") == b"three\n"
        assert ws.run("cd /tmp && echo kept > t").status == "ok"
        assert ws.run("cat /tmp/t").stdout == "kept\n"


def test_stdin_exit_codes_and_status(sb):
    with sb.workspace() as ws:
        assert ws.run("tr a-z A-Z", stdin="abc\n").stdout == "ABC\n"
        failed = ws.run("echo out; echo err >&2; exit 7")
        assert (failed.status, failed.exit_code, failed.stdout, failed.stderr) == ("error", 7, "out\n", "err\n")


def test_a_background_server_answers_on_the_workspace_loopback_in_a_later_command(sb):
    with sb.workspace(files={"state.txt": "first"}) as ws:
        started = ws.run(SERVE, timeout=30)
        assert (started.status, started.stdout.strip()) == ("ok", "up")
        assert ws.run(FETCH).stdout == "first\n"
        ws.put("state.txt", "second")
        assert ws.run(FETCH).stdout == "second\n"


def test_two_workspaces_never_see_each_other(sb):
    with sb.workspace(files={"state.txt": "A", "mine": "a"}) as a, sb.workspace(files={"theirs": "b"}) as b:
        assert a.run(SERVE, timeout=30).stdout.strip() == "up"
        assert b.run("ls /work").stdout == "theirs\n"
        reach = b.run(FETCH)
        assert reach.status == "error" and "Connection refused" in reach.stderr
        assert "8765" in a.run(ARGS).stdout and "8765" not in b.run(ARGS).stdout  # a's server: in a, not in b
        assert a.run("ls /work").stdout == "mine\nstate.txt\n"


def test_fork_is_an_independent_copy(sb):
    with sb.workspace(files={"f.txt": "base\n", "sub/g.txt": "g\n"}) as ws:
        ws.run("echo parent-edit >> f.txt; ln -s f.txt link; echo scratch > /tmp/parent-only; "
               "(nohup sleep 4321 >/dev/null 2>&1 &)")
        ws.put("secret.txt", "s", hidden=True)
        with ws.fork() as child:
            assert child.run("cat f.txt sub/g.txt; readlink link").stdout == "base\nparent-edit\ng\nf.txt\n"
            assert child.run("ls -A /tmp").stdout == ""  # only /work is copied: no /tmp, no processes
            assert "4321" not in child.run(ARGS).stdout and "4321" in ws.run(ARGS).stdout
            child.run("echo child >> f.txt; rm sub/g.txt")
            ws.run("echo parent-later >> f.txt")
            assert child.run("cat f.txt; ls sub").stdout == "base\nparent-edit\nchild\n"
            assert ws.run("cat f.txt; ls sub").stdout == "base\nparent-edit\nparent-later\ng.txt\n"
            assert child.run_hidden("cat $HIDDEN/secret.txt").stdout == "s"


def test_hidden_files_are_unreadable_to_the_agent_and_seen_by_the_verifier(sb):
    with sb.workspace(files={"a.py": "print(1)\n"}) as ws:
        ws.put("tests/test_hidden.py", "ANSWER = 42\n", hidden=True)
        hunt = ws.run("grep -rsl 'ANSWER = 42' /work /tmp /dev/shm /hidden /etc /proc/1/root/hidden; ls -A /hidden")
        assert (hunt.status, hunt.stdout) == ("ok", "")  # grep named no file; /hidden is empty
        seen = ws.run_hidden("cat $HIDDEN/tests/test_hidden.py; ls /work")
        assert (seen.status, seen.stdout) == ("ok", "ANSWER = 42\na.py\n")
        assert ws.run("ls -A /hidden").stdout == ""


def test_run_hidden_kills_what_the_agent_left_running(sb):
    with sb.workspace(files={"state.txt": "x"}) as ws:
        ws.run("(while true; do cp -r /hidden /work/stolen 2>/dev/null; sleep 0.01; done) >/dev/null 2>&1 &")
        assert ws.run(SERVE, timeout=30).stdout.strip() == "up"
        ws.put("t.txt", "tests", hidden=True)
        assert "cp -r /hidden" in ws.run(ARGS).stdout  # the thief runs until the check
        probe = ws.run_hidden(f"{FETCH} || echo refused; {ARGS}")
        assert probe.stdout.startswith("refused\n") and "cp -r /hidden" not in probe.stdout  # server and thief gone
        assert ws.run("cat /work/stolen/t.txt 2>&1 || echo absent").stdout.strip().endswith("absent")


def test_close_leaves_no_process_and_no_file(sb):
    ws = sb.workspace(files={"big.bin": os.urandom(1 << 20)})
    ws.run("(sleep 300 &) ; setsid sleep 301 >/dev/null 2>&1 &")
    marker = ws.run("echo $$").stdout
    assert marker
    if ws.backend == "docker":
        cid = ws.container.id
        ws.close()
        import docker

        with pytest.raises(docker.errors.NotFound):
            sb._impl.client.containers.get(cid)
    else:
        init = ws.init_pid
        ws.close()
        assert not os.path.exists(f"/proc/{init}")
        leftover = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p).startswith(("sleep 300", "sleep 301"))]
        assert leftover == []
    with pytest.raises(WorkspaceClosed):
        ws.run("true")


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_per_command_wall_clock_kills_the_command_and_its_background(sb):
    with sb.workspace() as ws:
        slow = ws.run("sleep 30 & sleep 30", timeout=1)
        assert slow.status == "timeout"
        assert "sleep" not in ws.run(ARGS).stdout
        assert ws.run("echo still-usable").stdout == "still-usable\n"


def test_workspace_limits_memory_pids_disk_output(sb):
    limits = WorkspaceLimits(memory_mb=128, pids=32, disk_mb=8, output_bytes=1000, timeout_s=20)
    with sb.workspace(limits=limits) as ws:
        memory = ws.run("python3 -c \"x = bytearray(400 << 20); x[::4096] = b'1' * len(x[::4096])\"")
        assert memory.status in ("memory_exceeded", "killed") and memory.exit_code != 0
        assert ws.run("echo alive").stdout == "alive\n"  # the OOM killer took the command, not the workspace
        disk = ws.run("head -c 20000000 /dev/zero > /work/big")
        assert disk.status == "error" and "No space left" in disk.stderr
        ws.run("rm -f /work/big")
        loud = ws.run("head -c 5000 /dev/zero | tr '\\0' x")
        assert (loud.status, len(loud.stdout)) == ("output_limit", 1000)
        forks = ws.run("python3 -c \"import os\nfor i in range(200):\n    if os.fork() == 0:\n        import time; time.sleep(5); os._exit(0)\"")
        assert forks.status == "error" and ("BlockingIOError" in forks.stderr or "Resource temporarily" in forks.stderr)


def test_cpu_limit_per_command(sb):
    with sb.workspace(limits=WorkspaceLimits(cpu_s=1, timeout_s=20)) as ws:
        spin = ws.run("python3 -c 'while True: pass'")
        assert spin.status == "timeout" and spin.duration_s < 15


def test_lifetime_limit_closes_the_workspace(sb):
    ws = sb.workspace(limits=WorkspaceLimits(wall_s=1.0))
    assert ws.run("echo hi").stdout == "hi\n"
    deadline = time.monotonic() + 30
    while not ws.closed and time.monotonic() < deadline:
        ws._timer.join(0.1)
    with pytest.raises(WorkspaceClosed):
        ws.run("true")


def test_bad_paths_are_refused(sb):
    with sb.workspace() as ws:
        for bad in ("../escape", "/../../etc/passwd", ""):
            with pytest.raises(ValueError):
                ws.put(bad, "x")


def test_the_number_of_files_is_bounded_with_the_disk(tier1):
    with tier1.workspace(limits=WorkspaceLimits(disk_mb=16, timeout_s=30)) as ws:
        many = ws.run("python3 -c \"\nimport os\nfor i in range(100000):\n    open(f'f{i}', 'w').close()\"")
        assert many.status == "error" and "No space left" in many.stderr
        count = int(ws.run("ls | wc -l").stdout)
        assert 3000 < count < 4096
