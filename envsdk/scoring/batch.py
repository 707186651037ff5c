"""`BatchScorer`: a flat batch of (row, prompt, completion) → verdicts → whole Groups → transforms →
advantages, aligned with the input; the group key, row checks and batch metrics every path shares.

A `BatchScorer` is picklable: it carries the environment's `EnvSpec` (and an ad hoc factory when there is
one) and rebuilds the environment, executor and transforms lazily after unpickling.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..environment import Environment
from ..errors import EnvsdkError, RowError
from ..executor import Executor, ExecutorConfig
from ..group import Group, OnError
from ..messages import Text, is_messages
from ..registry import adhoc_factory, load_environment, load_transform, rebuild_environment
from ..transforms import GroupTransform, Scale, apply_transforms, compute_advantages, required_scale
from ..verdict import Verdict

TransformLike = GroupTransform | str | tuple[str, dict]

# Fields that describe one rollout rather than its prompt instance: never part of a group key.
_ROLLOUT_FIELDS = frozenset({"completion", "rollout_index", "usage", *Verdict.model_fields})


class PartialGroupError(EnvsdkError, ValueError):
    """A batch that does not hold whole groups although a group transform or group reward needs them."""


def group_key(row: Mapping[str, Any]) -> str:
    """What makes rollouts one group, on every path: the row's `group_id` (a trainer's uid, `eval`
    output), else its `id`, else a hash of its prompt-side fields (prompt and labels, no rollout fields)."""
    for name in ("group_id", "id"):
        if row.get(name) is not None:
            return str(row[name])
    fields = {k: v for k, v in row.items() if k not in _ROLLOUT_FIELDS}
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return "sha1:" + hashlib.sha1(blob.encode()).hexdigest()


def resolve_env(env: Environment | str, **env_kwargs: Any) -> Environment:
    """An Environment, or the one registered under a name (built with `env_kwargs`)."""
    if isinstance(env, str):
        return load_environment(env, **env_kwargs)
    if env_kwargs:
        raise TypeError("env_kwargs are only used when `env` is a registered name")
    return env


def resolve_transforms(transforms: Sequence[TransformLike]) -> list[GroupTransform]:
    """Transform objects from objects, registered names, or (name, kwargs) pairs."""
    out = []
    for t in transforms:
        if isinstance(t, GroupTransform):
            out.append(t)
        else:
            name, kwargs = (t, {}) if isinstance(t, str) else t
            out.append(load_transform(name, **kwargs))
    return out


def transform_options(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Command-line transform options, `NAME.KEY=VALUE` (VALUE is JSON when it parses, else a string),
    as keyword arguments per transform name (`envsdk train` and `envsdk serve --transform-arg`)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        name, dot, option = key.partition(".")
        if not (sep and dot and name and option):
            raise EnvsdkError(f"--transform-arg expects NAME.KEY=VALUE (e.g. darling.classifier=final-answer), got {item!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        out.setdefault(name, {})[option] = value
    return out


def check_rollout_row(row: Any) -> dict:
    """A saved rollout (`envsdk verify`, `/verify`) is a JSON object with a `completion`; RowError otherwise.
    The environment's own fields are checked where every path meets, in `Environment.score_group`."""
    if not isinstance(row, dict):
        raise RowError(f"expected a JSON object, got {type(row).__name__}")
    completion = row.get("completion")
    if completion is None:
        raise RowError("missing field 'completion'")
    if not isinstance(completion, str) and not is_messages(completion):
        raise RowError("field 'completion' must be a string or a list of chat messages")
    return row


# ---- metrics ---------------------------------------------------------------------------------
def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def verdict_metrics(verdicts: Sequence[Verdict]) -> dict[str, float]:
    """Reward, correctness and verifier-health means over verdicts, plus each reward component's mean
    (over the verdicts that have it)."""
    rewards = [v.reward for v in verdicts]
    mean = _mean(rewards)
    out = {
        "reward_mean": mean,
        "reward_std": math.sqrt(sum((r - mean) ** 2 for r in rewards) / max(len(rewards) - 1, 1)),
        "correct_rate": _mean([float(v.correct) for v in verdicts]),
        "verify/error_rate": _mean([float(v.error is not None) for v in verdicts]),
        "verify/timeout_rate": _mean([float(v.timed_out) for v in verdicts]),
        # a comparison stopped by its own CPU budget: a 0 (not an abstention), counted so a rise is visible
        "verify/budget_exceeded_rate": _mean([float(bool(v.details.get("budget_exceeded"))) for v in verdicts]),
    }
    components: dict[str, list[float]] = {}
    for v in verdicts:
        for name, value in v.components.items():
            components.setdefault(name, []).append(value)
    out.update({f"rewards/{k}/mean": _mean(v) for k, v in sorted(components.items()) if all(map(math.isfinite, v))})
    return out


