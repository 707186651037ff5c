"""A Gymnasium-style text environment (`reset` / `step`) over any envsdk environment, for SkyRL-like trainers.

One episode = one dataset row: `reset` returns the prompt messages, `step(text)` verifies the reply and
ends the episode with its reward. The verdict is in `info["verdict"]`; a verifier failure gives reward
0 with `info["error"]` set (never a silent 0).
"""

from __future__ import annotations

import random
from typing import Any

from ..environment import Environment
from ..loop_thread import LoopThread
from ..messages import Messages
from ..scoring import BatchScorer


class TextEnv:
    """`reset(seed=None, options=None) -> (observation, info)`; `step(action) -> (obs, reward, terminated,
    truncated, info)` as in Gymnasium; observations are chat messages."""

    def __init__(self, env: Environment | str, split: str = "train", **env_kwargs: Any):
        self.scorer = BatchScorer(env, on_error="zero", **env_kwargs)
        self.split = split
        self._rng = random.Random()
        self._row: dict | None = None
        self._loop = LoopThread("envsdk-gym")

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Messages, dict]:
        """Start an episode on `options["row"]`, the row with `options["id"]`, or a random row."""
        if seed is not None:
            self._rng.seed(seed)
        options = options or {}
        rows = self.scorer.env.rows(self.split)
        if "row" in options:
            self._row = dict(options["row"])
        elif "id" in options:
            self._row = next(r for r in rows if r["id"] == options["id"])
        else:
            self._row = self._rng.choice(rows)
        return self.scorer.env.format_prompt(self._row), {"id": self._row.get("id")}

    def step(self, action: str) -> tuple[Messages, float, bool, bool, dict]:
        """Verify the reply; the episode ends (single-turn)."""
        if self._row is None:
            raise RuntimeError("call reset() before step()")
        row, self._row = self._row, None
        scored = self._loop.run(self.scorer.score([row], [row.get("prompt")], [action]))
        verdict = scored.verdicts[0]
        info = {"verdict": verdict, "error": verdict.error, "id": row.get("id")}
        return [], float(scored.rewards[0] or 0.0), True, False, info

    def close(self) -> None:
        self._loop.run(self.scorer.aclose())
        self._loop.close()
