"""Red team 3 (issue 22): each kind that got through, as a test of its kind, plus the kinds the red team
left to us (non-root callers' own sockets at tier 2, build-time tricks of Go and Rust, cgroup v2).

Socket kinds run on tiers 1, 1-fast, 2, 2-fast and Docker: the only socket a program may make is a
connected AF_UNIX stream pair, and nothing may give a socket an address or a peer."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from envsdk_sandbox import Limits, Sandbox

from .conftest import SECRET, make_sandbox, need_language, tier2_python
from .test_sandbox_nonroot import account, as_user  # noqa: F401 - `account` is a fixture used below

QUICK = Limits(timeout_s=5, memory_mb=256, pids=32)
COMPILE = Limits(timeout_s=60, memory_mb=2048, pids=128, output_bytes=64 << 20, file_size_mb=64, tmpfs_mb=512)
KINDS = ["tier1", "tier1-fast", "tier2", "tier2-fast", "docker"]
_boxes: dict[str, Sandbox] = {}


@pytest.fixture(scope="module", params=KINDS)
def box(request):
    kind = request.param
    if kind not in _boxes:
        if kind == "tier2-fast":
            _boxes[kind] = Sandbox(tier="2-fast", python=tier2_python())
        else:
            _boxes[kind] = make_sandbox(kind)
    yield _boxes[kind]


@pytest.fixture(scope="module", autouse=True)
def _close_boxes():
    yield
    for sandbox in _boxes.values():
        sandbox.close()
    _boxes.clear()


@pytest.fixture
def host_datagram(tmp_path):
    """A world-writable host datagram socket file (as /dev/log is) and an abstract datagram name, both
    listening: a forged log line would arrive here."""
    tmp_path.chmod(0o777)
    for parent in tmp_path.parents:  # pytest's 0700 base would hide it from a dropped uid anyway
        if str(parent).startswith("/tmp/pytest"):
            parent.chmod(0o755)
    path = str(tmp_path / "log")
    abstract = "\0envsdk-log-" + uuid.uuid4().hex
    by_path, by_name = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    by_path.bind(path)
    os.chmod(path, 0o777)
    by_name.bind(abstract)
    for sock in (by_path, by_name):
        sock.setblocking(False)
    yield path, abstract, (by_path, by_name)
    by_path.close()
    by_name.close()


def assert_nothing_arrived(sockets) -> None:
    for sock in sockets:
        with pytest.raises(BlockingIOError):
            sock.recv(64)


PY_PROBE = """import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, fn):
    try:
        fn(); print(name, 'allowed')
    except OSError as e:
        print(name, 'refused', e.errno)
a, b = socket.socketpair()
a.sendall(b'ping'); print('stream pair', b.recv(4).decode())
for kind in ('SOCK_DGRAM', 'SOCK_SEQPACKET'):
    attempt(kind, lambda: socket.socketpair(socket.AF_UNIX, getattr(socket, kind)))
attempt('sendto path', lambda: a.sendto(b'forged', {path!r}))
attempt('sendto abstract', lambda: a.sendto(b'forged', {abstract!r}))
attempt('sendmsg path', lambda: a.sendmsg([b'forged'], [], 0, {path!r}))  # the kernel's refusal: a connected stream
attempt('connect path', lambda: a.connect({path!r}))
attempt('bind abstract', lambda: a.bind({squat!r}))
attempt('listen', lambda: a.listen())
class Unspec(ctypes.Structure):
    _fields_ = [('family', ctypes.c_ushort), ('data', ctypes.c_char * 14)]
def unspec():
    if libc.connect(a.fileno(), ctypes.byref(Unspec(0)), ctypes.sizeof(Unspec)) != 0:
        raise OSError(ctypes.get_errno(), 'connect(AF_UNSPEC)')
