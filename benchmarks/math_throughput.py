"""Whole-command throughput: `envsdk verify math --workers 2` against a whole naive script, both as
subprocesses timed by wall clock from start to exit (interpreter start-up and imports included), on real
chain-of-thought completions as sampled (shared/data/math/math_cot_dev.jsonl: 50 problems x 8 = 400 rows,
371 distinct completions; no other real completions are available here). The naive script is what a user
would write: import math_verify, then `verify(parse("$" + gold + "$"), parse(completion))` per row.
Runs alternate (naive, envsdk) `--repeats` times; medians are reported.

Run: python benchmarks/math_throughput.py [--repeats 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
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


def _timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def compare_commands(repeats: int = 3, workers: int = 2) -> float:
    """Print both commands' median wall clock and return the speed-up (naive / envsdk)."""
    with tempfile.TemporaryDirectory() as tmp:
        rows_path, naive_path, out = Path(tmp) / "rows.jsonl", Path(tmp) / "naive.py", Path(tmp) / "out.jsonl"
        n_rows, n_distinct = write_rows(rows_path)
        naive_path.write_text(NAIVE)
        naive_cmd = [sys.executable, str(naive_path), str(rows_path)]
        envsdk_cmd = [sys.executable, "-m", "envsdk.cli.main", "verify", "math", "--input", str(rows_path),
                      "--output", str(out), "--workers", str(workers), "--overwrite"]
        naive_s, envsdk_s = [], []
        for _ in range(repeats):
            naive_s.append(_timed(naive_cmd))
            envsdk_s.append(_timed(envsdk_cmd))
    naive_med, envsdk_med = statistics.median(naive_s), statistics.median(envsdk_s)
    print(f"throughput: {n_rows} rows ({n_distinct} distinct completions), whole commands, median of {repeats}")
    print(f"  naive script (imports + verify(parse('$'+gold+'$'), parse(pred)) loop): {naive_med:6.2f} s "
          f"{n_rows / naive_med:7.1f} rows/s   runs {', '.join(f'{s:.2f}' for s in naive_s)}")
    print(f"  envsdk verify math --workers {workers}:{'':>30}{envsdk_med:6.2f} s "
          f"{n_rows / envsdk_med:7.1f} rows/s   runs {', '.join(f'{s:.2f}' for s in envsdk_s)}")
    print(f"  speed-up: {naive_med / envsdk_med:.2f}x")
    return naive_med / envsdk_med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    compare_commands(args.repeats, args.workers)


if __name__ == "__main__":
    main()
