"""Explosive inputs are refused before sympy sees them. A refused *answer* is a wrong answer (reward 0, the
reason kept), so a bomb or a buried answer cannot buy an abstention; a refused *gold* is flagged (error set)."""

from __future__ import annotations

import pytest

from envsdk_env_math import verify_answer


@pytest.mark.parametrize(
    "bomb", [r"\dfrac{5^{5^{5^{5^5}}}-5}{16}", r"2^{2025!}", r"10^{1000000}", r"(10^{10})!", r"x^{10^{7}}"]
)
def test_latex_bomb_answer_is_refused_as_wrong(bomb):
    result = verify_answer("3", f"$\\boxed{{{bomb}}}$")
    assert (result.correct, result.outcome, result.error) == (False, "incorrect", None)
    assert result.reason.startswith("refused: ")


def test_buried_answer_over_the_length_limit_is_wrong_not_abstained():
    result = verify_answer("3", "The final answer is $\\boxed{" + "1, " * 30_000 + "3}$")
    assert (result.correct, result.error) == (False, None) and "characters (limit 2000)" in result.reason


def test_bomb_in_the_gold_is_flagged():
    result = verify_answer(r"2^{2025!}", r"$\boxed{3}$")
    assert result.error and "gold unsafe" in result.error and not result.correct


def test_large_but_safe_numbers_are_still_verified():
    assert verify_answer(r"\frac{1}{2004!}", r"$\boxed{\frac{1}{2004!}}$").correct


def test_megabyte_completion_is_wrong_without_being_parsed():
    result = verify_answer("3", "x" * 1_000_000 + r"\boxed{3}")
    assert (result.correct, result.error) == (False, None) and "too long" in result.reason
