"""The workspace environment through envsdk's faces, each with real parts: `envsdk eval` against an
OpenAI-compatible server on loopback, TRL's environment_factory episodes, and `envsdk serve-openenv` (one
workspace per session, closed on reset)."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

import envsdk
from envsdk.cli.main import main
from envsdk_env_workspace import builtin_tasks
from tests.helpers.openai_server import FakeOpenAI
from tests.workspaces.conftest import call

TASKS = {t.instruction: t for t in builtin_tasks()}


def solver(wrong: bool = False):
    """A scripted model: apply the reference patch (or a no-op edit) for the task in the prompt, then submit."""

    def respond(body: dict) -> dict:
        task = next(t for text, t in TASKS.items() if any(text in str(m.get("content")) for m in body["messages"]))
        calls = sum(m["role"] == "tool" for m in body["messages"])
        if calls == 0:
            if wrong:
                return call("bash", command="echo '# looked at it' >> README")
            return call("apply_patch", patch=task.reference_patch())
        return call("submit")

    return respond


@pytest.mark.parametrize("wrong, expected", [(False, 1.0), (True, 0.0)])
def test_envsdk_eval_with_an_openai_compatible_server(tmp_path, tier1, wrong, expected):
    out = tmp_path / "out.jsonl"
    with FakeOpenAI(solver(wrong)) as server:
        code = main(["eval", "workspace", "-a", '{"limit": 2}', "--base-url", server.base_url, "--model", "m",
                     "--limit", "2", "--output", str(out), "--no-progress"])
        assert server.requests[0]["tools"][0]["function"]["name"] == "bash"
    assert code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["reward"] for line in lines] == [expected, expected]
    tool_names = [m.get("name") for m in lines[0]["completion"] if m["role"] == "tool"]
    assert tool_names == (["bash", "submit"] if wrong else ["apply_patch", "submit"])


def test_trl_environment_factory_episodes_are_scored_by_the_hidden_checks(tier1):
    from envsdk.adapters.export import trl_records
    from envsdk.adapters.trl_env import environment_factory

    factory = environment_factory("workspace", limit=2)
    records = trl_records(factory.env)
    task = next(t for t in builtin_tasks() if t.id == records[0]["id"])
    good, bad = factory(), factory()
    good.reset(**records[0])
    bad.reset(**records[0])
    assert "patching file" in good.apply_patch(patch=task.reference_patch())
    assert "exit code: 0" in bad.bash(command="ls")
    good.submit()
    bad.submit()
    completion = [{"role": "assistant", "content": "", "tool_calls": []}]
    (func,) = factory.reward_funcs()
    assert func([records[0]["prompt"]] * 2, [completion] * 2, environments=[good, bad]) == [1.0, 0.0]


def _sleepers(tag: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read().replace(b"\0", b" ").strip() == f"sleep {tag}".encode():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_serve_openenv_one_workspace_per_session_closed_on_reset(tier1):
    pytest.importorskip("openenv")
    from openenv.core.generic_client import GenericEnvClient

    from tests.helpers.asgi import serve_command

    with serve_command(sys.executable, "-m", "envsdk.cli.main", "serve-openenv", "workspace", "-a", '{"limit": 2}',
                       "--port", "0") as url:
        with GenericEnvClient(base_url=url).sync() as client:
            first = client.reset(index=0)
            task = next(t for text, t in TASKS.items() if text in json.dumps(first.observation["messages"]))
            step = client.step({"content": "", "tool_calls": [call("bash", command="sleep 4242 >/dev/null 2>&1 &")["tool_calls"][0]]})
            assert step.done is False
            assert len(_sleepers("4242")) == 1
            client.reset(index=0)  # abandons the first episode: its workspace must go
            deadline = time.monotonic() + 20
            while _sleepers("4242") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _sleepers("4242") == []
            client.step({"content": "", "tool_calls": [call("apply_patch", patch=task.reference_patch())["tool_calls"][0]]})
            done = client.step({"content": "", "tool_calls": [call("submit")["tool_calls"][0]]})
            assert (done.done, done.reward) == (True, 1.0)


def test_the_report_shows_each_episode_as_a_transcript(tmp_path, tier1):
    out, html = tmp_path / "out.jsonl", tmp_path / "report.html"
    with FakeOpenAI(solver()) as server:
        assert main(["eval", "workspace", "-a", '{"limit": 1}', "--base-url", server.base_url, "--model", "m",
                     "--limit", "1", "--output", str(out), "--no-progress"]) == 0
    assert main(["report", str(out), "--output", str(html)]) == 0
    page = html.read_text()
    assert "-&gt; apply_patch(" in page and "-&gt; submit({})" in page
    assert "tool apply_patch: exit code: 0 (ok)" in page and "patching file textkit/slug.py" in page


def test_envsdk_verify_replays_saved_transcripts_to_the_same_rewards(tmp_path, tier1):
    saved, rescored = tmp_path / "saved.jsonl", tmp_path / "rescored.jsonl"
    with FakeOpenAI(solver()) as good, FakeOpenAI(solver(wrong=True)) as bad:
        for server, name in ((good, "good"), (bad, "bad")):
            assert main(["eval", "workspace", "-a", '{"limit": 2}', "--base-url", server.base_url, "--model", "m",
                         "--limit", "2", "--output", str(tmp_path / f"{name}.jsonl"), "--no-progress"]) == 0
    evaluated = [json.loads(line) for name in ("good", "bad") for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
    rows = {r["id"]: r for r in envsdk.load_environment("workspace", limit=2).rows()}
    saved.write_text("".join(json.dumps({**rows[e["id"]], "completion": e["completion"]}) + "\n" for e in evaluated))
    assert main(["verify", "workspace", "-a", '{"limit": 2}', "--input", str(saved), "--output", str(rescored),
                 "--workers", "1", "--no-progress"]) == 0
    replayed = [json.loads(line)["reward"] for line in rescored.read_text().splitlines()]
    assert replayed == [e["reward"] for e in evaluated] == [1.0, 1.0, 0.0, 0.0]


def test_envsdk_audit_of_the_workspace_environment_is_clean(tmp_path, tier1):
    report = tmp_path / "audit.json"
    probes = "ws-read-hidden-tests,ws-tamper-tests,ws-exit-zero,ws-touch-verifier,ws-leave-process,hostile-arguments"
    assert main(["audit", "workspace", "--limit", "1", "--probes", probes, "--output", str(report)]) == 0
    results = json.loads(report.read_text())["probes"]
    assert sorted(r["name"] for r in results) == sorted(probes.split(","))
    assert all((r["status"], r["mean_reward"], r["abstain_rate"]) == ("clean", 0.0, 0.0) for r in results)
    assert sum(r["attempts"] for r in results) >= 13
