"""Red team: workspace escapes (host files, processes, network, the init, the host's own file access through
/proc/<init>/root) and test tampering (through the environment's hidden checks). Each names the exact
effect that must not happen."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from envsdk_env_workspace import builtin_tasks
from envsdk_env_workspace.env import check

TASK = builtin_tasks()[0]  # slugify-spaces: textkit/slug.py


def test_system_files_are_read_only_and_host_files_invisible(sb, tmp_path):
    canary = tmp_path / f"canary-{uuid.uuid4().hex}"
    canary.write_text("host secret")
    with sb.workspace() as ws:
        writes = ws.run("for f in /usr/bin/python3 /etc/passwd /bin/sh; do echo x > $f || echo refused; done")
        assert writes.stdout.count("refused") == 3
        assert ws.run(f"cat {canary} 2>&1 || echo unreachable").stdout.strip().endswith("unreachable")
        assert ws.run("ls /root /work/main 2>&1 | head -1; echo end").stdout.endswith("end\n")
        assert "main" not in ws.run("ls /work").stdout


def test_no_host_process_and_no_host_network(sb):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        with sb.workspace() as ws:
            procs = ws.run("ls /proc | grep -c '^[0-9]'")
            assert int(procs.stdout) < 10
            assert str(os.getpid()) not in ws.run("ls /proc").stdout.split()
            reach = ws.run(f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)\"")
            assert reach.status == "error" and "ConnectionRefused" in reach.stderr
            outside = ws.run("python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)\"")
            assert outside.status == "error" and ("unreachable" in outside.stderr or "OSError" in outside.stderr)
    finally:
        listener.close()


def test_namespace_and_mount_syscalls_are_refused(sb):
    with sb.workspace() as ws:
        out = ws.run("unshare -U true 2>&1; echo rc=$?; python3 -c \"import os; os.unshare(os.CLONE_NEWNS)\" 2>&1 | tail -1")
        assert "rc=0" not in out.stdout
        assert "PermissionError" in out.stdout or "Operation not permitted" in out.stdout


def test_the_init_cannot_be_killed_or_read(tier1):
    with tier1.workspace() as ws:
        ws.run("kill -9 1; kill -9 -1")
        assert ws.run("echo alive").stdout == "alive\n"
        peek = ws.run("cat /proc/1/environ /proc/1/mem 2>&1; ls /proc/1/fd 2>&1")
        assert peek.stdout.count("Permission denied") >= 2


def test_host_file_access_never_follows_agent_symlinks(tier1):
    with tier1.workspace() as ws:
        ws.run("ln -s /etc/passwd leak; ln -s /etc etcdir; mkfifo pipe")
        with pytest.raises(OSError):
            ws.read("leak")
        with pytest.raises(OSError):
            ws.put("etcdir/envsdk-planted", "x")
        assert not os.path.exists("/etc/envsdk-planted")
        with pytest.raises(OSError):
            ws.read("pipe")  # a FIFO is refused, it cannot block the host
        with ws.fork() as copy:  # links are copied as link text and resolve inside the fork only
            assert copy.run("readlink leak; head -c 5 leak").stdout == "/etc/passwd\nroot:"
            assert copy.run("cat leak").stdout == ws.run("cat /etc/passwd").stdout  # the workspace's own stub


def test_a_symlink_planted_in_hidden_does_not_redirect_the_verifier_files(tier1, tmp_path):
    target = tmp_path / "host-dir"
    target.mkdir()
    with tier1.workspace() as ws:
        ws.put("tests/check.txt", "tests\n", hidden=True)
        ws.run(f"ln -s {target} /hidden/tests; ln -s /etc /hidden/etc")
        seen = ws.run_hidden("cat $HIDDEN/tests/check.txt; ls -A $HIDDEN")
        assert seen.stdout == "tests\ntests\n"  # the real file, and /hidden holds only what the host put
        assert list(target.iterdir()) == []


def _checks_after(ws, *commands):
    for path, data in TASK.hidden().items():
        ws.put(path, data, hidden=True)
    for command in commands:
        ws.run(command)
    return check(ws, TASK)


@pytest.mark.parametrize("label, command", [
    ("os-exit-at-import", "printf 'import os\\nos._exit(0)\\n' > textkit/__init__.py"),
    ("forged-mark-line", "printf 'print(\"__envsdk_checks__ [[\\\\\"value\\\\\", \\\\\"a-b\\\\\"]]\")\\nimport os\\nos._exit(0)\\n' > textkit/__init__.py"),
    ("equal-to-everything", "printf 'class A(str):\\n    def __eq__(s, o): return True\\ndef slugify(t): return A(t)\\n' > textkit/__init__.py"),
    ("shadowed-json", "printf 'def dumps(*a, **k): return \"[]\"\\ndef loads(*a, **k): return []\\n' > json.py"),
    ("patched-builtins", "printf 'import builtins\\nbuiltins.eval = lambda *a, **k: \"a-b\"\\nfrom .slug import slugify\\n' > textkit/__init__.py"),
    ("delete-everything", "rm -rf /work/* /hidden/*"),
])
def test_tampering_never_passes_the_hidden_checks(sb, label, command):
    with sb.workspace(TASK.files) as ws:
        report = _checks_after(ws, command)
    assert not report.solved, (label, report)


def test_the_checks_still_pass_for_a_real_fix_beside_harmless_tampering(sb):
    with sb.workspace(TASK.fixed_files()) as ws:
        report = _checks_after(ws, "printf 'raise SystemExit(3)\\n' > json.py; mkdir -p tests; echo 'x=' > tests/conftest.py")
    assert report.solved, report
