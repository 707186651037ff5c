"""`envsdk verify` and `envsdk eval` write rollout records (docs/reference.md, "Rollout records"): every line reads
back with `read_records`, carries the group id every face gives its row and its place in the group, and the
summary each prints is `summarize` of those records. An eval output written before records (version 1) resumes."""

from __future__ import annotations

import json

import envsdk
import pytest
from envsdk.cli.main import main
from envsdk.record import RolloutRecord, read_records, summarize
from envsdk.scoring.batch import group_id
from envsdk.verdict import Verdict

from tests.helpers.cli import write_jsonl
from tests.helpers.openai_server import Failure, FakeOpenAI, text_reply

CHAT = [{"role": "user", "content": "Repeat: sea"}]


def echo(body: dict) -> dict:
    """The right answer for toy-echo: the prompt's last word."""
    return text_reply(body["messages"][-1]["content"].split()[-1])


def test_verify_lines_are_records_with_group_ids_and_places_in_their_groups(tmp_path, capsys):
    rows = [
        {"id": "a1", "group_id": "g", "prompt": CHAT, "completion": "sea", "answer": "sea"},
        {"id": "x", "prompt": "Repeat: sky", "completion": "sky", "answer": "sky"},
        {"id": "a2", "group_id": "g", "prompt": CHAT, "completion": "sun", "answer": "sea"},
        {"prompt": "Repeat: sky", "completion": "cloud", "answer": "sky"},
        {"id": "x", "completion": [{"role": "assistant", "content": "sky"}], "answer": "sky"},
        {"id": 5, "prompt": 12, "completion": "sky"},
    ]
    out = tmp_path / "out.jsonl"
    assert main(["verify", "toy-echo", "--input", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--output", str(out),
                 "--workers", "1"]) == 0
    records = read_records(out)
    assert [(r.version, r.source, r.env) for r in records] == [(2, "verify", "toy-echo")] * 6
    assert [(r.id, r.group_id, r.rollout_index) for r in records] == [
        ("a1", "g", 0), ("x", group_id("toy-echo", {"id": "x"}), 0), ("a2", "g", 1),
        (None, group_id("toy-echo", {"prompt": "Repeat: sky", "answer": "sky"}), 0),
        ("x", group_id("toy-echo", {"id": "x"}), 1), ("5", group_id("toy-echo", {"id": 5}), 0),
    ]
    assert [r.prompt for r in records] == [CHAT, "Repeat: sky", CHAT, "Repeat: sky", None, None]  # 12 is no prompt
    assert [r.completion for r in records] == [row["completion"] for row in rows]
    assert [(r.verdict.reward, r.kept, r.final_reward) for r in records] == [
        (1.0, True, 1.0), (1.0, True, 1.0), (0.0, True, 0.0), (0.0, True, 0.0), (1.0, True, 1.0), (0.0, False, None)]
    assert records[5].verdict.error == "bad row: missing field 'answer' (environment 'toy-echo' needs ['answer'])"
    assert (records[0].advantage, records[0].annotations, records[0].group_metrics) == (None, {}, {})
    printed = dict(line.rsplit(None, 1) for line in capsys.readouterr().out.splitlines())
    assert printed == {k: f"{v:.4f}" if isinstance(v, float) else str(v) for k, v in summarize(records).items()}
    assert (printed["groups"], printed["verify/abstain_rate"]) == ("4", f"{1 / 6:.4f}")  # g, x and two loose rows


