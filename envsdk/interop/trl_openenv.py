"""TRL's OpenEnv path: `GRPOTrainer(environment_factory=...)` whose episodes are sessions of an OpenEnv server.

    factory = openenv_environment_factory("http://127.0.0.1:8000")   # e.g. `envsdk serve-openenv math`
    trainer = GRPOTrainer(model, reward_funcs=[submit_completions], environment_factory=factory,
                          train_dataset=openenv_prompts(32), args=GRPOConfig(max_steps=..., ...))

As in TRL's OpenEnv examples, each episode object holds an OpenEnv client (OpenEnv's own `GenericEnvClient`)
and `reset()` returns the server's prompt, which TRL appends to the (empty) dataset prompt. The dataset's
`index` column picks the server's row, so the `num_generations` rollouts of one prompt play the same problem.
`submit_completions` sends each finished completion as the episode's action; the server's reward (for an
envsdk server: the environment's rubric) is the reward. Tools of a served ToolEnv are not exposed to TRL this
way (TRL reads tool methods from the class before any reset): train tool environments with
`envsdk.adapters.trl_env` in-process.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import require
from ..messages import completion_text, content_text


class OpenEnvEpisode:
    """One TRL rollout slot: an OpenEnv session that TRL resets per generation. Public: `reset` only."""

    base_url: ClassVar[str] = ""

    def __init__(self) -> None:
        self._client = None
        self._reward: float | None = None

    def reset(self, index: int | None = None, **_: Any) -> str:
        """Start an episode on row `index` of the server; the prompt text goes to the model."""
        if self._client is None:
            generic = require("openenv.core.generic_client", "interop")
            self._client = generic.GenericEnvClient(base_url=self.base_url).sync()
            self._client.connect()
        self._reward = None
        observation = self._client.reset(index=index).observation
        return "\n\n".join(content_text(m) for m in observation.get("messages", []) if m.get("role") != "system")

    def _submit(self, text: str) -> float:
        """Send the completion as the episode's action; the server's reward (0 for an unfinished episode)."""
        result = self._client.step({"content": text})
        self._reward = float(result.reward or 0.0) if result.done else 0.0
        return self._reward

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def openenv_environment_factory(base_url: str) -> type[OpenEnvEpisode]:
    """An `environment_factory` for TRL: the episode class bound to one OpenEnv server."""
    return type("OpenEnvEpisode", (OpenEnvEpisode,), {"base_url": base_url.rstrip("/")})


def submit_completions(completions: list[Any], environments: list[OpenEnvEpisode], **_: Any) -> list[float]:
    """TRL reward function: each completion's final text, scored by its episode's server."""
    return [env._submit(completion_text(c)) for c, env in zip(completions, environments)]


def openenv_prompts(count: int):
    """A TRL dataset of `count` empty prompts whose `index` column picks the server's rows 0..count-1."""
    datasets = require("datasets", "train")
    return datasets.Dataset.from_dict({"prompt": [[{"role": "user", "content": ""}]] * count,
                                       "index": list(range(count))})
