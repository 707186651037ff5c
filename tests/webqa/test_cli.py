"""`envsdk verify webqa` and `envsdk eval webqa` as users run them (docs/reference.md, "envsdk verify", "envsdk eval")."""

import json
import subprocess
import sys

from tests.helpers.openai_server import FakeOpenAI, text_reply

ROWS = [
    {"id": "a", "completion": "Dunmere", "answer": "Dunmere"},
    {"id": "b", "completion": [{"role": "assistant", "content": "Reading... <answer>March 14, 1911</answer>"}], "answer": ["14 March 1911"]},
    {"id": "c", "completion": "I don't know.", "answer": ["Velmora"]},
    {"id": "d", "completion": "Velmora", "answer": []},
]


def envsdk_cli(*args):
    return subprocess.run([sys.executable, "-m", "envsdk.cli.main", *args], capture_output=True, text=True, timeout=120)


def test_verify_scores_final_answers_and_transcripts(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    proc = envsdk_cli("verify", "webqa", "--input", str(src), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c", "d"]
    assert [line["passed"] for line in lines[:3]] == [True, True, None]
    assert lines[2]["details"]["outcome"] == "not_attempted"
    assert "answer" in lines[3]["error"]


def test_eval_runs_against_an_openai_compatible_endpoint(tmp_path):
    out = tmp_path / "eval.jsonl"
    with FakeOpenAI(lambda body: text_reply("<answer>1879</answer>")) as server:
        proc = envsdk_cli("eval", "webqa", "--base-url", server.base_url, "--model", "m", "--limit", "2", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 and sorted(r["passed"] for r in records) == [False, True]  # question 1's answer is 1879
    assert json.loads((tmp_path / "eval.summary.json").read_text())["pass@1"] == 0.5
