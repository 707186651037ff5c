"""`envsdk darling score`'s advantages are envsdk's one advantage step: abstained rollouts are left out."""

import envsdk
import pytest

from envsdk_darling import DarlingConfig, DarlingScorer, DarlingTransform


def test_abstained_rollouts_get_no_advantage_and_stay_out_of_the_mean():
    score = DarlingScorer(DarlingConfig(), None).score([1.0, 0.0, 0.5], partition=[0, 1, 2], active=[True, False, True])
    assert score.keep == [True, False, True]
    assert score.advantages == pytest.approx([0.25, 0.0, -0.25])  # mean of the kept rewards 1.0 and 0.5


def test_scorer_advantages_equal_the_transform_then_compute_advantages():
    verdicts = [envsdk.Verdict(reward=1.0), envsdk.Verdict(error="boom"), envsdk.Verdict(reward=0.5)]
    group = envsdk.Group.from_verdicts(prompt="p", completions=["42", "x", "7"], verdicts=verdicts)
    [stepped] = envsdk.compute_advantages(DarlingTransform(classifier=None).apply([group]), "none")
    score = DarlingScorer(DarlingConfig(), None).score(group.rewards, completions=group.completions, active=group.keep)
    assert score.advantages == pytest.approx(stepped.advantages)
    assert stepped.advantages[1] == 0.0