def batch_metrics(groups: Sequence[Group]) -> dict[str, float]:
    """The metrics of a scored batch, the same names on every path: `verdict_metrics`, the share of
    rollouts in groups whose verdict rewards do not vary, distinct correct answers per group, the
    transforms' own metrics (`transform/<name>/...`) and the final reward mean when transforms changed it."""
    verdicts = [v for g in groups for v in g.verdicts]
    out = verdict_metrics(verdicts)
    flat = [g.n for g in groups if g.n and max(v.reward for v in g.verdicts) - min(v.reward for v in g.verdicts) < 1e-12]
    out["frac_reward_zero_std"] = sum(flat) / max(len(verdicts), 1)
    out["distinct_correct"] = _mean(
        [float(len({r.text.strip() for r in g.rollouts if r.verdict.correct})) for g in groups]
    )
    extra: dict[str, list[float]] = {}
    for g in groups:
        for name, value in g.metrics.items():
            extra.setdefault(name, []).append(value)
    out.update({k: _mean(v) for k, v in sorted(extra.items()) if all(map(math.isfinite, v))})
    final = [r for g in groups for r in g.rewards]
    if final != [0.0 if v.failed else v.reward for v in verdicts]:
        out["transformed_reward_mean"] = _mean(final)
    return out


# ---- the scorer ------------------------------------------------------------------------------
@dataclass
class Scored:
    """The outcome of one scored batch; `rewards`, `verdicts` and `advantages` follow the input order.

    `rewards[i]` is None for an abstained failure (`on_error="abstain"`); `advantages` is None unless the
    scorer has a scale. `seconds` splits the wall time into `verify` and `transform` (transforms + advantages).
    """

    rewards: list[float | None]
    verdicts: list[Verdict]
    groups: list[Group]
    metrics: dict[str, float] = field(default_factory=dict)
    advantages: list[float] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


