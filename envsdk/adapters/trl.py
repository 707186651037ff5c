"""TRL adapter: envsdk environments as `GRPOTrainer(reward_funcs=...)`, sync or async, picklable.

    trainer = GRPOTrainer(model, reward_funcs=reward_funcs("math", transforms=["darling"]),
                          args=GRPOConfig(scale_rewards="none", ...), train_dataset=to_trl_dataset("math"))

Group transforms see whole groups: the flat batch is regrouped by example id (or prompt) in chunks of
the trainer's `num_generations`, and a split group raises instead of being scored partially.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..environment import Environment
from ..executor import ExecutorChoice
from ..group import OnError
from ..loop_thread import LoopThread
from ..messages import Text
from ..scoring import BatchScorer, Scored, TransformLike
from ..transforms import check_scale
from .export import ROW_COLUMN, decode_row, to_trl_dataset, trl_records

__all__ = ["RewardFunc", "AsyncRewardFunc", "reward_funcs", "check_config", "to_trl_dataset", "trl_records"]

# Keyword arguments TRL adds to every reward call that are not dataset columns.
_TRL_KWARGS = ("trainer_state", "log_extra", "log_metric", "environments")
_SCALES = {True: "group", False: "none"}


def check_config(args: Any, funcs: Sequence[Callable], *, strict: bool = True) -> None:
    """Check a GRPOConfig's `scale_rewards` against the scale the reward functions' transforms declare
    (DARLING: "none"; dividing by the group std would undo its diversity weighting).

    Raises ValueError when `strict`, else logs a warning.
    """
    configured = _SCALES.get(args.scale_rewards, args.scale_rewards)
    for fn in funcs:
        scorer = getattr(fn, "scorer", None)
        if scorer is not None:
            needed = scorer.required_scale
            fix = f"set GRPOConfig(scale_rewards={needed!r}) (reward function {fn.__name__})"
            check_scale(scorer.transforms, configured, strict=strict, fix=fix)


class RewardFunc:
    """A synchronous TRL reward function: `(prompts, completions, completion_ids, **columns) -> list[float | None]`.

    Rows come from the `envsdk_row` column of `to_trl_dataset`, else from the dataset's own columns.
    When called by a trainer it reads `num_generations` and checks `scale_rewards` from it.
    """

    def __init__(self, scorer: BatchScorer, *, strict_scale: bool = True):
        self.scorer = scorer
        self.strict_scale = strict_scale
        self.__name__ = f"envsdk_{scorer.name}"
        self._checked = False
        self._loop = LoopThread(f"envsdk-trl-{scorer.name}")  # one loop, so the executor's pool outlives a call

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_checked": False}

    def close(self) -> None:
        """Stop the verification workers (they are started again by the next call)."""
        self._loop.run(self.scorer.aclose())

    def __call__(
        self, prompts: list[Text], completions: list[Text], completion_ids: list | None = None, **columns: Any
    ) -> list[float | None]:
        return self._loop.run(self._score(prompts, completions, columns))

    async def _score(self, prompts: list[Text], completions: list[Text], columns: dict[str, Any]) -> list[float | None]:
        trainer = getattr(columns.get("log_metric"), "__self__", None)
        if trainer is not None and not self._checked:
            check_config(trainer.args, [self], strict=self.strict_scale)
            self._checked = True
        scored = await self.scorer.score(
            _rows(len(prompts), columns), prompts, completions, group_size=_group_size(trainer)
        )
        _log(scored, columns)
        return scored.rewards


class AsyncRewardFunc(RewardFunc):
    """The same reward function as a coroutine: TRL gathers it on its background event loop."""

    async def __call__(  # type: ignore[override]
        self, prompts: list[Text], completions: list[Text], completion_ids: list | None = None, **columns: Any
    ) -> list[float | None]:
        return await self._score(prompts, completions, columns)


def reward_funcs(
    env: Environment | str,
    *,
    transforms: Sequence[TransformLike] = (),
    on_error: OnError = "abstain",
    num_generations: int | None = None,
    asynchronous: bool = False,
    strict_scale: bool = True,
    executor: ExecutorChoice | None = None,
    **env_kwargs: Any,
) -> list[Callable[..., Any]]:
    """TRL reward functions for an environment (docs/reference.md, "Python adapters"): one function returning the total reward.

    `transforms`: group transforms (objects or registered names, e.g. "darling"); `on_error="abstain"`
    returns None for verifier failures (TRL leaves them out), "zero" returns 0.0. `num_generations`
    defaults to the calling trainer's. `executor`: an `ExecutorConfig`, a dict of its fields (workers, timeout_s,
    ...) or an executor object such as `RayExecutor` (the function then cannot be pickled).
    Per-component means and error/timeout rates are logged through TRL's `log_metric`.
    """
    scorer = BatchScorer(
        env, transforms=transforms, on_error=on_error, group_size=num_generations, executor=executor, **env_kwargs
    )
    cls = AsyncRewardFunc if asynchronous else RewardFunc
    return [cls(scorer, strict_scale=strict_scale)]


def _rows(n: int, columns: dict[str, Any]) -> list[dict]:
    if ROW_COLUMN in columns:
        return [decode_row(blob) for blob in columns[ROW_COLUMN]]
    data = {k: v for k, v in columns.items() if k not in _TRL_KWARGS and isinstance(v, list) and len(v) == n}
    return [{k: v[i] for k, v in data.items()} for i in range(n)]


def _group_size(trainer: Any) -> int | None:
    if trainer is None:
        return None
    training = getattr(getattr(trainer, "model", None), "training", True)
    return trainer.num_generations if training else trainer.num_generations_eval


def _log(scored: Scored, columns: dict[str, Any]) -> None:
    if (log_metric := columns.get("log_metric")) is not None:
        for name, value in scored.metrics.items():
            log_metric(f"envsdk/{name}", value)
    if (log_extra := columns.get("log_extra")) is not None:
        log_extra("verify_error", [v.error or "" for v in scored.verdicts])
