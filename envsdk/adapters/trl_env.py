"""TRL multi-turn adapter: an envsdk `ToolEnv` as `GRPOTrainer(environment_factory=...)`, scored by its rubric.

    factory = environment_factory("webqa")
    trainer = GRPOTrainer(model, reward_funcs=factory.reward_funcs(), environment_factory=factory,
                          args=GRPOConfig(max_tool_calling_iterations=factory.max_tool_rounds, ...),
                          train_dataset=to_trl_dataset(factory.env))

TRL makes one episode object per rollout, calls `reset(**row)`, renders the episode's public methods as
tools through the chat template, parses the model's tool calls and calls those methods. Each method runs
the environment's own tool through `ToolEnv.run_tool`, so hidden arguments, per-rollout state, the tool-call
budget and error messages are the environment's. The reward function then scores the finished episodes
(TRL's transcript plus the episode state) with the environment's rubric through the executor.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import typing
import uuid
from concurrent.futures import Future
from typing import Any, Callable, Sequence

from ..environment import Environment
from ..errors import require
from ..executor import ExecutorChoice
from ..group import OnError
from ..loop_thread import LoopThread
from ..messages import Messages, Text
from ..multiturn import MultiTurnEnv, State, ToolEnv
from ..tools import Tool, ToolCall
from ..scoring import BatchScorer, Scored, TransformLike
from .export import ROW_COLUMN, decode_row, to_trl_dataset
from .trl import RewardFunc, _group_size, _log, check_config

__all__ = [
    "AsyncEpisodeRewardFunc",
    "EnvironmentFactory",
    "EpisodeRewardFunc",
    "ToolEpisode",
    "environment_factory",
    "episode_class",
    "score_episodes",
    "to_trl_dataset",
]

log = logging.getLogger("envsdk")

# Names TRL gives a meaning of its own on an environment class; a tool may not take them.
_RESERVED = ("reset", "get_reward")


# The loop where every episode of this process runs its environment code. Episode resources (HTTP sessions,
# sandboxes) are created in `setup_state` and used by later tool calls and `cleanup`; keeping them on one loop
# is what makes them valid across TRL's separate sync calls.
_EPISODES = LoopThread("envsdk-trl-episodes")


class ToolEpisode:
    """One rollout of a `ToolEnv` for TRL: `reset(**row)` starts it; the subclass's methods are the env's tools.

    Only `reset` and the tool methods are public: TRL exposes every other public method as a tool."""

    def __init__(self, env: ToolEnv, token: str):
        self._env = env
        self._token = token
        self._row: dict[str, Any] | None = None
        self._state: State | None = None
        self._cleaned_up = True

    @property
    def row(self) -> dict[str, Any] | None:
        """The envsdk row of the current episode."""
        return self._row

    @property
    def state(self) -> State | None:
        """The rollout state (tool-call log, budget flags, the environment's own keys)."""
        return self._state

    def reset(self, **columns: Any) -> None:
        """Start an episode for a dataset row (TRL passes the row's columns); releases the previous one."""
        row = decode_row(columns[ROW_COLUMN]) if columns.get(ROW_COLUMN) else dict(columns)
        _EPISODES.run(self._start(row))
        return None  # the prompt comes from the dataset

    async def _start(self, row: dict[str, Any]) -> None:
        await self._release()
        state = self._env.initial_state(row)
        self._row, self._state, self._cleaned_up = row, state, False
        await self._env.setup_state(state, row)

    def _call_tool(self, name: str, arguments: dict[str, Any]) -> str:
        if self._state is None:
            raise RuntimeError("call reset() before calling a tool")
        return _EPISODES.run(self._run_tool(name, arguments))

    async def _run_tool(self, name: str, arguments: dict[str, Any]) -> str:
        state = self._state
        if state.get("done"):  # envsdk's own loop stops here; TRL keeps going while the model calls tools
            state["calls_after_done"] = state.get("calls_after_done", 0) + 1
            return "Error: the episode is over; this tool call was not run"
        return await self._env.run_tool(ToolCall(f"call_{uuid.uuid4().hex[:12]}", name, arguments), state)

    def _finish(self, prompt: Text, completion: Messages, finish_reason: str | None) -> Future:
        """Close the episode on the episode loop: stop reason, turn count, cleanup; resolves to the public state."""
        return _EPISODES.submit(self._finish_async(prompt, completion, finish_reason))

    async def _finish_async(self, prompt: Text, completion: Messages, finish_reason: str | None) -> State:
        state = self._state
        state["turn"] = sum(m.get("role") == "assistant" for m in completion)
        state["finish_reason"] = finish_reason
        transcript = [*(prompt if isinstance(prompt, list) else []), *completion]
        if transcript and not await self._env.is_done(transcript, state):
            state["stop_reason"] = "max_turns"  # TRL stopped iterating (max_tool_calling_iterations or length)
        await self._release()
        return {k: v for k, v in state.items() if not k.startswith("_")}

    async def _release(self) -> None:
        if not self._cleaned_up and self._state is not None:
            self._cleaned_up = True
            await self._env.cleanup(self._state)


def _tool_docstring(tool: Tool) -> str:
    """A Google-style docstring with a line per argument, which transformers needs to render the schema."""
    fields = tool.args_model.model_fields
    lines = [tool.description or f"The {tool.name} tool.", "", "Args:"]
    for name in tool.visible:
        described = " ".join((fields[name].description or f"the {name} argument").split())
        lines.append(f"    {name}: {described}")
    return "\n".join(lines if tool.visible else lines[:1])


def _tool_method(tool: Tool) -> Callable[..., str]:
    """A method with the tool's visible signature that runs the tool in the episode's environment."""

    def method(self: ToolEpisode, **arguments: Any) -> str:
        return self._call_tool(tool.name, arguments)

    hints = typing.get_type_hints(tool.fn)
    original = inspect.signature(tool.fn).parameters
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    for name in tool.visible:
        annotations[name] = hints.get(name, original[name].annotation)
        params.append(original[name].replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotations[name]))
    method.__name__ = method.__qualname__ = tool.name
    method.__doc__ = _tool_docstring(tool)
    method.__annotations__ = {**annotations, "return": str}
    method.__signature__ = inspect.Signature(params, return_annotation=str)  # type: ignore[attr-defined]
    return method


