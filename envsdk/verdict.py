"""The result of scoring one rollout: a reward plus flags that keep failures visible."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["correct", "wrong", "error", "timeout"]
STATUSES: tuple[Status, ...] = ("correct", "wrong", "error", "timeout")  # `Verdict.status`'s words, in filter order


class Verdict(BaseModel):
    """What a verifier says about one completion (docs/reference.md, "Verdicts").

    `passed=None` means abstained / not attempted; `error` and `timed_out` flag verifier
    failures so they are never confused with a genuine 0.
    """

    model_config = ConfigDict(extra="forbid")

    reward: float = 0.0
    passed: bool | None = None
    error: str | None = None
    timed_out: bool = False
    components: dict[str, float] = Field(default_factory=dict)
    duration_s: float = 0.0
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when the verifier itself could not produce a judgement."""
        return self.error is not None or self.timed_out

    @property
    def correct(self) -> bool:
        """The one correctness rule (pass@k, `correct_rate`, DARLING's `correct_only`, verl's `acc`).

        A verifier that says `passed` is believed; without that flag only full credit counts
        (`reward >= 1`), so a partial-credit rubric never inflates pass@k; a failed verifier is never correct.
        """
        if self.passed is not None:
            return self.passed
        return not self.failed and self.reward >= 1.0

    @property
    def status(self) -> Status:
        """The one word for a verdict, wherever one is shown (the report's filter, summaries): `error` or
        `timeout` when the verifier failed, else `correct` or `wrong` by `correct` (a reward-only rubric's
        full credit is correct, partial credit is wrong)."""
        if self.error is not None:
            return "error"
        if self.timed_out:
            return "timeout"
        return "correct" if self.correct else "wrong"

    @classmethod
    def from_error(cls, error: str, *, timed_out: bool = False, duration_s: float = 0.0, **details: Any) -> Verdict:
        """A flagged verdict for a verifier that crashed, hung or got bad input."""
        return cls(reward=0.0, passed=None, error=error, timed_out=timed_out, duration_s=duration_s, details=details)

    @classmethod
    def coerce(cls, value: Any) -> Verdict:
        """Accept the forgiving return types of reward functions: bool, number, (number, dict), Verdict."""
        if isinstance(value, Verdict):
            return value
        if isinstance(value, bool):
            return cls(reward=float(value), passed=value)
        if isinstance(value, (int, float)):
            reward = float(value)
            if math.isnan(reward):
                return cls.from_error("reward function returned NaN")
            return cls(reward=reward)
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
            verdict = cls.coerce(value[0])
            return verdict.model_copy(update={"details": {**verdict.details, **value[1]}})
        if value is None:
            return cls(reward=0.0, passed=None, details={"outcome": "not_attempted"})
        raise TypeError(
            f"a reward function returned {type(value).__name__}; expected bool, float, (float, dict) or Verdict"
        )
