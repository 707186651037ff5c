"""The reward server at protocol level: OpenRLHF's /get_reward, /verify, limits and tokens."""

import asyncio
import os
import subprocess
import sys

import httpx
import pytest
from envsdk.scoring import BatchScorer
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


def test_serve_cli_answers_openrlhf_requests():
    proc = subprocess.Popen([sys.executable, "-m", "envsdk.cli.main", "serve", "toy-echo", "--port", "0",
                             "--workers", "1"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "ready on" in line, line
        url = line.strip().rsplit(" ", 1)[-1]
        body = {"query": ["Repeat exactly this word: maple maple"], "prompts": ["Repeat exactly this word: maple "],
                "labels": ["maple"]}
        assert _post(url, "/get_reward", body).json()["rewards"] == [1.0]
    finally:
        proc.terminate()
        proc.wait(30)
