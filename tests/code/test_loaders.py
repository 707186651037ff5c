"""Dataset converters on local fixtures in each dataset's schema (see fixtures/FIXTURES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envsdk_env_code import load_rows

FIXTURES = Path(__file__).parent / "fixtures"


def rows(name: str, file: str) -> list[dict]:
    return load_rows(name, data_files=str(FIXTURES / file))


@pytest.mark.parametrize("file", ["mbpp_full.jsonl", "mbpp_sanitized.jsonl"])
def test_mbpp_becomes_asserts_whose_reference_passes(verifier, file):
    for row in rows("mbpp", file):
        assert row["tests"]["kind"] == "asserts" and row["tests"]["asserts"][0] in row["prompt"]
        assert verifier.verify(row["tests"], row["info"]["reference"]).passed, row["id"]


def test_apps_splits_stdio_and_call_based_problems(verifier):
    converted = rows("apps", "apps.jsonl")
    assert [r["tests"]["kind"] for r in converted] == ["stdio", "asserts", "asserts"]
    assert "Solution().countVowels" in converted[2]["tests"]["asserts"][0]
    for row in converted:
        assert verifier.verify(row["tests"], row["info"]["reference"]).passed, row["id"]


def test_code_contests_uses_public_and_private_cases_and_a_python3_reference(verifier):
    (row,) = rows("code_contests", "code_contests.jsonl")
    assert len(row["tests"]["cases"]) == 3 and row["info"]["reference"].startswith("print")
    assert verifier.verify(row["tests"], row["info"]["reference"]).passed


def test_livecodebench_decodes_compressed_private_cases_and_functional_tests(verifier):
    stdin_row, functional_row = rows("livecodebench", "livecodebench.jsonl")
    assert stdin_row["tests"]["cases"][1] == {"input": "2\n-1 -2\n", "output": "-3\n"}
    solution = "import sys\nn, *xs = map(int, sys.stdin.read().split())\nxs.sort()\nprint(xs[-1] + xs[-2])\n"
    assert verifier.verify(stdin_row["tests"], solution).passed
    leetcode = ("class Solution:\n    def sumEvens(self, nums: List[int]) -> int:\n"
                "        return sum(n for n in nums if n % 2 == 0)\n")
    assert functional_row["tests"]["asserts"] == ["assert Solution().sumEvens(*[[1, 2, 4]]) == 6",
                                                  "assert Solution().sumEvens(*[[]]) == 0"]
    assert verifier.verify(functional_row["tests"], leetcode).passed


def test_a_pickled_payload_that_is_not_plain_text_is_refused():
    import base64
    import pickle
    import zlib

    from envsdk_env_code.loaders import _lcb_cases

    hostile = base64.b64encode(zlib.compress(pickle.dumps(Path("/")))).decode()
    with pytest.raises(pickle.UnpicklingError):
        _lcb_cases(hostile)


def test_unknown_dataset_names_are_rejected_with_the_known_ones():
    with pytest.raises(ValueError, match="humaneval"):
        load_rows("nope")
