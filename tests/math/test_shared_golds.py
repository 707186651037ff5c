"""Every gold of the shared evaluation sets (shared/data/math: AIME, AMC, GSM8K, Minerva, OlympiadBench, ...)
is credited when boxed back, and never when one digit of it is changed: gold parsing and comparison hold on
answers nobody here wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer
from envsdk_env_math.datasets import gold_of
from tests.helpers.shared_data import shared_file

def _golds(shared: Path) -> list[tuple[str, str]]:
    paths = sorted(p for p in shared.glob("*.jsonl") if p.name != "math_cot_dev.jsonl")
    return [(p.name, gold_of(json.loads(line))) for p in paths for line in p.read_text().splitlines()]


@pytest.fixture(scope="module")
def golds():
    return _golds(shared_file("math"))


def _one_digit_changed(gold: str) -> str | None:
    digits = list(re.finditer(r"\d", gold))
    if not digits:
        return None
    i = digits[-1].start()
    return gold[:i] + str((int(gold[i]) + 1) % 10) + gold[i + 1 :]


def test_every_gold_is_credited_when_boxed_back(golds):
    missed = [(name, gold) for name, gold in golds if not verify_answer(gold, rf"So $\boxed{{{gold}}}$.").correct]
    assert len(golds) > 2000 and missed == []


def test_no_gold_credits_a_one_digit_change(golds):
    # Golds up to 20 characters (competition answers are short; the long physics formulas of Minerva take ~1 s each
    # to parse, too slow for every CI run)
    passed = []
    for name, gold in (pair for pair in golds if len(pair[1]) <= 20):
        wrong = _one_digit_changed(gold)
        if wrong is not None and verify_answer(gold, rf"So $\boxed{{{wrong}}}$.").correct:
            passed.append((name, gold, wrong))
    assert passed == []
