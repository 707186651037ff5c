"""The optional SimpleQA-style judge after the rule layer: only for unmatched answers, failing closed."""

import asyncio

import envsdk
from tests.helpers.openai_server import FakeOpenAI, text_reply

ROW = {"prompt": "Who designed the Brun Reflector?", "answer": ["Tessaly Brun"]}


def score(completion, judge_says):
    with FakeOpenAI(lambda body: text_reply(judge_says)) as judge:
        env = envsdk.load_environment("webqa", judge_base_url=judge.base_url, judge_model="judge")
        verdict = asyncio.run(env.score(ROW, completion))
        return verdict, judge.requests


def test_the_judge_decides_answers_the_rules_do_not_match():
    verdict, requests = score("the optician born in Kestrel Harbour in 1868", "A")
    assert verdict.passed is True and verdict.details["grader"] == "judge"
    assert "<untrusted_text>" in requests[0]["messages"][-1]["content"]


def test_rule_matches_and_hedges_never_reach_the_judge():
    _, requests = score("Tessaly Brun", "B")
    assert requests == []
    verdict, requests = score("maybe Tessaly Brun or Petra Ashe", "A")
    assert requests == [] and verdict.passed is False and verdict.details["reason"] == "several candidates"


def test_an_unparseable_judge_reply_flags_the_verdict_and_never_passes():
    verdict, _ = score("the optician born in Kestrel Harbour", "I think it's fine")
    assert verdict.error and verdict.error.startswith("judge:") and verdict.passed is None and verdict.reward == 0.0


def test_the_judge_can_say_not_attempted():
    verdict, _ = score("it is hard to say who", "C")
    assert verdict.passed is None and verdict.details["outcome"] == "not_attempted"