def episode_class(env: ToolEnv) -> type[ToolEpisode]:
    """A `ToolEpisode` subclass whose methods are the environment's tools (checked against transformers'
    schema rules, so a tool it cannot render fails here and not in the middle of training)."""
    get_json_schema = require("transformers.utils", "trl").get_json_schema

    methods: dict[str, Callable] = {}
    for name, tool in env.tools.items():
        if name in _RESERVED or name.startswith("_") or hasattr(ToolEpisode, name):
            raise ValueError(f"tool {name!r} clashes with a name TRL or the episode class uses; rename the tool")
        methods[name] = _tool_method(tool)
        try:
            get_json_schema(methods[name])
        except Exception as exc:
            raise TypeError(
                f"tool {name!r} cannot be rendered by transformers' chat templates ({exc}); give its visible "
                f"parameters JSON-typed hints (str, int, float, bool, Literal, list/dict of those)"
            ) from exc
    return type(f"{type(env).__name__}Episode", (ToolEpisode,), methods)


class EnvironmentFactory:
    """`GRPOTrainer(environment_factory=...)`: each call returns a new episode of one shared `ToolEnv`.

    Picklable: it carries the environment's `EnvSpec` and rebuilds the environment (once) after unpickling.
    `reward_funcs()` gives the matching reward function, scoring with the same environment object.
    """

    def __init__(
        self,
        env: Environment | str,
        *,
        transforms: Sequence[TransformLike] = (),
        on_error: OnError = "abstain",
        num_generations: int | None = None,
        executor: ExecutorChoice | None = None,
        **env_kwargs: Any,
    ):
        self.scorer = BatchScorer(
            env, transforms=transforms, on_error=on_error, group_size=num_generations, executor=executor, **env_kwargs
        )
        _check_hostable(self.scorer.env)
        self.token = uuid.uuid4().hex
        self._episode_class: type[ToolEpisode] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_episode_class": None}

    @property
    def env(self) -> ToolEnv:
        return self.scorer.env  # type: ignore[return-value]

    @property
    def max_tool_rounds(self) -> int:
        """`GRPOConfig.max_tool_calling_iterations` that honours the environment's `max_turns` (model turns)."""
        return self.env.max_turns - 1

    def __call__(self) -> ToolEpisode:
        if self._episode_class is None:
            self._episode_class = episode_class(self.env)
        return self._episode_class(self.env, self.token)

    def reward_funcs(self, *, asynchronous: bool = False, strict: bool = True) -> list[Callable[..., Any]]:
        """The TRL reward function for this factory's episodes (one; rows of other environments get None).

        `strict`: a GRPOConfig whose `scale_rewards` or `max_tool_calling_iterations` contradicts the
        environment and transforms raises (else a warning)."""
        cls = AsyncEpisodeRewardFunc if asynchronous else EpisodeRewardFunc
        return [cls(self, strict=strict)]

    def check_config(self, args: Any, *, strict: bool = True) -> None:
        """Check a GRPOConfig: tool rounds within `max_turns - 1`, and the scale the transforms need."""
        check_config(args, self.reward_funcs(), strict=strict)
        rounds = args.max_tool_calling_iterations
        if rounds is None or rounds > self.max_tool_rounds:
            message = (
                f"{self.scorer.name}: max_turns={self.env.max_turns} allows {self.max_tool_rounds} tool rounds but "
                f"the GRPOConfig has max_tool_calling_iterations={rounds!r}; set "
                f"GRPOConfig(max_tool_calling_iterations={self.max_tool_rounds})"
            )
            if strict:
                raise ValueError(message)
            log.warning("envsdk: %s", message)