def test_eval_lines_are_the_spines_records_and_a_failed_request_is_one_too(tmp_path):
    out = tmp_path / "ev.jsonl"
    with FakeOpenAI(echo, failures=[Failure(400)]) as server:
        code = main(["eval", "toy-echo", "--base-url", server.base_url, "--model", "m", "-r", "2", "--k", "1,2",
                     "--limit", "2", "--retries", "0", "--concurrency", "1", "--workers", "1", "--output", str(out)])
    assert code == 1  # one request failed
    rows = envsdk.load_environment("toy-echo").rows("eval")[:2]
    records = read_records(out)
    assert len(records) == 4 and {(r.version, r.source, r.env) for r in records} == {(2, "eval", "toy-echo")}
    by_place = {(r.group_id, r.rollout_index): r for r in records}
    assert set(by_place) == {(group_id("toy-echo", row), i) for row in rows for i in (0, 1)}
    for row in rows:
        for i in (0, 1):
            r = by_place[group_id("toy-echo", row), i]
            assert (r.id, r.prompt, r.truncated) == (row["id"], row["prompt"], False)
    failed = [r for r in records if r.verdict.error is not None]
    assert len(failed) == 1 and failed[0].verdict.error.startswith("sampling failed: ")
    assert (failed[0].completion, failed[0].kept, failed[0].final_reward, failed[0].usage) == (None, False, None, {})
    answered = [r for r in records if r.verdict.error is None]
    assert [(r.completion, r.verdict.reward, r.kept, r.final_reward) for r in answered] == [
        (row["answer"], 1.0, True, 1.0) for row in rows for i in (0, 1)
        if by_place[group_id("toy-echo", row), i].verdict.error is None]
    assert all(r.usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5} for r in answered)
    summary = json.loads((tmp_path / "ev.summary.json").read_text())
    assert summary == pytest.approx(summarize(records, [1, 2]))
    assert (summary["pass@1"], summary["pass@2"], summary["verify/error_rate"]) == (0.75, 1.0, 0.25)


# the fields an eval line had before records (version 1): the verdict's, after these
V1_EVAL_FIELDS = ("id", "group_id", "rollout_index", "completion", "truncated", "usage")


def test_an_eval_output_of_version_1_resumes_and_is_written_back_as_records(tmp_path):
    out = tmp_path / "ev.jsonl"
    args = ["eval", "toy-echo", "--model", "m", "-r", "2", "--limit", "3", "--workers", "1", "--output", str(out)]
    with FakeOpenAI(echo) as server:
        assert main([*args, "--base-url", server.base_url]) == 0
    clean = read_records(out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    v1 = [{k: line[k] for k in (*V1_EVAL_FIELDS, *Verdict.model_fields)} for line in lines]
    assert [RolloutRecord.from_line(line).version for line in v1] == [1] * 6
    last = v1[-1]["group_id"]
    interrupted = [line for line in v1 if line["group_id"] != last] + [v1[-1]]  # the last group half written
    write_jsonl(out, [*interrupted, '{"id": "cut'])
    with FakeOpenAI(echo) as server:
        assert main([*args, "--base-url", server.base_url, "--resume"]) == 0
        assert len(server.requests) == 2  # only the half-written group is sampled again
    resumed = read_records(out)
    assert {(r.version, r.source, r.env) for r in resumed} == {(2, "eval", "toy-echo")}
    place = lambda r: (r.group_id, r.rollout_index)  # noqa: E731
    same = lambda r: r.model_dump(exclude={"verdict": {"duration_s"}})  # noqa: E731
    assert [same(r) for r in sorted(resumed, key=place)] == [same(r) for r in sorted(clean, key=place)]


def test_eval_resume_of_an_output_with_a_line_that_is_not_a_record_names_it(tmp_path, capsys):
    out = tmp_path / "ev.jsonl"
    with FakeOpenAI(echo) as server:
        args = ["eval", "toy-echo", "--base-url", server.base_url, "--model", "m", "--limit", "1", "--workers", "1",
                "--output", str(out)]
        assert main(args) == 0
        with out.open("a") as fh:
            fh.write(json.dumps({"id": "x", "reward": "lots"}) + "\n")
        capsys.readouterr()
        before = out.read_text()
        assert main([*args, "--resume"]) == 2
    assert out.read_text() == before  # refused before anything was rewritten
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"envsdk eval: error: {out}:2: invalid Verdict: reward: Input should be a valid number, unable to parse "
        "string as a number; --overwrite starts afresh")
