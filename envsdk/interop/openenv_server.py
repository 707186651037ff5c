"""Any envsdk environment as an OpenEnv environment server (`envsdk serve-openenv ENV`).

Mapping (docs/interop.md has the table):
- `reset(seed=, episode_id=, index=, split=)` picks a dataset row (`index`, else `seed`, else the next row in
  turn) and returns an `EnvsdkObservation` whose `messages` are the prompt, with the environment's `tools`
  (OpenAI schemas) and `sampling` arguments.
- `step(EnvsdkAction)` is one assistant turn (`content`, optional `tool_calls`). While the episode goes on,
  the observation carries the environment's reply (tool results, feedback) and `reward=None`; on the last
  step `done=True`, `reward` is the rubric's total and `verdict` the full envsdk Verdict.
- `state` holds the episode id, step count, example id and the rollout state of a finished episode.
Rewards are delayed to the end of the episode, as the rubric scores the whole completion. Episodes live in
WebSocket sessions (`/ws`) of OpenEnv's own server (`create_app`), capped by `max_sessions`. OpenEnv's plain
HTTP `/reset`, `/step` and `/state` are stateless (each request gets a fresh environment): `/reset` returns a
first observation, and a `/step` (which can never see that reset) is answered 409 with a message that says to
use a `/ws` session, not a bare 500; every session's episode
is scored by one `envsdk.scoring.BatchScorer`, the spine `verify`, `eval` and the reward server use (same row
validation, same abstain rule: `reward` is None for a verdict that errored), so CPU-heavy rubrics run in its
killable process pool.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Optional

from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.interfaces import Environment as OpenEnvEnvironment
from openenv.core.env_server.types import Action, EnvironmentMetadata, Observation, State
from pydantic import Field

from .. import __version__
from ..environment import Environment
from ..executor import ExecutorConfig
from ..scoring import BatchScorer
from .episode import EpisodeError, SteppedEpisode, Turn


NO_EPISODE = ("no episode to step (reset before step, in the same session): OpenEnv's plain HTTP /reset and /step "
              "are stateless (each request gets a fresh environment, so a /step never sees an earlier /reset); keep "
              "an episode in a WebSocket session at /ws (a reset message, then step messages), as OpenEnv's "
              "EnvClient does")


class NoEpisodeError(EpisodeError):
    """A step without a reset in the same session: plain HTTP /step always, or a /ws session that skipped reset."""


class EnvsdkAction(Action):
    """One assistant turn, in the OpenAI message shape."""

    content: str = Field(default="", description="the assistant's text")
    tool_calls: Optional[list[dict[str, Any]]] = Field(default=None, description="OpenAI tool calls, if any")
    finish_reason: Optional[str] = Field(default="stop", description="'length' when the reply hit its token limit")


class EnvsdkObservation(Observation):
    """What the model sees next: new messages, the tools it may call, and at the end the verdict."""

    messages: list[dict[str, Any]] = Field(default_factory=list, description="messages the model has not seen yet")
    tools: Optional[list[dict[str, Any]]] = Field(default=None, description="OpenAI tool schemas for the next turn")
    sampling: dict[str, Any] = Field(default_factory=dict, description="the environment's sampling arguments")
    example_id: Optional[str] = Field(default=None, description="the dataset row of this episode")
    verdict: Optional[dict[str, Any]] = Field(default=None, description="the envsdk Verdict, once done")


class EnvsdkOpenEnv(OpenEnvEnvironment):
    """One OpenEnv session over a shared envsdk environment (rows, rubric and executor are shared)."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self, env: Environment, scorer: BatchScorer, counter: itertools.count):
        super().__init__()
        self._env, self._scorer, self._counter = env, scorer, counter
        self._episode: SteppedEpisode | None = None
        self._state = State()

    # OpenEnv's server calls the async methods when they are overridden; the rollout lives on its loop.
    def reset(self, seed: Optional[int] = None, episode_id: Optional[str] = None, **kwargs: Any) -> EnvsdkObservation:
        raise NotImplementedError("EnvsdkOpenEnv is asynchronous: use reset_async")

    def step(self, action: Action, timeout_s: Optional[float] = None, **kwargs: Any) -> EnvsdkObservation:
        raise NotImplementedError("EnvsdkOpenEnv is asynchronous: use step_async")

    async def reset_async(
        self,
        seed: Optional[int] = None,
        episode_id: Optional[str] = None,
        index: Optional[int] = None,
        split: str = "train",
        **kwargs: Any,
    ) -> EnvsdkObservation:
        self.close()
        rows = self._env.rows(split)
        if not rows:
            raise ValueError(f"environment {self._env.name!r} has no {split!r} rows")
        pick = index if index is not None else seed if seed is not None else next(self._counter)
        row = rows[pick % len(rows)]
        self._episode = SteppedEpisode(self._env, row)
        self._state = State(episode_id=episode_id, step_count=0, example_id=row["id"], split=split)
        return await self._observe(await self._episode.start())

    async def step_async(self, action: Action, timeout_s: Optional[float] = None, **kwargs: Any) -> EnvsdkObservation:
        if self._episode is None:
            raise NoEpisodeError(NO_EPISODE)
        message: dict[str, Any] = {"content": action.content}
        if action.tool_calls:
            message["tool_calls"] = action.tool_calls
        turn = await self._episode.step(message, action.finish_reason)
        self._state.step_count += 1
        return await self._observe(turn)

    async def _observe(self, turn: Turn) -> EnvsdkObservation:
        episode = self._episode
        if not turn.done:
            return EnvsdkObservation(messages=turn.messages, tools=turn.tools, sampling=turn.sampling,
                                     example_id=episode.row["id"])
        result = episode.result
        scored = await self._scorer.score([episode.row], [episode.row.get("prompt")], [result.completion],
                                          states=[result.state])
        verdict = scored.verdicts[0]
        self._state.rollout_state = result.state
        return EnvsdkObservation(done=True, reward=scored.rewards[0], example_id=episode.row["id"],
                                 verdict=verdict.model_dump(), metadata={"stop_reason": result.state.get("stop_reason")})

    @property
    def state(self) -> State:
        return self._state

    def get_metadata(self) -> EnvironmentMetadata:
        return EnvironmentMetadata(name=self._env.name, description=self._env.description or self._env.name,
                                   version=__version__)

    def close(self) -> None:
        if self._episode is not None and self._episode.result is None:
            self._episode.cancel()
        self._episode = None


def create_openenv_app(env: Environment, *, max_sessions: int = 8, executor: ExecutorConfig | None = None):
    """OpenEnv's own FastAPI app (`/ws` sessions, `/reset`, `/step`, `/state`, `/health`, `/schema`,
    `/metadata`) serving `env`, with at most `max_sessions` concurrent WebSocket sessions."""
    if max_sessions < 1:
        raise ValueError(f"max_sessions must be at least 1, got {max_sessions}")
    scorer = BatchScorer(env, executor=executor or ExecutorConfig())
    counter = itertools.count()
    app = create_app(functools.partial(EnvsdkOpenEnv, env, scorer, counter), EnvsdkAction, EnvsdkObservation,
                     env_name=env.name, max_concurrent_envs=max_sessions)
    app.add_exception_handler(NoEpisodeError, _no_episode)
    app.router.on_shutdown.append(scorer.aclose)
    return app


async def _no_episode(request, exc: NoEpisodeError):
    """409 Conflict with the reason (an HTTP /step has no episode), instead of OpenEnv's bare 500."""
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=409, content={"detail": str(exc)})
