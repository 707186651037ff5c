"""The scoring spine (envsdk.scoring): one group key, one correctness rule, row checks, whole groups,
advantages aligned with the input, and the same metric names on every path."""

import asyncio
from typing import Sequence

import envsdk
import pytest
from envsdk import Environment, Group, GroupTransform, Rubric, Verdict, reward
from envsdk.errors import EnvsdkError
from envsdk.executor import Executor
from envsdk.record import group_records, summarize
from envsdk.scoring import BatchScorer, PartialGroupError, group_key
from envsdk.scoring.batch import transform_options
from envsdk.scoring.saved import verify_saved
from envsdk.transforms import check_scale, compute_advantages, required_scale


@reward
def half_credit(completion, answer) -> float:
    """1 for the answer, 0.5 for the answer in capitals, else 0 (a rubric without `passed`)."""
    return 1.0 if completion == answer else 0.5 if completion == str(answer).upper() else 0.0


def load_partial(**_: object) -> Environment:
    """A partial-credit rubric that never says `passed`."""
    return Environment(rubric=Rubric([half_credit]), required_fields=("answer",))


envsdk.register_environment("core-partial", load_partial)


class Needs(GroupTransform):
    """A no-op transform declaring a scale."""

    def __init__(self, name: str, scale: str | None):
        self.name, self.required_scale = name, scale

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        return list(groups)


def _score(scorer: BatchScorer, rows, completions, **kw):
    return asyncio.run(scorer.score(rows, [r.get("prompt") for r in rows], completions, **kw))


# ---- the correctness rule -------------------------------------------------------------------
def test_a_verifier_that_says_passed_is_believed_whatever_the_reward():
    assert Verdict(reward=0.2, passed=True).correct is True
    assert Verdict(reward=1.0, passed=False).correct is False


def test_without_passed_only_full_credit_is_correct():
    assert [Verdict(reward=r).correct for r in (1.0, 1.5, 0.99, 0.5, 0.0)] == [True, True, False, False, False]


def test_a_failed_verifier_is_never_correct():
    assert Verdict(reward=1.0, error="boom").correct is False
    assert Verdict(reward=1.0, timed_out=True).correct is False


# ---- the group key --------------------------------------------------------------------------
def test_group_key_prefers_group_id_then_id():
    assert group_key({"group_id": "g", "id": "7", "prompt": "p"}) == "g"
    assert group_key({"id": 7, "prompt": "p"}) == "7"


def test_group_key_without_ids_is_the_prompt_side_of_the_row():
    a = group_key({"prompt": "2+2?", "answer": "4", "completion": "4", "rollout_index": 0, "reward": 1.0})
    b = group_key({"prompt": "2+2?", "answer": "4", "completion": "5", "rollout_index": 1})
    other_label = group_key({"prompt": "2+2?", "answer": "5", "completion": "4"})
    assert a == b and a.startswith("sha1:") and a != other_label


def test_group_ids_of_rows_with_an_id_are_what_eval_writes():
    [group] = _score(BatchScorer("toy-echo"), [{"id": "x", "prompt": "p", "answer": "a"}], ["a"]).groups
    assert group.group_id == envsdk.make_group_id("toy-echo", "x")


# ---- row validation on every path -----------------------------------------------------------
def test_rows_without_their_gold_field_get_flagged_verdicts_and_the_rest_are_scored():
    env = envsdk.load_environment("toy-echo")
    rows = [{"prompt": "p", "answer": "apple"}, {"prompt": "p"}, {"prompt": "p", "answer": " "}]
    verdicts = asyncio.run(env.score_group(rows, ["apple", "apple", "apple"]))
    assert verdicts[0].reward == 1.0 and verdicts[0].error is None
    assert verdicts[1].error.startswith("bad row: missing field 'answer'") and verdicts[1].reward == 0.0
    assert verdicts[2].error == "bad row: field 'answer' is empty"


@pytest.mark.parametrize("mode", ["inline", "pool"])
def test_the_executor_flags_bad_rows_in_both_modes(mode):
    env = envsdk.load_environment("toy-echo")

    async def run():
        async with Executor(env, workers=1, mode=mode) as ex:
            return await ex.score_rows([{"answer": "apple"}, {"answer": ""}], ["apple", "apple"])

    verdicts = asyncio.run(run())
    assert [v.error for v in verdicts] == [None, "bad row: field 'answer' is empty"]


def test_saved_rollouts_without_a_completion_are_flagged_and_the_others_scored():
    env = envsdk.load_environment("toy-echo")

    async def run():
        async with Executor(env, mode="inline") as ex:
            return await verify_saved(ex, [{"answer": "a", "completion": "a"}, {"answer": "a"}, ["not", "a", "row"]],
                                      whole_groups=False)

    good, missing, not_a_row = asyncio.run(run())
    assert good.reward == 1.0
    assert missing.error == "bad row: missing field 'completion'"
    assert not_a_row.error == "bad row: expected a JSON object, got list"


