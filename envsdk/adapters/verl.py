"""verl adapter: `compute_score` for `reward.custom_reward_function` (docs/reference.md, "Python adapters"), plus its batch form.

    reward.custom_reward_function.path=pkg://envsdk.adapters.verl
    reward.custom_reward_function.name=compute_score          # or compute_score_batch (legacy batch manager)
    +reward.custom_reward_function.reward_kwargs.env=math     # optional: else data_source names the env

verl cannot abstain, so a verifier failure scores 0 with `envsdk_error=1` in the extra info. Group
transforms need whole groups, which a per-sample function never sees: use the reward manager in
`envsdk.adapters.verl_manager` for them. This module imports nothing of verl.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any, Mapping, Sequence

from ..loop_thread import LoopThread
from ..verdict import Verdict
from ..scoring import BatchScorer
from ..scoring.labels import label_fields
from .export import ROW_COLUMN, decode_row, to_verl_parquet, verl_records

__all__ = ["compute_score", "compute_score_async", "compute_score_batch", "to_verl_parquet", "verl_records", "row_for"]

# verl calls the sync hooks from a thread pool: every thread's calls run concurrently on this one loop,
# so the process keeps one scorer (one worker pool) per environment, not one per thread
_LOOP = LoopThread("envsdk-verl")
_scorers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {(env, kwargs): scorer}


def env_name(data_source: str, env: str | None = None, envs: Mapping[str, str] | None = None) -> str:
    """The environment scoring a sample: `env`, else `envs[data_source]`, else the data source itself."""
    return env or (envs or {}).get(data_source, data_source)


def row_for(scorer: BatchScorer, ground_truth: Any, extra_info: Mapping[str, Any] | None) -> dict:
    """The envsdk row: the one `to_verl_parquet` stored in `extra_info`, else built from the label."""
    extra_info = extra_info or {}
    if extra_info.get(ROW_COLUMN):
        return decode_row(extra_info[ROW_COLUMN])
    label = ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)
    return label_fields(scorer.env, label)


def score_dict(verdict: Verdict, reward: float | None) -> dict[str, float]:
    """verl's result dict: `score` plus numeric extras that become `reward_extra_info` metrics."""
    return {
        "score": reward if reward is not None else 0.0,
        "acc": float(verdict.correct),
        "envsdk_error": float(verdict.error is not None),
        "envsdk_timeout": float(verdict.timed_out),
        **{f"envsdk/{k}": float(v) for k, v in verdict.components.items()},
    }


def _scorer(name: str, env_kwargs: dict | None) -> BatchScorer:
    """One scorer per environment and event loop (an executor's pool belongs to one loop)."""
    cache = _scorers.setdefault(asyncio.get_running_loop(), {})
    key = (name, json.dumps(env_kwargs or {}, sort_keys=True))
    if key not in cache:
        cache[key] = BatchScorer(name, on_error="zero", **(env_kwargs or {}))
    return cache[key]


async def compute_score_async(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict | None = None,
    *,
    env: str | None = None,
    envs: Mapping[str, str] | None = None,
    env_kwargs: dict | None = None,
    **_: Any,
) -> dict[str, float]:
    """The coroutine form (verl's reward loop awaits it on its own event loop)."""
    scorer = _scorer(env_name(data_source, env, envs), env_kwargs)
    row = row_for(scorer, ground_truth, extra_info)
    scored = await scorer.score([row], [row.get("prompt", "")], [solution_str])
    return score_dict(scored.verdicts[0], scored.rewards[0])


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict | None = None,
    **kwargs: Any,
) -> dict[str, float]:
    """verl's per-sample hook: a dict with `score` (the environment's reward) and numeric extras.

    kwargs (from `reward_kwargs`): `env` (name), `envs` (data_source → env name), `env_kwargs`.
    """
    return _LOOP.run(compute_score_async(data_source, solution_str, ground_truth, extra_info, **kwargs))


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[dict | None],
    **kwargs: Any,
) -> list[dict[str, float]]:
    """verl's batch form: one result dict per sample, scored concurrently through the executor."""

    async def all_() -> list[dict[str, float]]:
        return list(
            await asyncio.gather(
                *(
                    compute_score_async(ds, s, gt, ei, **kwargs)
                    for ds, s, gt, ei in zip(data_sources, solution_strs, ground_truths, extra_infos)
                )
            )
        )

    return _LOOP.run(all_())
