"""An OpenEnv environment server as an envsdk environment: `load_environment("openenv", base_url=...)`.

Mapping (docs/interop.md has the table):
- rows: one per seed (`seeds` of them from `seed`); a row's prompt is the text of the server's reset
  observation for that seed, fetched once over OpenEnv's HTTP `/reset`.
- rollout: a WebSocket session with OpenEnv's own client: reset(seed), then each model turn becomes one
  action (`{action_field: reply text}`) and each observation one user message, until the server says
  `done` or `max_turns` model turns have passed. The step rewards are kept in the rollout state.
- reward: the sum of the episode's step rewards. Scoring a completion without that state (the built-in
  trainer, `envsdk verify`) replays it: reset(seed), then one step with the completion's final text; this
  assumes the server's episodes are determined by their seed, as OpenEnv's reset contract asks.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..environment import Environment, RolloutResult
from ..errors import require
from ..messages import completion_text, content_text
from ..rubric import Rubric, reward
from ..verdict import Verdict

_PROTOCOL_KEYS = ("done", "reward", "metadata")


class OpenEnvServerEnv(Environment):
    """Rows, rollouts and rewards of one OpenEnv server (see the module docstring for the mapping)."""

    def __init__(
        self,
        *,
        base_url: str,
        action_field: str = "message",
        observation_field: str | None = None,
        seeds: int = 16,
        seed: int = 0,
        max_turns: int = 1,
        **kwargs: Any,
    ):
        if max_turns < 1 or seeds < 1:
            raise ValueError(f"max_turns and seeds must be at least 1, got max_turns={max_turns}, seeds={seeds}")
        self.base_url = base_url.rstrip("/")
        self.action_field = action_field
        self.observation_field = observation_field
        self.max_turns = max_turns
        rubric = Rubric([openenv_reward])
        rubric.register("openenv", self)
        super().__init__(dataset=lambda: self._rows(seed, seeds), rubric=rubric, **kwargs)

    def text(self, observation: dict[str, Any]) -> str:
        """An observation as the model reads it: `observation_field`, else its fields as JSON."""
        if self.observation_field is not None:
            return str(observation.get(self.observation_field, ""))
        return json.dumps({k: v for k, v in observation.items() if k not in _PROTOCOL_KEYS}, ensure_ascii=False)

    def action(self, text: str) -> dict[str, Any]:
        return {self.action_field: text}

    def _rows(self, first: int, count: int) -> list[dict]:
        rows = []
        with httpx.Client(base_url=self.base_url, timeout=60) as http:
            for seed in range(first, first + count):
                response = http.post("/reset", json={"seed": seed})
                response.raise_for_status()
                rows.append({"id": f"openenv-{seed}", "prompt": self.text(response.json()["observation"]),
                             "info": {"seed": seed}})
        return rows

    def client(self):
        """An async OpenEnv client for one session (OpenEnv's own GenericEnvClient)."""
        generic = require("openenv.core.generic_client", "interop")
        return generic.GenericEnvClient(base_url=self.base_url)

    async def rollout(self, client, row: dict[str, Any], **sampling: Any) -> RolloutResult:
        """Play one episode: model turns become actions, observations become user messages."""
        sampling = {**self.sampling_args, **sampling}
        usage: dict[str, int] = {}
        rewards: list[float] = []
        async with self.client() as session:
            result = await session.reset(seed=row["info"]["seed"])
            messages = self.format_prompt({"prompt": self.text(result.observation)})
            prompt_length = len(messages)
            while len(rewards) < self.max_turns and not result.done:
                reply = await client.chat(messages, **sampling)
                messages.append({**reply.message, "role": "assistant"})
                for key, value in (reply.usage or {}).items():
                    usage[key] = usage.get(key, 0) + value
                result = await session.step(self.action(content_text(reply.message)))
                rewards.append(float(result.reward or 0.0))
                if not result.done and len(rewards) < self.max_turns:
                    messages.append({"role": "user", "content": self.text(result.observation)})
        state = {"example_id": row["id"], "openenv_rewards": rewards, "openenv_done": bool(result.done)}
        return RolloutResult(completion=messages[prompt_length:], state=state, usage=usage)


@reward
async def openenv_reward(completion, info, state, openenv: OpenEnvServerEnv) -> Verdict:
    """The episode's summed step rewards; a completion without them is replayed on the server (one step)."""
    if "openenv_rewards" in state:
        rewards = state["openenv_rewards"]
        return Verdict(reward=sum(rewards), details={"openenv_rewards": rewards, "replayed": False})
    async with openenv.client() as session:
        await session.reset(seed=info["seed"])
        result = await session.step(openenv.action(completion_text(completion)))
    reward_value = float(result.reward or 0.0)
    return Verdict(reward=reward_value, details={"openenv_rewards": [reward_value], "replayed": True})


def load_environment(
    base_url: str,
    action_field: str = "message",
    observation_field: str | None = None,
    seeds: int = 16,
    seed: int = 0,
    max_turns: int = 1,
    system_prompt: str | None = None,
) -> OpenEnvServerEnv:
    """An OpenEnv environment server as an envsdk environment (base_url=..., action_field=...)."""
    return OpenEnvServerEnv(base_url=base_url, action_field=action_field, observation_field=observation_field,
                            seeds=seeds, seed=seed, max_turns=max_turns, system_prompt=system_prompt,
                            required_fields=("info",), description=f"OpenEnv server at {base_url}")
