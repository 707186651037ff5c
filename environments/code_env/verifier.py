"""From (tests, completion) to a Verdict: pick the program, run the right kind of test, judge on the host."""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

from envsdk import RowError, Verdict
from envsdk.messages import Text, completion_text

from .extract import build_program, build_source
from .functional import Drivers, FunctionalRun
from .results import Outcome, Settings, TestResult
from .specs import StdioTests, parse_tests
from .stdio import run_stdio

RewardMode = Literal["all", "fraction"]
# With sandbox_urls, what the host adds to its deadlines for a candidate on a remote server (transport and
# the server's queue); the candidate's own per-test time is limited on the server (docs/scale.md).
REMOTE_GRACE_S = 10.0


def _sandbox_module() -> Any:
    from envsdk.errors import require

    return require("envsdk_sandbox", "code")


class CodeVerifier:
    """Scores code completions against unit tests in the sandbox.

    `reward_mode="all"` gives 1 only when every test passes; `"fraction"` gives the share that passed.
    `timeout_s` is the wall clock per test and `row_budget_s` the wall clock for all tests of a row: a
    candidate still running when either runs out fails (keep the executor's row timeout above
    `row_budget_s` + a few seconds, or slow candidates abstain instead; see docs/code.md). `fast` runs
    programs in the sandbox's warm forked interpreter. `packages`: importable names the candidate and the
    tests may use beyond the standard library (nothing else installed is visible to them). The sandbox
    is created on first use (so a verifier can be built in one process and used in a worker) unless one
    is passed in. `sandbox_urls` with `backend="http"`: candidates run on those SandboxFusion-protocol
    servers, while the checkers (the tests) stay in a local sandbox, so no test leaves this host.
    `resident`: the embedded tier-1 sandbox's resident workers (None: where they start; False: namespaces
    built per run; docs/sandbox.md).
    """

    def __init__(self, *, backend: str = "embedded", tier: int | str | None = None, timeout_s: float = 10.0,
                 memory_mb: int = 512, reward_mode: RewardMode = "all", stop_on_first_failure: bool = False,
                 fast: bool = True, sandbox: Any = None, row_budget_s: float = 20.0,
                 packages: tuple[str, ...] = (), sandbox_urls: tuple[str, ...] = (),
                 resident: bool | None = None):
        if reward_mode not in ("all", "fraction"):
            raise ValueError(f"reward_mode must be 'all' or 'fraction', not {reward_mode!r}")
        if not 0 < timeout_s <= row_budget_s:
            raise ValueError(f"need 0 < timeout_s <= row_budget_s, got {timeout_s:g} and {row_budget_s:g}")
        self.backend, self.tier, self.fast, self.packages = backend, tier, fast, tuple(packages)
        self.sandbox_urls, self.resident = tuple(sandbox_urls), resident
        self.remote_grace_s = REMOTE_GRACE_S if self.sandbox_urls else 0.0
        self._checker_sandbox: Any = None
        self.settings = Settings(timeout_s=timeout_s, memory_mb=memory_mb,
                                 stop_on_first_failure=stop_on_first_failure, row_budget_s=row_budget_s)
        self.reward_mode = reward_mode
        self._sandbox = sandbox
        self._owns_sandbox = sandbox is None
        self._drivers: Drivers | None = None
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> Any:
        """The `envsdk_sandbox.Sandbox` programs run in (created on first use)."""
        if self._sandbox is None:
            self._sandbox = _sandbox_module().Sandbox(backend=self.backend, tier=self.tier, fast=self.fast,
                                                      packages=self.packages, urls=self.sandbox_urls,
                                                      resident=self.resident)
        return self._sandbox

    @property
    def checker_sandbox(self) -> Any:
        """Where the checkers run: the sandbox itself, or a local one when candidates run remotely."""
        if not self.sandbox_urls:
            return self.sandbox
        if self._checker_sandbox is None:
            self._checker_sandbox = _sandbox_module().Sandbox(tier=self.tier, fast=self.fast, packages=self.packages,
                                                              resident=self.resident)
        return self._checker_sandbox

    @property
    def drivers(self) -> Drivers:
        """The warm checker/candidate processes (started on first use)."""
        with self._lock:
            if self._drivers is None:
                remote = {"remote_step_s": self.settings.timeout_s, "grace_s": self.remote_grace_s}
                self._drivers = Drivers(self.sandbox, _sandbox_module().Limits, self.settings.memory_mb,
                                        self.checker_sandbox, **(remote if self.sandbox_urls else {}))
            return self._drivers

    def close(self) -> None:
        """Stop the warm processes, and the sandbox's servers if this verifier started them."""
        if self._drivers is not None:
            self._drivers.close()
            self._drivers = None
        if self._owns_sandbox and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
        if self._checker_sandbox is not None:
            self._checker_sandbox.close()
            self._checker_sandbox = None

    def verify(self, tests: Any, completion: Text) -> Verdict:
        """The verdict for one completion; a bad `tests` field gives a flagged (error) verdict."""
        started = time.perf_counter()
        try:
            spec = parse_tests(tests)
        except RowError as exc:
            return Verdict.from_error(str(exc), duration_s=time.perf_counter() - started)
        text = completion_text(completion)
        if isinstance(spec, StdioTests) and spec.language != "python":
            program = build_source(text, spec.language)
        else:
            program = build_program(text, "" if isinstance(spec, StdioTests) else spec.prompt)
        details: dict[str, Any] = {"kind": spec.kind, "prompt_prepended": program.with_prompt}
        if isinstance(spec, StdioTests):
            details["language"] = spec.language
        if program.problem is not None:
            names = [f"tests[{i}]" for i in range(spec.count)]
            outcome = Outcome(tests=[TestResult(name) for name in names])
            key = "empty_code" if not program.code.strip() else "compile_error"
            details[key] = program.problem
            outcome.finish("not_run", program.problem)
        elif isinstance(spec, StdioTests):
            outcome = run_stdio(self.sandbox, _sandbox_module().Limits, spec, program.code, self.settings)
            if outcome.compile_error is not None:
                details["compile_error"] = outcome.compile_error
        else:
            outcome = FunctionalRun(self.drivers, spec, program.code, self.settings).run()
        return self._verdict(outcome, details, time.perf_counter() - started)

    def _verdict(self, outcome: Outcome, details: dict[str, Any], duration: float) -> Verdict:
        passed = sum(t.passed for t in outcome.tests)
        total = len(outcome.tests)
        details.update(
            tests=[t.as_dict() for t in outcome.tests],
            passed_tests=passed,
            total_tests=total,
            **({"import_error": outcome.import_error} if outcome.import_error else {}),
            **({"stderr": outcome.stderr} if outcome.stderr else {}),
            **({"sandbox": outcome.sandbox} if outcome.sandbox else {}),
        )
        if outcome.verifier_error is not None:
            return Verdict.from_error(outcome.verifier_error, duration_s=duration, **details)
        all_passed = passed == total
        reward = float(all_passed) if self.reward_mode == "all" else passed / total
        details["outcome"] = "correct" if all_passed else "incorrect"
        return Verdict(reward=reward, passed=all_passed, duration_s=duration, details=details)
