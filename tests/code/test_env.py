"""The `code` environment as users reach it: the registry, row validation and `envsdk verify code`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import envsdk
from envsdk import RowError


def test_the_registry_builds_the_environment_with_humaneval_rows():
    env = envsdk.load_environment("code", limit=3)
    assert env.rubric.cpu_heavy and [r["id"] for r in env.rows()] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]


def test_validate_row_parses_json_tests_and_names_missing_fields():
    env = envsdk.load_environment("code", limit=1)
    row = env.validate_row({"tests": json.dumps({"kind": "asserts", "asserts": ["assert f() == 1"]})})
    assert row["tests"]["kind"] == "asserts"
    with pytest.raises(RowError, match="tests"):
        env.validate_row({"completion": "x"})


def test_envsdk_verify_code_scores_rows_in_order_and_flags_bad_ones(tmp_path):
    rows = [
        {"id": "ok", "completion": "def add(a, b):\n    return a + b\n",
         "tests": {"kind": "asserts", "asserts": ["assert add(1, 2) == 3"]}},
        {"id": "bad", "completion": "def add(a, b):\n    return a - b\n",
         "tests": {"kind": "asserts", "asserts": ["assert add(1, 2) == 3"]}},
        {"id": "io", "completion": "```python\nprint(sum(map(int, input().split())))\n```",
         "tests": {"kind": "stdio", "cases": [{"input": "1 2\n", "output": "3\n"}]}},
        {"id": "no-tests", "completion": "print(1)"},
    ]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "verify", "code", "--input", str(source),
                           "--output", str(out), "--workers", "1"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(o["id"], o["passed"]) for o in lines] == [("ok", True), ("bad", False), ("io", True), ("no-tests", None)]
    assert "tests" in lines[3]["error"]
