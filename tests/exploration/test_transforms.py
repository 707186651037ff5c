"""The transforms on Groups: outcome bonuses over a scripted sequence of steps, PKPO's k schedule, state
round trips, dropped rollouts, and composition with each other and DARLING through the scoring spine."""

import asyncio
import copy
import itertools
import math
import pickle

import envsdk
import pytest
from envsdk import Group, Verdict
from envsdk.scoring import BatchScorer
from envsdk.scoring.batch import resolve_transforms
from envsdk_exploration import PKPO, OutcomeBatch, OutcomeUCB, PassKAdvantage, pkpo_rewards


def _group(answers, correct, gid="g", keep=None):
    verdicts = [Verdict(reward=float(c), passed=c) for c in correct]
    g = Group.from_verdicts(prompt="p", completions=list(answers), verdicts=verdicts, env="toy", group_id=gid)
    return g if keep is None else g.with_rewards(g.rewards, keep=keep)


def test_outcome_ucb_bonus_follows_c_over_root_n_across_scripted_steps():
    t = OutcomeUCB(c=0.5)
    steps = [
        (["2", "2", "4", " 4"], [1, 1, 1, 1]),  # counts after: 2:2, 4:2
        (["2", "6", "2", "2"], [1, 1, 1, 1]),   # 2:5, 6:1
        (["8", "4", "x", "2"], [1, 1, 0, 1]),   # 8:1, 4:3, x:1, 2:6
    ]
    expected = [
        [1 + 0.5 / math.sqrt(2)] * 4,
        [1 + 0.5 / math.sqrt(5), 1 + 0.5, 1 + 0.5 / math.sqrt(5), 1 + 0.5 / math.sqrt(5)],
        [1 + 0.5, 1 + 0.5 / math.sqrt(3), 0 + 0.5, 1 + 0.5 / math.sqrt(6)],
    ]
    for (answers, correct), want in zip(steps, expected):
        (out,) = t.apply([_group(answers, [bool(c) for c in correct])])
        assert out.rewards == pytest.approx(want, abs=1e-12)
    assert t.state_dict() == {"steps": 3, "counts": {"g": {"2": 6, "4": 3, "6": 1, "8": 1, "x": 1}}}
    assert out.metrics["transform/outcome-ucb/answers_seen"] == 5.0


def test_outcome_ucb_keys_counts_by_prompt_and_ignores_dropped_rollouts():
    t = OutcomeUCB(c=1.0)
    t.apply([_group(["2", "2"], [True, True], gid="a")])
    (b,) = t.apply([_group(["2", "2", "3"], [True, True, True], gid="b", keep=[True, True, False])])
    assert b.rewards == pytest.approx([1 + 1 / math.sqrt(2), 1 + 1 / math.sqrt(2), 1.0])  # dropped: untouched
    assert sorted(sum(c.values()) for c in t.counts.values()) == [2, 2]


def test_outcome_ucb_state_round_trips_through_pickle_and_restores_the_same_bonuses():
    t = OutcomeUCB(c=0.3)
    t.apply([_group(["1", "2", "2"], [True, True, False])])
    fresh = OutcomeUCB(c=0.3)
    fresh.load_state_dict(pickle.loads(pickle.dumps(t.state_dict())))
    nxt = _group(["2", "5", "1"], [True, False, True])
    assert fresh.apply([nxt])[0].rewards == t.apply([nxt])[0].rewards
    assert fresh.state_dict() == t.state_dict()


def test_outcome_batch_penalises_the_share_of_the_group_giving_each_answer():
    (out,) = OutcomeBatch(c=0.4).apply([_group(["2", "2", "2", "4"], [True, True, True, True])])
    assert out.rewards == pytest.approx([1 - 0.4 * 3 / 4] * 3 + [1 - 0.4 / 4])
    (dropped,) = OutcomeBatch(c=0.4).apply([_group(["2", "2", "4"], [True, True, False], keep=[True, False, True])])
    assert dropped.rewards == pytest.approx([1 - 0.4 / 2, 1.0, 0 - 0.4 / 2])


