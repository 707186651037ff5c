"""Whole-program tests: each case's input on stdin, stdout compared on the host (expected never enters)."""

from __future__ import annotations

import time
from typing import Any

from .results import Outcome, Settings, TestResult
from .specs import StdioTests


def normalise(text: str) -> str:
    """The documented comparison form: newlines unified (CRLF, CR -> LF), trailing whitespace cut from
    every line, trailing blank lines dropped. Everything else (leading spaces, inner blank lines, extra
    tokens, case) must match exactly."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _first_difference(got: str, want: str) -> str:
    got_lines, want_lines = got.split("\n"), want.split("\n")
    for number, (g, w) in enumerate(zip(got_lines, want_lines), 1):
        if g != w:
            return f"line {number} differs: got {g[:80]!r}"
    return f"got {len(got_lines)} lines, expected {len(want_lines)}"


def run_stdio(sandbox: Any, limits_cls: Any, spec: StdioTests, program: str, settings: Settings) -> Outcome:
    """Run every case (or up to the first failure) as its own sandboxed program. A compiled language is
    built first, inside the row's budget: the build's time counts against it, so a slow build leaves the
    cases less time (never more than the row holds), and its failure fails every case."""
    from envsdk_sandbox.languages import COMPILE_LIMITS
    outcome = Outcome(tests=[TestResult(f"cases[{i}]") for i in range(spec.count)])
    row_deadline = time.monotonic() + settings.row_budget_s
    started = time.monotonic()
    failed = sandbox.build(program, language=spec.language,
                           compile_limits=COMPILE_LIMITS.model_copy(update={"timeout_s": row_deadline - started}))
    if failed is not None:
        _compile_failed(outcome, failed)
        return outcome
    built = "" if spec.language == "python" else f" (after a {time.monotonic() - started:.2f}s build)"
    for index, (case, test) in enumerate(zip(spec.cases, outcome.tests)):
        left = settings.test_deadline(row_deadline) - time.monotonic()
        if left <= 0:
            outcome.finish("timeout", f"the row's {settings.row_budget_s:g}s time budget ran out", index)
            break
        limits = limits_cls(timeout_s=left, memory_mb=settings.memory_mb)
        # the build is cached by now; one built again (evicted meanwhile, or by a remote backend that
        # builds where it runs) must fit in what the row has left before this case's own time
        rebuild_s = max(row_deadline - time.monotonic() - left, 0.1)
        result = sandbox.run(program, stdin=case.input.encode(), limits=limits, language=spec.language,
                             compile_limits=COMPILE_LIMITS.model_copy(update={"timeout_s": rebuild_s}))
        outcome.sandbox = {"backend": result.backend, "tier": result.tier}
        test.duration_s = result.duration_s
        if result.status == "sandbox_error":
            outcome.verifier_error = f"sandbox error: {result.stderr[-300:]}"
            return outcome
        if result.compile_result is not None and result.compile_result.status != "ok":
            _compile_failed(outcome, result)
            return outcome
        got = normalise(result.stdout)
        if result.status == "timeout":
            test.status, test.error = "timeout", f"ran longer than {limits.timeout_s:g}s" + (built if index == 0 else "")
        elif result.status != "ok":
            test.status = "failed"
            test.error = f"the program ended with {result.status} (exit code {result.exit_code})"
            outcome.stderr = result.stderr[-2000:]
        elif got != normalise(case.output):
            test.status, test.error = "failed", "wrong output: " + _first_difference(got, normalise(case.output))
        else:
            test.status = "passed"
        if not test.passed and settings.stop_on_first_failure:
            outcome.finish("skipped", "not run: stop_on_first_failure", index + 1)
            break
    return outcome


def _compile_failed(outcome: Outcome, result: Any) -> None:
    """The program did not build (the candidate's failure: every case fails), unless the sandbox broke."""
    if result.status == "sandbox_error":
        outcome.verifier_error = f"sandbox error: {result.stderr[-300:]}"
        return
    step = result.compile_result or result
    outcome.compile_error = result.stderr[-2000:]
    outcome.finish("timeout" if step.status == "timeout" else "failed", f"the program did not compile ({step.status})")
