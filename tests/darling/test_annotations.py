"""DARLING's per-rollout notes (`Group.annotate` → `record.annotations["darling"]`), worked out by hand.

Short answers throughout, so the short-answer rule decides every pair and no classifier is loaded. With n
rollouts taking part, Div_i = (n − |C(i)|)/(n − 1) (spec §1.2) and the reward is quality × max(Div_i, 0.1).
"""

import asyncio
import io
import json

import pytest

import envsdk
from envsdk.record import RolloutRecord, write_records
from envsdk.scoring import BatchScorer

ABSTAINED = {"note": "abstained: took no part"}


def _apply(quality, completions, errors=(), **options):
    """One group through the registered transform; rollouts at `errors` are abstained verifier failures."""
    verdicts = [
        envsdk.Verdict(reward=q, error="verifier crashed" if i in errors else None) for i, q in enumerate(quality)
    ]
    group = envsdk.Group.from_verdicts(prompt="p", completions=completions, verdicts=verdicts, env="t")
    (out,) = envsdk.load_transform("darling", classifier=None, **options).apply([group])
    return out


def _notes(group):
    return [a["darling"] for a in group.annotations]


def test_two_equal_answers_in_four_give_classes_0_0_1_2_and_the_spec_diversity():
    out = _apply([1.0, 1.0, 0.0, 1.0], ["alpha", "alpha", "beta", "gamma"])
    # n = 4: the pair's class has 2 members → Div (4 − 2)/3 = 2/3; singletons (4 − 1)/3 = 1
    assert _notes(out) == [
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},
        {"quality": 0.0, "diversity": 1.0, "class": 1, "class_size": 1},
        {"quality": 1.0, "diversity": 1.0, "class": 2, "class_size": 1},
    ]
    assert out.rewards == [2 / 3, 2 / 3, 0.0, 1.0]  # quality × diversity: the notes explain the rewards


def test_classes_are_numbered_by_first_appearance_and_the_worked_example_b_comes_out():
    """Spec §9 B with its classes interleaved: correct {0,2,4} and {1}, wrong {3,5}."""
    out = _apply([1.0, 1.0, 1.0, 0.0, 1.0, 0.0], ["seven", "nine", "seven", "eight", "seven", "eight"])
    notes = _notes(out)
    assert [n["class"] for n in notes] == [0, 1, 0, 2, 0, 2]
    assert [n["class_size"] for n in notes] == [3, 1, 3, 2, 3, 2]
    assert [n["diversity"] for n in notes] == pytest.approx([0.6, 1.0, 0.6, 0.8, 0.6, 0.8], abs=1e-12)
    assert [n["quality"] for n in notes] == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]
    assert out.rewards == pytest.approx([0.6, 1.0, 0.6, 0.0, 0.6, 0.0], abs=1e-12)


def test_an_abstained_rollout_takes_no_part_and_the_classes_are_numbered_without_it():
    """Rollout 1 failed: the other four form the classes {0,2} {3} {4}, numbered 0, 1, 2 (not 0, 2, 3)."""
    out = _apply([1.0, 1.0, 1.0, 0.0, 1.0], ["alpha", "beta", "alpha", "gamma", "delta"], errors={1})
    assert out.keep == [True, False, True, True, True]
    assert _notes(out) == [
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},  # n = 4 taking part: (4 − 2)/3
        ABSTAINED,
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},
        {"quality": 0.0, "diversity": 1.0, "class": 1, "class_size": 1},
        {"quality": 1.0, "diversity": 1.0, "class": 2, "class_size": 1},
    ]


def test_correct_only_leaves_wrong_rollouts_outside_the_classes():
    """Diversity among the c = 3 correct rollouts only: the wrong "x" does not join the correct "x"s' class."""
    out = _apply([1.0, 0.0, 1.0, 1.0], ["x", "x", "x", "y"], correct_only=True)
    assert _notes(out) == [
        {"quality": 1.0, "diversity": 0.5, "class": 0, "class_size": 2},  # (3 − 2)/2
        {"quality": 0.0, "diversity": 0.0, "note": "not correct: no class (correct_only)"},
        {"quality": 1.0, "diversity": 0.5, "class": 0, "class_size": 2},
        {"quality": 1.0, "diversity": 1.0, "class": 1, "class_size": 1},
    ]
    assert out.rewards == [0.5, 0.0, 0.5, 1.0]


def test_pairwise_diversity_publishes_no_classes():
    """"p x" and "q y" are each the same as "p q" (one shared word of two) but not as each other: the partition
    would merge all three; pairwise counts the others judged different, (2 − 1)/2 and (2 − 2)/2."""
    out = _apply([1.0, 1.0, 1.0], ["p x", "q y", "p q"], diversity="pairwise")
    assert _notes(out) == [
        {"quality": 1.0, "diversity": 0.5},
        {"quality": 1.0, "diversity": 0.5},
        {"quality": 1.0, "diversity": 0.0},
    ]


def test_shift_quality_notes_the_quality_darling_read():
    """Spec §9 E with shift_quality: quality is the reward as read (−1 ...), the reward is (q − min) × Div."""
    out = _apply([-1.0, -1.0, 0.5], ["same", "same", "other"], shift_quality=True)
    assert [n["quality"] for n in _notes(out)] == [-1.0, -1.0, 0.5]
    assert out.rewards == [0.0, 0.0, 1.5]  # Div [0.5, 0.5, 1]: 0 × 0.5, 0 × 0.5, 1.5 × 1


def test_the_notes_reach_the_records_through_the_batch_scorer_and_the_record_line():
    """Four toy-even rollouts (even numbers 10–98 are correct): classes [0,1,0,2], Div [2/3,1,2/3,1]."""
    row = {"id": "even-0", "prompt": "Reply with an even number from 10 to 98."}
    scorer = BatchScorer("toy-even", transforms=[("darling", {"classifier": None})], group_size=4, scale="none")
    scored = asyncio.run(scorer.score([row] * 4, [row["prompt"]] * 4, ["12", "14", "12", "17"]))
    expected = [
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},
        {"quality": 1.0, "diversity": 1.0, "class": 1, "class_size": 1},
        {"quality": 1.0, "diversity": 2 / 3, "class": 0, "class_size": 2},
        {"quality": 0.0, "diversity": 1.0, "class": 2, "class_size": 1},
    ]
    assert [r.annotations["darling"] for r in scored.records] == expected
    assert [r.final_reward for r in scored.records] == [2 / 3, 1.0, 2 / 3, 0.0]
    assert scored.advantages == pytest.approx([1 / 12, 5 / 12, 1 / 12, -7 / 12], abs=1e-12)  # mean 7/12
    out = io.StringIO()
    write_records(out, scored.records)
    back = [RolloutRecord.from_line(json.loads(line)) for line in out.getvalue().splitlines()]
    assert [r.annotations for r in back] == [{"darling": note} for note in expected]
