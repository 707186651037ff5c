"""The comparison budget is CPU time of the comparison: an overrun is the answer's 0 with its own reason,
counted in the metrics, never cached, and never swallowed by a library's `except Exception`."""

import asyncio
import signal
import threading
import time

import pytest

from envsdk import Verdict
from envsdk.record import RolloutRecord, summarize
from envsdk_env_math.budget import BUDGET_REASON, BudgetExceeded, compare_budget, paused_budget
from envsdk_env_math.rubric import make_rubric
from envsdk_env_math.verifier import verify_answer

SYMPY_PAIR = ("\\frac{x^2-1}{x-1}", "x+1")  # equal only after sympy simplifies


def _spin(cpu_s: float) -> None:
    """Burn `cpu_s` seconds of this process's CPU time."""
    end = time.process_time() + cpu_s
    while time.process_time() < end:
        pass


def test_sympy_reaching_pair_is_correct_within_the_default_budget():
    result = verify_answer(*SYMPY_PAIR)
    assert (result.correct, result.outcome, result.error) == (True, "correct", None)


def test_an_overrun_is_a_wrong_answer_with_its_own_reason_and_is_never_cached():
    gold, pred = "\\frac{x^3-1}{x-1}", "(x^2+x+1)"  # a pair no other test compares, so no cache holds it
    over = verify_answer(gold, pred, compare_budget_s=1e-6)
    assert (over.correct, over.outcome, over.error, over.reason) == (False, "incorrect", None, BUDGET_REASON)
    again = verify_answer(gold, pred)  # the interrupted comparison left nothing behind in any cache
    assert (again.correct, again.reason) == (True, "equal (bare)")


def test_the_rubric_flags_an_overrun_and_the_metrics_count_it():
    rubric = make_rubric(compare_budget_s=1e-6)
    rows = [{"answer": "\\frac{x^4-1}{x-1}"}, {"answer": "7"}]  # 7 is decided without sympy, inside any budget
    completions = ["\\boxed{x^3+x^2+x+1}", "\\boxed{7}"]
    verdicts = asyncio.run(rubric.score_group(rows, completions))
    assert [v.reward for v in verdicts] == [0.0, 1.0]
    assert verdicts[0].details["budget_exceeded"] is True and verdicts[0].error is None
    assert "budget_exceeded" not in verdicts[1].details
    assert summarize([RolloutRecord.of(v) for v in verdicts])["verify/budget_exceeded_rate"] == 0.5
    assert summarize([RolloutRecord.of(Verdict(reward=1.0))])["verify/budget_exceeded_rate"] == 0.0


def test_wall_time_spent_waiting_is_not_charged():
    with compare_budget(0.05):
        time.sleep(0.3)  # six budgets of wall time, almost no CPU


def test_cpu_time_past_the_budget_interrupts_and_the_handler_is_restored():
    handler = signal.getsignal(signal.SIGPROF)
    with pytest.raises(BudgetExceeded):
        with compare_budget(0.05):
            _spin(5)
    assert signal.getsignal(signal.SIGPROF) is handler and signal.getitimer(signal.ITIMER_PROF)[0] == 0


def test_the_interruption_passes_through_except_exception():
    swallowed = []
    with pytest.raises(BudgetExceeded):
        with compare_budget(0.05):
            try:
                _spin(5)
            except Exception:  # noqa: BLE001 - what math-verify's parse does
                swallowed.append(True)
    assert swallowed == []


def test_cpu_spent_in_a_paused_block_is_not_charged():
    with compare_budget(0.2):
        with paused_budget():
            _spin(0.4)
        _spin(0.05)


def test_an_outer_cpu_timer_is_suspended_and_rearmed():
    fired = []
    previous = signal.signal(signal.SIGPROF, lambda *_: fired.append("outer"))
    try:
        signal.setitimer(signal.ITIMER_PROF, 30.0)
        with pytest.raises(BudgetExceeded):
            with compare_budget(0.05):
                _spin(5)
        left, _ = signal.getitimer(signal.ITIMER_PROF)
        assert 25.0 < left <= 30.0 and fired == []
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def test_a_wall_clock_alarm_of_the_caller_is_left_alone():
    previous = signal.signal(signal.SIGALRM, lambda *_: None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        with compare_budget(0.05):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < left <= 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_budget_is_not_armed_off_the_main_thread():
    outcome = []

    def work():
        with compare_budget(0.01):
            _spin(0.05)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["finished"]
