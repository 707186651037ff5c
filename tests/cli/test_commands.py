"""The public commands of docs/reference.md ("envsdk list", "envsdk verify", "envsdk eval"), run as a user
would run them (subprocesses)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

from envsdk.journal import row_hash
from envsdk.runmeta import resume_key
from tests.helpers.cli import envsdk, write_jsonl
from tests.helpers.openai_server import FakeOpenAI, text_reply


def test_list_has_one_line_per_name_in_contract_shape():
    out = envsdk("list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert all(re.match(r"^(env|transform) \S+( {2,}\S.*)?$", line) for line in lines), lines
    assert "env toy-echo" in {" ".join(line.split()[:2]) for line in lines}


def test_verify_writes_one_line_per_row_in_order_with_errors_flagged(tmp_path):
    rows = [
        {"id": "a", "completion": "river", "answer": "river"},
        {"id": "b", "completion": "stone", "answer": "river"},
        {"id": "c", "answer": "river"},
    ]
    out = tmp_path / "out.jsonl"
    result = envsdk("verify", "toy-echo", "--input", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--output", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert [line["reward"] for line in lines] == [1.0, 0.0, 0.0]
    assert "completion" in lines[2]["error"] and lines[2]["passed"] is None
    meta = json.loads((tmp_path / "out.meta.json").read_text())
    assert meta["environment"]["name"] == "toy-echo" and "envsdk" in meta["packages"]


def test_verify_stops_at_a_non_object_line_after_writing_rows_before_it(tmp_path):
    rows = [{"id": 1, "completion": "x", "answer": "x"}, '{"id": 2, "completion": "y"', {"id": 3, "completion": "z", "answer": "z"}]
    out = tmp_path / "out.jsonl"
    result = envsdk("verify", "toy-echo", "--input", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--output", str(out))
    assert result.returncode == 2
    assert "in.jsonl:2" in result.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["1"]  # a record's id is text


def test_verify_resume_skips_journalled_rows(tmp_path):
    rows = [{"id": i, "completion": "x", "answer": "x"} for i in range(3)]
    inp, out = write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl"
    key = resume_key(environment="toy-echo", env_kwargs={}, input=str(inp.resolve()))
    (tmp_path / "out.meta.json").write_text(json.dumps({"command": "verify", "resume_key": key}))
    marker = {"reward": 0.5, "passed": None, "error": None, "timed_out": False, "components": {}, "duration_s": 0.0, "details": {"from": "journal"}}
    journal = tmp_path / "out.jsonl.journal"
    journal.write_text(json.dumps({"key": f"1:{row_hash(rows[0])}", "value": marker}) + "\n")
    result = envsdk("verify", "toy-echo", "--input", str(inp), "--output", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["details"] == {"from": "journal"} and lines[1]["reward"] == 1.0
    assert not journal.exists()


def test_unknown_environment_lists_known_ones(tmp_path):
    result = envsdk("verify", "no-such-env", "--input", str(write_jsonl(tmp_path / "i.jsonl", [])))
    assert result.returncode == 2 and "toy-echo" in result.stderr


def test_eval_against_a_loopback_openai_server(tmp_path):
    counter = itertools.count()

    def respond(body):
        word = body["messages"][-1]["content"].split()[-1]
        return text_reply(word if next(counter) % 2 == 0 else "wrong")

    out = tmp_path / "ev.jsonl"
    with FakeOpenAI(respond) as server:
        result = envsdk("eval", "toy-echo", "--base-url", server.base_url, "--model", "m", "-n", "4",
                        "--k", "1,4", "--limit", "3", "--output", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 12 and {r["rollout_index"] for r in records} == {0, 1, 2, 3}
    assert all(r["usage"]["completion_tokens"] == 2 for r in records)
    summary = json.loads((tmp_path / "ev.summary.json").read_text())
    assert summary["pass@1"] == 0.5 and summary["pass@4"] == 1.0 and summary["verify/error_rate"] == 0.0
    assert "pass@4" in result.stdout


def test_eval_flags_unreachable_server_rollouts_as_errors(tmp_path):
    out = tmp_path / "ev.jsonl"
    result = envsdk("eval", "toy-echo", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--limit", "1",
                    "--output", str(out), "--retries", "0", timeout=120)
    assert result.returncode == 1, result.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["error"].startswith("sampling failed")


def test_init_scaffolds_a_package_that_installs_and_lists(tmp_path):
    assert envsdk("init", "my-task", "--dir", str(tmp_path)).returncode == 0
    site = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--target", str(site),
         str(tmp_path / "my-task")], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}
    listed = envsdk("list", env=env)
    assert any(line.startswith("env my-task  ") for line in listed.stdout.splitlines())
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "my-task" / "tests")],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout


def test_env_group_routes_rows_by_env_field(tmp_path):
    rows = [
        {"id": "e", "env": "toy-echo", "completion": "river", "answer": "river"},
        {"id": "x", "env": "nope", "completion": "river", "answer": "river"},
    ]
    out = tmp_path / "out.jsonl"
    args = ["verify", "env-group", "-a", '{"envs": {"toy-echo": {}}}', "--input", str(write_jsonl(tmp_path / "i.jsonl", rows)), "--output", str(out)]
    assert envsdk(*args).returncode == 0
    first, second = [json.loads(line) for line in out.read_text().splitlines()]
    assert first["reward"] == 1.0
    assert "field 'env'" in second["error"]
