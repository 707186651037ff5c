"""`envsdk eval` tells the truth by its exit status, names the file it writes and never silently replaces
an earlier run (docs/reference.md, "envsdk eval" and "Exit codes")."""

from __future__ import annotations

import json

from tests.helpers.asgi import closed_port
from tests.helpers.cli import envsdk, read_jsonl
from tests.helpers.openai_server import Failure, FakeOpenAI, text_reply


def echo(body: dict) -> dict:
    """The right answer for toy-echo: the prompt's last word."""
    return text_reply(body["messages"][-1]["content"].split()[-1])


def run_eval(base_url: str, *args: str, cwd=None):
    return envsdk("eval", "toy-echo", "--base-url", base_url, "--model", "m", "--limit", "3", "--retries", "0",
                  "--workers", "1", *args, cwd=cwd)


def test_every_request_failing_on_a_dead_port_exits_1_and_says_what_to_check(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = run_eval(url, "--output", str(tmp_path / "ev.jsonl"))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("envsdk eval: error: every request failed (")
    assert last.endswith(f"is the server up, and does --base-url end in /v1 (requests go to {url}/chat/completions)?")
    assert json.loads((tmp_path / "ev.summary.json").read_text())["verify/error_rate"] == 1.0


def test_a_base_url_without_v1_gets_404_on_every_row_and_exits_1(tmp_path):
    with FakeOpenAI(echo) as server:
        result = run_eval(server.root, "--output", str(tmp_path / "ev.jsonl"))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert f"every request failed ({server.root}/chat/completions: HTTP 404" in last
    assert last.endswith(f"(requests go to {server.root}/chat/completions)?")
    prefix = f"sampling failed: {server.root}/chat/completions: HTTP 404: "
    assert [r["error"].startswith(prefix) for r in read_jsonl(tmp_path / "ev.jsonl")] == [True] * 3


def test_some_requests_failing_exits_1_and_counts_them(tmp_path):
    with FakeOpenAI(echo, failures=[Failure(400)]) as server:
        result = run_eval(server.base_url, "--output", str(tmp_path / "ev.jsonl"), "--concurrency", "1")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("envsdk eval: error: 1 of 3 requests failed (first: ")
    assert last.endswith("they count as incorrect in the summary; --resume retries their groups")
    summary = json.loads((tmp_path / "ev.summary.json").read_text())
    assert (summary["pass@1"], summary["verify/error_rate"]) == (2 / 3, 1 / 3)


def test_resume_retries_the_groups_whose_requests_failed(tmp_path):
    out = tmp_path / "ev.jsonl"
    with FakeOpenAI(echo, failures=[Failure(400)]) as server:
        assert run_eval(server.base_url, "--output", str(out), "--concurrency", "1").returncode == 1
        resumed = run_eval(server.base_url, "--output", str(out), "--resume")
        assert len(server.requests) == 3  # 2 answered the first time, 1 retried; the complete groups kept
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(out)
    assert len({r["id"] for r in records}) == 3
    assert [(r["reward"], r["error"]) for r in records] == [(1.0, None)] * 3


def test_without_output_it_names_its_file_and_never_replaces_an_earlier_run(tmp_path):
    with FakeOpenAI(echo) as server:
        first = run_eval(server.base_url, cwd=tmp_path)
        earlier = (tmp_path / "toy-echo.eval.jsonl").read_text()
        second = run_eval(server.base_url, cwd=tmp_path)
        resumed = run_eval(server.base_url, "--resume", cwd=tmp_path)
    assert (first.returncode, second.returncode, resumed.returncode) == (0, 0, 0)
    assert first.stderr.splitlines()[0] == "envsdk eval: writing toy-echo.eval.jsonl"
    assert second.stderr.splitlines()[0] == "envsdk eval: writing toy-echo.eval.2.jsonl"
    assert resumed.stderr.splitlines()[0] == "envsdk eval: writing toy-echo.eval.2.jsonl"  # the newest run
    assert (tmp_path / "toy-echo.eval.jsonl").read_text() == earlier
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == ["toy-echo.eval.2.jsonl", "toy-echo.eval.jsonl"]


def test_an_explicit_output_that_exists_is_refused_without_overwrite(tmp_path):
    out = tmp_path / "ev.jsonl"
    out.write_text('{"old": true}\n')
    with FakeOpenAI(echo) as server:
        refused = run_eval(server.base_url, "--output", str(out))
        assert out.read_text() == '{"old": true}\n'
        replaced = run_eval(server.base_url, "--output", str(out), "--overwrite")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == (f"envsdk eval: error: {out}: an earlier run's rollouts are there; "
                                               "--resume continues it, --overwrite starts afresh")
    assert replaced.returncode == 0
    assert len(read_jsonl(out)) == 3


def test_a_reply_cut_at_its_token_limit_is_marked_truncated(tmp_path):
    with FakeOpenAI(echo, finish_reason="length") as server:
        assert run_eval(server.base_url, "--output", str(tmp_path / "ev.jsonl")).returncode == 0
    assert [r["truncated"] for r in read_jsonl(tmp_path / "ev.jsonl")] == [True] * 3


def test_without_base_url_a_local_model_folder_is_sampled_with_transformers(tmp_path):
    """`--model PATH` and no server: the trainer's sampler runs a saved model on this machine (here a tiny
    random one built locally, whose context is shorter than the 256 tokens asked by default)."""
    from envsdk.train.tiny import TinyConfig, char_tokenizer, tiny_model

    tokenizer = char_tokenizer()
    tiny_model(tokenizer, TinyConfig(n_layer=1, n_embd=16, n_positions=48), seed=0).save_pretrained(tmp_path / "m")
    tokenizer.save_pretrained(tmp_path / "m")
    out = tmp_path / "ev.jsonl"
    result = envsdk("eval", "toy-echo", "--model", str(tmp_path / "m"), "-r", "3", "--k", "1,3", "--limit", "2",
                    "--workers", "1", "--output", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert f"sampling from the local model {tmp_path / 'm'} (transformers)" in result.stderr
    records = read_jsonl(out)
    assert len(records) == 6 and {r["rollout_index"] for r in records} == {0, 1, 2}
    assert all(r["error"] is None and isinstance(r["completion"], str) for r in records)
    summary = json.loads((tmp_path / "ev.summary.json").read_text())
    assert summary["groups"] == 2 and set(summary) >= {"pass@1", "pass@3"}
    meta = json.loads((tmp_path / "ev.meta.json").read_text())
    assert meta["local_model"] is True and "base_url" not in meta


def test_a_refused_connection_fails_every_request_without_retrying(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = envsdk("eval", "toy-echo", "--base-url", url, "--model", "m", "--limit", "2", "--retries", "4",
                    "--workers", "1", "--output", str(tmp_path / "ev.jsonl"))
    assert result.returncode == 1
    assert f"every request failed (cannot connect to {url}: " in result.stderr
    assert [r["error"].startswith(f"sampling failed: cannot connect to {url}") for r in read_jsonl(tmp_path / "ev.jsonl")] == [True, True]
