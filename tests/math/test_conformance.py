"""Peer regression suites as data (tests/math/conformance/*.jsonl): every case whose settings match ours is
judged as the peer expects, or as `expected_envsdk` where our policy differs on purpose (docs/math.md,
"Differences from peer suites"). Cases and their sources are recorded in the files, never peer code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer

CONFORMANCE = Path(__file__).parent / "conformance"
PEER_FILES = ("math_verify_test_all.jsonl", "verl_numeric_canonicalization.jsonl")
CASES = [json.loads(line) for name in PEER_FILES for line in (CONFORMANCE / name).read_text().splitlines()]
SELECTED = [c for c in CASES if c["selected"]]


def _param(case: dict):
    mark = pytest.mark.xfail(reason=case["known_miss"], strict=True) if "known_miss" in case else ()
    return pytest.param(case, id=case["id"], marks=mark)


@pytest.mark.parametrize("case", [_param(c) for c in SELECTED])
def test_peer_case_is_judged_as_our_policy_expects(case):
    result = verify_answer(case["gold"], case["pred"])
    assert result.correct is case.get("expected_envsdk", case["expected"]), result


def test_every_policy_difference_gives_its_reason():
    differing = [c for c in CASES if "expected_envsdk" in c]
    assert differing and all(c["expected_envsdk"] != c["expected"] and c["policy_reason"] for c in differing)


def test_every_case_names_its_source_and_settings():
    for case in CASES:
        assert set(case["source"]) == {"repo", "path", "commit", "licence"}
        assert case["selected"] == ("not_selected_because" not in case)
        expected_settings = (
            {"match_types", "precision", "strict", "allow_set_relation_comp"} if case["id"].startswith("mv-")
            else {"function", "extraction"}
        )
        assert set(case["settings"]) == expected_settings


def test_selection_keeps_the_cases_whose_settings_match_ours():
    math_verify = [c for c in SELECTED if c["id"].startswith("mv-")]
    assert len(math_verify) == 184
    assert all("latex" in c["settings"]["match_types"] and c["settings"]["precision"] == 6 for c in math_verify)
