"""First process of every Docker run (sent as `python3 -c` after the text of _linux.py, which
provides `install_seccomp`): reads the payload from stdin, writes the files into /work, runs main.py
as its child under our seccomp filter (stacked on Docker's), and as a child subreaper kills every
process the program left behind before exiting with the program's status (a signal n as 128+n)."""

import base64
import ctypes
import json
import os
import signal
import struct
import sys

PR_SET_CHILD_SUBREAPER = 36


def read_exactly(n):
    out = b""
    while len(out) < n:
        chunk = os.read(0, n - len(out))  # unbuffered: the rest of stdin belongs to the program
        if not chunk:
            raise SystemExit(125)
        out += chunk
    return out


def descendants():
    found, todo = [], [os.getpid()]
    while todo:
        parent = todo.pop()
        for tid in os.listdir(f"/proc/{parent}/task") if os.path.isdir(f"/proc/{parent}/task") else []:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def sweep():
    while True:
        pids = descendants()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0 if pids else os.WNOHANG)
        except ChildProcessError:
            if not pids:
                return


payload = json.loads(read_exactly(struct.unpack("!Q", read_exactly(8))[0]))
for name, data in payload["files"].items():
    path = os.path.normpath(os.path.join("/work", name))
    if not path.startswith("/work/"):
        raise SystemExit(f"file name {name!r} escapes the work dir")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(base64.b64decode(data))
ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
child = os.fork()
if child == 0:
    os.chdir("/work")
    if payload["bpf"]:
        install_seccomp(bytes.fromhex(payload["bpf"]))  # noqa: F821 - defined by _linux.py
    os.execv(sys.executable, [sys.executable, "-E", "-s", "main.py"] + payload["argv"])
_, status = os.waitpid(child, 0)
sweep()
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
