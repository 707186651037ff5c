"""The exploration transforms' per-rollout notes (`Group.annotate` → `record.annotations[name]`), by hand."""

import asyncio
import math

import pytest

from envsdk import Group, Verdict
from envsdk.scoring import BatchScorer
from envsdk_exploration import PKPO, OutcomeBatch, OutcomeUCB, PassKAdvantage

ABSTAINED = {"note": "abstained: took no part"}


def _group(answers, correct, keep=None):
    verdicts = [Verdict(reward=float(c), passed=c) for c in correct]
    g = Group.from_verdicts(prompt="p", completions=list(answers), verdicts=verdicts, env="toy", group_id="g")
    return g if keep is None else g.with_rewards(g.rewards, keep=keep)


def _notes(group, name):
    return [a[name] for a in group.annotations]


def test_outcome_ucb_notes_each_answers_count_so_far_and_its_bonus():
    t = OutcomeUCB(c=0.5)
    (first,) = t.apply([_group(["2", "2", "4", "x"], [True, True, True, False], keep=[True, True, True, False])])
    assert _notes(first, "outcome-ucb") == [  # counts 2: 2, 4: 1; the dropped "x" is not counted
        {"answer_count": 2, "bonus": 0.5 / math.sqrt(2)},
        {"answer_count": 2, "bonus": 0.5 / math.sqrt(2)},
        {"answer_count": 1, "bonus": 0.5},
        ABSTAINED,
    ]
    (second,) = t.apply([_group(["4", "2", "6", "2"], [True] * 4)])
    assert _notes(second, "outcome-ucb") == [  # counts now 2: 4, 4: 2, 6: 1
        {"answer_count": 2, "bonus": 0.5 / math.sqrt(2)},
        {"answer_count": 4, "bonus": 0.25},
        {"answer_count": 1, "bonus": 0.5},
        {"answer_count": 4, "bonus": 0.25},
    ]
    assert second.rewards == [1 + 0.5 / math.sqrt(2), 1.25, 1.5, 1.25]  # reward + the noted bonus


def test_outcome_batch_notes_each_answers_share_of_the_kept_rollouts_and_its_penalty():
    (out,) = OutcomeBatch(c=0.5).apply([_group(["2", "2", "4", "2"], [True] * 4, keep=[True, True, True, False])])
    notes = _notes(out, "outcome-batch")
    assert notes[3] == ABSTAINED
    assert notes[:3] == [  # n = 3 kept: "2" twice, "4" once
        {"answer_share": pytest.approx(2 / 3), "penalty": pytest.approx(1 / 3)},
        {"answer_share": pytest.approx(2 / 3), "penalty": pytest.approx(1 / 3)},
        {"answer_share": pytest.approx(1 / 3), "penalty": pytest.approx(1 / 6)},
    ]
    assert out.rewards[:3] == pytest.approx([2 / 3, 2 / 3, 5 / 6])


def test_pkpo_notes_the_reward_it_read_and_its_transformed_reward():
    """n = 4 kept, c = 2, k = 2, loo-1: a correct sample gets k − k·max@1(others) = 2 − 2·(1/3) = 4/3; an
    incorrect one k·ρ(3, 2, 1) − k·max@1(others) = 2·(2/3) − 2·(2/3) = 0."""
    group = _group(["a", "b", "c", "d", "e"], [True, False, False, True, True], keep=[True, True, True, True, False])
    (out,) = PKPO(k=2).apply([group])
    notes = _notes(out, "pkpo")
    assert notes[4] == ABSTAINED
    assert [n["reward_in"] for n in notes[:4]] == [1.0, 0.0, 0.0, 1.0]
    assert [n["pkpo_reward"] for n in notes[:4]] == pytest.approx([4 / 3, 0.0, 0.0, 4 / 3], abs=1e-12)
    assert out.rewards == pytest.approx([4 / 3, 0.0, 0.0, 4 / 3, 0.0], abs=1e-12)


def test_passk_adv_notes_correctness_and_the_analytic_advantage():
    """N = 4, N_neg = 2, k = 2: R̄ = 1 − 1/6 = 5/6, σ = √5/6, Â_pos = (1/6)/σ = 1/√5,
    Â_neg = (1/6 − C(1,1)/C(3,1))/σ = −1/√5."""
    (out,) = PassKAdvantage(k=2).apply([_group(["a", "b", "c", "d"], [True, False, False, True])])
    notes = _notes(out, "passk-adv")
    assert [n["correct"] for n in notes] == [True, False, False, True]
    root5 = 1 / math.sqrt(5)
    assert [n["passk_advantage"] for n in notes] == pytest.approx([root5, -root5, -root5, root5], abs=1e-12)


def test_the_notes_of_two_transforms_reach_the_same_records_through_the_batch_scorer():
    """toy-even (even 10–98 correct), DARLING then outcome-batch (c = 0.5): each record carries both notes."""
    row = {"id": "even-0", "prompt": "Reply with an even number from 10 to 98."}
    transforms = [("darling", {"classifier": None}), ("outcome-batch", {"c": 0.5})]
    scorer = BatchScorer("toy-even", transforms=transforms, group_size=4, scale="none")
    scored = asyncio.run(scorer.score([row] * 4, [row["prompt"]] * 4, ["12", "14", "12", "17"]))
    assert [r.annotations["outcome-batch"] for r in scored.records] == [
        {"answer_share": 0.5, "penalty": 0.25},
        {"answer_share": 0.25, "penalty": 0.125},
        {"answer_share": 0.5, "penalty": 0.25},
        {"answer_share": 0.25, "penalty": 0.125},
    ]
    assert [r.annotations["darling"]["class"] for r in scored.records] == [0, 1, 0, 2]
    # DARLING's [2/3, 1, 2/3, 0] minus the noted penalties
    assert [r.final_reward for r in scored.records] == pytest.approx([2 / 3 - 0.25, 0.875, 2 / 3 - 0.25, -0.125])
