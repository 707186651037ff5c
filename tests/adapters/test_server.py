"""The reward server at protocol level: OpenRLHF's /get_reward, /verify, limits and tokens."""

import asyncio
import os
import subprocess
import sys

import httpx
import pytest
from envsdk.record import read_records
from envsdk.scoring import BatchScorer
from envsdk.scoring.batch import group_id
from envsdk.verdict import Verdict
from envsdk.clients.sharded import ShardedClient, ShardError
from envsdk.server.app import ServerLimits

from tests.helpers.asgi import closed_port

from .servers import running


def _post(url, path, body, **kw):
    return httpx.post(url + path, json=body, timeout=60, **kw)


@pytest.fixture(scope="module")
def echo_url():
    with running(BatchScorer("adapters-flaky")) as url:
        yield url


def test_health_is_ok_when_ready(echo_url):
    assert httpx.get(echo_url + "/health").json() == {"status": "ok", "env": "adapters-flaky"}


def test_get_reward_strips_the_prompt_and_aligns_with_query(echo_url):
    body = {"query": ["Say apple", "Say river", "Say stone"], "prompts": ["Say ", "Say ", "Say "],
            "labels": ["apple", "apple", "stone"]}
    answer = _post(echo_url, "/get_reward", body).json()
    assert answer["rewards"] == [1.0, 0.0, 1.0]
    assert answer["scores"] == [1.0, 0.0, 1.0]


def test_verifier_error_scores_zero_and_is_logged(echo_url):
    body = {"query": ["Q raise", "Q apple"], "prompts": ["Q ", "Q "], "labels": ["apple", "apple"]}
    answer = _post(echo_url, "/get_reward", body).json()
    assert answer["rewards"] == [0.0, 1.0]
    assert answer["extra_logs"]["verify/error_rate"] == 0.5


@pytest.mark.parametrize("labels", [None, ["", ""]])
def test_get_reward_without_labels_flags_every_sample(echo_url, labels):
    body = {"query": ["Say apple", "Say river"], "prompts": ["Say ", "Say "]}
    answer = _post(echo_url, "/get_reward", body if labels is None else {**body, "labels": labels}).json()
    assert answer["rewards"] == [0.0, 0.0] and answer["extra_logs"]["verify/error_rate"] == 1.0


def test_misaligned_request_is_rejected(echo_url):
    assert _post(echo_url, "/get_reward", {"query": ["a"], "prompts": ["a", "b"]}).status_code == 422


def test_verify_returns_a_verdict_per_row_and_flags_bad_rows(echo_url):
    rows = [{"id": "a", "completion": "apple", "answer": "apple"}, {"id": "b", "completion": "apple"}]
    verdicts = _post(echo_url, "/verify", rows).json()
    assert [v["id"] for v in verdicts] == ["a", "b"]
    assert verdicts[0]["reward"] == 1.0 and verdicts[0]["passed"] is True
    assert "missing field 'answer'" in verdicts[1]["error"]


def test_log_rollouts_appends_a_record_per_scored_sample_of_both_endpoints(tmp_path):
    """`/get_reward` and `/verify` append each sample's record (source "serve") in the one record schema; the
    group id is the one every face gives the row (`group_id(env, row)`), and /verify's answer stays the verdicts."""
    log = tmp_path / "rollouts.jsonl"
    with running(BatchScorer("adapters-flaky"), log_rollouts=log) as url:
        body = {"query": ["Say apple", "Say river", "Q raise"], "prompts": ["Say ", "Say ", "Q "],
                "labels": ["apple", "apple", "apple"]}
        assert _post(url, "/get_reward", body).json()["rewards"] == [1.0, 0.0, 0.0]
        rows = [{"id": "a", "group_id": "g", "prompt": "Say apple", "completion": "apple", "answer": "apple"},
                {"id": "b", "group_id": "g", "prompt": "Say apple", "completion": "pear", "answer": "apple"},
                {"id": 7, "completion": "apple"}, "not a row"]
        answer = _post(url, "/verify", rows).json()
    assert [(v["id"], v["reward"]) for v in answer] == [("a", 1.0), ("b", 0.0), (7, 0.0), (None, 0.0)]
    assert set(answer[0]) == {"id", *Verdict.model_fields}
    records = read_records(log)
    assert {r.source for r in records} == {"serve"} and {r.env for r in records} == {"adapters-flaky"}
    got = [(r.id, r.group_id, r.rollout_index, r.prompt, r.completion, r.verdict.reward, r.kept) for r in records]
    assert got[:3] == [
        (None, group_id("adapters-flaky", {"prompt": "Say ", "answer": "apple"}), 0, "Say ", "apple", 1.0, True),
        (None, group_id("adapters-flaky", {"prompt": "Say ", "answer": "apple"}), 1, "Say ", "river", 0.0, True),
        (None, group_id("adapters-flaky", {"prompt": "Q ", "answer": "apple"}), 0, "Q ", "raise", 0.0, False),
    ]
    assert got[3:] == [
        ("a", "g", 0, "Say apple", "apple", 1.0, True), ("b", "g", 1, "Say apple", "pear", 0.0, True),
        ("7", group_id("adapters-flaky", {"id": 7}), 0, None, "apple", 0.0, False),
        (None, None, 0, None, None, 0.0, False),
    ]
    assert "raise" in records[2].verdict.error and "missing field 'answer'" in records[5].verdict.error
    assert records[6].verdict.error.startswith("bad row: expected a JSON object")


