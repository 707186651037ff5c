"""The vLLM /classify client and the LLM judge, against real loopback HTTP servers."""

import httpx
import pytest

from envsdk_darling import load_classifier
from envsdk_darling.judge import same_from_reply

TEXTS = [f"response {k} with enough words to need the classifier" for k in range(5)]


def _classify_server(body):
    """Says 'same' (probs[-1] = 0.9) when both halves of the pair text mention the same number."""
    data = []
    for k, text in enumerate(body["input"]):
        a, b = text.removeprefix("[CLS]").split("[SEP]")[:2]
        data.append({"index": k, "probs": [0.1, 0.9] if a.split()[1] == b.split()[1] else [0.8, 0.2]})
    return 200, {"data": data}


def test_vllm_client_batches_pairs_and_reads_the_last_prob(loopback):
    server = loopback(lambda path, body: _classify_server(body))
    clf = load_classifier("vllm", base_url=server.url, model="sim", batch_size=4)
    probs = clf.same_probs("p", TEXTS[:2] + TEXTS[:1], [(0, 1), (0, 2), (1, 2)])
    assert probs == [0.2, 0.9, 0.2]
    assert len(server.requests) == 1 and server.requests[0][0] == "/classify"
    assert server.requests[0][1]["model"] == "sim"


def test_vllm_client_splits_a_group_into_batches(loopback):
    server = loopback(lambda path, body: _classify_server(body))
    clf = load_classifier("vllm", base_url=server.url, model="sim", batch_size=4)
    clf.same_matrix("p", TEXTS)  # 10 pairs
    assert sorted(len(body["input"]) for _, body in server.requests) == [2, 4, 4]


def test_vllm_client_retries_server_errors(loopback):
    calls = []

    def flaky(path, body):
        calls.append(1)
        return (503, {"error": "busy"}) if len(calls) == 1 else _classify_server(body)

    server = loopback(flaky)
    clf = load_classifier("vllm", base_url=server.url, model="sim", backoff_s=0.0)
    assert clf.same_probs("p", TEXTS[:2], [(0, 1)]) == [0.2]
    assert len(calls) == 2


def test_vllm_client_raises_after_the_last_try(loopback):
    server = loopback(lambda path, body: (500, {"error": "down"}))
    clf = load_classifier("vllm", base_url=server.url, model="sim", backoff_s=0.0, tries=2)
    with pytest.raises(httpx.HTTPStatusError):
        clf.same_probs("p", TEXTS[:2], [(0, 1)])


def _chat(verdict):
    return lambda path, body: (200, {"choices": [{"message": {"role": "assistant", "content": f"Reasoning. {verdict}"}}]})


@pytest.mark.parametrize("verdict, same", [("[[yes]]", 0.0), ("[[no]]", 1.0), ("[[ No ]]", 1.0), ("no verdict", 0.0)])
def test_judge_yes_means_different_strategies(loopback, verdict, same):
    server = loopback(_chat(verdict))
    clf = load_classifier("judge", base_url=server.url, model="m", api_key_env=None)
    assert clf.same_probs("prompt", TEXTS[:2], [(0, 1)]) == [same]
    path, body = server.requests[0]
    assert path == "/chat/completions" and "different strategies" in body["messages"][0]["content"]


def test_judge_reads_the_last_verdict():
    assert same_from_reply("Is it [[yes]]? On reflection: [[no]]") == 1.0
