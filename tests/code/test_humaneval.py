"""All 164 HumanEval canonical solutions pass (tuples, helpers from the prompt and float checks included)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from envsdk_env_code import load_rows


def test_every_canonical_solution_passes(verifier):
    rows = load_rows("humaneval")
    assert len(rows) == 164
    with ThreadPoolExecutor(2) as pool:
        verdicts = list(pool.map(lambda r: verifier.verify(r["tests"], r["info"]["canonical_solution"]), rows))
    failed = {r["id"]: v.error or v.details["tests"] for r, v in zip(rows, verdicts) if not v.passed}
    assert not failed


def test_humaneval_rows_prompt_with_the_function_header():
    row = load_rows("humaneval", limit=1)[0]
    assert row["id"] == "HumanEval/0" and "def has_close_elements" in row["prompt"]
    assert row["tests"]["kind"] == "humaneval" and row["tests"]["entry_point"] == "has_close_elements"