attempt('connect unspec', unspec)
a.sendall(b'pong'); print('still paired', b.recv(4).decode())
"""


def test_only_stream_socketpairs_and_no_addressing_from_python(box, host_datagram):  # red team 3, item 1
    path, abstract, sockets = host_datagram
    squat = "\0envsdk-squat-" + uuid.uuid4().hex
    res = box.run(PY_PROBE.format(path=path, abstract=abstract, squat=squat), limits=QUICK)
    lines = res.stdout.splitlines()
    assert res.status == "ok" and lines[0] == "stream pair ping" and lines[-1] == "still paired pong", res
    refused = [line.split()[:-1] for line in lines[1:-1]]
    assert all(r[-1] == "refused" for r in refused) and len(refused) == 9, res.stdout
    assert_nothing_arrived(sockets)
    with socket.socket(socket.AF_UNIX) as owner:
        owner.bind(squat)  # the abstract name is still free for its owner


CPP_PROBE = r"""#include <cstddef>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
static void report(const char* name, long rc) { std::printf("%s %s\n", name, rc < 0 ? "refused" : "allowed"); }
static socklen_t address(sockaddr_un* a, const char* name, size_t n) {
  std::memset(a, 0, sizeof *a); a->sun_family = AF_UNIX; std::memcpy(a->sun_path, name, n);
  return offsetof(sockaddr_un, sun_path) + n;
}
int main() {
  int sv[2];
  long rc = syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  std::printf("stream %s\n", rc == 0 && write(sv[0], "x", 1) == 1 ? "ok" : "broken");
  int dg[2];
  report("dgram", syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, dg));
  report("dgram-high-bits", syscall(SYS_socketpair, AF_UNIX, (1L << 32) | SOCK_DGRAM, 0, dg));
  report("seqpacket", syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, dg));
  report("inet", syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, dg));
  sockaddr_un a; socklen_t n;
  n = address(&a, PATH, sizeof PATH - 1);
  report("sendto-path", syscall(SYS_sendto, sv[0], "forged", 6, 0, &a, n));
  report("connect-path", syscall(SYS_connect, sv[0], &a, n));
  iovec part = {const_cast<char*>("forged"), 6};
  msghdr named = {}; named.msg_name = &a; named.msg_namelen = n; named.msg_iov = &part; named.msg_iovlen = 1;
  report("sendmsg-path", syscall(SYS_sendmsg, sv[0], &named, 0));
  n = address(&a, ABSTRACT, sizeof ABSTRACT - 1);
  report("sendto-abstract", syscall(SYS_sendto, sv[0], "forged", 6, 0, &a, n));
  n = address(&a, SQUAT, sizeof SQUAT - 1);
  report("bind-abstract", syscall(SYS_bind, sv[0], &a, n));
  report("listen", syscall(SYS_listen, sv[0], 1));
  report("accept4", syscall(SYS_accept4, sv[0], nullptr, nullptr, 0));
  sockaddr unspec; std::memset(&unspec, 0, sizeof unspec);
  report("connect-unspec", syscall(SYS_connect, sv[0], &unspec, sizeof unspec));
  char c; std::printf("still %s\n", read(sv[1], &c, 1) == 1 && c == 'x' ? "paired" : "broken");
}
"""


def _c_string(text: str) -> str:
    return '"' + "".join(f"\\x{b:02x}" for b in text.encode()) + '"'


def test_only_stream_socketpairs_and_no_addressing_by_raw_syscall(box, host_datagram):  # red team 3, item 1
    need_language("cpp")
    path, abstract, sockets = host_datagram
    squat = "\0envsdk-squat-" + uuid.uuid4().hex
    defines = "".join(f"#define {name} {_c_string(value)}\n"
                      for name, value in (("PATH", path), ("ABSTRACT", abstract), ("SQUAT", squat)))
    res = box.run(defines + CPP_PROBE, language="cpp", limits=QUICK, compile_limits=COMPILE)
    lines = res.stdout.splitlines()
    assert res.status == "ok" and lines[0] == "stream ok" and lines[-1] == "still paired", res
    assert [line.split()[1] for line in lines[1:-1]] == ["refused"] * 12, res.stdout
    assert_nothing_arrived(sockets)
    with socket.socket(socket.AF_UNIX) as owner:
        owner.bind(squat)


def test_multiprocessing_pipes_still_work(box):  # what item 1 must keep: stream pairs and their fd passing
    code = ("import multiprocessing as mp, socket, array\na, b = mp.Pipe()\na.send({'k': [1, 2]}); print(b.recv())\n"
            "x, y = socket.socketpair()\nsocket.send_fds(x, [b'fd'], [1]); msg, fds, _, _ = socket.recv_fds(y, 2, 1)\n"
            "print(msg.decode(), len(fds))\n")
    res = box.run(code, limits=QUICK)
    assert (res.status, res.stdout) == ("ok", "{'k': [1, 2]}\nfd 1\n"), res


# ---- the build cache (items 2-4) ------------------------------------------------------------------
SUM_CPP = '#include <iostream>\nint main(){long long a,b; std::cin>>a>>b; std::cout<<a+b<<"\\n";}\n'
# 165 bytes that make g++ print ~46 MB of errors (this one: an eighth of that, ~6 MB)
ERROR_BOMB = ("#define A 1=1;1=1;1=1;1=1;1=1;1=1;1=1;1=1;\n#define B A A A A A A A A\n#define C B B B B B B B B\n"
              "#define D C C C C C C C C\nint main(){ D D }\n")
BIG_BINARY = '#include <cstdio>\nchar big[8 << 20] = {1};  // external: kept whole in the binary\nint main(){ std::printf("%d\\n", big[0] + big[{last}]); }\n'


def test_a_limit_induced_build_failure_never_reaches_another_caller(box):  # red team 3, item 2
    need_language("cpp")
    source = SUM_CPP + f"// {uuid.uuid4().hex}\n"

    def run(**limits):
        return box.run(source, stdin="1 2", language="cpp", limits=QUICK,
                       compile_limits=COMPILE.model_copy(update=limits))

    assert run(timeout_s=0.01).status == "timeout"
    assert run(memory_mb=8).status != "ok"  # the launcher alone needs more
    fresh = run()
    assert (fresh.status, fresh.stdout) == ("ok", "3\n") and fresh.compile_result.status == "ok", fresh
    # a success is kept and serves any compile time limit (time decides only whether a build finishes) ...
    cached = run(timeout_s=0.01)
    assert (cached.status, cached.stdout, cached.compile_result) == ("ok", "3\n", None), cached
    # ... but every other limit is part of the key: a tighter one builds (and fails) for itself
    assert run(memory_mb=8).status != "ok"


def test_compiler_output_is_capped_at_the_compile_steps_output_limit(box):  # red team 3, item 3
    need_language("cpp")
    res = box.run(ERROR_BOMB, language="cpp", limits=QUICK, compile_limits=COMPILE.model_copy(update={"output_bytes": 64 << 10}))
    assert res.status == "compile_error" and res.compile_result.stdout == "", res.status
    assert len(res.stderr) <= (64 << 10) + 200 and "more bytes of compiler output dropped" in res.stderr, len(res.stderr)
    assert res.compile_result.stderr == res.stderr


def test_the_build_store_is_bounded_in_bytes_on_disk(tmp_path):  # red team 3, item 3
    from envsdk_sandbox.languages import BuildStore

    store = BuildStore(budget_bytes=10, max_builds=8)
    store.put("a", {"main": b"1234"})
    store.put("b", {"main": b"123456"})
    store.get("a")  # "a" is now the most recently used: "b" goes first
    store.put("c", {"Main.class": b"12345", "Main$1.class": b""})
    assert (store.get("b"), store.get("a"), store.get("c")) == (None, {"main": b"1234"}, {"Main.class": b"12345", "Main$1.class": b""})
    on_disk = sum(p.stat().st_size for p in Path(store.directory).rglob("*") if p.is_file())
    assert (store.bytes, on_disk, len(store)) == (9, 9, 2)
    store.put("huge", {"main": bytes(11)})  # larger than the whole budget: never kept
    assert store.get("huge") is None and store.bytes == 9
    counted = BuildStore(budget_bytes=1 << 20, max_builds=2)
    for key in "xyz":
        counted.put(key, {"main": key.encode()})
    assert (counted.get("x"), len(counted)) == (None, 2)


def test_built_files_live_on_disk_within_the_budget(box):  # red team 3, item 3 (a 40 MB array per source)
    need_language("cpp")
    store = box._builds.store  # the Sandbox's own cache (private: no public handle on purpose)
    before = store.bytes
    res = box.run(BIG_BINARY.replace("{last}", str((8 << 20) - 1)) + f"// {uuid.uuid4().hex}\n", language="cpp",
                  limits=QUICK, compile_limits=COMPILE)
    assert (res.status, res.stdout) == ("ok", "1\n") and res.compile_result.stdout == "", res
    assert store.bytes - before >= 8 << 20 and store.bytes <= store.budget_bytes
    on_disk = sum(p.stat().st_size for p in Path(store.directory).rglob("*") if p.is_file())
    assert on_disk == store.bytes


def test_a_build_over_the_file_limit_is_the_candidates_compile_error(box):  # red team 3, items 3-4 (40 MB arrays)
    from envsdk_sandbox.languages import ARTIFACT_BYTES

    need_language("cpp")
    huge = BIG_BINARY.replace("8 << 20", "20 << 20").replace("{last}", "1")
    res = box.run(huge, language="cpp", limits=QUICK, compile_limits=COMPILE)
    assert res.status == "compile_error" and f"over the {ARTIFACT_BYTES}-byte limit" in res.stderr, res


@pytest.fixture(scope="module")
def server_url():
    from envsdk_sandbox.server import Ceilings, create_app

    from .test_sandbox_server import _start

    with Sandbox(tier="1-fast") as sandbox:
        server, thread, url = _start(create_app(sandbox, ceilings=Ceilings(output_bytes=256 << 10)))
        yield url
        server.should_exit = True
        thread.join()


def test_run_code_clients_cannot_poison_each_others_builds(server_url):  # red team 3, item 2 (server)
    import httpx

    need_language("cpp")
    body = {"code": SUM_CPP + f"// {uuid.uuid4().hex}\n", "language": "cpp", "stdin": "20 22", "run_timeout": 5}
    starved = httpx.post(f"{server_url}/run_code", json={**body, "compile_timeout": 0.01}, timeout=60).json()
    assert starved["compile_result"]["status"] == "TimeLimitExceeded" and starved["run_result"] is None, starved
    later = httpx.post(f"{server_url}/run_code", json={**body, "compile_timeout": 30}, timeout=60).json()
    assert later["status"] == "Success" and later["run_result"]["stdout"] == "42\n", later


def test_run_code_compile_steps_obey_the_output_ceiling(server_url):  # red team 3, item 4
    import httpx

    need_language("cpp")
    big = {"code": BIG_BINARY.replace("{last}", "1") + f"// {uuid.uuid4().hex}\n", "language": "cpp",
           "compile_timeout": 30}
    res = httpx.post(f"{server_url}/run_code", json=big, timeout=60)
    assert res.json()["status"] == "Success" and len(res.content) < 16 << 10, len(res.content)  # built files are not output
    bomb = httpx.post(f"{server_url}/run_code", json={"code": ERROR_BOMB, "language": "cpp", "compile_timeout": 30},
                      timeout=60)
    compiled = bomb.json()["compile_result"]
    assert bomb.json()["status"] == "Failed" and len(compiled["stderr"]) <= (256 << 10) + 200
    assert len(bomb.content) < 300 << 10, len(bomb.content)


# ---- build-time tricks (Go cgo, Rust): a build sees what a run sees, and leaves nothing but a result ----
BUILD_KINDS = ["tier1-fast", "tier2-fast", "docker"]
TRICKS = {  # language, source, and each status the candidate may get -> text its output then holds
    "cgo_includes_a_host_file": ("go", 'package main\n// #include "/etc/shadow"\nimport "C"\nfunc main() {}\n',
                                 {"compile_error": "/etc/shadow"}),
    "cgo_loads_a_compiler_plugin": ("go", 'package main\n// #cgo CFLAGS: -fplugin=/usr/lib/x.so\n// int one() { return 1; }\n'
                                          'import "C"\nfunc main() { println(C.one()) }\n', {"compile_error": "invalid flag"}),
    "go_fetches_a_module": ("go", 'package main\nimport "github.com/pkg/errors"\nfunc main() { _ = errors.New("x") }\n',
                            {"compile_error": "github.com/pkg/errors"}),
    "rust_includes_a_host_file": ("rust", 'fn main() { print!("{}", include_str!("/etc/shadow")); }\n',
                                  {"compile_error": "/etc/shadow"}),
    # the compiler's environment is the run's minimal one (tier 2's Landlock refuses the file outright)
    "rust_embeds_the_compilers_environment": ("rust", 'fn main() { print!("{}", include_str!("/proc/self/environ")); }\n',
                                              {"ok": "HOME=/work", "compile_error": "/proc/self/environ"}),
    "java_leaves_no_class_to_run": ("java", "// no class at all\n", {"compile_error": "left no file to run"}),
}


@pytest.fixture(scope="module", params=BUILD_KINDS)
def build_box(request):
    if request.param not in _boxes:
        _boxes[request.param] = (Sandbox(tier="2-fast", python=tier2_python()) if request.param == "tier2-fast"
                                 else make_sandbox(request.param))
    return _boxes[request.param]


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_build_time_tricks_see_only_the_view_and_fail_as_the_candidate(build_box, trick):  # not tried by the red team
    language, source, outcomes = TRICKS[trick]
    need_language(language)
    res = build_box.run(source, language=language, limits=QUICK, compile_limits=COMPILE)
    assert res.status in outcomes and outcomes[res.status] in res.stdout + res.stderr, (res.status, res.stderr[-600:])
    seen = res.stdout + res.stderr
    assert SECRET not in seen and "ENVSDK" not in seen and "root:" not in seen  # no caller env, no shadow entry


def test_a_library_build_is_the_candidates_failure(build_box):  # a crate type without a program to run
    need_language("rust")
    res = build_box.run('#![crate_type = "cdylib"]\n#[no_mangle] pub extern "C" fn f() {}\n', language="rust",
                        limits=QUICK, compile_limits=COMPILE)
    assert res.status in ("error", "killed", "compile_error"), res


# ---- non-root callers at tier 2: the program keeps the caller's uid, so its own sockets are the target ----
OWN_SOCKETS_PROBE = """import os, socket, stat
def attempt(name, fn):
    try:
        fn(); print(name, 'allowed')
    except OSError as e:
        print(name, 'refused', e.errno)
