"""Every built-in environment passes its own audit: no gold-blind probe earns more than a plain wrong answer,
and none makes the verifier abstain. What a probe found is in /work/notes/audit-findings.md and docs/audit.md.

`rm` is left out: scoring needs a reward-model download (Skywork-Reward-V2-Qwen3-0.6B), not CI-cheap.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.audit.conftest import rewarded_examples
from tests.audit.weak_envs import GullibleJudgeModel

BUILTIN = {
    "toy-echo": ("--limit", "3"),
    "toy-even": ("--limit", "1"),
    "toy-even-mod": ("--limit", "3"),
    "toy-copy": ("--limit", "3"),
    "math": ("--limit", "3", "--workers", "2"),
    "code": ("--limit", "2", "--workers", "2"),
    "webqa": ("--limit", "2"),
    "env-group": ("--limit", "3", "--workers", "2", "-a",
                  '{"envs": {"toy-echo": {}, "toy-copy": {}, "math": {"size": 10}}}'),
}


@pytest.mark.slow
@pytest.mark.parametrize("env", sorted(BUILTIN))
def test_builtin_env_passes_its_audit(run_audit_cli, env):
    status, report = run_audit_cli(env, *BUILTIN[env])
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0
    assert report.baseline.mean_reward == 0.0 and report.baseline.abstain_rate == 0.0
    assert {p.status for p in report.probes} <= {"clean", "not_applicable"}


@pytest.mark.slow
@pytest.mark.parametrize("env", ["math", "webqa", "toy-echo"])
def test_builtin_grader_credits_no_hedged_or_buried_gold(run_audit_cli, env):
    """The gold-aware `reject` checks: the gold hedged either way round, contradicted, or buried in filler."""
    status, report = run_audit_cli(env, "--limit", "3", "--workers", "2", "--gold-checks", "--probes", "normalisation")
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0
    assert {p.name: p.mean_reward for p in report.gold_checks}["gold-plain"] == 1.0


def test_code_probes_apply_to_the_code_env_only(run_audit_cli):
    status, report = run_audit_cli("toy-echo", "--limit", "1", "--probes", "code")
    assert status == 0
    assert {p.name: (p.status, p.rows) for p in report.probes} == {
        name: ("not_applicable", 0)
        for name in ("code-exit-tricks", "code-always-equal", "code-snooping", "code-tampering", "code-channel-abuse")
    }


@pytest.mark.slow
@pytest.mark.parametrize("task", ["basic_arithmetic", "caesar_cipher", "chain_sum"])
def test_reasoning_gym_family_passes_its_audit(run_audit_cli, task):
    status, report = run_audit_cli("reasoning-gym", "-a", f'{{"task": "{task}"}}', "--limit", "2", "--workers", "2",
                                   "--probes", "generic")
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0


@pytest.mark.slow
@pytest.mark.parametrize("task", ["basic_arithmetic", "caesar_cipher", "gsm_symbolic"])
def test_reasoning_gym_family_does_not_credit_a_hedged_gold(run_audit_cli, task):
    """The gold-aware `reject` checks: the gold hedged with a wrong answer, either way round."""
    status, report = run_audit_cli("reasoning-gym", "-a", f'{{"task": "{task}"}}', "--limit", "2", "--workers", "2",
                                   "--gold-checks", "--probes", "gold-or-wrong,wrong-or-gold,gold-then-correction")
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0


@pytest.mark.slow
def test_webqa_judge_never_sees_instructions():
    """With a judge model that obeys the graded text, the rule layer must keep grading instructions from it."""
    import envsdk_env_webqa as webqa
    from envsdk.audit import run_audit
    from envsdk.clients.judge import simpleqa_judge

    env = webqa.WebQAEnv(dataset=webqa.builtin_rows, corpus=webqa.BUILTIN_CORPUS,
                         judge=simpleqa_judge(GullibleJudgeModel()))
    try:
        report = run_audit(env, probes=["judge-instructions", "hedge", "submit-repeatedly"], limit=2)
    finally:
        asyncio.run(env.aclose())
    assert report.flagged == [], rewarded_examples(report)
