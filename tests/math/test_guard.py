"""Explosive inputs are refused before sympy sees them, and flagged (error set), never scored silently."""

from __future__ import annotations

import pytest

from envsdk_env_math import verify_answer


@pytest.mark.parametrize(
    "bomb", [r"\dfrac{5^{5^{5^{5^5}}}-5}{16}", r"2^{2025!}", r"10^{1000000}", r"(10^{10})!", r"x^{10^{7}}"]
)
def test_latex_bomb_is_refused_and_flagged(bomb):
    result = verify_answer("3", f"$\\boxed{{{bomb}}}$")
    assert result.error and "unsafe" in result.error and not result.correct


def test_large_but_safe_numbers_are_still_verified():
    assert verify_answer(r"\frac{1}{2004!}", r"$\boxed{\frac{1}{2004!}}$").correct


def test_megabyte_completion_is_flagged_not_parsed():
    result = verify_answer("3", "x" * 1_000_000 + r"\boxed{3}")
    assert result.error and "too long" in result.error and not result.correct
