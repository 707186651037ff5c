"""Each documented option of the transform, on small hand-checked groups."""

import pytest

import envsdk
from envsdk_darling import Classifier, DarlingConfig, DarlingScorer


class HubClassifier(Classifier):
    """Judges every rollout the same as the last one, and no other pair."""

    def same_probs(self, prompt, texts, pairs):
        return [float(j == len(texts) - 1) for _, j in pairs]

E_QUALITY = [-1, -1, -1, 0.5, 1.0, -1]
E_PARTITION = [0, 0, 0, 1, 2, 3]


def _score(quality, partition=None, **options):
    return DarlingScorer(DarlingConfig(**options), None).score(quality, partition=partition)


def test_default_penalises_a_unique_bad_answer_more_than_repeated_ones():
    rewards = _score(E_QUALITY, E_PARTITION).rewards
    assert rewards[5] < rewards[0]


def test_shift_quality_makes_quality_non_negative_before_multiplying():
    rewards = _score(E_QUALITY, E_PARTITION, shift_quality=True).rewards
    # shifted quality [0, 0, 0, 1.5, 2, 0] × Div [0.6, 0.6, 0.6, 1, 1, 1]
    assert rewards == pytest.approx([0, 0, 0, 1.5, 2.0, 0])


def test_additive_combination_adds_z_scores_and_keeps_zero_quality_z_scores():
    quality, partition = [1, 1, 0, 0], [0, 0, 1, 2]
    rewards = _score(quality, partition, combine="add").rewards
    # z(quality) = [1, 1, -1, -1]; Div = [2/3, 2/3, 1, 1] → z = [-1, -1, 1, 1]
    assert rewards == pytest.approx([0, 0, 0, 0])
    weighted = _score(quality, partition, combine="add", diversity_weight=0.5).rewards
    assert weighted == pytest.approx([0.5, 0.5, -0.5, -0.5])


def test_additive_combination_of_a_constant_group_is_zero():
    assert _score([1, 1, 1], [0, 0, 0], combine="add").rewards == [0, 0, 0]


def test_correct_only_measures_diversity_among_correct_rollouts():
    # correct rollouts 0, 1, 2: classes {0, 1} and {2}; the wrong rollout 3 shares class with 2
    score = _score([1, 1, 1, 0], [0, 0, 1, 1], correct_only=True)
    assert score.diversity == pytest.approx([0.5, 0.5, 1.0, 0.0])
    all_rollouts = _score([1, 1, 1, 0], [0, 0, 1, 1])
    assert all_rollouts.diversity[2] == pytest.approx(2 / 3)


def test_correct_only_with_one_correct_rollout_floors_everyone():
    assert _score([1, 0, 0], [0, 1, 2], correct_only=True).rewards == pytest.approx([0.1, 0, 0])


def test_ngram_diversity_counts_four_grams_found_in_no_other_rollout():
    texts = ["a b c d e", "a b c d f", "p q r s t"]
    score = DarlingScorer(DarlingConfig(diversity="ngram"), None).score([1, 1, 1], completions=texts)
    # rollout 0 4-grams {abcd, bcde}: bcde unique → 1/2
    assert score.diversity == pytest.approx([0.5, 0.5, 1.0])


def test_pairwise_diversity_does_not_collapse_through_a_hub():
    """0, 1, 2 are each judged the same as 3 but not as one another: the partition merges all four
    (Div 0); the pairwise score keeps 0, 1, 2 apart."""
    texts = [f"response number {k} is long enough to skip the short rule" for k in range(4)]
    hub = HubClassifier()
    partition = DarlingScorer(DarlingConfig(), hub).score([1] * 4, completions=texts)
    pairwise = DarlingScorer(DarlingConfig(diversity="pairwise"), hub).score([1] * 4, completions=texts)
    assert partition.diversity == [0, 0, 0, 0]
    assert pairwise.diversity == pytest.approx([2 / 3, 2 / 3, 2 / 3, 0])


def test_floor_is_configurable():
    assert _score([1, 1], [0, 0], floor=0.0).rewards == [0, 0]


def test_unknown_option_is_rejected_with_its_name():
    with pytest.raises(ValueError, match="bogus"):
        envsdk.load_transform("darling", classifier=None, bogus=1)


def test_load_transform_passes_options_and_declares_scale_none():
    t = envsdk.load_transform("darling", classifier="lexical", classifier_options={"threshold": 0.3}, floor=0.2)
    assert t.required_scale == "none" and t.config.floor == 0.2 and t.classifier.threshold == 0.3


def test_the_classifier_is_built_only_when_a_group_needs_it():
    t = envsdk.load_transform("darling", classifier="lexical")
    group = envsdk.Group.from_verdicts(prompt="p", completions=["42", "42"], verdicts=[envsdk.Verdict(reward=1)] * 2)
    t.apply([group])
    assert t.classifier._loaded is None


def test_abstained_rollouts_are_left_out_of_diversity_and_keep_their_reward():
    verdicts = [envsdk.Verdict(reward=1), envsdk.Verdict(reward=1), envsdk.Verdict.from_error("boom")]
    group = envsdk.Group.from_verdicts(prompt="p", completions=["x", "y", "x"], verdicts=verdicts, env="t")
    out = envsdk.load_transform("darling", classifier=None).apply([group])[0]
    assert out.rewards == [1.0, 1.0, 0.0]
    assert out.metrics["transform/darling/num_classes"] == 2
