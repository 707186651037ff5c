"""The audit report (JSON via pydantic): per probe, what a gold-blind cheat earned against a plain wrong
answer. Field by field, and how to read it: docs/audit.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["clean", "rewarded", "abstained", "info", "not_applicable"]


class Example(BaseModel):
    """The attempt that did best for a probe: what was sent and what the grader said."""

    model_config = ConfigDict(extra="forbid")

    row_id: str
    label: str
    completion: Any = Field(description="text, or the chat messages of a tool episode (long texts shortened)")
    reward: float | None = Field(description="None when the verifier abstained (error or timeout)")
    error: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class ProbeResult(BaseModel):
    """One probe (or gold check) over the audited rows. A row's reward is its best attempt's."""

    model_config = ConfigDict(extra="forbid")

    name: str
    pack: str
    category: str
    description: str
    gold_aware: bool = False
    expect: Literal["reject", "info"] = "reject"
    rows: int = Field(description="rows the probe applied to and built attempts for")
    attempts: int
    mean_reward: float = Field(description="mean over rows of the best attempt's reward (abstentions count 0)")
    excess_reward: float = Field(description="mean over rows of how far the best attempt's reward exceeds the "
                                 "wrong answer's (0 where it does not)")
    beats_wrong_rate: float = Field(description="share of rows where the best attempt beats the plain wrong answer")
    abstain_rate: float = Field(description="share of rows where some attempt got no verdict (error, timeout)")
    status: Status
    example: Example | None = None


class Baseline(BaseModel):
    """The plain wrong answer every probe is compared with, through the same carriers."""

    model_config = ConfigDict(extra="forbid")

    completion: str
    mean_reward: float
    abstain_rate: float


class AuditReport(BaseModel):
    """Everything `envsdk audit` found; `passed` is what its exit status says."""

    model_config = ConfigDict(extra="forbid")

    env: str
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    split: str
    seed: int
    row_ids: list[str]
    threshold: float
    baseline: Baseline
    probes: list[ProbeResult]
    gold_checks: list[ProbeResult] = Field(default_factory=list)
    flagged: list[str] = Field(description="probes (and `reject` gold checks) rewarded or abstaining above threshold")
    passed: bool
