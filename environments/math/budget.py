"""A wall-clock budget for one comparison, so that an answer built to stall sympy is the answer's 0.

The executor's row deadline is the backstop, but a row it kills is a flagged verdict that trainers drop:
a policy that learned to hang the comparison would escape its 0. Inside the budget the comparison is
interrupted by SIGALRM and the answer counts as wrong (docs/math.md). Signals reach only the main thread,
so elsewhere (a server's worker thread) the budget is not armed and the executor's kill still applies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .guard import GuardError

DEFAULT_COMPARE_BUDGET_S = 5.0


class BudgetExceeded(GuardError):
    """The comparison ran past its budget: refused like any other answer too costly to verify."""


def _raise(signum, frame):
    raise BudgetExceeded("comparison ran past its time budget")


@contextmanager
def compare_budget(seconds: float | None) -> Iterator[None]:
    """Raise BudgetExceeded in the block after `seconds` (None or 0: no budget).

    An interval timer armed by someone else (pytest-timeout, a caller's alarm) is nested: when it would fire
    first it is left alone, otherwise it is suspended and re-armed with its remaining time afterwards.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            left = max(outer_left - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
