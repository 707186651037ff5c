"""`--resume` continues only the run that produced the journal, and a run killed with SIGKILL mid-way
resumes to the output an uninterrupted run writes (docs/reference.md, "envsdk verify", "envsdk eval")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from envsdk.cli.main import main

from tests.cli.slow_env import LAUNCHER
from tests.helpers.cli import read_jsonl, write_jsonl
from tests.helpers.openai_server import FakeOpenAI, text_reply

ROWS = [{"id": str(i), "completion": f"w{i}" if i % 3 else "nope", "answer": f"w{i}"} for i in range(24)]


def slow_envsdk(*args: str, **kw) -> subprocess.Popen:
    """`envsdk ARGS` with the slow environment registered, in its own process group (to kill it whole)."""
    return subprocess.Popen([sys.executable, "-c", LAUNCHER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kw)


def kill_when(proc: subprocess.Popen, path: Path, lines: int) -> None:
    """SIGKILL the command and its workers once `path` holds at least `lines` lines."""
    deadline = time.monotonic() + 120
    while not (path.exists() and path.read_text().count("\n") >= lines):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command made no progress"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def without_durations(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "duration_s"} for r in records]


def test_verify_killed_mid_run_resumes_to_the_uninterrupted_output(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", ROWS)
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    args = ["verify", "slow", "--input", str(inp), "--workers", "1", "--output"]
    assert finish(slow_envsdk(*args, str(clean))).returncode == 0
    journal = Path(str(out) + ".journal")
    kill_when(slow_envsdk(*args, str(out)), journal, 4)
    done_before = journal.read_text().count("\n")
    assert not out.exists() and done_before < len(ROWS)
    resumed = finish(slow_envsdk(*args, str(out), "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert without_durations(read_jsonl(out)) == without_durations(read_jsonl(clean))
    assert not journal.exists()


def test_eval_killed_mid_run_resumes_to_the_uninterrupted_output(tmp_path):
    def respond(body):
        time.sleep(0.05)
        return text_reply(body["messages"][-1]["content"].split()[-1])

    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    with FakeOpenAI(respond) as server:
        args = ["eval", "slow", "-a", '{"size": 12}', "--base-url", server.base_url, "--model", "m", "-n", "2",
                "--concurrency", "1", "--workers", "1", "--output"]
        assert finish(slow_envsdk(*args, str(clean))).returncode == 0
        kill_when(slow_envsdk(*args, str(out)), out, 4)
        kept = len(read_jsonl(out))
        resumed = finish(slow_envsdk(*args, str(out), "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert 4 <= kept < 24
    key = lambda r: (r["group_id"], r["rollout_index"])  # noqa: E731
    assert sorted(without_durations(read_jsonl(out)), key=key) == sorted(without_durations(read_jsonl(clean)), key=key)
    assert json.loads((tmp_path / "out.summary.json").read_text()) == json.loads((tmp_path / "clean.summary.json").read_text())


@pytest.fixture
def interrupted_verify(tmp_path, capsys):
    """A verify run of toy-echo (size 5) stopped by a bad line: its journal and metadata stay behind."""
    inp = write_jsonl(tmp_path / "in.jsonl", ROWS[:3] + ['{"id": "cut'])
    out = tmp_path / "out.jsonl"
    assert main(["verify", "toy-echo", "-a", '{"size": 5}', "--input", str(inp), "--output", str(out), "--workers", "1"]) == 2
    assert Path(str(out) + ".journal").exists()
    capsys.readouterr()
    return inp, out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["toy-copy"], "env_kwargs {'size': 5} -> {}; environment 'toy-echo' -> 'toy-copy'"),
        (["toy-echo", "-a", '{"size": 6}'], "env_kwargs {'size': 5} -> {'size': 6}"),
        (["toy-echo", "-a", '{"size": 5}', "--input", "{other}"], "input '{inp}' -> '{other}'"),
    ],
    ids=["environment", "kwargs", "input"],
)
def test_verify_resume_refuses_a_journal_another_run_produced(interrupted_verify, tmp_path, capsys, change, message):
    inp, out = interrupted_verify
    other = write_jsonl(tmp_path / "other.jsonl", ROWS[:3])
    argv = [a.replace("{other}", str(other)) for a in change]
    if "--input" not in argv:
        argv += ["--input", str(inp)]
    assert main(["verify", *argv, "--output", str(out), "--resume"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    expected = message.replace("{inp}", str(inp.resolve())).replace("{other}", str(other.resolve()))
    assert line == (f"envsdk verify: error: --resume: {out}.journal was produced by another run ({expected}); "
                    "resume with the same settings, or start afresh with --overwrite")


def test_verify_resume_with_the_same_settings_keeps_the_journal(interrupted_verify, capsys):
    inp, out = interrupted_verify
    fixed = write_jsonl(inp, ROWS[:3])
    assert main(["verify", "toy-echo", "-a", '{"size": 5}', "--input", str(fixed), "--output", str(out), "--resume"]) == 0
    assert [r["reward"] for r in read_jsonl(out)] == [0.0, 1.0, 1.0]


def test_resume_with_nothing_to_resume_says_so_and_starts_afresh(tmp_path, capsys):
    inp = write_jsonl(tmp_path / "in.jsonl", ROWS[:2])
    out = tmp_path / "out.jsonl"
    assert main(["verify", "toy-echo", "--input", str(inp), "--output", str(out), "--resume"]) == 0
    assert capsys.readouterr().err == f"envsdk verify: nothing to resume ({out}.journal does not exist); starting afresh\n"


def test_eval_resume_refuses_an_output_of_another_model(tmp_path, capsys):
    out = tmp_path / "ev.jsonl"
    with FakeOpenAI(lambda body: text_reply("x")) as server:
        common = ["eval", "toy-echo", "--base-url", server.base_url, "--limit", "2", "--output", str(out)]
        assert main([*common, "--model", "a"]) == 0
        capsys.readouterr()
        assert main([*common, "--model", "b", "--resume"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"envsdk eval: error: --resume: {out} was produced by another run (model 'a' -> 'b'); "
        "resume with the same settings, or start afresh with --overwrite")
