"""`envsdk serve math` under load: 400 OpenRLHF /get_reward requests from 200 concurrent clients on loopback.

Prints errors, wrong rewards and latency percentiles, side by side with the baseline of scoring the
same samples in-process through the executor (no HTTP), so the ratio is the server's overhead.
Run: python benchmarks/adapters_serve.py [--requests 400] [--clients 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time

import envsdk
import httpx
from envsdk.executor import Executor


def samples(n: int) -> list[tuple[str, str, str, float]]:
    """(prompt, response, label, expected reward): every other response is right."""
    out = []
    for i in range(n):
        prompt = f"What is {i} + {i}? "
        right = i % 2 == 0
        answer = 2 * i if right else 2 * i + 1
        out.append((prompt, f"The sum is \\boxed{{{answer}}}", str(2 * i), 1.0 if right else 0.0))
    return out


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def load(url: str, work: list, clients: int) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = wrong = 0
    queue: asyncio.Queue = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one_client() -> None:
            nonlocal errors, wrong
            while not queue.empty():
                prompt, response, label, expected = queue.get_nowait()
                body = {"query": [prompt + response], "prompts": [prompt], "labels": [label]}
                started = time.perf_counter()
                try:
                    answer = await client.post(url + "/get_reward", json=body)
                    answer.raise_for_status()
                    wrong += answer.json()["rewards"] != [expected]
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors, wrong


async def in_process(work: list, workers: int) -> float:
    env = envsdk.load_environment("math")
    rows = [{"prompt": p, "answer": label} for p, _, label, _ in work]
    async with Executor(env, workers=workers) as executor:
        await executor.score_rows(rows[:workers], [r for _, r, _, _ in work[:workers]])  # warm the workers
        started = time.perf_counter()
        await executor.score_rows(rows, [r for _, r, _, _ in work])
        return time.perf_counter() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--env", default="math", help="environment to serve (math verifies the rewards)")
    args = p.parse_args()
    work = samples(args.requests)
    server = subprocess.Popen(
        [sys.executable, "-m", "envsdk.cli.main", "serve", args.env, "--port", "0", "--workers", str(args.workers)],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        line = server.stderr.readline()
        url = line.strip().rsplit(" ", 1)[-1]
        asyncio.run(load(url, work[: args.workers], args.workers))  # warm the server's workers
        started = time.perf_counter()
        latencies, errors, wrong = asyncio.run(load(url, work, args.clients))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    base = asyncio.run(in_process(work, args.workers))
    print(f"envsdk serve {args.env}: {args.requests} requests, {args.clients} concurrent clients, {args.workers} workers")
    print(f"  errors {errors}   wrong rewards {wrong}")
    print(f"  latency p50 {percentile(latencies, 50) * 1e3:.1f} ms   p99 {percentile(latencies, 99) * 1e3:.1f} ms")
    print(f"  wall {wall:.2f} s = {args.requests / wall:.0f} req/s   "
          f"in-process executor baseline {base:.2f} s = {args.requests / base:.0f} rows/s   ratio {wall / base:.2f}x")
    return 0 if errors == 0 and wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
