"""Issue 21's long tail, by kind (tests/math/conformance/kinds_issue21.jsonl, labelled by hand from the policy in
docs/math.md): plain-text notation, mixed numbers, clock times, complex arithmetic, choice letters, a stray
trailing backslash, decimal commas, the domain policy, prose golds, bare answers with a reason, second candidates
after a box, appeals to the grader, answers that make a parser raise (issue 22, item 6) and opt-in tolerances."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from envsdk_env_math import verify_answer

CASES = [json.loads(line) for line in (Path(__file__).parent / "conformance/kinds_issue21.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c['id']}-{c['kind']}") for c in CASES])
def test_case_is_judged_as_labelled(case):
    result = verify_answer(case["gold"], case["completion"], **case.get("options", {}))
    assert result.correct is case["label"], result
    assert result.error is None  # a candidate never buys an abstention


def test_every_kind_has_positives_and_hard_negatives():
    labels = Counter((c["kind"], c["label"]) for c in CASES)
    kinds = {c["kind"] for c in CASES}
    assert len(kinds) >= 14 and all(labels[(k, True)] >= 1 and labels[(k, False)] >= 3 for k in kinds)


@pytest.mark.parametrize("completion", [r"$\boxed{\int_0^1 \sin(x^{7}) dx}$", "$\\boxed{" + "(" * 200 + "1" + ")" * 200 + "}$"])
def test_answers_that_raise_in_a_parser_are_the_candidates_zero(completion):
    result = verify_answer("1", completion)
    assert (result.correct, result.outcome, result.error) == (False, "incorrect", None)


@pytest.mark.parametrize("completion, reason", [
    ("$\\boxed{" + "(" * 41 + "1" + ")" * 41 + "}$", "refused: brackets nested more than 40 deep"),
    ("$\\boxed{" + "+".join(["1"] * 500) + "}$", "refused: more than 200 operators"),
])
def test_a_refusal_for_parser_depth_does_not_depend_on_the_callers_stack_depth(completion, reason):
    def nested(depth: int):
        return nested(depth - 1) if depth else verify_answer("500", completion)

    assert verify_answer("500", completion).reason == nested(800).reason == reason


def test_a_long_chain_inside_the_limits_is_compared_at_any_stack_depth():
    chain = "$\\boxed{" + "+".join(["1"] * 200) + "}$"

    def nested(depth: int):
        return nested(depth - 1) if depth else verify_answer("200", chain)

    assert verify_answer("200", chain).correct and nested(800).correct


def test_tolerance_is_exact_by_default_and_asymmetric_in_the_golds_scale():
    assert not verify_answer(r"40\pi", r"\boxed{125.663}").correct
    assert verify_answer(r"40\pi", r"\boxed{125.663}", rel_tol=1e-5).correct
    assert not verify_answer("1000", r"\boxed{1001}", rel_tol=1e-4).correct
    assert verify_answer("1000", r"\boxed{1000.05}", rel_tol=1e-4).correct


@pytest.mark.parametrize("gold, completion, label", [
    (r"-\infty", r"\boxed{\infty}", False), (r"\infty", r"\boxed{-\infty}", False), (r"-\infty", r"\boxed{-\infty}", True),
    (r"\infty", r"\boxed{+\infty}", True),
])
def test_an_infinite_value_keeps_its_sign(gold, completion, label):
    assert verify_answer(gold, completion).correct is label


@pytest.mark.parametrize("gold, completion, label", [
    (r"\frac{1}{3}", r"\boxed{\frac{1}{3} \approx 0.333}", True), ("0.333", r"\boxed{\frac{1}{3} \approx 0.333}", False),
    ("11", r"\boxed{x \approx 11}", True), ("11", r"\boxed{\approx 11}", True),
])
def test_an_exact_value_followed_by_its_approximation_answers_with_the_exact_value(gold, completion, label):
    assert verify_answer(gold, completion).correct is label
