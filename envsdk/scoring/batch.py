"""`BatchScorer`: a flat batch of (row, prompt, completion) → verdicts → whole Groups → transforms →
advantages, aligned with the input; the group key, row checks and batch metrics every path shares.

A `BatchScorer` is picklable: it carries the environment's `EnvSpec` (and an ad hoc factory when there is
one) and rebuilds the environment, executor and transforms lazily after unpickling.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..environment import Environment
from ..errors import EnvsdkError, RowError
from ..executor import Executor, ExecutorChoice, ExecutorConfig
from ..group import Group, OnError, make_group_id
from ..messages import Text, is_messages
from ..record import RolloutRecord, group_records, summarize
from ..registry import adhoc_factory, load_environment, load_transform, rebuild_environment
from ..transforms import GroupTransform, Scale, apply_transforms, compute_advantages, required_scale
from ..verdict import Verdict

TransformLike = GroupTransform | str | tuple[str, dict]

# What a rollout record says beyond its row (its verdict, completion, rewards...): everything else a row
# carries is the row itself, so a field the record gains can never leak into a group key.
_RECORD_FIELDS = frozenset({*RolloutRecord.model_fields, *Verdict.model_fields}) - {"prompt"}


class PartialGroupError(EnvsdkError, ValueError):
    """A batch that does not hold whole groups although a group transform or group reward needs them."""


def group_key(row: Mapping[str, Any]) -> str:
    """What makes rollouts one group, on every path (the one statement of the rule; the others link here):
    the row's `group_id` (a trainer's uid, a record's group), else its `id`, else a hash of the row itself
    (its prompt and labels: every field that is not a `RolloutRecord` field)."""
    for name in ("group_id", "id"):
        if row.get(name) is not None:
            return str(row[name])
    fields = {k: v for k, v in row.items() if k not in _RECORD_FIELDS}
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return "sha1:" + hashlib.sha1(blob.encode()).hexdigest()


def group_id(env_name: str, row: Mapping[str, Any]) -> str:
    """The id a group and its records carry on every face: the row's own `group_id` when it has one (a trainer's
    uid, a record read back), else a stable hash of the environment and `group_key(row)`."""
    if row.get("group_id") is not None:
        return str(row["group_id"])
    return make_group_id(env_name, group_key(row))


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


# ---- the scorer ------------------------------------------------------------------------------
@dataclass
class Scored:
    """The outcome of one scored batch: one `RolloutRecord` per input rollout, in input order, and views of them.

    `rewards[i]` is what a trainer receives: the final reward, None for a rollout left out of its baseline under
    `on_error="abstain"` (0.0 under "zero"); `advantages` is None unless the scorer has a scale; `metrics` is
    `summarize(records)`. `seconds` splits the wall time into `verify` and `transform` (transforms + advantages).
    """

    records: list[RolloutRecord]
    groups: list[Group]
    rewards: list[float | None]
    seconds: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def metrics(self) -> dict[str, float]:
        """`summarize(records)`, computed when first read: the per-sample paths (the reward server's buffer, verl's
        reward loop) never read it."""
        return summarize(self.records)

    @property
    def verdicts(self) -> list[Verdict]:
        return [r.verdict for r in self.records]

    @property
    def advantages(self) -> list[float] | None:
        if not self.records or self.records[0].advantage is None:
            return None
        return [r.advantage for r in self.records]


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
        executor: ExecutorChoice | None = None,
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
        rows = [{**row, "prompt": p} if row.get("prompt") is None and p is not None else row
                for row, p in zip(rows, prompts)]
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
                prompt=rows[idx[0]].get("prompt"),
                completions=[completions[i] for i in idx],
                verdicts=list(verdicts),
                states=[states[i] for i in idx] if states is not None else None,
                env=self.name,
                example_id=rows[idx[0]].get("id"),
                answer=rows[idx[0]].get("answer"),
                on_error=self.on_error,
                group_id=group_id(self.name, rows[idx[0]]),
            )
            for idx, verdicts in zip(index_groups, results)
        ]
        verified = time.perf_counter()
        if transform:
            groups = apply_transforms(groups, self.transforms)
            if self.scale is not None:
                groups = compute_advantages(groups, self.scale)
        transformed = time.perf_counter()
        records: list[RolloutRecord] = [RolloutRecord()] * len(rows)  # back in input order
        for idx, group in zip(index_groups, groups):
            for i, record in zip(idx, group_records(group)):
                records[i] = record
        absent = None if self.on_error == "abstain" else 0.0
        rewards = [r.final_reward if r.final_reward is not None else absent for r in records]
        seconds = {"verify": verified - started, "transform": transformed - verified}
        return Scored(records, groups, rewards, seconds)

    async def aclose(self) -> None:
        if self._executor is not None and self._own_executor:
            await self._executor.aclose()
            self._executor = None

