"""Workspace latencies and throughput, each next to a fair host baseline, in one run.

  python benchmarks/workspaces.py [--n 10] [--episodes 20] [--backend embedded|docker]

Prints p50/p90 ms of create (empty workspace), run (`true`), fork (of a 50 MB work tree; 8 forks in a row,
total) and close, beside a plain `bash -c true` subprocess and a host copytree of the same 50 MB tree on
/dev/shm; then scripted episodes per second (reference patch + submit through WorkspaceEnv's rollout and
rubric) with 2 at a time, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from envsdk.audit import Attempt, ProbeContext
from envsdk.audit.carriers import tool_call
from envsdk.audit.runner import ScriptedClient
from envsdk_env_workspace import builtin_tasks, load_environment
from envsdk_sandbox import Sandbox


def pct(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"{statistics.median(xs) * 1000:7.1f} / {xs[int(0.9 * (len(xs) - 1))] * 1000:7.1f}"


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def tree(root: str, mb: int = 50) -> dict[str, bytes]:
    """A 50 MB work tree: 10 files of 4 MB and 2,500 small files in 50 directories."""
    files = {f"data/blob{i}.bin": os.urandom(4 << 20) for i in range(10)}
    files.update({f"src/pkg{i % 50}/mod{i}.py": os.urandom(4000) for i in range(2500)})
    for path, data in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), "wb") as f:
            f.write(data)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--backend", default="embedded")
    args = ap.parse_args()
    sb = Sandbox(backend="docker") if args.backend == "docker" else Sandbox(tier=1)
    sb.workspace().close()  # start the workspace server outside the figures
    create, run, close, host_run = [], [], [], []
    for _ in range(args.n):
        t, ws = timed(sb.workspace)
        create.append(t)
        run.append(timed(lambda: ws.run("true"))[0])
        close.append(timed(ws.close)[0])
        host_run.append(timed(lambda: subprocess.run(["bash", "-c", "true"], check=True))[0])
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        src = os.path.join(shm, "src")
        files = tree(src)
        size = sum(len(d) for d in files.values()) / (1 << 20)
        copies = [timed(lambda i=i: shutil.copytree(src, os.path.join(shm, f"copy{i}")))[0] for i in range(8)]
    with sb.workspace() as base:
        for path, data in files.items():
            base.put(path, data)
        forks, children = [], []
        for _ in range(8):
            t, child = timed(base.fork)
            forks.append(t)
            children.append(child)
        assert children[-1].run("du -sm /work | cut -f1").stdout.strip() in (str(int(size)), str(int(size) + 1), str(int(size) + 2))
        for child in children:
            child.close()
    print(f"backend {sb.backend} tier {sb.tier}; load average {os.getloadavg()}")
    print(f"{'operation':<34} {'p50 / p90 ms':>17}   baseline p50 / p90 ms")
    print(f"{'create (empty)':<34} {pct(create)}")
    print(f"{'run `true`':<34} {pct(run)}   bash -c true subprocess {pct(host_run)}  "
          f"(ratio {statistics.median(run) / statistics.median(host_run):.2f})")
    print(f"{f'fork of {size:.0f} MB, {len(files)} files':<34} {pct(forks)}   host copytree on /dev/shm {pct(copies)}  "
          f"(ratio {statistics.median(forks) / statistics.median(copies):.2f})")
    print(f"{'8 forks in a row, total':<34} {sum(forks) * 1000:7.1f} ms (goal < 2000)")
    print(f"{'close':<34} {pct(close)}")
    sb.close()

    env = load_environment(backend=args.backend)
    tasks = builtin_tasks()
    rows = {r["id"]: r for r in env.rows()}
    ctx = ProbeContext(row_id="", prompt=[], tools=tuple(env.tool_schemas), tool_format=env.tool_format)
    async def episode(task) -> float:
        turns = (tool_call(ctx, [("apply_patch", {"patch": task.reference_patch()})]), tool_call(ctx, [("submit", {})]))
        client = ScriptedClient(Attempt("reference", turns))
        result = await env.rollout(client, rows[task.id])
        return (await env.score(rows[task.id], result.completion, result.state)).reward

    async def all_episodes() -> list[float]:
        gate = asyncio.Semaphore(2)

        async def one(i):
            async with gate:
                return await episode(tasks[i % len(tasks)])

        return await asyncio.gather(*(one(i) for i in range(args.episodes)))

    start = time.perf_counter()
    rewards = asyncio.run(all_episodes())
    wall = time.perf_counter() - start
    asyncio.run(env.aclose())
    print(f"scripted episodes (patch + submit + hidden checks), 2 at a time: {len(rewards) / wall:.2f} episodes/s "
          f"({len(rewards)} in {wall:.1f} s, mean reward {sum(rewards) / len(rewards):.2f}); load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
