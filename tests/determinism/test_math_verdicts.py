"""Math verdicts depend on (completion, gold, options) only: ≥ 500 labelled pairs give identical verdicts idle,
under CPU load, shuffled, with one worker, and in-process (issue 21)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import envsdk
from envsdk_env_math.verifier import verify_answer

from .harness import flips, verdicts_four_ways

MATH = Path(__file__).parents[1] / "math"
SETS = (("equivalence_cases.jsonl", "completion"), ("conformance/own_kinds.jsonl", "completion"),
        ("conformance/math_verify_test_all.jsonl", "pred"))


def _pairs() -> list[dict]:
    pairs = []
    for name, completion in SETS:
        for line in (MATH / name).read_text().splitlines():
            case = json.loads(line)
            if case.get("selected", True):
                pairs.append({"id": case["id"], "gold": case["gold"], "completion": case[completion],
                              "question": case.get("question")})
    return pairs


@pytest.fixture(scope="module")
def pairs() -> list[dict]:
    return _pairs()


@pytest.fixture(scope="module")
def results(pairs):
    env = envsdk.load_environment("math", size=1)
    rows = [{"answer": p["gold"], "info": {"question": p["question"]} if p["question"] else {}} for p in pairs]
    return verdicts_four_ways(env, rows, [p["completion"] for p in pairs])


def test_at_least_500_labelled_pairs_are_checked(pairs):
    assert len(pairs) >= 500


def test_no_verdict_flips_between_idle_load_shuffle_and_one_worker(pairs, results):
    assert flips(results, [p["id"] for p in pairs]) == []


def test_no_pair_is_flagged_or_over_its_budget(results):
    flagged = [key for key in results["loaded"] if key[2] or key[3] or key[4] == "budget exceeded"]
    assert flagged == []


def test_the_pool_agrees_with_a_direct_call(pairs, results):
    direct = [verify_answer(p["gold"], p["completion"], p["question"]) for p in pairs]
    pooled = results["idle"]
    differ = [(p["id"], d.reason, k[4]) for p, d, k in zip(pairs, direct, pooled) if (float(d.correct), d.reason)
              != (k[0], k[4])]
    assert differ == []
