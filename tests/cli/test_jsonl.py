"""JSONL inputs: blank lines are skipped, and a line cut off mid-object is named with its line and column."""

from __future__ import annotations

import json

from envsdk.cli.main import main

from tests.helpers.cli import read_jsonl, write_jsonl


def test_verify_skips_blank_lines_and_names_a_cut_line_with_its_column(tmp_path, capsys):
    rows = [{"id": "a", "completion": "x", "answer": "x"}, "", "   ", {"id": "b", "completion": "y", "answer": "x"},
            '{"id": "c", "completion": "x"']
    inp, out = write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl"
    assert main(["verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1"]) == 2
    assert [(r["id"], r["reward"]) for r in read_jsonl(out)] == [("a", 1.0), ("b", 0.0)]
    err = capsys.readouterr().err
    assert err == (f"envsdk verify: error: {inp}:5: not valid JSON (Expecting ',' delimiter at column 30); "
                   "the 2 rows before it were written\n")


def test_verify_summary_goes_to_stdout_with_an_output_file(tmp_path, capsys):
    """The summary is `summarize(records)`, names and values: rewards 0, 1, 1, 1 (sample std 0.5), each row its
    own group, toy-echo's components `exact` (the reward) and `length` (the reply's characters: 1)."""
    rows = [{"id": str(i), "completion": "x", "answer": "x" if i else "y"} for i in range(4)]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    assert main(["verify", "toy-echo", "--input", str(inp), "--output", str(tmp_path / "o.jsonl"), "--workers", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "rollouts                     4",
        "groups                       4",
        "reward_mean                  0.7500",
        "reward_std                   0.5000",
        "correct_rate                 0.7500",
        "verify/error_rate            0.0000",
        "verify/timeout_rate          0.0000",
        "verify/budget_exceeded_rate  0.0000",
        "verify/abstain_rate          0.0000",
        "rewards/exact/mean           0.7500",
        "rewards/length/mean          1.0000",
        "frac_reward_zero_std         0.0000",
        "distinct_correct             0.7500",
    ]


def test_verify_to_stdout_keeps_stdout_for_the_records(tmp_path, capsys):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "completion": "x", "answer": "x"}])
    assert main(["verify", "toy-echo", "--input", str(inp), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert [(r["version"], r["source"], r["id"], r["reward"]) for r in map(json.loads, captured.out.splitlines())] == [
        (2, "verify", "a", 1.0)]
    assert captured.err.splitlines()[0] == "rollouts                     1"