class BatchScorer:
    """Scores flat batches of (row, prompt, completion) samples: the one path from rows to rewards.

    `group_size` (the trainer's generations per prompt) is required whenever a transform, a group reward
    function or the advantage step (`scale`) needs whole groups; a batch whose per-group counts are not
    multiples of it raises PartialGroupError instead of scoring partial groups silently. `executor` is a
    dict of `ExecutorConfig` fields, an `ExecutorConfig`, or an executor object (e.g. `RayExecutor`).
    """

    def __init__(
        self,
        env: Environment | str,
        *,
        transforms: Sequence[TransformLike] = (),
        on_error: OnError = "abstain",
        group_size: int | None = None,
        scale: Scale | None = None,
        executor: dict[str, Any] | ExecutorConfig | Any | None = None,
        **env_kwargs: Any,
    ):
        if on_error not in ("abstain", "zero"):
            raise ValueError(f"on_error must be 'abstain' or 'zero', not {on_error!r}")
        built = resolve_env(env, **env_kwargs)
        self._spec = built.spec
        self._factory = adhoc_factory(built.spec.name) if built.spec else None
        self._transform_specs = list(transforms)
        self.on_error: OnError = on_error
        self.group_size = group_size
        self.scale = scale
        self._env: Environment | None = built
        self._transforms: list[GroupTransform] | None = None
        self._own_executor = executor is None or isinstance(executor, (dict, ExecutorConfig))
        if isinstance(executor, ExecutorConfig) or not self._own_executor:
            self.executor_config = executor if self._own_executor else executor.config
        else:
            self.executor_config = ExecutorConfig(**(executor or {}))
        self._executor = None if self._own_executor else executor

    # ---- pickling: ship the spec, rebuild the rest ---------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        if self._spec is None:
            raise TypeError(
                "this environment cannot be pickled for worker processes: load it with "
                "envsdk.load_environment(name) or register its factory with envsdk.register_environment"
            )
        if not self._own_executor:
            raise TypeError("a scorer given an executor object cannot be pickled: pass executor= a dict of settings")
        state = dict(self.__dict__)
        state.update(_env=None, _transforms=None, _executor=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ---- lazily built parts -----------------------------------------------------------------
    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = rebuild_environment(self._spec, self._factory)
        return self._env

    @property
    def transforms(self) -> list[GroupTransform]:
        if self._transforms is None:
            self._transforms = resolve_transforms(self._transform_specs)
        return self._transforms

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = Executor(self.env, self.executor_config)
        return self._executor

    @property
    def needs_whole_groups(self) -> bool:
        return bool(self._transform_specs) or self.scale is not None or self.env.has_group_funcs

    @property
    def required_scale(self) -> Scale | None:
        """The advantage scale the transforms declare (`GroupTransform.required_scale`)."""
        return required_scale(self.transforms)

    @property
    def name(self) -> str:
        return self._spec.name if self._spec else self.env.name

    # ---- scoring --------------------------------------------------------------------------
    def split_groups(self, rows: Sequence[dict], group_size: int | None = None) -> list[list[int]]:
        """Indices of each group (by `group_key`), in order of first appearance, cut into whole groups of
        the group size when one is needed or known."""
        by_key: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            by_key.setdefault(group_key(row), []).append(i)
        size = group_size or self.group_size
        if not self.needs_whole_groups:
            return list(by_key.values())
        if not size:
            raise PartialGroupError(
                "group transforms, group reward functions and advantages need the group size: pass "
                "num_generations (TRL) / rollout.n (verl) / n_samples_per_prompt (OpenRLHF) to the adapter"
            )
        groups = []
        for key, indices in by_key.items():
            if len(indices) % size:
                raise PartialGroupError(
                    f"prompt {key} has {len(indices)} completions in this batch, not a multiple of the group "
                    f"size {size}: the trainer split a group (e.g. a per-device batch smaller than a group under "
                    f"DDP). Make each device's batch hold whole groups, or drop the group transform"
                )
            groups += [indices[j : j + size] for j in range(0, len(indices), size)]
        return groups

    async def score(
        self,
        rows: Sequence[dict],
        prompts: Sequence[Text | None],
        completions: Sequence[Text],
        *,
        group_size: int | None = None,
        transform: bool = True,
        states: Sequence[dict] | None = None,
    ) -> Scored:
        """Verify a flat batch, transform whole groups, take the advantage step, and return the results
        aligned with the input.

        `prompts[i]` fills in a row without its own `prompt` (what the trainer sent the model);
        `transform=False` skips transforms and advantages (a server flushing a group that never completed);
        `states` are per-rollout states handed to the rubric (multi-turn episodes).
        """
        started = time.perf_counter()
        rows = [row if row.get("prompt") is not None else {**row, "prompt": p} for row, p in zip(rows, prompts)]
        index_groups = self.split_groups(rows, group_size)
        if self.needs_whole_groups or states is not None:
            results = await asyncio.gather(
                *(
                    self.executor.score_group(
                        [rows[i] for i in idx],
                        [completions[i] for i in idx],
                        [states[i] for i in idx] if states is not None else None,
                    )
                    for idx in index_groups
                )
            )
        else:  # independent rows: the executor chunks them into few tasks
            flat = await self.executor.score_rows(rows, list(completions))
            results = [[flat[i] for i in idx] for idx in index_groups]
        groups = [
            Group.from_verdicts(
                prompt=rows[idx[0]]["prompt"],
                completions=[completions[i] for i in idx],
                verdicts=list(verdicts),
                env=self.name,
                example_id=rows[idx[0]].get("id"),
                answer=rows[idx[0]].get("answer"),
                on_error=self.on_error,
                key=group_key(rows[idx[0]]),
            )
            for idx, verdicts in zip(index_groups, results)
        ]
        verified = time.perf_counter()
        if transform:
            groups = apply_transforms(groups, self.transforms)
            if self.scale is not None:
                groups = compute_advantages(groups, self.scale)
        return self._aligned(len(rows), index_groups, groups, {"verify": verified - started,
                                                                "transform": time.perf_counter() - verified})

    def _aligned(self, n: int, index_groups: list[list[int]], groups: list[Group], seconds: dict) -> Scored:
        rewards: list[float | None] = [None] * n
        verdicts: list[Verdict] = [Verdict()] * n
        advantages: list[float] | None = [0.0] * n if groups and groups[0].advantages is not None else None
        for idx, group in zip(index_groups, groups):
            for j, i in enumerate(idx):
                rewards[i] = group.rewards[j] if group.keep[j] else (None if self.on_error == "abstain" else 0.0)
                verdicts[i] = group.rollouts[j].verdict
                if advantages is not None:
                    advantages[i] = group.advantages[j]
        return Scored(rewards, verdicts, groups, batch_metrics(groups), advantages, seconds)

    async def aclose(self) -> None:
        if self._executor is not None and self._own_executor:
            await self._executor.aclose()
            self._executor = None

