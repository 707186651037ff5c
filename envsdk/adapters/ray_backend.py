"""Verification over a Ray actor pool: the executor's interface, scaled past one machine.

Each actor (one CPU) rebuilds the environment from its EnvSpec and runs a local inline executor, so a
verdict is what the local pool gives. A task (one group, or a chunk of rows) that overruns its
deadline gets timed-out verdicts and its actor is killed and replaced, as the local pool kills a worker.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Callable, Sequence

from ..environment import Environment, EnvSpec
from ..errors import require
from ..executor import Executor, ExecutorConfig
from ..messages import Text
from ..registry import adhoc_factory
from ..verdict import Verdict


class _VerifierActor:
    """Runs on a Ray worker: one environment; CPU-heavy rubrics get one killable worker process per
    actor (so a hung row is flagged by its deadline, as in the local pool), others the actor's loop."""

    def __init__(self, spec: EnvSpec, factory: Callable | None, timeout_s: float):
        from ..registry import rebuild_environment, register_environment

        if factory is not None:  # the actor's own worker pool looks the environment up by name
            register_environment(spec.name, factory)
        self.executor = Executor(rebuild_environment(spec, factory), mode="auto", workers=1, timeout_s=timeout_s)

    async def score(self, rows: list[dict], completions: list[Text], states: list[dict]) -> list[dict]:
        verdicts = await self.executor.score_group(rows, completions, states)
        return [v.model_dump() for v in verdicts]


class RayExecutor(Executor):
    """An `Executor` whose groups run on `num_actors` Ray actors (score_groups / score_rows / the row
    deadline are the local executor's); `BatchScorer(env, executor=RayExecutor(env))` scores through it.

    Connects to a running Ray (or starts one with `ray_init` kwargs); tests start it on loopback:
    `ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2)`.
    """

    def __init__(
        self,
        env: Environment,
        config: ExecutorConfig | None = None,
        *,
        num_actors: int | None = None,
        ray_init: dict[str, Any] | None = None,
        **overrides: Any,
    ):
        self.ray = require("ray", "ray")
        if not self.ray.is_initialized():
            self.ray.init(**(ray_init or {}))
        if env.spec is None:
            raise RuntimeError("Ray actors rebuild the environment from env.spec: load it with envsdk.load_environment")
        super().__init__(env, config, **overrides)
        self._remote = self.ray.remote(num_cpus=1)(_VerifierActor)
        self._args = (env.spec, adhoc_factory(env.spec.name), self.config.timeout_s)
        self._actors = [self._remote.remote(*self._args) for _ in range(num_actors or self.config.workers)]
        self._next = itertools.cycle(range(len(self._actors)))
        self._free = asyncio.Semaphore(len(self._actors))

    async def score_group(
        self, rows: Sequence[dict], completions: Sequence[Text], states: Sequence[dict] | None = None
    ) -> list[Verdict]:
        """Verdicts for one group, scored whole on one actor."""
        states = list(states) if states is not None else [{} for _ in completions]
        async with self._free:
            slot = next(self._next)
            ref = self._actors[slot].score.remote(list(rows), list(completions), states)
            deadline = self.row_deadline_s * max(len(rows), 1) + 30.0  # + actor start-up
            try:
                dumped = await asyncio.wait_for(asyncio.wrap_future(ref.future()), deadline)
            except asyncio.TimeoutError:
                self._replace(slot)
                return [Verdict.from_error(f"verification timed out after {deadline:g}s", timed_out=True)] * len(rows)
            except self.ray.exceptions.RayError as exc:
                self._replace(slot)
                return [Verdict.from_error(f"verification crashed: {type(exc).__name__}: {exc}")] * len(rows)
        return [Verdict.model_validate(d) for d in dumped]

    def _replace(self, slot: int) -> None:
        self.ray.kill(self._actors[slot], no_restart=True)
        self._actors[slot] = self._remote.remote(*self._args)

    async def aclose(self) -> None:
        for actor in self._actors:
            self.ray.kill(actor, no_restart=True)
        self._actors = []
