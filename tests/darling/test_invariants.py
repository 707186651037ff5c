"""Invariants of the paper's rule over random groups."""

import random

import pytest

from envsdk_darling import DarlingConfig, DarlingScorer
from envsdk_darling.partition import short_answer_same


def _random_groups(count=200, seed=0):
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.randint(2, 10)
        yield [rng.uniform(-2, 2) for _ in range(n)], [rng.randint(0, rng.randint(0, n - 1)) for _ in range(n)]


def test_advantages_sum_to_zero_per_group():
    scorer = DarlingScorer(DarlingConfig(), None)
    for quality, partition in _random_groups():
        assert sum(scorer.score(quality, partition=partition).advantages) == pytest.approx(0.0, abs=1e-9)


def test_raw_diversity_is_zero_or_at_least_one_over_n_minus_one():
    scorer = DarlingScorer(DarlingConfig(), None)
    for quality, partition in _random_groups():
        n = len(quality)
        for d in scorer.score(quality, partition=partition).diversity:
            assert d == 0.0 or 1 / (n - 1) - 1e-12 <= d <= 1.0


def test_classes_are_numbered_by_first_appearance():
    score = DarlingScorer(DarlingConfig(), None).score([1, 1, 1, 1], partition=["z", "y", "z", "x"])
    assert score.classes == [0, 1, 0, 2]


def test_one_class_gives_a_tenth_of_the_centred_quality():
    quality = [0.9, 0.5, 0.1, 0.3]
    score = DarlingScorer(DarlingConfig(), None).score(quality, partition=[0] * 4)
    mean = sum(quality) / 4
    assert score.advantages == pytest.approx([0.1 * (q - mean) for q in quality])


def test_single_rollout_group_does_not_divide_by_zero():
    score = DarlingScorer(DarlingConfig(), None).score([0.7], partition=[0])
    assert score.diversity == [0.0] and score.rewards == pytest.approx([0.07]) and score.advantages == [0.0]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("", "", True),
        ("42", "42", True),
        ("the answer is 42", "answer is 42", True),  # m = 4, 2·|{answer, is, 42}| = 6 ≥ 4
        ("the answer is 42", "answer: 42", False),  # m = 4, 2·|{42}| = 2 < 4
        ("Paris", "London", False),
        ("a b c d e", "a b f g h", False),
    ],
)
def test_short_answer_rule(a, b, same):
    assert short_answer_same(a, b) is same


def test_short_answer_rule_steps_aside_for_long_responses():
    assert short_answer_same("one two three four five six", "one") is None
