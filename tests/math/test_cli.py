"""`envsdk verify math` end to end in a subprocess (docs/reference.md, "envsdk verify")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROWS = [
    {"id": "ok", "completion": r"So $\boxed{\frac{1}{2}}$.", "answer": "0.5"},
    {"id": "wrong", "completion": [{"role": "assistant", "content": r"$\boxed{3}$"}], "answer": r"\sqrt{2}"},
    {"id": "no-answer", "completion": r"$\boxed{3}$"},
    {"id": "bad-answer", "completion": r"$\boxed{3}$", "answer": {"x": 1}},
]


def run_verify(tmp_path: Path, lines: list[str]) -> tuple[subprocess.CompletedProcess, list[dict]]:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(line + "\n" for line in lines))
    cmd = [sys.executable, "-m", "envsdk.cli.main", "verify", "math", "--input", str(source), "--output", str(out),
           "--workers", "1", "--timeout", "30"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    results = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return proc, results


def test_verify_scores_rows_in_order_and_flags_bad_ones(tmp_path):
    proc, results = run_verify(tmp_path, [json.dumps(r) for r in ROWS])
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in results] == ["ok", "wrong", "no-answer", "bad-answer"]
    assert [r["reward"] for r in results[:2]] == [1.0, 0.0]
    assert results[0]["details"]["outcome"] == "correct"
    assert all("answer" in r["error"] for r in results[2:])


def test_line_that_is_not_json_stops_with_exit_2(tmp_path):
    proc, results = run_verify(tmp_path, [json.dumps(ROWS[0]), "not json"])
    assert proc.returncode == 2 and "in.jsonl:2" in proc.stderr
    assert [r["id"] for r in results] == ["ok"]
