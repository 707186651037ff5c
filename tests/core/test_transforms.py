"""Groups, transforms and the final advantage step (TRL semantics)."""

from __future__ import annotations

import math

import pytest

from envsdk import Group, GroupTransform, Verdict, apply_transforms, compute_advantages
from envsdk.transforms import check_scale


def group(rewards, errors=(), on_error="abstain"):
    verdicts = [Verdict.from_error("boom") if i in errors else Verdict(reward=r) for i, r in enumerate(rewards)]
    return Group.from_verdicts(prompt="p", completions=[str(i) for i in rewards], verdicts=verdicts,
                               env="toy", example_id="e1", on_error=on_error)


def test_group_scale_uses_bessel_std_and_eps():
    (g,) = compute_advantages([group([1.0, 0.0, 1.0, 0.0])], scale="group")
    std = math.sqrt(4 * 0.25 / 3)
    assert g.advantages == pytest.approx([0.5 / (std + 1e-4), -0.5 / (std + 1e-4)] * 2)


def test_none_scale_is_reward_minus_group_mean():
    (g,) = compute_advantages([group([0.9, 0.8, 0.7, 0.6, 0.4, 0.2])], scale="none")
    assert g.advantages == pytest.approx([0.3, 0.2, 0.1, 0.0, -0.2, -0.4])
    assert sum(g.advantages) == pytest.approx(0.0)


def test_batch_scale_divides_by_batch_std_but_keeps_group_means():
    groups = compute_advantages([group([1.0, 0.0]), group([3.0, 3.0])], scale="batch")
    assert groups[1].advantages == [0.0, 0.0]
    assert groups[0].advantages[0] > 0 > groups[0].advantages[1]


def test_abstained_errors_leave_the_baseline_and_get_zero_advantage():
    (g,) = compute_advantages([group([1.0, 0.0, 99.0], errors={2})], scale="none")
    assert g.keep == [True, True, False]
    assert g.advantages == pytest.approx([0.5, -0.5, 0.0])


def test_on_error_zero_keeps_errors_as_zero_reward():
    (g,) = compute_advantages([group([1.0, 0.0, 1.0], errors={2}, on_error="zero")], scale="none")
    assert g.rewards == [1.0, 0.0, 0.0]
    assert g.advantages == pytest.approx([2 / 3, -1 / 3, -1 / 3])


def test_group_id_is_stable_and_depends_on_env_and_example():
    assert group([1.0]).group_id == group([0.0]).group_id
    other = Group.from_verdicts(prompt="p", completions=["x"], verdicts=[Verdict()], env="other", example_id="e1")
    assert other.group_id != group([1.0]).group_id


class Double(GroupTransform):
    name = "double"
    required_scale = "none"

    def apply(self, groups):
        return [g.with_rewards([2 * r for r in g.rewards]) for g in groups]


def test_transforms_rewrite_rewards_not_advantages_and_are_timed():
    (g,) = apply_transforms([group([1.0, 0.0])], [Double()])
    assert g.rewards == [2.0, 0.0] and g.advantages is None
    assert "transform/double/seconds" in g.metrics


def test_scale_mismatch_warns_or_raises(caplog):
    check_scale([Double()], "group")
    assert "needs advantage scale 'none'" in caplog.text
    with pytest.raises(ValueError):
        check_scale([Double()], "group", strict=True)
