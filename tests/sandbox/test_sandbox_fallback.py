"""What the README promises beyond the warm tier-1 boxes: the tier-1 -> tier-2 fallback (forced for real by
refusing user namespaces to a caller process with a seccomp filter), the kill of every run when its caller
dies, memory and process limits by rlimits alone where no cgroup can be written, and the `2-fast` tier."""

from __future__ import annotations

import errno
import json
import os
import signal
import site as site_module
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from envsdk_sandbox import Limits, Sandbox

from .conftest import processes_named, tier2_python
from .test_sandbox_containment import tagged
from .test_sandbox_nonroot import account, as_user  # noqa: F401 - `account` is a fixture used below

# Loaded by a caller process before it imports the sandbox: unshare()/clone() asking for a user namespace
# fail with EPERM, as on hosts that refuse unprivileged user namespaces; the filter is inherited by the
# fork server and its supervisors. clone3's flags are unreadable by seccomp, so libc falls back to clone.
REFUSE_USERNS = """
import errno, pyseccomp as sc
CLONE_NEWUSER = 0x10000000
refuse = sc.SyscallFilter(defaction=sc.ALLOW)
for call in ("unshare", "clone"):
    refuse.add_rule(sc.ERRNO(errno.EPERM), call, sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
refuse.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
refuse.load()
"""


def reachable_python() -> str:
    """An interpreter the dropped uid of tier 2 can execute (the caller's may sit under a 0700 /root)."""
    python = tier2_python()
    assert python is not None, "no interpreter reachable by the unprivileged sandbox uid (install python3)"
    return python


def caller(body: str, *, refuse_userns: bool = False, python: str = sys.executable) -> subprocess.Popen:
    """Start a caller process running `body` (after REFUSE_USERNS when asked); its stdout is a pipe."""
    script = (REFUSE_USERNS if refuse_userns else "") + textwrap.dedent(body)
    return subprocess.Popen([python, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).parents[2], text=True)


def caller_json(body: str, *, refuse_userns: bool = False, python: str = sys.executable) -> dict:
    proc = caller(body, refuse_userns=refuse_userns, python=python)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1])


@pytest.fixture
def outside_file():
    """A world-readable file outside the sandbox's view: only the sandbox itself may keep a program out."""
    base = Path("/var/tmp") / f"envsdk-outside-{uuid.uuid4().hex[:8]}"
    base.mkdir(mode=0o755)
    path = base / "answer.txt"
    path.write_text("the answer key\n")
    path.chmod(0o644)
    yield path
    path.unlink()
    base.rmdir()


OPEN_AND_SOCKET = """
import errno, socket, sys
try:
    print(open(sys.argv[1]).read())
except OSError as exc:
    print("open", errno.errorcode[exc.errno])
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    print("socket opened")
except OSError as exc:
    print("socket", errno.errorcode[exc.errno])
"""


# -- 1. forced fallback ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fast", "tier"), [(False, "2"), (True, "2-fast")])
def test_refused_user_namespaces_fall_back_to_tier_2_with_the_real_reason(outside_file, fast, tier):
    result = caller_json(f"""
        import json, warnings
        from envsdk_sandbox import Sandbox
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sb = Sandbox(fast={fast}, python={reachable_python()!r})
        with sb:
            run = sb.run({OPEN_AND_SOCKET!r}, argv=[{str(outside_file)!r}])
        print(json.dumps({{"tier": sb.tier, "warnings": [str(w.message) for w in caught],
                          "run": run.model_dump()}}))
    """, refuse_userns=True)
    assert result["tier"] == tier
    (fallback,) = [w for w in result["warnings"] if "WEAK tier 2" in w]
    assert fallback.startswith("envsdk sandbox: tier 1: ")
    assert "unshare: Operation not permitted" in fallback  # the kernel's refusal, not a generic phrase
    assert result["run"]["status"] == "ok" and result["run"]["tier"] == tier
    assert result["run"]["stdout"] == "open EACCES\nsocket EAFNOSUPPORT\n"


