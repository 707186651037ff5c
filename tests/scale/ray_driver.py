"""A driver process for the node-loss tests: scores gated rows on the Ray cluster at argv[1] through
RayExecutor and prints one JSON line (verdicts without durations, tasks retried, nodes used).

usage: python -m tests.scale.ray_driver ADDRESS GATE_DIR ROWS ACTORS
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import envsdk
from envsdk.ray_executor import RayExecutor
from envsdk.registry import register_environment

from tests.scale.envs import load_gated, rows


async def score(address: str, gate: Path, n: int, actors: int) -> dict:
    register_environment("scale-gated", load_gated)
    env = envsdk.load_environment("scale-gated")
    data, completions = rows(gate, n)
    async with RayExecutor(env, address=address, num_actors=actors, rows_per_task=1, timeout_s=60) as executor:
        verdicts = await executor.score_rows(data, completions)
        return {"verdicts": [v.model_dump(exclude={"duration_s"}) for v in verdicts], "retried": executor.retried}


if __name__ == "__main__":
    address, gate, n, actors = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(score(address, gate, n, actors))), flush=True)
