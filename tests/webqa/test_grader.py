"""The rule-layer grader on the frozen labelled set, plus the properties the issue names."""

import json
from pathlib import Path

import pytest

from envsdk_env_webqa.grader import canon, grade, squad_em

CASES = [json.loads(line) for line in (Path(__file__).parent / "grading_set.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_frozen_grading_set_case(case):
    assert grade(case["prediction"], case["aliases"]).outcome == case["expected"]


def test_decimals_are_kept_where_squad_em_drops_them():
    assert squad_em("42", ["4.2"]) == 1.0  # the SQuAD pitfall
    assert grade("42", ["4.2"]).outcome == "incorrect"


def test_number_words_and_numerals_share_a_canonical_form():
    assert canon("forty-two thousand").tokens == canon("42,000").tokens == ("42000",)


def test_dates_in_different_formats_share_a_canonical_form():
    assert canon("March 14, 1879").dates == canon("1879-03-14").dates == (("1879-03-14", "day"),)


def test_a_bare_string_gold_is_one_alias():
    assert grade("Velmora", "Velmora").outcome == "correct"


def test_grade_reports_squad_figures_alongside():
    result = grade("the Velmora city", ["Velmora"])
    assert result.em == 0.0 and 0 < result.f1 < 1