def test_refused_user_namespaces_make_an_explicit_tier_1_a_clear_error():
    result = caller_json(f"""
        import json
        from envsdk_sandbox import Sandbox
        from envsdk_sandbox.embedded import SandboxUnavailable
        try:
            Sandbox(tier=1, python={reachable_python()!r})
        except SandboxUnavailable as exc:
            print(json.dumps({{"error": str(exc)}}))
    """, refuse_userns=True)
    assert result["error"].startswith("no embedded sandbox tier works here: tier 1: ")
    assert "unshare: Operation not permitted" in result["error"]
    assert "tier 2" not in result["error"]  # tier=1 asked for tier 1 only: no silent downgrade


def test_tier_1_fixtures_report_a_refused_tier_1_once_with_its_reason(tmp_path):
    """Where tier 1 is refused, the suite's tier-1 tests stop at their fixture with the sandbox's reason (an
    error under CI=true, a skip elsewhere), decided once rather than by a fresh failing Sandbox per test."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_one(sb):\n    pass\n\ndef test_two(sb):\n    pass\n")
    backends = 'BACKENDS = ["tier1", "tier1-fast", "tier2", "docker"]'
    conftest = Path(__file__).with_name("conftest.py").read_text()
    assert backends in conftest  # the copy below must really narrow the fixture to tier 1
    (tmp_path / "conftest.py").write_text(conftest.replace(backends, 'BACKENDS = ["tier1"]'))
    script = REFUSE_USERNS + ("import sys, pytest\n"
                              f"sys.exit(pytest.main(['-q', '-rsf', '-p', 'no:cacheprovider', {str(probe)!r}]))\n")
    for ci, outcome in (("true", "2 errors"), ("", "2 skipped")):
        env = dict(os.environ, CI=ci)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert done.stdout.splitlines()[-1].startswith(outcome), done.stdout
        reason = f"sandbox tier1 unavailable {'under CI=true' if ci else 'on this host'}: no embedded sandbox " \
                 "tier works here: tier 1: probe run ended sandbox_error: sandbox set-up failed: PermissionError: " \
                 "[Errno 1] unshare: Operation not permitted"
        assert done.stdout.count(reason) >= 2, done.stdout


PRIVATE_PACKAGE = "envsdk_private_only"
WHICH_PYTHON = "import sys\nprint(sys.executable)\n"


@pytest.fixture(scope="module")
def private_python():
    """A caller interpreter the per-run uid of tier 2 cannot reach (a venv inside a 0700 directory, as pyenv
    under /root is), holding a package `PRIVATE_PACKAGE` that no system interpreter has; it sees the
    test interpreter's packages (envsdk, pyseccomp) through a .pth that adds the test interpreter's site
    directories, wherever they are: the base interpreter's own site-packages (what --system-site-packages
    would give) lack them when the tests run in a venv, as the README's do."""
    if os.geteuid() != 0:
        pytest.skip("tier 2 runs programs as a per-run uid only for root callers")
    base = Path("/var/tmp") / f"envsdk-private-{uuid.uuid4().hex[:8]}"
    base.mkdir(mode=0o700)
    venv = base / "venv"
    subprocess.run([os.path.realpath(sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True, timeout=120)
    (site,) = venv.glob("lib/python3*/site-packages")
    (site / f"{PRIVATE_PACKAGE}.py").write_text("VALUE = 1\n")
    # addsitedir, not a bare path: it also runs those directories' .pth files (the editable envsdk install)
    dirs = [d for d in site_module.getsitepackages() + [site_module.getusersitepackages()] if os.path.isdir(d)]
    (site / "envsdk_test_interpreter.pth").write_text(f"import site; list(map(site.addsitedir, {dirs!r}))\n")
    yield str(venv / "bin" / "python")
    subprocess.run(["rm", "-rf", str(base)], check=True)


@pytest.mark.parametrize(("fast", "tier"), [(False, "2"), (True, "2-fast")])
def test_default_sandbox_falls_back_to_a_reachable_interpreter_when_the_callers_is_private(
        private_python, outside_file, fast, tier):
    result = caller_json(f"""
        import json, warnings
        from envsdk_sandbox import Sandbox
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sb = Sandbox(fast={fast})
        with sb:
            run = sb.run({WHICH_PYTHON + OPEN_AND_SOCKET!r}, argv=[{str(outside_file)!r}])
        print(json.dumps({{"tier": sb.tier, "python": sb._impl.python, "warnings": [str(w.message) for w in caught],
                          "run": run.model_dump()}}))
    """, refuse_userns=True, python=private_python)
    chosen = result["python"]
    assert chosen != private_python
    assert chosen.startswith(("/usr/local/bin/python3", "/usr/bin/python3", "/bin/python3"))
    assert result["tier"] == tier
    (fallback,) = [w for w in result["warnings"] if "WEAK tier 2" in w]
    assert fallback.startswith("envsdk sandbox: tier 1: ") and "\n" not in fallback
    assert f") with {chosen} (Python 3." in fallback
    assert f"instead of {private_python} (a parent directory is not searchable by the per-run uid; stdlib only)" \
        in fallback
    assert (result["run"]["status"], result["run"]["tier"]) == ("ok", tier)
    assert result["run"]["stdout"] == f"{chosen}\nopen EACCES\nsocket EAFNOSUPPORT\n"


def test_a_declared_package_the_reachable_interpreter_lacks_is_refused(private_python):
    result = caller_json(f"""
        import json
        from envsdk_sandbox import Sandbox
        from envsdk_sandbox.embedded import SandboxUnavailable
        try:
            Sandbox(packages=[{PRIVATE_PACKAGE!r}])
        except SandboxUnavailable as exc:
            print(json.dumps({{"error": str(exc)}}))
    """, refuse_userns=True, python=private_python)
    tier1, tier2 = result["error"].split("; tier 2: ")
    assert tier1.startswith("no embedded sandbox tier works here: tier 1: ")
    assert tier2.startswith(f"cannot run {private_python} (a parent directory is not searchable by the per-run "
                            "uid), and the reachable ")
    assert f"does not fit: declared package(s) {PRIVATE_PACKAGE} not importable by " in tier2
    assert tier2.endswith("; install them for it or pass python=. Use backend='docker', or tier=3 to run "
                          "WITHOUT isolation.")


def test_an_explicit_python_is_never_replaced(private_python):
    result = caller_json(f"""
        import json
        from envsdk_sandbox import Sandbox
        from envsdk_sandbox.embedded import SandboxUnavailable
        try:
            Sandbox(tier=2, python={private_python!r})
        except SandboxUnavailable as exc:
            print(json.dumps({{"error": str(exc)}}))
    """, python=private_python)
    assert result["error"] == (
        "no embedded sandbox tier works here: tier 2: probe run ended sandbox_error: sandbox set-up failed: "
        f"PermissionError: the sandbox uid cannot execute {private_python} (a parent directory is not "
        "searchable); pass python= an interpreter it can reach. Use backend='docker', or tier=3 to run "
        "WITHOUT isolation.")


# -- 2. caller death kills every run -------------------------------------------------------------

@pytest.mark.parametrize("tier", ["1", "1-fast", "2", "2-fast"])
def test_killing_the_caller_kills_its_sandboxed_program(tier):
    code, tag = tagged("print('ready', flush=True)\nimport time\ntime.sleep(600)\n")
    proc = caller(f"""
        import sys, time
        from envsdk_sandbox import Limits, Sandbox
        sb = Sandbox(tier={tier!r}, python={reachable_python()!r})
        run = sb.spawn({code!r}, limits=Limits(timeout_s=600))
        print(run.stdout.readline().decode().strip(), flush=True)
        time.sleep(600)
    """)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.poll() is not None else ""
        assert len(processes_named(tag)) == 1
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 30
    while processes_named(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_named(tag) == []


# -- 3. rlimits where no cgroup can be written -------------------------------------------------

RLIMITS_OF_RUN = "import resource as r; print(r.getrlimit(r.RLIMIT_AS)[0] >> 20, r.getrlimit(r.RLIMIT_NPROC)[0])"
HOG = "x = bytearray(8 << 30)"
TOUCH = "chunks = []\nfor _ in range(64): chunks.append(bytearray(16 << 20))\nprint('survived')\n"
FORK_BOMB = ("import os\nme, refused = os.getpid(), 0\nfor _ in range(40):\n    try: os.fork()\n"
             "    except OSError: refused += 1\nif os.getpid() == me: print(refused, flush=True)\n")


def test_without_cgroups_rlimits_still_bound_memory_and_processes(account):  # noqa: F811
    """A non-root caller may not create cgroups: memory falls back to RLIMIT_AS, pids to RLIMIT_NPROC."""
    where, hog, touch, bomb = as_user(account, [
        (RLIMITS_OF_RUN, {"timeout_s": 10, "memory_mb": 128, "pids": 16}),
        (HOG, {"timeout_s": 10, "memory_mb": 128}),
        (TOUCH, {"timeout_s": 10, "memory_mb": 96}),
        (FORK_BOMB, {"timeout_s": 10, "pids": 16, "memory_mb": 256}),
    ])
    # set only when no cgroup holds the run: the address space is memory_mb + 256 MiB for the interpreter
    assert (where["status"], where["stdout"]) == ("ok", "384 16\n")
    assert hog["status"] == "memory_exceeded"
    assert touch["status"] == "memory_exceeded" and "survived" not in touch["stdout"]
    assert bomb["status"] == "ok" and int(bomb["stdout"]) > 0  # forks were refused by RLIMIT_NPROC


# -- 4. the 2-fast tier ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast2():
    with Sandbox(tier="2-fast", python=reachable_python()) as sb:
        yield sb


def test_2_fast_is_reported_and_runs(fast2):
    assert (fast2.backend, fast2.tier) == ("embedded", "2-fast")
    res = fast2.run("import sys; print(sys.stdin.read()[::-1])", stdin="abc")
    assert (res.status, res.stdout, res.tier) == ("ok", "cba\n", "2-fast")


def test_2_fast_keeps_files_outside_the_view_and_sockets_out(fast2, outside_file):
    res = fast2.run(OPEN_AND_SOCKET, argv=[str(outside_file)])
    assert res.stdout == "open EACCES\nsocket EAFNOSUPPORT\n"


def test_2_fast_caps_the_work_dir_at_tmpfs_mb(fast2):
    code = ("import errno, os\nfd = os.open('big', os.O_WRONLY | os.O_CREAT)\ntotal = 0\nwhile True:\n"
            "    try:\n        total += os.write(fd, b'x' * (1 << 20))\n    except OSError as exc:\n"
            "        print(total, errno.errorcode[exc.errno]); break\n")
    for mb in (8, 16):
        res = fast2.run(code, limits=Limits(timeout_s=10, tmpfs_mb=mb))
        # the tmpfs holds main.py's one page too: everything else up to exactly tmpfs_mb is written
        assert (res.status, res.stdout) == ("ok", f"{(mb << 20) - 4096} ENOSPC\n")


def test_2_fast_kills_a_program_at_its_timeout(fast2):
    code, tag = tagged("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)\n")
    res = fast2.run(code, limits=Limits(timeout_s=0.75))
    assert res.status == "timeout"
    assert processes_named(tag) == []


def test_2_fast_denies_namespaces_to_the_program(fast2):
    res = fast2.run("import ctypes, errno\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                    "print(libc.unshare(0x10000000), errno.errorcode[ctypes.get_errno()])\n")
    assert res.stdout == f"-1 {errno.errorcode[errno.EPERM]}\n"
