"""A CPU-time budget for one comparison, so that an answer built to stall sympy is the answer's 0.

The executor's row deadline is the backstop, but a row it kills is a flagged verdict that trainers drop:
a policy that learned to hang the comparison would escape its 0. Inside the budget the comparison is
interrupted and the answer counts as wrong with its own reason (`budget exceeded`, docs/math.md).

The budget is CPU time of this process (`ITIMER_PROF`, delivered as SIGPROF), not wall time, so a verdict
does not depend on how busy the machine is: the same comparison costs about the same CPU idle or under load.
One-off costs that are not the comparison's (importing sympy and latex2sympy, building the parser) run
under `paused_budget()`, outside it. `BudgetExceeded` is a BaseException so that no library's
`except Exception` (math-verify's `parse` returns `[]` on any Exception) can swallow the interruption and
hand back a wrong value, and so that no `lru_cache` ever stores a result for an interrupted call.
Signals reach only the main thread; elsewhere (a server's worker thread) the budget is not armed and the
executor's kill still applies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_COMPARE_BUDGET_S = 5.0
BUDGET_REASON = "budget exceeded"
_TIMER, _SIGNAL = signal.ITIMER_PROF, signal.SIGPROF


class BudgetExceeded(BaseException):
    """The comparison used up its CPU budget: the answer's 0, never cached, never caught by `except Exception`."""


def _raise(signum, frame):
    raise BudgetExceeded("comparison ran past its CPU-time budget")


def _armable() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def compare_budget(seconds: float | None) -> Iterator[None]:
    """Raise BudgetExceeded in the block after `seconds` of CPU time (None or 0: no budget).

    A CPU timer armed by someone else (a profiler) is nested: when it would fire first it is left alone,
    otherwise it is suspended and re-armed with its remaining time afterwards.
    """
    if not seconds or not _armable():
        yield
        return
    outer_left, outer_interval = signal.getitimer(_TIMER)
    if outer_left and outer_left <= seconds:
        yield
        return
    started = time.process_time()
    previous = signal.signal(_SIGNAL, _raise)
    signal.setitimer(_TIMER, seconds)
    try:
        yield
    finally:
        signal.setitimer(_TIMER, 0)
        signal.signal(_SIGNAL, previous)
        if outer_left:
            left = max(outer_left - (time.process_time() - started), 1e-3)
            signal.setitimer(_TIMER, left, outer_interval)


@contextmanager
def paused_budget() -> Iterator[None]:
    """Run the block outside any armed comparison budget (its CPU time is not charged), then re-arm it."""
    if not _armable() or signal.getsignal(_SIGNAL) is not _raise:
        yield
        return
    left, interval = signal.setitimer(_TIMER, 0)
    try:
        yield
    finally:
        if left:
            signal.setitimer(_TIMER, left, interval)
