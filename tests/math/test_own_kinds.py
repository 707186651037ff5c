"""Our own labelled cases, by kind of answer (tests/math/conformance/own_kinds.jsonl; labelling guide in
docs/math.md): what commits, several boxes, separators, units, relations, choices, solution golds,
magnitudes, percentages and chains, each with hard negatives."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer

CASES = [json.loads(line) for line in (Path(__file__).parent / "conformance/own_kinds.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c['id']}-{c['kind']}") for c in CASES])
def test_case_is_judged_as_labelled(case):
    result = verify_answer(case["gold"], case["completion"], require_commit=case.get("require_commit", False))
    assert result.correct is case["label"], result


def test_every_kind_has_positives_and_hard_negatives():
    labels = Counter((c["kind"], c["label"]) for c in CASES)
    kinds = {c["kind"] for c in CASES} - {"not_attempted"}
    assert len(kinds) >= 14 and all(labels[(k, True)] >= 3 and labels[(k, False)] >= 3 for k in kinds)