def is_socket(fd):
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
print('inherited sockets', [fd for fd in range(3, 1024) if is_socket(fd)])
a, b = socket.socketpair()
attempt('socket stream', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
attempt('socket dgram', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
attempt('dgram pair', lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
attempt('connect own path', lambda: a.connect({stream!r}))
attempt('sendto own log', lambda: a.sendto(b'forged', {dgram!r}))
attempt('sendto own abstract', lambda: a.sendto(b'forged', {abstract!r}))
attempt('bind own abstract name', lambda: a.bind({abstract_stream!r}))
opened = 0
for pid in range(1, os.getpid() + 4096):  # /proc itself may not be listable: try every pid up to past ours
    try:
        fds = os.listdir(f'/proc/{{pid}}/fd') if pid != os.getpid() else []
    except OSError:
        fds = []
    for fd in fds:
        try:
            os.close(os.open(f'/proc/{{pid}}/fd/{{fd}}', os.O_RDWR)); opened += 1
        except OSError:
            pass
print('descriptors reopened through other processes', opened)
"""


@pytest.fixture
def own_sockets(account):
    """The throwaway user's own sockets: a stream and a datagram socket file in its 0700 directory,
    abstract stream and datagram names, and a socket its process holds, marked inheritable."""
    base = Path("/var/tmp") / f"envsdk-own-sock-{uuid.uuid4().hex[:8]}"
    base.mkdir(mode=0o700)
    os.chown(base, account.user.pw_uid, account.user.pw_gid)
    names = {"stream": str(base / "agent.sock"), "dgram": str(base / "log"),
             "abstract": "\0envsdk-own-" + uuid.uuid4().hex, "abstract_stream": "\0envsdk-own-s-" + uuid.uuid4().hex}
    made = []
    for name, kind in (("stream", socket.SOCK_STREAM), ("dgram", socket.SOCK_DGRAM), ("abstract", socket.SOCK_DGRAM),
                       ("abstract_stream", socket.SOCK_STREAM)):
        sock = socket.socket(socket.AF_UNIX, kind)
        sock.bind(names[name])
        if not names[name].startswith("\0"):
            os.chown(names[name], account.user.pw_uid, account.user.pw_gid)
            os.chmod(names[name], 0o600)
        if kind == socket.SOCK_STREAM:
            sock.listen()
        sock.setblocking(False)
        made.append(sock)
    held, other_end = socket.socketpair()
    held.set_inheritable(True)  # as_user forks this process: the caller holds it
    yield names, made
    for sock in (*made, held, other_end):
        sock.close()
    for path in base.iterdir():
        path.unlink()
    base.rmdir()


def test_a_non_root_callers_own_sockets_are_out_of_reach_at_tier_2(account, own_sockets):  # not tried by the red team
    names, listeners = own_sockets
    (res,) = as_user(account, [(OWN_SOCKETS_PROBE.format(**names), {"timeout_s": 10})])
    lines = res["stdout"].splitlines()
    assert res["status"] == "ok" and res["who"] != 0 and lines[0] == "inherited sockets []", res
    assert [line.rsplit(" ", 2)[1] for line in lines[1:-1]] == ["refused"] * 7, res["stdout"]
    assert lines[-1] == "descriptors reopened through other processes 0", res["stdout"]
    assert_nothing_arrived(listeners[1:3])
    for listener in (listeners[0], listeners[3]):
        with pytest.raises(BlockingIOError):
            listener.accept()
