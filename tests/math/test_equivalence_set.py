"""The frozen labelled equivalence set (committed before tuning): every case judged as labelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer

CASES = [json.loads(line) for line in (Path(__file__).parent / "equivalence_cases.jsonl").read_text().splitlines()]
# The one former known miss, eq-290 (`e^{i\pi}` vs `-1`), passes since `i` as an answer's only letter is the
# imaginary unit (docs/math.md, "Domain").


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_case_is_judged_as_labelled(case):
    result = verify_answer(case["gold"], case["completion"], case.get("question"))
    assert result.correct is case["label"], result


def test_set_is_large_and_categorised():
    assert len(CASES) >= 300 and all(c["category"] for c in CASES)
