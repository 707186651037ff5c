"""Real scale-out parts on loopback: `envsdk sandbox serve` processes and a Ray cluster started with
`ray start` (a head plus nodes, each with its own raylet), with token auth as Ray 2.60 wants it.

Everything started here is found again by what it holds, never by name (Ray's processes rename
themselves): a server by its PID, a Ray process by the cluster's own token in its environment (Ray's
workers start their own sessions, so a process group misses them). `ray stop` is never used: it ends
every Ray process of the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
ENVSDK = str(Path(sys.executable).with_name("envsdk"))
RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout_s:g}s waiting for {what}")


# ---- sandbox servers ---------------------------------------------------------------------------
@dataclass
class SandboxServer:
    """One `envsdk sandbox serve` process on 127.0.0.1 in its own session (its sandboxes with it)."""

    proc: subprocess.Popen
    url: str

    @classmethod
    def start(cls, *, env: dict[str, str] | None = None, extra: list[str] = ()) -> "SandboxServer":
        port = free_port()
        proc = subprocess.Popen([ENVSDK, "sandbox", "serve", "--port", str(port), *extra], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        server = cls(proc, f"http://127.0.0.1:{port}")

        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"sandbox server exited: {proc.stderr.read().decode()[-500:]}")
            try:
                return httpx.get(server.url + "/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(up, 60, f"the sandbox server on port {port}")
        return server

    def kill(self) -> None:
        """SIGKILL the server and everything in its session (its running sandboxes)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()

    def busy(self) -> bool:
        """Is a sandboxed program of this server running right now (a process below the server)?"""
        import psutil

        try:
            return bool(psutil.Process(self.proc.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            return False


# ---- Ray -------------------------------------------------------------------------------------------
@dataclass
class RayNode:
    session: subprocess.CompletedProcess
    node_manager_port: int


@dataclass
class LoopbackRay:
    """A Ray head (`ray start --head`) on 127.0.0.1; `add_node` starts another raylet that joins it."""

    tmp: Path
    head_cpus: int = 2
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    address: str = ""
    nodes: list[RayNode] = field(default_factory=list)
    temp: str = ""

    @property
    def env(self) -> dict[str, str]:
        """What every process of this cluster (and its drivers) runs with: token auth on, our token; a
        node is declared dead about 2 s after its raylet stops answering (Ray's default is ~15 s)."""
        return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token,
                "RAY_USAGE_STATS_ENABLED": "0", "RAY_health_check_period_ms": "500",
                "RAY_health_check_timeout_ms": "1000", "RAY_health_check_failure_threshold": "3",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}

    def _ray_start(self, args: list[str]) -> subprocess.CompletedProcess:
        done = subprocess.run([RAY, "start", *args, "--disable-usage-stats"], env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=180, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"ray start {' '.join(args)} failed: {(done.stderr or done.stdout)[-800:]}")
        return done

    def start(self) -> "LoopbackRay":
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self.nodes.append(RayNode(self._ray_start([
            "--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", str(self.head_cpus),
            "--include-dashboard", "false", "--ray-client-server-port", str(free_port()),
            "--dashboard-agent-listen-port", str(free_port()), "--object-store-memory", str(80 << 20),
            "--temp-dir", self._temp_dir()]), 0))
        return self

    def _temp_dir(self) -> str:
        """Ray's session dir: short, since its socket paths must fit in 107 bytes."""
        self.temp = tempfile.mkdtemp(prefix="envsdk-ray-", dir="/tmp")
        return self.temp

    def add_node(self, cpus: int = 1) -> RayNode:
        port = free_port()
        node = RayNode(self._ray_start([
            "--address", self.address, "--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus),
            "--node-manager-port", str(port), "--dashboard-agent-listen-port", str(free_port()),
            "--object-store-memory", str(80 << 20)]), port)
        self.nodes.append(node)
        return node

    def processes(self) -> list:
        """Every live process of this cluster (psutil.Process objects): it carries the cluster's token in
        its environment, or works in the directory `ray start` ran in. The environment is read raw, and
        the directory covers what that misses: a Ray process that renames itself overwrites its
        environment block, in part or whole."""
        import psutil

        marker = f"RAY_AUTH_TOKEN={self.token}\0".encode()
        home = str(self.tmp.resolve())
        mine = []
        for pid in psutil.pids():
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    if marker not in fh.read() and os.readlink(f"/proc/{pid}/cwd") != home:
                        continue
                proc = psutil.Process(pid)
                if proc.status() != psutil.STATUS_ZOMBIE:
                    mine.append(proc)
            except (OSError, psutil.Error):
                continue
        return mine

    def raylet_pid(self, node: RayNode) -> int:
        """The raylet of `node`, by the node-manager port it was started with."""
        flag = f"--node_manager_port={node.node_manager_port}"
        for proc in self.processes():
            try:
                cmdline = proc.cmdline()
            except Exception:
                continue
            if cmdline and cmdline[0].endswith("/raylet") and flag in cmdline:
                return proc.pid
        raise RuntimeError(f"no raylet with {flag}")

    def kill_node(self, node: RayNode) -> None:
        """Simulate the loss of a machine: SIGKILL its raylet and the worker processes it started (a
        raylet killed alone leaves its running actors serving until the head declares the node dead)."""
        import psutil

        raylet = psutil.Process(self.raylet_pid(node))
        doomed = [raylet, *raylet.children(recursive=True)]
        for proc in doomed:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass

    def node_ids(self) -> dict[int, str]:
        """node-manager port -> Ray node id, from the raylets' own logs of this session (no driver needed)."""
        out = {}
        for proc in self.processes():
            try:
                cmdline = proc.cmdline()
            except Exception:
                continue
            if cmdline and cmdline[0].endswith("/raylet"):
                args = dict(a.removeprefix("--").split("=", 1) for a in cmdline[1:] if "=" in a)
                out[int(args.get("node_manager_port", 0))] = args.get("node_id", "")
        return out

    def close(self) -> None:
        """SIGKILL every process of this cluster (and only those), then remove its session dir."""
        for proc in self.processes():
            try:
                proc.kill()
            except Exception:
                pass
        if self.temp:
            shutil.rmtree(self.temp, ignore_errors=True)