def test_oversized_body_and_batch_are_refused():
    with running(BatchScorer("adapters-flaky"), limits=ServerLimits(max_body_bytes=200, max_batch=2)) as url:
        assert _post(url, "/get_reward", {"query": ["x" * 300]}).status_code == 413
        assert _post(url, "/get_reward", {"query": ["a", "b", "c"]}).status_code == 413


def test_bearer_token_is_required_when_set():
    with running(BatchScorer("adapters-flaky"), token="s3cret") as url:
        body = {"query": ["apple"], "labels": ["apple"]}
        assert _post(url, "/get_reward", body).status_code == 401
        assert _post(url, "/get_reward", body, headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = _post(url, "/get_reward", body, headers={"Authorization": "Bearer s3cret"})
        assert ok.json()["rewards"] == [1.0]


async def _one_by_one(url, samples):
    async with httpx.AsyncClient(timeout=60) as client:
        answers = await asyncio.gather(*(
            client.post(url + "/get_reward", json={"query": [q], "prompts": [p], "labels": [label]})
            for q, p, label in samples
        ))
    return [a.json() for a in answers]


def test_group_transform_waits_for_the_whole_group_across_requests(rank_sizes):
    scorer = BatchScorer("adapters-flaky", transforms=["rank"], group_size=3)
    samples = [("P apple", "P ", "apple"), ("P x", "P ", "apple"), ("P yy", "P ", "apple")]
    with running(scorer) as url:
        answers = asyncio.run(_one_by_one(url, samples))
    assert [a["rewards"][0] for a in answers] == [2.0, 0.0, 1.0]
    assert rank_sizes == [3]


def test_group_that_never_fills_is_scored_without_the_transform(rank_sizes):
    scorer = BatchScorer("adapters-flaky", transforms=["rank"], group_size=3)
    with running(scorer, limits=ServerLimits(group_timeout_s=0.2)) as url:
        answers = asyncio.run(_one_by_one(url, [("P apple", "P ", "apple"), ("P x", "P ", "apple")]))
    assert [a["rewards"][0] for a in answers] == [1.0, 0.0]
    assert answers[0]["extra_logs"]["partial_group_rate"] == 1.0
    assert rank_sizes == []


def test_sharded_client_keeps_each_group_on_one_server(rank_sizes):
    prompts = [f"P{i} " for i in range(6)]
    query = [p + ("apple" if j == 0 else "x" * j) for p in prompts for j in range(2)]
    flat_prompts = [p for p in prompts for _ in range(2)]

    async def go(urls):
        async with ShardedClient(urls) as client:
            return await client.get_rewards(query, flat_prompts, ["apple"] * len(query))

    make = lambda: BatchScorer("adapters-flaky", transforms=["rank"], group_size=2)  # noqa: E731
    with running(make()) as a, running(make()) as b:
        batch = asyncio.run(go([a, b]))
    assert batch.rewards == [1.0, 0.0] * 6
    assert sorted(rank_sizes) == [2] * 6


def test_sharded_client_gives_up_after_its_retries():
    client = ShardedClient([f"http://127.0.0.1:{closed_port()}"], retries=2, backoff_s=0.0)
    with pytest.raises(ShardError, match="failed 3 times"):
        asyncio.run(client.post("/verify", [], key="k"))


def test_serve_refuses_a_public_address_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "ENVSDK_TEST_TOKEN"}
    out = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "serve", "toy-echo", "--host", "0.0.0.0"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2
    assert "--token-env" in out.stderr


def test_serve_cli_answers_openrlhf_requests_and_logs_them(tmp_path):
    log = tmp_path / "rollouts.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "envsdk.cli.main", "serve", "toy-echo", "--port", "0",
                             "--workers", "1", "--log-rollouts", str(log)], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "ready on" in line, line
        url = line.strip().rsplit(" ", 1)[-1]
        body = {"query": ["Repeat exactly this word: maple maple"], "prompts": ["Repeat exactly this word: maple "],
                "labels": ["maple"]}
        assert _post(url, "/get_reward", body).json()["rewards"] == [1.0]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    (record,) = read_records(log)
    assert (record.source, record.env, record.completion, record.verdict.reward) == ("serve", "toy-echo", "maple", 1.0)


def test_serve_refuses_a_rollout_log_it_cannot_write(tmp_path):
    out = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "serve", "toy-echo", "--log-rollouts",
                          str(tmp_path / "missing" / "r.jsonl")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        f"envsdk serve: error: --log-rollouts {tmp_path / 'missing' / 'r.jsonl'}: No such file or directory")
