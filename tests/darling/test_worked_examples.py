"""The spec's worked examples A–E (n = 6) come out exactly, through the transform and the final step."""

import pytest

import envsdk
from envsdk_darling import DarlingConfig, DarlingScorer

EXAMPLES = {
    "A_dense": (
        [0.9, 0.8, 0.7, 0.6, 0.4, 0.2],
        [0, 0, 0, 1, 1, 2],
        [0.6, 0.6, 0.6, 0.8, 0.8, 1.0],
        [0.1333, 0.0733, 0.0133, 0.0733, -0.0867, -0.2067],
    ),
    "B_math_binary": (
        [1, 1, 1, 1, 0, 0],
        [0, 0, 0, 1, 2, 2],
        [0.6, 0.6, 0.6, 1.0, 0.8, 0.8],
        [0.1333, 0.1333, 0.1333, 0.5333, -0.4667, -0.4667],
    ),
    "C_all_correct_majority": (
        [1] * 6,
        [0, 0, 0, 0, 0, 1],
        [0.2] * 5 + [1.0],
        [-0.1333] * 5 + [0.6667],
    ),
    "D_one_class": ([1] * 6, [0] * 6, [0.0] * 6, [0.0] * 6),
    "E_negative_rm": (
        [-1, -1, -1, 0.5, 1.0, -1],
        [0, 0, 0, 1, 2, 3],
        [0.6, 0.6, 0.6, 1.0, 1.0, 1.0],
        [-0.3833, -0.3833, -0.3833, 0.7167, 1.2167, -0.7833],
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_worked_example_scorer(name):
    quality, partition, diversity, advantages = EXAMPLES[name]
    score = DarlingScorer(DarlingConfig(), None).score(quality, partition=partition)
    assert score.diversity == pytest.approx(diversity)
    assert score.advantages == pytest.approx(advantages, abs=1e-4)


def _group(quality, completions):
    verdicts = [envsdk.Verdict(reward=q) for q in quality]
    return envsdk.Group.from_verdicts(prompt="p", completions=completions, verdicts=verdicts, env="t")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_worked_example_through_transform_and_scale_none(name):
    """Classes given as short answers: the short-answer rule decides them, no classifier is loaded."""
    quality, partition, _, advantages = EXAMPLES[name]
    completions = [["alpha", "beta", "gamma", "delta"][c] for c in partition]
    transform = envsdk.load_transform("darling", classifier=None)
    groups = envsdk.compute_advantages(envsdk.apply_transforms([_group(quality, completions)], [transform]), "none")
    assert groups[0].advantages == pytest.approx(advantages, abs=1e-4)
    assert groups[0].metrics["transform/darling/classifier_pairs"] == 0
