"""Wire models of the reward server (docs/reference.md, "Reward server"): OpenRLHF's /get_reward shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class RewardRequest(BaseModel):
    """OpenRLHF's remote reward request: `query[i]` = `prompts[i]` + response; `labels[i]` = the gold."""

    query: list[str]
    prompts: list[str] | None = None
    labels: list[str] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> RewardRequest:
        for name in ("prompts", "labels"):
            value = getattr(self, name)
            if value is not None and len(value) != len(self.query):
                raise ValueError(f"{name} has {len(value)} items but query has {len(self.query)}")
        return self


class RewardResponse(BaseModel):
    """Rewards aligned with `query`; `scores` in [0, 1] for OpenRLHF's dynamic filtering."""

    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, float] = Field(default_factory=dict)
