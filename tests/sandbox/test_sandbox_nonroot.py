"""Tier 2 for a non-root caller: the program keeps the caller's uid and supplementary groups (no user
namespace to drop them in), so nothing may depend on the uid. Run as a throwaway user who belongs to a
group owning a host socket (like the docker group), in a forked copy of this test process. The user gets
its own world-readable copy of envsdk_sandbox, as a user's own install would be: the checkout may sit
where the throwaway user cannot reach it (a 0700 home directory)."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, GROUP = "envsdk-sbx-test", "envsdk-sbx-sock"
PYTHON = "/usr/bin/python3"  # reachable by any user (the caller's own may live under a 0700 home)


@dataclass(frozen=True)
class Account:
    user: pwd.struct_passwd
    group: grp.struct_group
    site: Path  # a world-readable directory holding a copy of envsdk_sandbox


def readable_copy_of_the_sandbox(base: Path) -> Path:
    """Copy envsdk_sandbox (the zygote script the sandbox starts included) under `base`, readable by anyone."""
    import envsdk_sandbox

    site = base / "site"
    shutil.copytree(Path(envsdk_sandbox.__file__).parent, site / "envsdk_sandbox",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return site


@pytest.fixture(scope="module")
def account():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the non-root tier-2 suite needs root (to create its throwaway user) under CI=true")
        pytest.skip("needs root to create a throwaway user")
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", GROUP], check=True)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", "-G", GROUP, USER], check=True)
    base = Path(tempfile.mkdtemp(prefix="envsdk-nonroot-", dir="/var/tmp"))
    try:
        yield Account(pwd.getpwnam(USER), grp.getgrnam(GROUP), readable_copy_of_the_sandbox(base))
    finally:
        shutil.rmtree(base)


def import_sandbox_from(site: Path):
    """Drop this process's envsdk_sandbox modules and import the package again from `site`."""
    for name in [m for m in sys.modules if m == "envsdk_sandbox" or m.startswith("envsdk_sandbox.")]:
        del sys.modules[name]
    sys.path.insert(0, str(site))
    import envsdk_sandbox

    assert Path(envsdk_sandbox.__file__).is_relative_to(site), envsdk_sandbox.__file__
    return envsdk_sandbox


def as_user(account: Account, programs: list[tuple[str, dict]], tier: str = "2") -> list[dict]:
    """Run each (code, limits) through Sandbox(tier=tier) as the throwaway user; their results."""
    import pyseccomp  # noqa: F401 - imported here: the caller's site-packages may be unreadable to the user

    user, group = account.user, account.group
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.close(read)
            sandbox = import_sandbox_from(account.site)  # still root: the user may not reach the checkout
            os.setgroups([group.gr_gid])
            os.setresgid(user.pw_gid, user.pw_gid, user.pw_gid)
            os.setresuid(user.pw_uid, user.pw_uid, user.pw_uid)
            import warnings

            warnings.simplefilter("ignore")
            with sandbox.Sandbox(tier=tier, python=PYTHON) as sb:
                out = [sb.run(code, limits=sandbox.Limits(**limits)).model_dump() | {"who": os.getuid()}
                       for code, limits in programs]
            os.write(write, json.dumps(out).encode())
        except BaseException as exc:  # noqa: BLE001 - report, never continue pytest in the child
            os.write(write, json.dumps([{"crash": repr(exc)}]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    results = json.loads(data)
    assert "crash" not in results[0], results[0]
    return results


@pytest.fixture
def group_socket(account):
    """A listening socket only the user's supplementary group may use (as the docker socket is)."""
    base = Path("/var/tmp") / f"envsdk-sock-{uuid.uuid4().hex[:8]}"
    base.mkdir(mode=0o755)
    path = base / "group.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    os.chown(path, 0, account.group.gr_gid)
    os.chmod(path, 0o660)
    listener.listen()
    listener.setblocking(False)
    yield str(path), listener
    listener.close()
    path.unlink()
    base.rmdir()


def test_the_callers_group_socket_is_unreachable(account, group_socket):
    path, listener = group_socket
    code = (f"import os, socket\nprint(sorted(os.getgroups()) != [], flush=True)\ntry:\n"
            f"    s = socket.socket(socket.AF_UNIX); s.connect({path!r}); print('reached')\n"
            "except OSError as e: print('refused', e.errno)\n")
    (res,) = as_user(account, [(code, {"timeout_s": 5})])
    assert res["status"] == "ok" and res["stdout"].splitlines()[1].startswith("refused"), res
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_files_and_processes_of_the_callers_uid_stay_out_of_reach(account):
    user = account.user
    private = Path("/var/tmp") / f"envsdk-own-{uuid.uuid4().hex[:8]}"
    private.write_text("mine")
    os.chown(private, user.pw_uid, user.pw_gid)
    private.chmod(0o600)
    victim = subprocess.Popen(["sleep", "60"], user=user.pw_uid, group=user.pw_gid)
    try:
        code = (f"import os, signal\ntry: print(open({str(private)!r}).read())\nexcept OSError as e: print('denied', e.errno)\n"
                f"for path in ('/proc/{victim.pid}/environ', '/proc/{victim.pid}/mem'):\n"
                "    try: open(path, 'rb').read(1); print('opened')\n    except OSError as e: print('denied', e.errno)\n"
                f"try: os.kill({victim.pid}, signal.SIGKILL); print('signalled')\nexcept OSError as e: print('denied', e.errno)\n"
                "try: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass\n")
        (res,) = as_user(account, [(code, {"timeout_s": 5})])
        assert res["stdout"].count("denied") == 4 and "mine" not in res["stdout"], res
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
        private.unlink()


def test_the_work_dir_size_is_capped_without_a_tmpfs(account):
    """No mount namespace for a non-root caller: the work dir's size is watched and the run killed."""
    code = ("import os\nfor i in range(40):\n    with open(f'f{i}', 'wb') as f: f.write(bytes(4 << 20))\n"
            "print('wrote all')\n")
    (res,) = as_user(account, [(code, {"timeout_s": 20, "tmpfs_mb": 16, "file_size_mb": 8})])
    assert res["status"] == "output_limit" and "wrote all" not in res["stdout"], res
    assert "tmpfs_mb=16" in res["stderr"]


def test_sysv_ipc_objects_cannot_be_created(account):
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print(libc.shmget(0, 4096, 0o1666), libc.semget(0, 1, 0o1666), libc.msgget(0, 0o1666))\n")
    (res,) = as_user(account, [(code, {"timeout_s": 5})])
    assert res["status"] == "ok" and res["stdout"] == "-1 -1 -1\n", res


def test_tier_1_as_a_non_root_caller_builds_the_same_view(account):
    """Unprivileged user namespaces: the whole root is built inside the run's own namespace."""
    code = ("import importlib.util, os, socket\nprint(importlib.util.find_spec('yaml'), os.path.exists('/proc/loadavg'))\n"
            "try: socket.socket(socket.AF_UNIX); print('socket')\nexcept OSError as e: print('refused', e.errno)\n"
            "print(os.getuid(), sorted(os.listdir('/')))\n")
    (res,) = as_user(account, [(code, {"timeout_s": 5})], tier="1")
    lines = res["stdout"].splitlines()
    assert res["status"] == "ok" and lines[0] == "None False" and lines[1] == "refused 97", res
    assert lines[2].startswith("65534 ") and "root" not in lines[2] and "home" not in lines[2], lines[2]
