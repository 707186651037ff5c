"""An HTTP client that shards requests over several envsdk servers by key, with retries.

The shard of a sample is chosen by a stable hash of its key (the prompt, or a group id), so all the
samples of one group reach the same server, which a server buffering groups for a transform needs.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any, Sequence

import httpx


class ShardError(RuntimeError):
    """A shard that kept failing after every retry."""


def shard_of(key: str, shards: int) -> int:
    """A stable shard index for a key (the same in every process, unlike `hash`)."""
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") % shards


@dataclass
class RewardBatch:
    """`/get_reward`'s answer for a whole batch, reassembled in input order."""

    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, float]


class ShardedClient:
    """Posts JSON to one of `urls` chosen by key; retries transport errors and 5xx answers.

    `retries` extra attempts on the same server, `backoff_s` apart (doubling), before ShardError.
    Use as an async context manager, or call `aclose()`.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        token: str | None = None,
        timeout_s: float = 180.0,
        retries: int = 5,
        backoff_s: float = 1.0,
        max_connections: int = 256,
    ):
        if not urls:
            raise ValueError("ShardedClient needs at least one server URL")
        self.urls = [u.rstrip("/") for u in urls]
        self.retries, self.backoff_s = retries, backoff_s
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            headers=headers,
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def __aenter__(self) -> ShardedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def post(self, path: str, payload: Any, *, key: str) -> Any:
        """POST `payload` to the shard owning `key` and return the decoded JSON answer."""
        url = self.urls[shard_of(key, len(self.urls))] + path
        delay, last = self.backoff_s, ""
        for attempt in range(self.retries + 1):
            try:
                response = await self._http.post(url, json=payload)
                if response.status_code < 500:
                    response.raise_for_status()
                    return response.json()
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.retries:
                await asyncio.sleep(delay)
                delay *= 2
        raise ShardError(f"{url} failed {self.retries + 1} times; last error: {last}")

    async def get_rewards(self, query: Sequence[str], prompts: Sequence[str], labels: Sequence[str]) -> RewardBatch:
        """OpenRLHF's `/get_reward` over the shards: samples split by prompt, answers put back in order."""
        by_shard: dict[int, list[int]] = {}
        for i, prompt in enumerate(prompts):
            by_shard.setdefault(shard_of(prompt, len(self.urls)), []).append(i)

        async def one(indices: list[int]) -> tuple[list[int], dict]:
            body = {
                "query": [query[i] for i in indices],
                "prompts": [prompts[i] for i in indices],
                "labels": [labels[i] for i in indices],
            }
            return indices, await self.post("/get_reward", body, key=prompts[indices[0]])

        rewards, scores = [0.0] * len(query), [0.0] * len(query)
        weighted: dict[str, float] = {}
        for indices, answer in await asyncio.gather(*(one(ix) for ix in by_shard.values())):
            for i, r, s in zip(indices, answer["rewards"], answer["scores"]):
                rewards[i], scores[i] = r, s
            for name, value in answer.get("extra_logs", {}).items():
                weighted[name] = weighted.get(name, 0.0) + value * len(indices)
        logs = {name: total / max(len(query), 1) for name, total in weighted.items()}
        return RewardBatch(rewards, scores, logs)

    async def verify(self, rows: Sequence[dict]) -> list[dict]:
        """`/verify` over the shards: rows sharing a `group_id` go to one server; verdicts in input order."""
        by_shard: dict[int, list[int]] = {}
        for i, row in enumerate(rows):
            key = str(row.get("group_id", row.get("id", i)))
            by_shard.setdefault(shard_of(key, len(self.urls)), []).append(i)

        async def one(indices: list[int]) -> tuple[list[int], list[dict]]:
            return indices, await self.post("/verify", [rows[i] for i in indices], key=str(indices[0]))

        out: list[dict] = [{}] * len(rows)
        for indices, verdicts in await asyncio.gather(*(one(ix) for ix in by_shard.values())):
            for i, verdict in zip(indices, verdicts):
                out[i] = verdict
        return out
