"""A comparison that outruns its budget is the answer's 0 (never an abstention that trainers would drop)."""

import signal
import threading
import time

import pytest

from envsdk_env_math.budget import BudgetExceeded, compare_budget
from envsdk_env_math.verifier import verify_answer

SYMPY_PAIR = ("\\frac{x^2-1}{x-1}", "x+1")  # equal only after sympy simplifies


def test_sympy_reaching_pair_is_correct_within_the_default_budget():
    result = verify_answer(*SYMPY_PAIR)
    assert (result.correct, result.outcome, result.error) == (True, "correct", None)


def test_comparison_past_its_budget_is_a_wrong_answer_not_an_error():
    result = verify_answer("\\frac{x^3-1}{x-1}", "x^2+x+1", compare_budget_s=1e-6)
    assert (result.correct, result.outcome, result.error) == (False, "incorrect", None)
    assert result.reason == "refused: comparison ran past its time budget"


def test_budget_interrupts_a_busy_block_and_restores_the_timer():
    handler, (armed_before, _) = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)
    with pytest.raises(BudgetExceeded):
        with compare_budget(0.05):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pass
    armed_after, _ = signal.getitimer(signal.ITIMER_REAL)
    assert signal.getsignal(signal.SIGALRM) is handler and bool(armed_after) == bool(armed_before)


def test_an_outer_interval_timer_is_suspended_and_rearmed():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append("outer"))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        with pytest.raises(BudgetExceeded):
            with compare_budget(0.05):
                time.sleep(1)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < left <= 30.0 and fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_budget_is_not_armed_off_the_main_thread():
    outcome = []

    def work():
        with compare_budget(0.01):
            time.sleep(0.05)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["finished"]
