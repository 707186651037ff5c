"""An envsdk environment as a verifiers (0.4, `verifiers.v1`) taskset: `--env.taskset.id envsdk.interop.verifiers_taskset`.

    vf-eval envsdk.interop.verifiers_taskset --env.taskset.env toy-echo --env.taskset.env_args '{"size": 5}'

Each envsdk row becomes a task (`prompt`, `system_prompt`, `id`; the whole row rides in `row`). The task's
one reward, `envsdk`, is the environment's rubric on the trace's final reply, scored through the spine
(`envsdk.scoring.BatchScorer`, inline executor: same row validation and verdicts as `envsdk verify`), and its
components are recorded as verifiers metrics (`envsdk/<component>`), zero-weight ones included. Multi-turn and tool
environments do not map: their loop and tools stay in envsdk (verifiers' harness would run the model).
"""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Any, Iterator

from ..environment import Environment
from ..executor import ExecutorConfig
from ..messages import as_messages, is_messages
from ..multiturn import MultiTurnEnv
from ..registry import load_environment
from ..scoring import BatchScorer
from ..verdict import Verdict
from ._verifiers_trace import scoring_trace, vf

v1 = vf()

__all__ = ["EnvsdkTaskset"]


class EnvsdkTasksetConfig(v1.TasksetConfig):
    """Which envsdk environment, its `load_environment` kwargs, and the split to load."""

    env: str = "toy-echo"
    env_args: dict[str, Any] = {}
    split: str = "train"


class EnvsdkData(v1.TaskData):
    """The envsdk row (everything its rubric reads) and the environment that scores it."""

    row: dict[str, Any]
    env: str
    env_args: dict[str, Any] = {}


@lru_cache(maxsize=16)
def _environment(name: str, args_json: str) -> Environment:
    env = load_environment(name, **json.loads(args_json))
    if isinstance(env, MultiTurnEnv):
        raise ValueError(f"environment {name!r} is multi-turn: only single-turn environments map to a verifiers task")
    return env


@lru_cache(maxsize=16)
def _scorer(name: str, args_json: str) -> BatchScorer:
    """The spine's scorer for one environment, run inline (verifiers drives its own event loop and processes)."""
    return BatchScorer(_environment(name, args_json), executor=ExecutorConfig(mode="inline"))


class EnvsdkTask(v1.Task[EnvsdkData]):
    """A task scored by its envsdk environment's rubric."""

    @property
    def key(self) -> str:
        return f"{self.data.env}/{self.data.row['id']}"

    @v1.metric
    async def envsdk_components(self, task: EnvsdkData, trace) -> dict[str, float]:
        """The rubric's components (zero-weight metrics included), as `envsdk/<name>` metrics."""
        verdict = await _verdict(task, trace)
        return {f"envsdk/{name}": value for name, value in verdict.components.items()}

    @v1.reward
    async def envsdk(self, task: EnvsdkData, trace) -> float:
        """The rubric's total reward; a verifier that crashed scores 0 and says why in `trace.info`."""
        return (await _verdict(task, trace)).reward


async def _verdict(task: EnvsdkData, trace):
    """Score once per trace; the verdict is kept in `trace.info["envsdk_verdict"]`."""
    if "envsdk_verdict" not in trace.info:
        scorer = _scorer(task.env, json.dumps(task.env_args, sort_keys=True))
        scored = await scorer.score([task.row], [task.row.get("prompt")], [trace.last_reply], transform=False)
        trace.info["envsdk_verdict"] = scored.verdicts[0].model_dump()
    return Verdict.model_validate(trace.info["envsdk_verdict"])


class EnvsdkTaskset(v1.Taskset[EnvsdkTask, EnvsdkTasksetConfig]):
    """The rows of an envsdk environment as verifiers tasks."""

    def load(self) -> Iterator[EnvsdkTask]:
        config = self.config
        env = _environment(config.env, json.dumps(config.env_args, sort_keys=True))
        for row in env.rows(config.split):
            prompt = row["prompt"]
            messages = as_messages(prompt) if not is_messages(prompt) else prompt
            data = EnvsdkData(id=str(row["id"]), prompt=_plain(messages), system_prompt=env.system_prompt,
                              row=row, env=config.env, env_args=config.env_args)
            yield EnvsdkTask(data, config.task)


def _plain(messages: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """A lone user message as plain text (how verifiers tasks usually carry prompts)."""
    if len(messages) == 1 and messages[0].get("role") == "user" and isinstance(messages[0].get("content"), str):
        return messages[0]["content"]
    return messages


def score_text(task: EnvsdkTask, reply: str) -> float:
    """Score one reply through verifiers' own `Task.score` (for scripts and tests)."""
    trace = scoring_trace(task, reply)
    asyncio.run(task.score(trace))
    return trace.reward
