"""Scale-out on one machine: the code environment's verification through 1, 2, 4 loopback sandbox servers
(`backend="http"`) and on a Ray cluster of 1, 2, ... nodes started with `ray start`, each beside the
local baseline (embedded sandbox; local process pool), in one run.

Per path it prints rows/s at a fixed concurrency, the mean latency of one row scored alone, and the
per-row overhead (that latency minus the local one). Every remote verdict is checked against the local
one. All servers and nodes share this machine's cores, so the rows/s column measures what the remote
paths cost, not what more machines would add: docs/scale.md turns these numbers into a plan.
Run: python benchmarks/scale_out.py [--rows 36] [--concurrency 6] [--servers 1,2,4] [--ray-nodes 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.scale.cluster import LoopbackRay, SandboxServer  # noqa: E402

ADD = 'def add(a, b):\n    """Return a + b."""\n'
KINDS = [
    {"kind": "humaneval", "prompt": ADD, "entry_point": "add",
     "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-4, 4) == 0\n"},
    {"kind": "asserts", "asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(0, 0) == 0"]},
    {"kind": "stdio", "cases": [{"input": "1 2\n", "output": "3\n"}, {"input": "20 22\n", "output": "42\n"}]},
]
FUNCTION = ["def add(a, b):\n    return a + b\n", "def add(a, b):\n    return a - b\n"]
PROGRAM = ["a, b = map(int, input().split())\nprint(a + b)\n", "print(3)\n"]


def workload(n: int) -> tuple[list[dict], list[str]]:
    """n rows over the three test kinds, every other one wrong."""
    rows, completions = [], []
    for i in range(n):
        tests = KINDS[i % 3]
        code = (PROGRAM if tests["kind"] == "stdio" else FUNCTION)[(i // 3) % 2]
        rows.append({"id": str(i), "tests": tests})
        completions.append(f"```python\n{code}```")
    return rows, completions


def load() -> float:
    return os.getloadavg()[0]


def key(verdict) -> tuple:
    return verdict.reward, verdict.passed, verdict.error


# ---- sandbox servers -------------------------------------------------------------------------------
def verifier_path(verifier, rows, completions, concurrency: int, alone: int) -> dict:
    """rows/s with `concurrency` threads; mean seconds of one row scored alone (the first `alone` rows)."""
    with ThreadPoolExecutor(concurrency) as threads:  # warm the drivers and connections
        list(threads.map(lambda rc: verifier.verify(rc[0]["tests"], rc[1]), zip(rows[:6], completions[:6])))
    single = []
    for row, completion in zip(rows[:alone], completions[:alone]):
        started = time.perf_counter()
        verifier.verify(row["tests"], completion)
        single.append(time.perf_counter() - started)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as threads:
        verdicts = list(threads.map(lambda rc: verifier.verify(rc[0]["tests"], rc[1]), zip(rows, completions)))
    wall = time.perf_counter() - started
    return {"rows_s": len(rows) / wall, "alone_s": statistics.mean(single), "verdicts": verdicts, "load": load()}


def sandbox_servers(counts: list[int], rows, completions, concurrency: int, alone: int, tier: str) -> list[tuple]:
    from envsdk_env_code import CodeVerifier

    results = []
    local = CodeVerifier(timeout_s=5.0)
    try:
        base = verifier_path(local, rows, completions, concurrency, alone)
    finally:
        local.close()
    results.append(("local embedded sandbox", base, base))
    for count in counts:
        servers = [SandboxServer.start(extra=["--tier", tier]) for _ in range(count)]
        verifier = CodeVerifier(timeout_s=5.0, backend="http", sandbox_urls=[s.url for s in servers])
        try:
            measured = verifier_path(verifier, rows, completions, concurrency, alone)
        finally:
            verifier.close()
            for server in servers:
                server.kill()
        results.append((f"http, {count} server{'s' * (count > 1)}", measured, base))
    return results


# ---- Ray -------------------------------------------------------------------------------------------
async def executor_path(executor, rows, completions, alone: int) -> dict:
    await asyncio.gather(*(executor.score_group([r], [c]) for r, c in zip(rows[:6], completions[:6])))  # warm all
    single = []
    for row, completion in zip(rows[:alone], completions[:alone]):
        started = time.perf_counter()
        await executor.score_group([row], [completion])
        single.append(time.perf_counter() - started)
    started = time.perf_counter()
    verdicts = await executor.score_rows(rows, completions)
    wall = time.perf_counter() - started
    return {"rows_s": len(rows) / wall, "alone_s": statistics.mean(single), "verdicts": verdicts, "load": load()}


def ray_nodes(counts: list[int], rows, completions, alone: int) -> list[tuple]:
    import envsdk
    from envsdk.executor import Executor
    from envsdk.ray_executor import RayExecutor

    env = envsdk.load_environment("code", timeout_s=5.0)

    async def local():
        async with Executor(env, workers=2, mode="pool", start="fork") as executor:
            return await executor_path(executor, rows, completions, alone)

    base = asyncio.run(local())
    results = [("local process pool (2 workers)", base, base)]
    cluster = LoopbackRay(Path(tempfile.mkdtemp(prefix="scale-out-")), head_cpus=1)
    os.environ.update({k: v for k, v in cluster.env.items() if k.startswith("RAY_")})
    try:
        cluster.start()
        for count in counts:
            while len(cluster.nodes) < count:
                cluster.add_node(cpus=1)

            async def remote():
                async with RayExecutor(env, address=cluster.address, num_actors=count) as executor:
                    return await executor_path(executor, rows, completions, alone)

            results.append((f"Ray, {count} node{'s' * (count > 1)} x 1 actor", asyncio.run(remote()), base))
        results += dispatch(cluster.address, alone)
    finally:
        import ray

        ray.shutdown()
        cluster.close()
    return results


def dispatch(address: str, alone: int) -> list[tuple]:
    """What a Ray round trip adds to a row whose verification costs nothing (toy-even, on the event loop)."""
    import envsdk
    from envsdk.executor import Executor
    from envsdk.ray_executor import RayExecutor

    env = envsdk.load_environment("toy-even")
    rows, completions = [{"id": str(i), "prompt": "p"} for i in range(200)], ["42"] * 200

    async def measure(executor):
        async with executor:
            return await executor_path(executor, rows, completions, 5 * alone)

    base = asyncio.run(measure(Executor(env, mode="inline")))
    remote = asyncio.run(measure(RayExecutor(env, address=address, num_actors=1)))
    return [("toy-even, event loop (dispatch baseline)", base, base), ("toy-even, Ray, 1 actor", remote, base)]


def table(results: list[tuple]) -> list[str]:
    lines = ["| path | rows/s | x local | one row alone (ms) | overhead per row (ms) | verdicts = local | load |",
             "|---|---|---|---|---|---|---|"]
    for name, measured, base in results:
        same = [key(v) for v in measured["verdicts"]] == [key(v) for v in base["verdicts"]]
        lines.append(f"| {name} | {measured['rows_s']:.1f} | {measured['rows_s'] / base['rows_s']:.2f} | "
                     f"{measured['alone_s'] * 1e3:.1f} | {(measured['alone_s'] - base['alone_s']) * 1e3:+.1f} | "
                     f"{'yes' if same else 'NO'} | {measured['load']:.1f} |")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=36)
    p.add_argument("--concurrency", type=int, default=6, help="client threads on the sandbox paths")
    p.add_argument("--alone", type=int, default=9, help="rows timed one at a time for the per-row overhead")
    p.add_argument("--servers", default="1,2,4")
    p.add_argument("--server-tier", default="1-fast", help="the servers' sandbox tier (the local verifier's is "
                                                            "1-fast: the strongest tier, warm)")
    p.add_argument("--ray-nodes", default="1,2")
    args = p.parse_args()
    rows, completions = workload(args.rows)
    print(f"{args.rows} code rows (humaneval, asserts, stdio; half wrong), {os.cpu_count()} CPUs, "
          f"load average {load():.1f} at start", flush=True)
    out = []
    if args.servers:
        out += ["", "sandbox servers (verifier threads: %d)" % args.concurrency]
        out += table(sandbox_servers([int(n) for n in args.servers.split(",")], rows, completions,
                                     args.concurrency, args.alone, args.server_tier))
        print("\n".join(out), flush=True)
    if args.ray_nodes:
        ray_lines = ["", "Ray nodes (the code environment on actors)"]
        ray_lines += table(ray_nodes([int(n) for n in args.ray_nodes.split(",")], rows, completions, args.alone))
        print("\n".join(ray_lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
