"""Rubrics: injection by name, weights, metrics, forgiving returns, flagged failures."""

from __future__ import annotations

import asyncio

import pytest

from envsdk import Environment, Rubric, Verdict, reward


def score(rubric: Rubric, completion="42", **row):
    env = Environment(rubric=rubric)
    return asyncio.run(env.score({"prompt": "q", **row}, completion))


def test_arguments_are_injected_by_name():
    seen = {}

    def fn(prompt, completion, answer, info, state, example):
        seen.update(prompt=prompt, completion=completion, answer=answer, info=info, example=example)
        return 1.0

    score(Rubric([fn]), answer="42", info={"k": 1})
    assert seen == {"prompt": "q", "completion": "42", "answer": "42", "info": {"k": 1},
                    "example": {"prompt": "q", "answer": "42", "info": {"k": 1}}}


def test_weighted_sum_and_zero_weight_metric():
    rubric = Rubric([lambda completion: 1.0, lambda completion: 0.5], weights=[0.5, 2.0])
    rubric.add_metric(lambda completion: 7.0)
    verdict = score(rubric)
    assert verdict.reward == pytest.approx(1.5)
    assert sorted(verdict.components.values()) == [0.5, 1.0, 7.0]


def test_forgiving_returns():
    assert score(Rubric([lambda: True])).passed is True
    assert score(Rubric([lambda: (0.25, {"why": "partial"})])).details == {"why": "partial"}
    assert score(Rubric([lambda: Verdict(reward=0.7, passed=False)])).reward == pytest.approx(0.7)


def test_async_reward_function():
    async def fn(completion):
        await asyncio.sleep(0)
        return 1.0

    assert score(Rubric([fn])).reward == 1.0


def test_raising_function_flags_error():
    def broken(completion):
        raise KeyError("gold")

    verdict = score(Rubric([broken]))
    assert verdict.error is not None and "broken" in verdict.error and verdict.passed is None


def test_unknown_argument_name_is_an_error_naming_it():
    verdict = score(Rubric([lambda gold: 1.0]))
    assert "gold" in verdict.error


def test_registered_object_is_injectable():
    rubric = Rubric([lambda completion, table: table[completion]])
    rubric.register("table", {"42": 0.9})
    assert score(rubric).reward == pytest.approx(0.9)


def test_group_function_marked_explicitly_receives_lists():
    @reward(group=True)
    def unique(completions):
        return [float(completions.count(c) == 1) for c in completions]

    env = Environment(rubric=Rubric([unique]))
    rows = [{"prompt": "q"}] * 3
    verdicts = asyncio.run(env.score_group(rows, ["a", "a", "b"]))
    assert [v.reward for v in verdicts] == [0.0, 0.0, 1.0]
