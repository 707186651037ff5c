"""An installed verifiers (0.4, `verifiers.v1`) taskset as an envsdk environment: `load_environment("verifiers", taskset=ID)`.

Rows are the taskset's tasks (`id` = the task's id, else its key, `prompt`, `info.task` = the task's wire data); the
reward is verifiers' own `Task.score` on a trace holding the completion's final text: its rewards become
the verdict's components (weighted sum = reward) and its metrics the verdict's details. Tasks that need a
container or a runtime (sandboxed graders), rewards that read the trace's messages or tool calls, and
multi-agent `Env.run` logic (e.g. verifiers' own OpenEnv taskset, which scores inside `run`) do not map.
"""

from __future__ import annotations

from typing import Any

from ..environment import Environment
from ..rubric import Rubric, reward
from ..verdict import Verdict
from ._verifiers_trace import scoring_trace, trace_scores, vf


class VerifiersTasksetEnv(Environment):
    """A verifiers taskset's tasks as rows; scored by the tasks themselves."""

    def __init__(self, *, taskset: str, config: dict[str, Any] | None = None, limit: int | None = None, **kwargs):
        from verifiers.v1.utils.loaders import taskset_class

        vf()
        cls = taskset_class(taskset)
        self.task_type = cls.task_type()
        if self.task_type.NEEDS_CONTAINER:
            raise ValueError(f"verifiers taskset {taskset!r} needs a container: envsdk cannot score it offline")
        config_type = _config_type(cls)
        self.taskset = cls(config_type.model_validate({**(config or {}), "id": taskset}))
        rubric = Rubric([verifiers_score])
        rubric.register("verifiers_env", self)
        view = self.taskset.take(limit) if limit is not None else self.taskset
        super().__init__(dataset=lambda: [self._row(task) for task in view], rubric=rubric,
                         required_fields=("info",), **kwargs)

    def _row(self, task) -> dict[str, Any]:
        data = task.data
        prompt = data.prompt if isinstance(data.prompt, str) else [m.model_dump(exclude_none=True) for m in data.prompt]
        return {"id": data.id if data.id is not None else task.key, "prompt": prompt, "info": {"task": data.model_dump(mode="json")}}

    def task(self, info: dict[str, Any]):
        """The verifiers task a row's `info` describes (rebuilt from its wire data)."""
        data = self.task_type.data_type().model_validate(info["task"])
        return self.task_type(data, self.taskset.config.task)


def _config_type(cls) -> type:
    from verifiers.v1.configs.taskset import TasksetConfig
    from verifiers.v1.utils.generic import concrete_type

    return concrete_type(cls, TasksetConfig) or TasksetConfig


@reward
async def verifiers_score(completion, info, verifiers_env: VerifiersTasksetEnv) -> Verdict:
    """verifiers' `Task.score` on the completion: its weighted rewards are the reward."""
    task = verifiers_env.task(info)
    trace = scoring_trace(task, completion)
    await task.score(trace)
    total, components, metrics = trace_scores(trace)
    return Verdict(reward=total, details={"verifiers_rewards": components, "verifiers_metrics": metrics})


def load_environment(taskset: str, config: dict[str, Any] | None = None, limit: int | None = None,
                     system_prompt: str | None = None) -> VerifiersTasksetEnv:
    """An installed verifiers taskset as an envsdk environment (taskset=ID, config={...})."""
    return VerifiersTasksetEnv(taskset=taskset, config=config, limit=limit, system_prompt=system_prompt,
                               description=f"verifiers taskset {taskset}")
