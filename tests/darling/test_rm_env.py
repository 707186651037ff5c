"""The `rm` environment: quality from a sequence-classification reward model, then DARLING."""

import asyncio

import pytest

import envsdk


@pytest.fixture(scope="module")
def tiny_rm(tiny_bert_classifier):
    """The tiny sequence classifier stands in for a reward model (its first logit is the score)."""
    return tiny_bert_classifier


def test_rm_environment_loads_by_name_with_bundled_prompts_and_no_download():
    env = envsdk.load_environment("rm", model="not/downloaded-yet")
    assert len(env.rows()) >= 10 and all("prompt" in r for r in env.rows())


def test_rm_scores_completions_and_darling_rewrites_them(tiny_rm):
    env = envsdk.load_environment("rm", model=str(tiny_rm))
    row = env.rows()[0]
    completions = ["A lighthouse keeper found a map.", "A lighthouse keeper found a map.", "She found a whale singing."]
    verdicts = asyncio.run(env.score_group([row] * 3, completions))
    assert all(v.error is None for v in verdicts)
    assert verdicts[0].reward == pytest.approx(verdicts[1].reward)  # same text, same score
    group = envsdk.Group.from_verdicts(prompt=row["prompt"], completions=completions, verdicts=verdicts, env="rm")
    transform = envsdk.load_transform("darling", classifier="lexical", shift_quality=True)
    [out] = envsdk.compute_advantages(envsdk.apply_transforms([group], [transform]), scale="none")
    assert sum(out.advantages) == pytest.approx(0.0, abs=1e-9)
    assert out.metrics["transform/darling/num_classes"] == 2


def test_rm_accepts_inline_rows(tiny_rm):
    env = envsdk.load_environment("rm", model=str(tiny_rm), dataset=[{"prompt": "Say hi."}])
    assert [r["prompt"] for r in env.rows()] == ["Say hi."]
