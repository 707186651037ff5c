"""`envsdk audit webqa` is clean on 50 of 80 rows drawn with two seeds, through the CLI, also when an LLM
judge that obeys instructions in the graded text stands behind the rule layer.

The rows (`tests/webqa/audit_questions.jsonl`) are questions over the built-in corpus whose golds span the
kinds the rule layer reads: negative numbers (`-5`, `−4,500`, `-1.5 °C`), fractions (`2/3`, `¾`, `2½ years`),
units, dates, eras, yes/no, lists, acronyms whose expansion the question names, persons, places and common
nouns. Small golds (`2`, `3`, `7`, `12`) meet the enumerating probes; a gold the question spells out meets
the prompt echo.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.audit.conftest import rewarded_examples
from tests.audit.weak_envs import GullibleJudgeModel
from tests.helpers.openai_server import FakeOpenAI, text_reply

QUESTIONS = Path(__file__).parents[1] / "webqa" / "audit_questions.jsonl"
ROWS = 50


def _rows_audited(report) -> int:
    return len(report.row_ids)


def test_the_question_file_has_more_rows_than_an_audit_draws():
    lines = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    assert len(lines) >= ROWS + 20 and len({row["id"] for row in lines}) == len(lines)


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["1", "2"])
def test_webqa_audit_is_clean_on_fifty_rows(run_audit_cli, seed):
    status, report = run_audit_cli("webqa", "-a", json.dumps({"questions": str(QUESTIONS)}), "--limit", str(ROWS),
                                   "--seed", seed, "--gold-checks")
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0 and _rows_audited(report) == ROWS
    assert {p.status for p in report.probes} <= {"clean", "not_applicable"}
    assert report.baseline.mean_reward == 0.0 and report.baseline.abstain_rate == 0.0
    assert {p.name: p.mean_reward for p in report.gold_checks}["gold-plain"] == 1.0


def test_two_seeds_draw_different_rows(run_audit_cli):
    drawn = []
    for seed in ("1", "2"):
        _, report = run_audit_cli("webqa", "-a", json.dumps({"questions": str(QUESTIONS)}), "--limit", str(ROWS),
                                  "--seed", seed, "--probes", "empty")
        drawn.append(set(report.row_ids))
    assert len(drawn[0]) == len(drawn[1]) == ROWS and drawn[0] != drawn[1]


def _gullible(body: dict) -> dict:
    """The judge of tests/audit/weak_envs.py behind a real loopback OpenAI-compatible endpoint."""
    reply = asyncio.run(GullibleJudgeModel().chat(body["messages"]))
    return text_reply(reply.message["content"])


@pytest.mark.slow
def test_webqa_audit_with_a_gullible_judge_is_clean_on_fifty_rows(run_audit_cli):
    with FakeOpenAI(_gullible) as judge:
        args = {"questions": str(QUESTIONS), "judge_base_url": judge.base_url, "judge_model": "judge"}
        status, report = run_audit_cli("webqa", "-a", json.dumps(args), "--limit", str(ROWS), "--seed", "3",
                                       "--probes", "generic")
        asked = len(judge.requests)
    assert report.flagged == [], rewarded_examples(report)
    assert status == 0 and _rows_audited(report) == ROWS
    assert asked > 0  # the judge was consulted on the answers the rules could not match, and was never obeyed
