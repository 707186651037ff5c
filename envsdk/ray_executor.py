"""Verification over a Ray actor pool: the executor's interface, on one machine or a cluster of them.

Each actor (one CPU) rebuilds the environment from its EnvSpec and runs a local executor, so a verdict is
what the local pool gives. Actors are spread over the cluster's nodes. A task (one group, or a chunk of
rows) whose actor dies (its node went down, its process was killed) is not the rows' fault: the actor is
replaced and the task runs again on a live actor, until the task's deadline; only then are its rows
flagged. A task that overruns its deadline gets timed-out verdicts and its actor is replaced, as the local
pool kills a worker.

`connect(address)` joins an existing cluster, and turns an unreachable address, a refused token or a Ray
version that differs from the cluster's into one `EnvsdkError` line, checked by a probe in a child process
(so neither a hang nor a crash in Ray's client can reach the caller) before `ray.init`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from .environment import Environment, EnvSpec
from .errors import EnvsdkError, require
from .executor import Executor, ExecutorConfig
from .messages import Text
from .registry import adhoc_factory
from .verdict import Verdict

PROBE_TIMEOUT_S = 60.0
ACTOR_START_S = 60.0  # a fresh actor's start (process, imports, the environment) on a busy node
RETRY_BACKOFF_S = (0.5, 1.0, 2.0, 4.0)

# Runs in a child process: reach the cluster's GCS, then compare its Ray and Python versions with ours.
_PROBE = r"""
import json, sys
from ray._raylet import GcsClient
from ray._private import utils
try:
    from ray._common.usage import usage_lib
except ImportError:  # Ray before 2.4x
    from ray._private.usage import usage_lib

def say(kind, why=""):
    print(json.dumps({"kind": kind, "why": why}), flush=True)
    sys.exit(0)

try:
    metadata = usage_lib.get_cluster_metadata(GcsClient(address=sys.argv[1]))
except Exception as exc:
    say("auth" if type(exc).__name__ == "AuthenticationError" else "connect", str(exc))
try:
    utils.check_version_info(metadata, "envsdk", raise_on_mismatch=True)
except Exception:
    import platform, ray
    say("version", f"the cluster runs Ray {metadata.get('ray_version')} on Python {metadata.get('python_version')}, "
                   f"this machine Ray {ray.__version__} on Python {platform.python_version()}")
say("ok")
"""


def _first_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.strip().split("\n")[0].split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _split(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise EnvsdkError(f"--ray-address must be HOST:PORT (the head's GCS port, 6379 by default), not {address!r}")
    return host.strip("[]"), int(port)


def probe(address: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Raise EnvsdkError (one line) unless a Ray cluster at HOST:PORT accepts us: it answers, our token
    is accepted, and its Ray and Python versions are ours."""
    host, port = _split(address)
    try:
        socket.create_connection((host, port), timeout=min(5.0, timeout_s)).close()
    except OSError as exc:
        raise EnvsdkError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc} "
                          "(is `ray start --head` running there, and is the port open?)") from None
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, f"{host}:{port}"], capture_output=True, text=True,
                              timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EnvsdkError(f"the Ray cluster at {address} did not answer within {timeout_s:g}s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise EnvsdkError(f"{address} does not answer as a Ray cluster's GCS (the probe ended with exit code "
                          f"{done.returncode}: {_first_line(done.stderr.splitlines()[-1] if done.stderr else '')})")
    answer = json.loads(lines[-1])
    kind, why = answer["kind"], _first_line(answer["why"])
    if kind == "auth":
        why = why.split(". ")[0]  # Ray's own help text follows the first sentence
        raise EnvsdkError(f"the Ray cluster at {address} refused our token ({why}); give the cluster's token in "
                          "RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH and set RAY_AUTH_MODE=token")
    if kind == "version":
        raise EnvsdkError(f"the Ray cluster at {address} runs another Ray or Python version: {why} (install the "
                          "cluster's versions here, or connect from a node of the cluster)")
    if kind != "ok":
        raise EnvsdkError(f"cannot join the Ray cluster at {address}: {why}")


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Ray's C++ client writes warnings on fd 2 while it connects: keep them off the user's terminal
    (the error, if any, is raised as one line)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def connect(address: str | None = None, **ray_init: Any) -> Any:
    """The `ray` module, connected: to the cluster at `address` (probed first), else to a running Ray or a
    new local one started with `ray_init` kwargs."""
    ray = require("ray", "ray")
    if ray.is_initialized():
        return ray
    if address is None:
        ray.init(**ray_init)
        return ray
    probe(address)
    try:
        with _quiet_stderr():
            ray.init(address=address, log_to_driver=False, **ray_init)
    except Exception as exc:  # whatever Ray raises, the user gets one line
        raise EnvsdkError(f"cannot join the Ray cluster at {address}: {_first_line(str(exc))}") from None
    return ray


