"""400 real chain-of-thought completions (shared/data/math/math_cot_dev.jsonl): our verdicts match the
hand-reviewed truth recorded in cot_dev_review.json (docs/math.md explains every grader error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer
from tests.helpers.shared_data import shared_file

REVIEW = json.loads((Path(__file__).parent / "cot_dev_review.json").read_text())


@pytest.fixture(scope="module")
def judged():
    out = []
    for row in map(json.loads, shared_file("math/math_cot_dev.jsonl").read_text().splitlines()):
        for i, (completion, label) in enumerate(zip(row["completions"], row["grader_says"])):
            ours = verify_answer(row["gt"], completion, row["question"]).correct
            out.append((f"{row['idx']}:{i}", label, ours))
    return out


def test_every_disagreement_with_the_other_grader_was_reviewed(judged):
    disagreements = {key for key, label, ours in judged if label != ours}
    assert disagreements == set(REVIEW["envsdk_vs_grader"])


def test_known_misses_of_both_graders_stay_recorded(judged):
    ours = {key: said for key, _, said in judged}
    for key, entry in REVIEW["both_wrong"].items():
        assert ours[key] != entry["truth"], key
