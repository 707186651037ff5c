"""The `tests` field: the three kinds of docs/reference.md, "Verify rows", with errors that name the bad field."""

from __future__ import annotations

import json

import pytest

from envsdk import RowError
from envsdk_env_code import AssertsTests, HumanEvalTests, StdioTests, parse_tests


def test_each_kind_parses_to_its_model():
    assert isinstance(parse_tests({"kind": "humaneval", "test": "def check(c): pass", "entry_point": "f"}),
                      HumanEvalTests)
    assert isinstance(parse_tests({"kind": "asserts", "asserts": ["assert f(1) == 2"]}), AssertsTests)
    assert isinstance(parse_tests({"kind": "stdio", "cases": [{"input": "1", "output": "1"}]}), StdioTests)


def test_json_text_is_accepted_as_the_tests_field():
    assert parse_tests(json.dumps({"kind": "asserts", "asserts": ["assert f() == 1"]})).count == 1


@pytest.mark.parametrize("raw, named", [
    (None, "tests"),
    ({"kind": "unit"}, "tests"),
    ({"kind": "asserts", "asserts": []}, "asserts"),
    ({"kind": "asserts", "asserts": ["assert f(1 =="]}, "asserts"),
    ({"kind": "humaneval", "test": "def check(c): pass"}, "entry_point"),
    ({"kind": "stdio", "cases": [{"input": "1"}]}, "output"),
    ("{not json", "tests"),
])
def test_missing_or_bad_fields_raise_a_row_error_naming_them(raw, named):
    with pytest.raises(RowError, match=named):
        parse_tests(raw)
