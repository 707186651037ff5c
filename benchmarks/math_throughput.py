"""GRPO-shaped verification throughput: 8 completions per problem (real CoT rows from shared/data), the math
environment through the core executor (2 killable workers) vs a warm single-process naive
`verify(parse(gold), parse(pred))` loop. Both warm up on the first problems; timing covers the rest.

Run: python benchmarks/math_throughput.py [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import envsdk
from envsdk.executor import Executor, ExecutorConfig

DATA = Path(__file__).parents[1] / "../shared/data/math/math_cot_dev.jsonl"
WARMUP = 4


def load_groups() -> list[tuple[str, str, list[str]]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines()]
    return [(r["gt"], r["question"], r["completions"]) for r in rows]


def naive(groups) -> tuple[float, int]:
    from math_verify import parse, verify

    started, correct = time.perf_counter(), 0
    for gold, _, completions in groups:
        for completion in completions:
            correct += verify(parse(gold), parse(completion))
    return time.perf_counter() - started, correct


async def pooled(groups, warmup, workers: int) -> tuple[float, int]:
    env = envsdk.load_environment("math", size=1)

    def batch(gs):
        return [([{"answer": g, "prompt": q}] * len(cs), cs) for g, q, cs in gs]

    async with Executor(env, ExecutorConfig(workers=workers, timeout_s=30.0)) as executor:
        await executor.score_groups(batch(warmup))  # starts the workers and imports sympy in them
        started = time.perf_counter()
        results = await executor.score_groups(batch(groups))
        elapsed = time.perf_counter() - started
    return elapsed, sum(v.passed is True for group in results for v in group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    groups = load_groups()
    warmup, measured = groups[:WARMUP], groups[WARMUP:]
    pairs = sum(len(cs) for _, _, cs in measured)
    naive(warmup)
    naive_s, naive_ok = naive(measured)
    pool_s, pool_ok = asyncio.run(pooled(measured, warmup, args.workers))
    print(f"{len(measured)} groups x 8 = {pairs} (gold, completion) pairs")
    print(f"{'':<34}{'seconds':>9}{'pairs/s':>10}{'credited':>10}")
    print(f"{'naive verify(parse, parse), 1 proc':<34}{naive_s:>9.2f}{pairs / naive_s:>10.1f}{naive_ok:>10}")
    print(f"{f'envsdk math, executor {args.workers} workers':<34}{pool_s:>9.2f}{pairs / pool_s:>10.1f}{pool_ok:>10}")
    print(f"speed-up: {naive_s / pool_s:.1f}x")


if __name__ == "__main__":
    main()