# ---- groups, prompts and advantages ---------------------------------------------------------
def test_a_group_keeps_the_raw_row_prompt_not_the_trainers_rendering():
    scorer = BatchScorer("toy-echo")
    rendered = [{"role": "user", "content": "Repeat: a"}]
    scored = asyncio.run(scorer.score([{"id": "1", "prompt": "Repeat: a", "answer": "a"}], [rendered], ["a"]))
    assert scored.groups[0].prompt == "Repeat: a"


def test_a_row_without_a_prompt_takes_the_one_the_trainer_sent():
    scored = asyncio.run(BatchScorer("toy-echo").score([{"id": "1", "answer": "a"}], ["sent"], ["a"]))
    assert scored.groups[0].prompt == "sent"


def test_advantages_follow_the_input_order_across_interleaved_groups():
    scorer = BatchScorer("core-partial", scale="none")
    rows = [{"id": "x", "answer": "a"}, {"id": "y", "answer": "b"}, {"id": "x", "answer": "a"}, {"id": "y", "answer": "b"}]
    scored = _score(scorer, rows, ["a", "B", "z", "b"], group_size=2)
    assert scored.rewards == [1.0, 0.5, 0.0, 1.0]
    assert scored.advantages == pytest.approx([0.5, -0.25, -0.5, 0.25])
    expected = compute_advantages(scored.groups, "none")
    assert [a for g in expected for a in g.advantages] == [a for g in scored.groups for a in g.advantages]


def test_a_split_group_is_refused_when_advantages_need_whole_groups():
    scorer = BatchScorer("core-partial", scale="group")
    with pytest.raises(PartialGroupError, match="not a multiple of the group size 2"):
        _score(scorer, [{"id": "x", "answer": "a"}] * 3, ["a", "a", "b"], group_size=2)


def test_an_abstained_failure_has_no_reward_and_no_advantage():
    scorer = BatchScorer("toy-echo", scale="none")
    rows = [{"id": "x", "prompt": "p", "answer": "a"}, {"id": "x", "prompt": "p"}]
    scored = _score(scorer, rows, ["a", "a"], group_size=2)
    assert scored.rewards == [1.0, None] and scored.advantages == [0.0, 0.0]


# ---- metrics ----------------------------------------------------------------------------------
def test_batch_metrics_use_the_correctness_rule_and_name_every_quantity():
    scored = _score(BatchScorer("core-partial"), [{"id": "x", "answer": "a"}] * 4, ["a", "A", "a", "q"])
    m = scored.metrics
    assert m["reward_mean"] == pytest.approx(0.625) and m["correct_rate"] == 0.5
    assert m["distinct_correct"] == 1.0 and m["frac_reward_zero_std"] == 0.0
    assert m["verify/error_rate"] == 0.0 and m["rewards/half_credit/mean"] == pytest.approx(0.625)
    assert "transformed_reward_mean" not in m


def test_batch_metrics_report_the_final_reward_when_a_transform_changed_it():
    group = Group.from_verdicts(prompt="p", completions=["a", "b"], verdicts=[Verdict(reward=1.0)] * 2)
    assert summarize(group_records(group.with_rewards([0.5, 0.5])))["transformed_reward_mean"] == 0.5


# ---- the one scale declaration ---------------------------------------------------------------
def test_required_scale_is_the_transforms_declaration():
    assert required_scale([Needs("a", None), Needs("b", "none")]) == "none"
    assert required_scale([Needs("a", None)]) is None


def test_transforms_declaring_different_scales_cannot_run_together():
    with pytest.raises(ValueError, match="different advantage scales"):
        required_scale([Needs("a", "none"), Needs("b", "group")])


def test_check_scale_names_the_trainers_fix():
    with pytest.raises(ValueError, match="needs advantage scale 'none' but 'group' is configured; flip it"):
        check_scale([Needs("a", "none")], "group", strict=True, fix="flip it")


def test_transform_options_parse_name_key_value():
    assert transform_options(["darling.floor=0.2", "darling.classifier=final-answer"]) == {
        "darling": {"floor": 0.2, "classifier": "final-answer"}
    }
    with pytest.raises(EnvsdkError, match="NAME.KEY=VALUE"):
        transform_options(["floor=0.2"])


# ---- declared hooks ---------------------------------------------------------------------------
def test_environment_hooks_are_declared_protocols():
    assert isinstance(envsdk.load_environment("toy-even"), envsdk.SupportsWarmStart)
    assert isinstance(envsdk.load_environment("toy-even"), envsdk.SupportsAnswerSpace)
    assert not isinstance(envsdk.load_environment("toy-echo"), envsdk.SupportsWarmStart)


def test_the_row_deadline_is_never_shorter_than_the_environments_own_budget():
    env = envsdk.load_environment("toy-echo")
    env.row_budget_s = 25.0
    assert Executor(env, timeout_s=10).row_deadline_s == 25.0
    assert Executor(env, timeout_s=40).row_deadline_s == 40.0
