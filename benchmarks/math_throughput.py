"""Whole-command throughput: `envsdk verify math --workers 2` against a whole naive script, both as
subprocesses timed by wall clock from start to exit (interpreter start-up and imports included), on real
chain-of-thought completions as sampled (shared/data/math/math_cot_dev.jsonl: 50 problems x 8 = 400 rows,
371 distinct completions; no other real completions are available here). The naive script is what a user
would write: import math_verify, then `verify(parse("$" + gold + "$"), parse(completion))` per row.
Both commands read compiled bytecode from one cache of their own (PYTHONPYCACHEPREFIX, filled by one untimed
run of each), as an installed package does: with PYTHONDONTWRITEBYTECODE set, as on the shared dev machine,
the editable envsdk was compiled from source on every run while the naive script's site-packages were not.
Runs alternate (naive, envsdk) `--repeats` times; medians of wall clock and of CPU time (user + system of the
command and the workers it waited for, which load moves far less than wall time) are reported, with the
load average before and after.

Run: python benchmarks/math_throughput.py [--repeats 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parents[1] / "../shared/data/math/math_cot_dev.jsonl"
NAIVE = """\
import json, sys
from math_verify import parse, verify
credited = 0
for line in open(sys.argv[1]):
    row = json.loads(line)
    credited += verify(parse("$" + row["answer"] + "$"), parse(row["completion"]))
print(credited)
"""


def write_rows(path: Path) -> tuple[int, int]:
    """The CoT file as `envsdk verify` rows; returns (rows, distinct completions)."""
    rows = []
    for problem in map(json.loads, DATA.read_text().splitlines()):
        for i, completion in enumerate(problem["completions"]):
            rows.append({"id": f"{problem['idx']}:{i}", "completion": completion, "answer": problem["gt"],
                         "info": {"question": problem["question"]}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return len(rows), len({r["completion"] for r in rows})


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `cmd`."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - started, _children_cpu() - cpu


def _line(label: str, runs: list[tuple[float, float]], n_rows: int) -> tuple[float, float]:
    wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
    print(f"  {label:<74}{wall:6.2f} s {n_rows / wall:7.1f} rows/s  CPU {cpu:5.2f} s   "
          f"runs {', '.join(f'{w:.2f}' for w, _ in runs)}")
    return wall, cpu


def compare_commands(repeats: int = 3, workers: int = 2) -> float:
    """Print both commands' median wall clock and CPU time and return the wall-clock speed-up (naive / envsdk)."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        rows_path, naive_path, out = Path(tmp) / "rows.jsonl", Path(tmp) / "naive.py", Path(tmp) / "out.jsonl"
        n_rows, n_distinct = write_rows(rows_path)
        naive_path.write_text(NAIVE)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        naive_cmd = [sys.executable, str(naive_path), str(rows_path)]
        envsdk_cmd = [sys.executable, "-m", "envsdk.cli.main", "verify", "math", "--input", str(rows_path),
                      "--output", str(out), "--workers", str(workers), "--overwrite"]
        for cmd in (naive_cmd, envsdk_cmd):  # untimed: fills the bytecode cache of both
            _timed(cmd, env)
        naive_runs, envsdk_runs = [], []
        for _ in range(repeats):
            naive_runs.append(_timed(naive_cmd, env))
            envsdk_runs.append(_timed(envsdk_cmd, env))
    print(f"throughput: {n_rows} rows ({n_distinct} distinct completions), whole commands, median of {repeats}, "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    naive_wall, naive_cpu = _line("naive script (imports + verify(parse('$'+gold+'$'), parse(pred)) loop):",
                                  naive_runs, n_rows)
    envsdk_wall, envsdk_cpu = _line(f"envsdk verify math --workers {workers}:", envsdk_runs, n_rows)
    print(f"  speed-up: {naive_wall / envsdk_wall:.2f}x wall clock, {naive_cpu / envsdk_cpu:.2f}x CPU time")
    return naive_wall / envsdk_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    compare_commands(args.repeats, args.workers)


if __name__ == "__main__":
    main()
