"""The rule-layer grader on every labelled set: ours (by kind), the frozen ones, and peers' cases.

Each JSONL row holds `aliases`, `prediction` and `expected` (our policy); `expected_strict` where
`strict=True` differs; `known_miss` (with the reason) for a case the rule layer leaves to the judge, run as
a strict xfail so that a fix shows up. Peer rows also carry `source`, `licence`, `peer_expected` and, where
we differ on purpose, `why_we_differ` (listed in docs/webqa.md).
"""

import json
from pathlib import Path

import pytest

from envsdk_env_webqa.canonical import canon
from envsdk_env_webqa.grader import grade, squad_em

HERE = Path(__file__).parent
SETS = ["grading_set", "grading_heldout", "grading_kinds", "grading_kinds_heldout", "grading_kinds_heldout2",
        "grading_kinds_heldout3", "grading_kinds_heldout4", "grading_probes", "peer_cases", "grading_kinds5",
        "grading_kinds5_heldout", "grading_probes2"]


def _rows(name):
    rows = [json.loads(line) for line in (HERE / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    return [
        pytest.param(row, id=f"{name}:{row.get('kind', '')}:{row['note']}",
                     marks=[pytest.mark.xfail(strict=True, reason=row["known_miss"])] if "known_miss" in row else [])
        for row in rows
    ]


CASES = [case for name in SETS for case in _rows(name)]


@pytest.mark.parametrize("case", CASES)
def test_labelled_case(case):
    assert grade(case["prediction"], case["aliases"]).outcome == case["expected"]


STRICT = [c for c in CASES if "expected_strict" in c.values[0]]


@pytest.mark.parametrize("case", STRICT)
def test_labelled_case_in_strict_mode(case):
    assert grade(case["prediction"], case["aliases"], strict=True).outcome == case["expected_strict"]


def test_every_peer_case_names_its_source_and_licence():
    rows = [json.loads(line) for line in (HERE / "peer_cases.jsonl").read_text().splitlines()]
    assert all(row["source"] and row["licence"] in ("MIT", "Apache-2.0") for row in rows)
    assert all(("why_we_differ" in row) == (row["expected"] != row["peer_expected"]) for row in rows)


def test_decimals_are_kept_where_squad_em_drops_them():
    assert squad_em("42", ["4.2"]) == 1.0  # the SQuAD pitfall
    assert grade("42", ["4.2"]).outcome == "incorrect"


def test_number_words_and_numerals_share_a_canonical_form():
    assert canon("forty-two thousand").tokens == canon("42,000").tokens == ("42000",)


def test_dates_in_different_formats_share_a_canonical_form():
    assert canon("March 14, 1879").dates == canon("1879-03-14").dates == (("1879-03-14", "day"),)


def test_a_bare_string_gold_is_one_alias():
    assert grade("Velmora", "Velmora").outcome == "correct"


def test_numeric_aliases_are_read_as_text():
    assert grade("forty-two", [42]).outcome == "correct"


def test_grade_reports_squad_figures_alongside():
    result = grade("the Velmora city", ["Velmora"])
    assert result.em == 0.0 and 0 < result.f1 < 1


def test_a_gold_made_only_of_an_article_is_still_a_gold():
    assert grade("c", ["a", "b"]).outcome == "incorrect"
    assert grade("a", ["a", "b"]).outcome == "correct"


@pytest.mark.parametrize("strict,reward", [(False, 1.0), (True, 0.0)])
def test_the_environment_grades_hedges_by_its_strict_grading_option(strict, reward):
    import asyncio

    import envsdk

    env = envsdk.load_environment("webqa", strict_grading=strict)
    row = {"prompt": "Who designed the Brun Reflector?", "answer": ["Tessaly Brun"]}
    assert asyncio.run(env.score(row, "Probably Tessaly Brun")).reward == reward


@pytest.mark.parametrize("prediction,gold,expected", [
    ("1e999", "∞", "incorrect"), ("1e308 km", "3/4", "incorrect"), ("∞", "Paris", "not_attempted"),
])
def test_degenerate_values_and_golds_grade_without_raising(prediction, gold, expected):
    assert grade(prediction, [gold]).outcome == expected
