"""EnvGroup: several environments in one dataset, each row routed by its `env` field."""

from __future__ import annotations

from typing import Any

from .environment import Environment, RolloutResult
from .errors import RowError
from .messages import Messages, Text
from . import registry
from .verdict import Verdict


class EnvGroup(Environment):
    """Mixes environments: rows carry `env` (the member's name) and are prompted, rolled out and
    scored by that member. Workers rebuild it from (`env-group`, {"envs": {name: kwargs}})."""

    def __init__(self, envs: dict[str, Environment]):
        if not envs:
            raise ValueError("EnvGroup needs at least one environment")
        super().__init__(description="mixture of " + ", ".join(envs))
        self.envs = envs

    @property
    def cpu_heavy(self) -> bool:
        return any(e.cpu_heavy for e in self.envs.values())

    @property
    def has_group_funcs(self) -> bool:
        return any(e.has_group_funcs for e in self.envs.values())

    def rows(self, split: str = "train") -> list[dict]:
        """Every member's rows, tagged with `env` and with ids prefixed by it."""
        if split not in self._cache:
            self._cache[split] = [
                {**row, "env": name, "id": f"{name}/{row['id']}"}
                for name, env in self.envs.items()
                for row in env.rows(split)
            ]
        return self._cache[split]

    def member(self, row: dict[str, Any]) -> Environment:
        name = row.get("env")
        if name not in self.envs:
            raise RowError(f"field 'env' must name one of {sorted(self.envs)}, got {name!r}")
        return self.envs[name]

    def validate_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.member(row).validate_row(row)

    def format_prompt(self, row: dict[str, Any]) -> Messages:
        return self.member(row).format_prompt(row)

    async def rollout(self, client, row: dict[str, Any], **sampling: Any) -> RolloutResult:
        return await self.member(row).rollout(client, row, **sampling)

    async def score_checked(self, rows: list[dict], completions: list[Text], states: list[dict]) -> list[Verdict]:
        """Rows of one task may belong to different members: score each member's share together
        (`validate_row` already routed every row to a member)."""
        out: list[Verdict | None] = [None] * len(rows)
        by_env: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            by_env.setdefault(row["env"], []).append(i)
        for name, idx in by_env.items():
            verdicts = await self.envs[name].score_checked(
                [rows[i] for i in idx], [completions[i] for i in idx], [states[i] for i in idx]
            )
            for i, v in zip(idx, verdicts):
                out[i] = v
        return out  # type: ignore[return-value]

    def metadata(self) -> dict[str, Any]:
        return {name: env.metadata() for name, env in self.envs.items()}

    async def aclose(self) -> None:
        for env in self.envs.values():
            await env.aclose()


def load_environment(envs: dict[str, dict[str, Any]]) -> EnvGroup:
    """Mix installed environments; rows are routed by their `env` field."""
    return EnvGroup({name: registry.load_environment(name, **kwargs) for name, kwargs in envs.items()})