def _check_hostable(env: Environment) -> None:
    if not isinstance(env, ToolEnv):
        kind = "a MultiTurnEnv that answers turns in env_response" if isinstance(env, MultiTurnEnv) else "single-turn"
        raise TypeError(
            f"{type(env).__name__} is {kind}; TRL's environment_factory hosts tool environments (envsdk.ToolEnv) "
            f"only: the environment acts only through tool calls and a turn without one ends the rollout. "
            f"Use envsdk.adapters.trl.reward_funcs for single-turn environments"
        )
    if env.tool_format != "native":
        raise ValueError(
            f"{type(env).__name__} uses tool_format={env.tool_format!r}; TRL renders the tools and parses the calls "
            f"through the model's chat template, so build it with tool_format='native'"
        )


def environment_factory(env: Environment | str, **kwargs: Any) -> EnvironmentFactory:
    """An `EnvironmentFactory` for a ToolEnv or a registered name.

    `kwargs`: `transforms`, `on_error`, `num_generations` (default: the calling trainer's) and `executor` as
    for `envsdk.adapters.trl.reward_funcs`, plus the environment's own kwargs when `env` is a name."""
    return EnvironmentFactory(env, **kwargs)


class EpisodeRewardFunc(RewardFunc):
    """TRL reward function over finished episodes: `(prompts, completions, completion_ids, environments=...)`.

    Each episode's row and state (tool-call log, `done`, budget flags) and TRL's transcript go to the
    environment's rubric through the executor; group transforms see whole groups as with `reward_funcs`."""

    def __init__(self, factory: EnvironmentFactory, *, strict: bool = True):
        super().__init__(factory.scorer, strict_scale=strict)
        self.factory = factory

    def __call__(
        self, prompts: list[Text], completions: list[Text], completion_ids: list | None = None, **columns: Any
    ) -> list[float | None]:
        return self._loop.run(self._score_episodes(prompts, completions, completion_ids, columns))

    async def _score_episodes(
        self, prompts: list[Text], completions: list[Text], completion_ids: list | None, columns: dict[str, Any]
    ) -> list[float | None]:
        episodes = columns.get("environments")
        if episodes is None:
            raise ValueError("this reward function scores environment_factory episodes: pass the factory to the trainer")
        trainer = getattr(columns.get("log_metric"), "__self__", None)
        if trainer is not None and not self._checked:
            self.factory.check_config(trainer.args, strict=self.strict_scale)
            self._checked = True
        mine = [i for i, ep in enumerate(episodes) if getattr(ep, "_token", None) == self.factory.token]
        eos = set(getattr(trainer, "eos_token_ids", None) or ())
        ids = completion_ids or [None] * len(prompts)
        states = await asyncio.gather(
            *(
                asyncio.wrap_future(episodes[i]._finish(prompts[i], completions[i], _finish_reason(ids[i], eos)))
                for i in mine
            )
        )
        scored = await score_episodes(
            self.scorer,
            [episodes[i].row for i in mine],
            [prompts[i] for i in mine],
            [completions[i] for i in mine],
            list(states),
            group_size=_group_size(trainer),
        )
        _log(scored, columns)
        rewards: list[float | None] = [None] * len(prompts)
        for i, reward in zip(mine, scored.rewards):
            rewards[i] = reward
        return rewards


class AsyncEpisodeRewardFunc(EpisodeRewardFunc):
    """The same reward function as a coroutine: TRL gathers it on its background event loop."""

    async def __call__(  # type: ignore[override]
        self, prompts: list[Text], completions: list[Text], completion_ids: list | None = None, **columns: Any
    ) -> list[float | None]:
        return await self._score_episodes(prompts, completions, completion_ids, columns)


def _finish_reason(ids: list[int] | None, eos: set[int]) -> str | None:
    if not ids or not eos:
        return None
    return "stop" if ids[-1] in eos else "length"


async def score_episodes(
    scorer: BatchScorer,
    rows: Sequence[dict],
    prompts: Sequence[Text],
    completions: Sequence[Text],
    states: Sequence[State],
    *,
    group_size: int | None = None,
) -> Scored:
    """Score finished episodes with each rollout's state passed to the rubric."""
    scored = await scorer.score(rows, prompts, completions, group_size=group_size, states=states)
    calls = sum(len(s.get("tool_calls", [])) for s in states) / max(len(states), 1)
    scored.metrics["episode/tool_calls_mean"] = calls
    return scored