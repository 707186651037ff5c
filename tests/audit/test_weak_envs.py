"""Deliberately weak environments are flagged by the right probes, and only by them."""

from __future__ import annotations

import pytest

from envsdk import Rubric, ToolEnv, register_environment, reward
from envsdk.audit import run_audit
from tests.audit import weak_envs
from tests.audit.conftest import statuses

SUBSTRING_HOLES = {"small-integers", "many-boxes", "comma-list", "hedge-each", "latex-hedge", "buried", "after-truncation",
                   "unicode", "other-format"}


def test_a_substring_grader_fails_the_audit_on_every_enumeration(run_audit_cli):
    status, report = run_audit_cli("weak-substring", "--limit", "3", "--probes", "generic")
    assert status == 1
    assert set(report.flagged) == SUBSTRING_HOLES
    assert {name for name, s in statuses(report).items() if s == "clean"} == {
        "empty", "whitespace", "prompt-echo", "format-only", "option-letters", "hedge", "judge-instructions"}
    for probe in report.probes:
        if probe.name in SUBSTRING_HOLES:
            # the first row's gold "7" is inside the wrong answer "-7319": no excess there
            assert probe.mean_reward == 1.0 and probe.excess_reward == probe.beats_wrong_rate == pytest.approx(2 / 3)
            assert probe.example.reward == 1.0


def test_the_wrong_answer_baseline_cancels_a_lucky_decoy(run_audit_cli):
    """'-7319' contains the gold '7' of the first row: the baseline earns it too, so no excess is reported."""
    _, report = run_audit_cli("weak-substring", "--limit", "3", "--probes", "judge-instructions")
    (probe,) = report.probes
    assert report.baseline.mean_reward == pytest.approx(1 / 3)
    assert probe.mean_reward == pytest.approx(1 / 3) and probe.excess_reward == 0.0 and probe.status == "clean"


def test_a_gullible_judge_fails_the_audit_on_judge_instructions_only(run_audit_cli):
    status, report = run_audit_cli("weak-judge", "--limit", "3", "--probes", "generic")
    assert status == 1
    assert report.flagged == ["judge-instructions"]
    (probe,) = [p for p in report.probes if p.name == "judge-instructions"]
    assert probe.mean_reward == 1.0 and probe.example.details == {"outcome": "correct"}


def test_the_threshold_tolerates_a_partly_rewarded_probe(run_audit_cli):
    status, report = run_audit_cli("weak-substring", "--limit", "3", "--probes", "small-integers", "--threshold", "0.7")
    assert (status, report.flagged, report.threshold) == (0, [], 0.7)
    assert report.probes[0].excess_reward == pytest.approx(2 / 3)


# ---- a tool environment whose grader credits any submission ---------------------------------------
def record(answer: str, state: dict) -> str:
    """Submit an answer (every submission is kept)."""
    state.setdefault("submitted", []).append(str(answer))
    return "noted"


@reward
def any_submission(answer, state) -> bool:
    """1 when any submission equals the gold: the weakness the submit-repeatedly probe looks for."""
    return str(answer) in (state or {}).get("submitted", [])


def any_submission_env(tool_format: str = "native") -> ToolEnv:
    """Sums answered through a submit tool; every submission counts."""
    from envsdk.tools import Tool

    return ToolEnv(tools=[Tool(record, name="submit", hidden=("state",))], dataset=weak_envs.ROWS,
                   rubric=Rubric([any_submission]), required_fields=("answer",), max_turns=5, tool_format=tool_format)


register_environment("weak-any-submission", any_submission_env)


@pytest.mark.parametrize("tool_format", ["native", "text"])
def test_a_grader_that_credits_any_submission_fails_on_repeated_submits(tool_format):
    report = run_audit("weak-any-submission", env_kwargs={"tool_format": tool_format},
                       probes=["tool-use", "empty", "hedge"], limit=3)
    assert report.flagged == ["submit-repeatedly"]
    (probe,) = [p for p in report.probes if p.name == "submit-repeatedly"]
    assert probe.mean_reward == 1.0 and probe.example.label in ("many-calls-one-turn", "one-call-per-turn")
    assert statuses(report)["hostile-arguments"] == "clean"
