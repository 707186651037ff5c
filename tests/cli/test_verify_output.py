"""`envsdk verify --output F` never loses finished work silently, says by its exit status when nothing was
really scored, and records the sandbox its rows ran in (docs/reference.md, "envsdk verify")."""

from __future__ import annotations

import json

import pytest

from tests.helpers.cli import envsdk, read_jsonl, write_jsonl

ROWS = [{"id": "a", "completion": "river", "answer": "river"}, {"id": "b", "completion": "stone", "answer": "river"}]


@pytest.fixture
def finished(tmp_path):
    """A finished verify run: its input and its output F."""
    inp, out = write_jsonl(tmp_path / "in.jsonl", ROWS), tmp_path / "out.jsonl"
    assert envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1").returncode == 0
    return inp, out


@pytest.mark.parametrize("extra", [[], ["--resume"], ["-a", '{"size": 3}'], ["--resume", "-a", '{"size": 3}']],
                         ids=["plain", "resume", "other kwargs", "resume with other kwargs"])
def test_a_finished_output_is_refused_without_overwrite(finished, extra):
    inp, out = finished
    before = out.read_text()
    result = envsdk("verify", "toy-echo", *extra, "--input", str(inp), "--output", str(out), "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"envsdk verify: error: {out} holds a finished run; --overwrite replaces it (or choose another --output)")
    assert out.read_text() == before


def test_a_finished_output_of_another_environment_is_refused_too(finished):
    inp, out = finished
    result = envsdk("verify", "toy-copy", "--input", str(inp), "--output", str(out), "--workers", "1")
    assert result.returncode == 2 and "holds a finished run" in result.stderr


def test_overwrite_replaces_a_finished_output(finished, tmp_path):
    inp, out = finished
    write_jsonl(inp, [{"id": "c", "completion": "sea", "answer": "sea"}])
    result = envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1", "--overwrite")
    assert result.returncode == 0, result.stderr
    assert [(r["id"], r["reward"]) for r in read_jsonl(out)] == [("c", 1.0)]


def test_an_interrupted_run_needs_resume_or_overwrite(tmp_path):
    inp, out = write_jsonl(tmp_path / "in.jsonl", [*ROWS, "not json"]), tmp_path / "out.jsonl"
    assert envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1").returncode == 2
    journal = tmp_path / "out.jsonl.journal"
    assert journal.exists()  # a bad line stops the run with its journal kept
    write_jsonl(inp, ROWS)
    out.unlink()
    refused = envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"envsdk verify: error: {out}: an interrupted run's verdicts are journalled in {journal}; --resume continues "
        "it, --overwrite starts afresh")
    resumed = envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--workers", "1", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["reward"] for r in read_jsonl(out)] == [1.0, 0.0]


def test_every_row_an_error_verdict_exits_1_and_says_why(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "completion": "river"}, {"id": "b", "completion": "x"}])
    result = envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(tmp_path / "out.jsonl"), "--workers", "1")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("envsdk verify: error: every row's verdict is an error (first: ")
    assert "answer" in last
    assert [r["error"] is not None for r in read_jsonl(tmp_path / "out.jsonl")] == [True, True]


def test_one_scored_row_among_errors_exits_0(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "completion": "river"}, ROWS[0]])
    assert envsdk("verify", "toy-echo", "--input", str(inp), "--workers", "1").returncode == 0


def test_verify_code_meta_records_the_sandbox_the_rows_ran_in(tmp_path):
    rows = [{"id": "ok", "completion": "def add(a, b):\n    return a + b\n",
             "tests": {"kind": "asserts", "asserts": ["assert add(1, 2) == 3"]}}]
    out = tmp_path / "out.jsonl"
    result = envsdk("verify", "code", "--input", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--output", str(out),
                    "--workers", "1", timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    verdict = read_jsonl(out)[0]
    meta = json.loads((tmp_path / "out.meta.json").read_text())
    assert meta["env_metadata"]["sandbox"] == verdict["details"]["sandbox"]
    assert set(meta["env_metadata"]["sandbox"]) == {"backend", "tier"}