class _VerifierActor:
    """Runs on a Ray worker: one environment; CPU-heavy rubrics get one killable worker process per
    actor (so a hung row is flagged by its deadline, as in the local pool), others the actor's loop."""

    def __init__(self, spec: EnvSpec, factory: Callable | None, timeout_s: float):
        from .registry import rebuild_environment, register_environment

        if factory is not None:  # the actor's own worker pool looks the environment up by name
            register_environment(spec.name, factory)
        self.executor = Executor(rebuild_environment(spec, factory), mode="auto", workers=1, timeout_s=timeout_s)

    def ready(self) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()

    async def score(self, rows: list[dict], completions: list[Text], states: list[dict]) -> list[dict]:
        verdicts = await self.executor.score_group(rows, completions, states)
        return [v.model_dump() for v in verdicts]


class RayExecutor(Executor):
    """An `Executor` whose groups run on `num_actors` Ray actors spread over the cluster's nodes
    (score_rows / the row deadline are the local executor's);
    `BatchScorer(env, executor=RayExecutor(env))` scores through it.

    `address`: an existing cluster's HOST:PORT (`envsdk ... --ray-address`); without it, a running Ray
    or a new local one (`ray_init` kwargs; tests: `ray.init(_node_ip_address="127.0.0.1", num_cpus=2)`).
    """

    def __init__(
        self,
        env: Environment,
        config: ExecutorConfig | None = None,
        *,
        num_actors: int | None = None,
        address: str | None = None,
        ray_init: dict[str, Any] | None = None,
        **overrides: Any,
    ):
        if env.spec is None:
            raise RuntimeError("Ray actors rebuild the environment from env.spec: load it with envsdk.load_environment")
        self.ray = connect(address, **(ray_init or {}))
        super().__init__(env, config, **overrides)
        self._remote = self.ray.remote(num_cpus=1, scheduling_strategy="SPREAD")(_VerifierActor)
        self._args = (env.spec, adhoc_factory(env.spec.name), self.config.timeout_s)
        self._actors = [self._remote.remote(*self._args) for _ in range(num_actors or self.config.workers)]
        self._idle: asyncio.Queue[int] | None = None
        self.retried = 0  # tasks run again because their actor died (a node lost, a killed process)

    def _slots(self) -> asyncio.Queue[int]:
        if self._idle is None:  # made on first use, inside the caller's event loop
            self._idle = asyncio.Queue()
            for slot in range(len(self._actors)):
                self._idle.put_nowait(slot)
        return self._idle

    async def score_group(
        self, rows: Sequence[dict], completions: Sequence[Text], states: Sequence[dict] | None = None
    ) -> list[Verdict]:
        """Verdicts for one group, scored whole on one actor; run again on another actor when its actor dies."""
        states = list(states) if states is not None else [{} for _ in completions]
        work = self.row_deadline_s * max(len(rows), 1)
        give_up = time.monotonic() + work + ACTOR_START_S
        idle = self._slots()
        for attempt in itertools.count():
            slot = await idle.get()
            try:
                ref = self._actors[slot].score.remote(list(rows), list(completions), states)
                left = give_up - time.monotonic()
                try:
                    dumped = await asyncio.wait_for(asyncio.wrap_future(ref.future()), max(left, 1.0))
                except asyncio.TimeoutError:
                    self._replace(slot)
                    return [Verdict.from_error(f"verification timed out after {work:g}s", timed_out=True,
                                               duration_s=work) for _ in rows]
                except self.ray.exceptions.RayError as exc:
                    self._replace(slot)
                    if time.monotonic() + ACTOR_START_S / 4 >= give_up:
                        why = f"{type(exc).__name__}: {_first_line(str(exc), 200)}"
                        return [Verdict.from_error(f"verification crashed: the Ray actor died {attempt + 1} times; "
                                                   f"last: {why}") for _ in rows]
                    self.retried += 1
                    await asyncio.sleep(RETRY_BACKOFF_S[min(attempt, len(RETRY_BACKOFF_S) - 1)])
                    continue
                return [Verdict.model_validate(d) for d in dumped]
            finally:
                idle.put_nowait(slot)
        raise AssertionError("unreachable")

    def _replace(self, slot: int) -> None:
        try:
            self.ray.kill(self._actors[slot], no_restart=True)
        except Exception:  # already dead with its node: nothing left to kill
            pass
        self._actors[slot] = self._remote.remote(*self._args)

    async def aclose(self) -> None:
        for actor in self._actors:
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:
                pass
        self._actors = []

