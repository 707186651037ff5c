"""Each known math-verify failure, fixed, and the policy's hard rules (docs/math.md)."""

from __future__ import annotations

import pytest

from envsdk_env_math import verify_answer


def correct(gold: str, answer: str, question: str | None = None) -> bool:
    return verify_answer(gold, f"The answer is $\\boxed{{{answer}}}$.", question).correct


def test_raw_gold_is_wrapped_before_parsing():
    assert correct(r"\sqrt{2}", r"\sqrt 2") and correct(r"(1, 2]", r"(1,2]") and not correct(r"\sqrt{2}", "1")


def test_e_notation_keeps_its_exponent():
    assert correct(r"6.02 \times 10^{23}", "6.02e23") and not correct("6.02e23", "6.02")


def test_thin_space_thousands_are_one_number():
    assert correct("1000000", r"1\,000\,000") and not correct("1000000", r"1\,000\,001")


def test_repeating_decimals_are_exact_fractions():
    assert correct(r"\frac{1}{6}", r"0.1\overline{6}") and not correct(r"\frac{1}{3}", r"0.\overline{6}")


def test_varnothing_is_the_empty_set():
    assert correct(r"\emptyset", r"\varnothing") and not correct(r"\emptyset", r"\{0\}")


def test_fbox_is_a_committed_answer():
    assert verify_answer("5", r"The answer is $\fbox{5}$.").correct


def test_text_around_a_boxed_number_is_ignored():
    assert correct("12", r"\text{There are } 12 \text{ ways}") and not correct("12", r"\text{13 ways}")


def test_omitted_unit_is_equal_and_different_unit_is_not():
    assert correct("12", r"12 \text{ inches}") and correct(r"5 \text{ m}", "5")
    assert not correct(r"5 \text{ m}", r"5 \text{ cm}")


def test_tiny_and_huge_magnitudes_compare_exactly():
    assert not correct(r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}")
    assert not correct(r"\frac{1}{2004!}", r"\frac{1}{2006!}")
    assert not correct(r"2^{100}", r"2^{100}+1") and correct(r"2^{100}", r"4^{50}")


def test_decimal_approximation_of_an_exact_answer_is_wrong():
    assert not correct(r"\frac{1}{3}", "0.333333") and not correct(r"\pi", "3.14") and correct(r"\frac14", "0.25")


def test_intervals_are_ordered_and_brackets_matter():
    assert correct("[2,5)", "[2, 5)") and not correct("[2,5)", "(2,5)") and not correct("[2,5)", "[2,5]")


def test_inequality_answers_an_interval_gold():
    assert correct("[2,5)", r"2 \le x < 5") and not correct("[2,5)", r"2 < x \le 5")


def test_inequality_copied_from_the_question_is_not_correct():
    question = "Solve the inequality $|x-3|<2$."
    assert not correct("(1,5)", "|x-3|<2", question) and correct("(1,5)", "1<x<5", question)


def test_sets_and_solution_lists_are_order_free():
    assert correct(r"\{1,2,3\}", r"\{3,2,1\}") and correct("-2, 3", "x = 3 \\text{ or } x = -2")


def test_tuples_are_ordered():
    assert correct("(1,2)", "(1, 2)") and not correct("(1,2)", "(2,1)") and not correct("(1,2)", "[1,2]")


def test_matrices_compare_elementwise():
    gold = r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
    assert correct(gold, r"\begin{bmatrix}1&2\\3&4\end{bmatrix}") and not correct(gold, r"\begin{pmatrix}1&3\\2&4\end{pmatrix}")


def test_equations_match_up_to_rearrangement_and_scaling():
    assert correct("y = 2x + 1", "2x - y + 1 = 0") and correct("3", "x = 3") and not correct("y = 2x + 1", "y = 2x - 1")


def test_percentages_match_their_value_but_not_a_bare_times_100():
    assert correct(r"50\%", "0.5") and correct(r"50\%", "50") and not correct("9", "0.09")


@pytest.mark.parametrize("pred", ["1728", "1331, 1728, 2197"])
def test_missing_or_extra_elements_are_wrong(pred):
    assert not correct(r"1331 \text{ and } 1728", pred)


@pytest.mark.parametrize(
    "completion",
    ["The answer is 12 or maybe 13.", r"Either $\boxed{12}$ or $\boxed{13}$.", r"So $\boxed{12}$, or maybe 13."],
)
def test_hedged_answers_are_not_correct(completion):
    assert not verify_answer("12", completion).correct


def test_no_anchor_is_not_attempted():
    result = verify_answer("18", "She makes 9 * 2 = 18 dollars a day")
    assert not result.correct and result.outcome == "not_attempted"


def test_truncated_box_is_not_attempted():
    assert verify_answer("12", r"The answer is $\boxed{12").outcome == "not_attempted"


def test_last_box_is_the_committed_answer():
    assert verify_answer("18", r"First $\boxed{16}$; correcting for breakfast: $\boxed{18}$.").correct


def test_verdict_details_name_the_extracted_answer_and_reason():
    result = verify_answer("18", r"So $\boxed{17}$.")
    assert (result.extracted, result.outcome) == ("17", "incorrect") and "not equal" in result.reason


def test_full_width_and_zero_width_characters_change_no_value():
    assert correct("12", "１２") and correct("12", "1\u200b2") and verify_answer("B", "Answer: （Ｂ）").correct
    assert not correct("13", "１２")


def test_a_parse_that_drops_variables_never_makes_answers_equal():
    # math-verify parses both sides to 2/3; the subscripted names differ
    assert not correct(r"\frac{1}{3} E_{1}+\frac{2}{3} E_{2}", r"\frac{1}{3} E_{1}+\frac{2}{3} E_{3}")
    assert correct(r"\frac{1}{3} E_{1}+\frac{2}{3} E_{2}", r"\frac{1}{3}E_{1} + \frac{2}{3}E_{2}")


def test_an_equation_with_a_set_side_is_compared_without_crashing():
    result = verify_answer(r"x=\frac{1}{6} \pi+\pi k, \frac{1}{3} \pi", r"$\boxed{x=\frac{1}{6} \pi+\pi k, \frac{1}{4} \pi}$")
    assert (result.correct, result.error) == (False, None)