def test_pkpo_anneals_k_linearly_and_counts_its_steps():
    t = PKPO(k=8, k_end=1, anneal_steps=7)
    assert [t.k_at(s) for s in range(9)] == [8, 7, 6, 5, 4, 3, 2, 1, 1]
    f = [1, 0, 0, 0, 1, 0, 0, 0]
    for step in range(3):
        (out,) = t.apply([_group([str(i) for i in range(8)], [bool(x) for x in f])])
        assert out.metrics["transform/pkpo/k"] == 8 - step
        assert out.rewards == pytest.approx(pkpo_rewards([float(x) for x in f], 8 - step))
    assert t.state_dict() == {"steps": 3}
    resumed = PKPO(k=8, k_end=1, anneal_steps=7)
    resumed.load_state_dict(t.state_dict())
    assert resumed.k_at(resumed.steps) == 5


def test_pkpo_caps_k_at_the_kept_rollouts_and_zeroes_dropped_ones():
    (out,) = PKPO(k=4).apply([_group(["a", "b", "c", "d"], [True, False, False, True], keep=[True, True, True, False])])
    assert out.metrics["transform/pkpo/k"] == 3.0
    assert out.rewards[3] == 0.0
    assert out.rewards[:3] == pytest.approx(pkpo_rewards([1.0, 0.0, 0.0], 3))


def test_options_are_checked_with_one_clear_error():
    with pytest.raises(ValueError, match="k_end needs anneal_steps"):
        PKPO(k=4, k_end=1)
    with pytest.raises(ValueError, match="baseline must be 'none' or 'loo-1'"):
        PKPO(baseline="mean")
    with pytest.raises(ValueError, match="passk-adv: k must be at least 1"):
        PassKAdvantage(k=0)


def test_each_transform_is_registered_and_declares_its_advantage_scale():
    scales = {name: envsdk.load_transform(name).required_scale
              for name in ("pkpo", "passk-adv", "outcome-ucb", "outcome-batch")}
    assert scales == {"pkpo": "none", "passk-adv": "none", "outcome-ucb": None, "outcome-batch": None}


TOY_ROW = {"id": "even-0", "prompt": "Reply with an even number from 10 to 98."}
ANSWERS = ["12", "14", "14", "17", "18", "12", "x", "16"]
SPECS = {
    "pkpo": ("pkpo", {"k": 4}),
    "passk-adv": ("passk-adv", {"k": 4}),
    "outcome-ucb": ("outcome-ucb", {"c": 0.5}),
    "outcome-batch": ("outcome-batch", {"c": 0.5}),
    "darling": ("darling", {"classifier": None}),
}


def _score(transforms):
    row = TOY_ROW
    scorer = BatchScorer("toy-even", transforms=transforms, group_size=8,
                         scale=envsdk.transforms.required_scale(resolve_transforms(transforms)) or "group")
    return asyncio.run(scorer.score([row] * 8, [row["prompt"]] * 8, ANSWERS))


@pytest.mark.parametrize("first,second", list(itertools.permutations(SPECS, 2)))
def test_every_pair_composes_through_the_spine_in_order(first, second):
    scored = _score([SPECS[first], SPECS[second]])
    # the composition is the second transform applied to the first one's groups
    one = resolve_transforms([SPECS[first]])[0]
    two = resolve_transforms([SPECS[second]])[0]
    plain = _score([])
    assert [v.correct for v in plain.verdicts] == [True, True, True, False, True, True, False, True]
    expected = two.apply(one.apply(copy.deepcopy(plain.groups)))[0].rewards
    assert scored.rewards == pytest.approx(expected, abs=1e-12)
    assert sum(scored.advantages) == pytest.approx(0.0, abs=1e-9)
    assert {f"transform/{first}/seconds", f"transform/{second}/seconds"} <= set(scored.groups[0].metrics)
