"""Function-style tests (humaneval, asserts): a sandboxed checker calls a separately sandboxed candidate.

The host hands the spec to a checker process and the program to a fresh candidate process, relays each
`call` from the checker to the candidate and the reply back, counts the calls per test, and records each
test result itself. Nothing the candidate prints, exits with or writes can become a pass: a test passes
only when the checker reports it passed, the host relayed at least one call during it, and no call in it
ended the candidate (exit, kill, timeout, BaseException, a value outside the closed encoding).
"""

from __future__ import annotations

import functools
import marshal
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .codec import DecodeError
from .lines import ChannelClosed, ChannelOverflow, ChannelTimeout
from .results import Outcome, Settings, TestResult
from .specs import AssertsTests, HumanEvalTests
from .warm import BOOT_TIMEOUT_S, Child, WarmPool

CHECKER_GRACE_S = 2.0  # the trusted checker may take this long past a test's deadline to report it
EXIT_GRACE_S = 1.0  # a process that should be exiting by itself gets this long before it is killed
CHECKER_LIFE_S = 1800.0  # sandbox backstops; the host's own deadlines are much shorter
CANDIDATE_LIFE_S = 900.0
CANDIDATES_AHEAD = 2
MAX_BATCH = 10_000  # calls in one batch
# A candidate's reply line: the returned value travels as JSON text the host never parses, so the host
# holds a few copies of at most this much per call (a longer reply fails the test).
CANDIDATE_MAX_LINE = 4 << 20
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HERE = Path(__file__).parent


_LOADER = """import marshal, sys
if sys.hexversion == {hexversion}:
    with open("driver.bin", "rb") as fh:
        code = marshal.loads(fh.read())
else:
    with open("driver.py", encoding="utf-8") as fh:
        code = compile(fh.read(), "driver.py", "exec")
exec(code, {{"__name__": "__main__", "__builtins__": __builtins__}})
"""


@functools.cache
def driver(name: str) -> tuple[str, dict[str, bytes]]:
    """The program run in a sandbox (codec, channel, then the named driver) as a tiny loader plus files:
    the code precompiled for this interpreter (compiling it at every boot would cost more than the
    rest of the boot), and its source for any other interpreter."""
    source = "\n\n".join((_HERE / f"{part}.py").read_text() for part in ("codec", "driver_channel", name))
    compiled = marshal.dumps(compile(source, "driver.py", "exec", optimize=0))
    return _LOADER.format(hexversion=sys.hexversion), {"driver.bin": compiled, "driver.py": source.encode()}


class Drivers:
    """The warm checker and candidate processes of one verifier. `checker_sandbox` (default: `sandbox`)
    hosts the checkers: a remote candidate sandbox keeps the tests on the host's own sandbox. For a remote
    one, `remote_step_s` is each candidate step's own time limit, kept on the server, and `grace_s` what
    the host adds to its deadlines for transport and the server's queue (docs/scale.md). `boot_s` bounds
    each process's boot, which no test's or row's time pays for."""

    def __init__(self, sandbox: Any, limits_cls: Any, memory_mb: int, checker_sandbox: Any = None,
                 remote_step_s: float | None = None, grace_s: float = 0.0, boot_s: float = BOOT_TIMEOUT_S):
        self.grace_s = grace_s

        def spawner(name: str, where: Any = sandbox, step_s: float | None = None):
            code, files = driver(name)
            return lambda life: where.spawn(code, files=files,
                                            limits=limits_cls(timeout_s=step_s or life, memory_mb=memory_mb))

        self.checkers = WarmPool(spawner("checker_main", checker_sandbox or sandbox), CHECKER_LIFE_S, boot_s=boot_s)
        self.candidates = WarmPool(spawner("candidate_main", step_s=remote_step_s), CANDIDATE_LIFE_S,
                                   size=CANDIDATES_AHEAD, max_line=CANDIDATE_MAX_LINE, boot_s=boot_s)

    def refill(self) -> None:
        self.candidates.refill()
        self.checkers.refill()

    def close(self) -> None:
        self.candidates.close()
        self.checkers.close()


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value[:1000] if isinstance(v, str) and _IDENT.match(v)]


class FunctionalRun:
    """One verification: hand out spec and program, handshake, relay, judge. Use `run()` once.

    The drivers' boot is not the candidate's time: the row's clock starts once the checker and the first
    candidate process have said hello (before the program is sent), and a replacement candidate's boot
    moves its test's deadline on by as long as it took (within the row's budget, which the candidate's
    own deaths spend). The candidate's module load counts: it has the first test's timeout.
    """

    def __init__(self, drivers: Drivers, spec: HumanEvalTests | AssertsTests, program: str, settings: Settings):
        self.drivers, self.spec, self.program, self.settings = drivers, spec, program, settings
        self.needed_s = settings.timeout_s * (spec.count + 2) + 5
        self.checker: Child | None = None
        self.checker_in_step = False
        self.candidates: list[Child] = []
        self.ended: set[int] = set()  # candidates killed or ending on their own: never signalled (again)
        self.candidate: Child | None = None
        self.exposed: set[str] = set()
        self.start_message: dict = {}
        self.death: str | None = None
        self.death_test = -1
        self.index = 0
        self.call_id = 0
        self.row_deadline = self.deadline = 0.0  # time.monotonic() values, set once the drivers have booted

    # ---- lifecycle ------------------------------------------------------------------------
    def run(self) -> Outcome:
        names = ["check"] if isinstance(self.spec, HumanEvalTests) else [f"asserts[{i}]" for i in range(self.spec.count)]
        outcome = Outcome(tests=[TestResult(name) for name in names])
        try:
            self.checker = self.drivers.checkers.take(self.needed_s)
            child = self._take_candidate()
            self.row_deadline = time.monotonic() + self.settings.row_budget_s + self.drivers.grace_s
            self.deadline = self._test_deadline()
            spec = {**self.spec.model_dump(), "prompt": _checker_prompt(self.spec.prompt)}
            if not self.checker.send({"op": "spec", "spec": spec}, self.deadline):
                raise RuntimeError("the checker stopped reading")
            self._start_candidate(child, outcome)
            if self._checker_loaded(outcome, self.deadline + CHECKER_GRACE_S):
                self._relay(outcome)
        except (OSError, RuntimeError) as exc:
            outcome.verifier_error = f"sandbox failure: {type(exc).__name__}: {exc}"
        finally:
            self._close(outcome)
        if outcome.import_error:
            outcome.finish("failed", f"the candidate's module failed to load: {outcome.import_error}")
        outcome.finish("not_run", "the checker stopped before reporting this test")
        return outcome

    def _checker_loaded(self, outcome: Outcome, deadline: float) -> bool:
        """Read the checker's load report; start it if the candidate is up, else tell it to skip."""
        try:
            message = self.checker.recv(deadline)
        except (ChannelClosed, ChannelTimeout, ChannelOverflow, DecodeError) as exc:
            outcome.verifier_error = f"the checker did not load the tests ({type(exc).__name__})"
            return False
        if message.get("op") == "fatal":
            self.checker_in_step = True  # it is back waiting for the next spec
            outcome.verifier_error = str(message.get("error"))[:1000]
            return False
        if message.get("op") != "loaded":
            outcome.verifier_error = f"checker protocol error: unexpected message {str(message)[:200]}"
            return False
        if self.candidate is None:
            self.checker_in_step = self.checker.send({"op": "skip"}, deadline)
            return False
        return True

    def _take_candidate(self) -> Child:
        """A booted (greeted) candidate process; its boot has the pool's own budget, and a failed or
        overlong boot raises RuntimeError (a sandbox failure, flagged)."""
        child = self.drivers.candidates.take(self.needed_s)
        self.drivers.candidates.refill()  # the next sample's process boots while this one runs
        self.candidates.append(child)
        return child

    def _restart_candidate(self) -> None:
        """A fresh candidate for the current test after one died in an earlier test; the time its boot
        took moves the test's deadline on (never past the row's)."""
        started = time.monotonic()
        child = self._take_candidate()
        booted = time.monotonic() - started
        self.deadline = min(self.deadline + booted, self.row_deadline + self.drivers.grace_s)
        self._start_candidate(child)

    def _start_candidate(self, child: Child, outcome: Outcome | None = None) -> None:
        """Hand the program to a booted candidate and wait, until the current deadline, for its module to
        load; on failure record why (and, for the first start, the import error in `outcome`)."""
        why = "the candidate stopped reading its channel"
        if child.send({"op": "load", "code": self.program}, self.deadline):
            try:
                ready = child.recv(self.deadline)
            except ChannelTimeout:
                why = "the candidate's module took longer than the per-test timeout to load"
            except ChannelClosed:
                why = "the candidate's process ended while loading its module"
                self.ended.add(id(child))
            except (ChannelOverflow, DecodeError):
                why = "the candidate broke the channel while loading its module"
            else:
                if ready.get("op") == "ready" and ready.get("ok") is True:
                    funcs, classes = _names(ready.get("funcs")), _names(ready.get("classes"))
                    self.candidate, self.exposed = child, set(funcs) | set(classes)
                    self.start_message = self.start_message or {"op": "start", "funcs": funcs, "classes": classes}
                    return
                error = ready.get("error")
                if ready.get("op") == "ready" and isinstance(error, dict):
                    self.ended.add(id(child))  # the driver exits by itself after this message
                    why = f"{_short(error.get('raised'), 100)}: {_short(error.get('msg'), 300)}"
                else:
                    why = "the candidate wrote something other than the driver's ready message on its channel"
        self._kill(child)
        if outcome is not None:
            outcome.import_error = why
        self.death, self.death_test = why, self.index

    def _kill(self, child: Child) -> None:
        if id(child) not in self.ended:
            self.ended.add(id(child))
            child.proc.kill()

    def _close(self, outcome: Outcome) -> None:
        if self.checker is not None:
            if self.checker_in_step:
                self.drivers.checkers.give_back(self.checker)
            else:
                self.checker.proc.kill()
        ending = [id(c) in self.ended for c in self.candidates]
        for child in self.candidates:
            self._kill(child)
        if self.candidates:
            outcome.sandbox = {"backend": self.candidates[0].proc.backend, "tier": self.candidates[0].proc.tier}
        waits = [(c.proc, EXIT_GRACE_S if end else self.settings.timeout_s + 5) for c, end in zip(self.candidates, ending)]
        if outcome.verifier_error is None and all(t.passed for t in outcome.tests):
            threading.Thread(target=_reap, args=(waits,), daemon=True).start()  # nothing to learn from them
        else:
            results = _reap_bounded(waits)
            if results:
                outcome.stderr = results[-1].stderr[-2000:]
            broken = [r.stderr[-300:] for r in results if r.status == "sandbox_error"]
            if broken and outcome.verifier_error is None:
                outcome.verifier_error = f"sandbox error: {broken[0]}"
        self.drivers.refill()

    # ---- relay ----------------------------------------------------------------------------
    def _relay(self, outcome: Outcome) -> None:
        checker = self.checker
        self.deadline = self._test_deadline()
        if not checker.send(self.start_message, self.deadline):
            outcome.verifier_error = "the checker exited before the tests started"
            return
        calls, spoiled = 0, None
        while True:
            try:
                message = checker.recv(self.deadline + CHECKER_GRACE_S)
            except ChannelTimeout:
                if self.index < len(outcome.tests):
                    outcome.tests[self.index].status = "timeout"
                    outcome.tests[self.index].error = self._timeout_reason()
                if time.monotonic() >= self.row_deadline:
                    outcome.finish("timeout", self._timeout_reason(), self.index)
                return
            except (ChannelClosed, ChannelOverflow, DecodeError):
                return  # the remaining tests are marked not_run
            op = message.get("op")
            if op == "call":
                calls += 1
                reply, spoil = self._call(message)
                spoiled = spoiled or spoil
                if not checker.send(reply, self.deadline + CHECKER_GRACE_S):
                    return
            elif op == "batch":
                reply, spoil, made = self._batch(message)
                calls, spoiled = calls + made, spoiled or spoil
                if not checker.send(reply, self.deadline + CHECKER_GRACE_S):
                    return
            elif op == "test" and message.get("index") == self.index < len(outcome.tests):
                test = outcome.tests[self.index]
                self._judge(test, message, calls, spoiled)
                self.index += 1
                calls, spoiled, self.deadline = 0, None, self._test_deadline()
                if not test.passed and self.settings.stop_on_first_failure and self.index < len(outcome.tests):
                    outcome.finish("skipped", "not run: stop_on_first_failure", self.index)
                    return
                if time.monotonic() >= self.row_deadline:
                    outcome.finish("timeout", self._timeout_reason(), self.index)
                    return
            elif op == "done" and self.index == len(outcome.tests):
                self.checker_in_step = True
                return
            else:
                outcome.verifier_error = f"checker protocol error: unexpected message {str(message)[:200]}"
                return

    def _test_deadline(self) -> float:
        """The current test's deadline on the host: its timeout cut at the row's, plus a remote sandbox's grace."""
        return self.settings.test_deadline(self.row_deadline) + self.drivers.grace_s

    def _timeout_reason(self) -> str:
        if time.monotonic() >= self.row_deadline:
            return f"the row's {self.settings.row_budget_s:g}s time budget ran out"
        return f"the test ran longer than its {self.settings.timeout_s:g}s timeout"

    @staticmethod
    def _judge(test: TestResult, message: dict, calls: int, spoiled: tuple[str, str] | None) -> None:
        test.calls = calls
        duration = message.get("duration_s")
        test.duration_s = float(duration) if isinstance(duration, (int, float)) else 0.0
        if message.get("passed") is not True:
            test.status, test.error = "failed", str(message.get("error"))[:1000]
        elif spoiled is not None:
            test.status, test.error = spoiled
        elif message.get("aborted"):
            test.status, test.error = "failed", f"the candidate aborted: {str(message['aborted'])[:300]}"
        elif calls == 0:
            test.status, test.error = "failed", "the test never called the candidate"
        else:
            test.status = "passed"
        if spoiled is not None and spoiled[0] == "timeout":
            test.status = "timeout"

    def _call(self, message: dict) -> tuple[dict, tuple[str, str] | None]:
        """Relay one call; returns the reply for the checker and, if the call spoiled the test, why."""
        fn = message.get("fn")
        if fn not in self.exposed:
            return {"raised": "NameError", "msg": f"name {fn!r} is not defined by the candidate"}, None
        reply, spoil = self._exchange({"fn": fn, **_call_fields(message)})
        return _forward(reply) if spoil is None else (reply, spoil)

    def _batch(self, message: dict) -> tuple[dict, tuple[str, str] | None, int]:
        """Relay a batch of calls the checker makes up front; also returns how many calls it holds."""
        calls = message.get("calls")
        if not isinstance(calls, list) or not 0 < len(calls) <= MAX_BATCH:
            return {"dead": "malformed batch"}, ("failed", "malformed batch from the checker"), 0
        requests = [{"fn": c.get("fn"), **_call_fields(c)} for c in calls if isinstance(c, dict)]
        if len(requests) != len(calls) or any(r["fn"] not in self.exposed for r in requests):
            return {"dead": "the batch names functions the candidate lacks"}, None, 0
        reply, spoil = self._exchange({"batch": requests})
        if spoil is not None:
            return reply, spoil, len(calls)
        answers = reply.get("batch")
        if not isinstance(answers, list) or len(answers) != len(calls):
            return {"dead": "the candidate's reply did not answer the batch"}, ("failed", "bad batch reply"), len(calls)
        forwarded = [_forward(a if isinstance(a, dict) else {}) for a in answers]
        spoiled = next((why for _, why in forwarded if why is not None), None)
        return {"batch": [r for r, _ in forwarded]}, spoiled, len(calls)

    def _exchange(self, payload: dict) -> tuple[dict, tuple[str, str] | None]:
        """Send one request to the candidate and read its reply by the test's deadline; a dead/timed-out/
        garbled candidate is killed, and the reply then says so (`dead`) with why the test is spoiled."""
        if self.candidate is None and self.death_test != self.index:
            self._restart_candidate()  # it died in an earlier test: give later tests a fresh one
        child = self.candidate
        if child is None:
            return {"dead": self.death}, ("failed", f"the candidate is gone: {self.death}")
        self.call_id += 1
        status, why = "failed", "the candidate stopped reading its calls"
        if child.send({"id": self.call_id, **payload}, self.deadline):
            try:
                reply = child.recv(self.deadline)
            except ChannelTimeout:
                status, why = "timeout", self._timeout_reason()
            except ChannelClosed:
                why = "the candidate's process exited during a call"
                self.ended.add(id(child))
            except (ChannelOverflow, DecodeError) as exc:
                why = f"the candidate broke the channel: {exc}"
            else:
                if reply.get("id") == self.call_id:
                    return reply, None
                why = "the candidate's reply did not answer the call"
        self._kill(child)
        self.candidate, self.death, self.death_test = None, why, self.index
        return {"dead": why}, (status, why)


def _call_fields(message: dict) -> dict:
    return {key: message.get(key) for key in ("method", "init", "args", "kwargs")}


def _reap(waits: list[tuple[Any, float]]) -> list[Any]:
    """Wait for (and so release) finished or killed processes; their results."""
    return [proc.wait(timeout) for proc, timeout in waits]


def _reap_bounded(waits: list[tuple[Any, float]]) -> list[Any]:
    """`_reap` in a helper thread, given up on after the waits' own timeouts: a sandbox whose wait()
    outlives its timeout costs this verification its details, never a hang."""
    results: list[Any] = []
    helper = threading.Thread(target=lambda: results.extend(_reap(waits)), daemon=True)
    helper.start()
    helper.join(sum(timeout for _, timeout in waits) + 1)
    return results if not helper.is_alive() else []


def _forward(reply: dict) -> tuple[dict, tuple[str, str] | None]:
    """Only the documented fields of a candidate's reply reach the checker; a value is forwarded as the
    opaque JSON text it arrived as (the sandboxed checker parses it, so a malformed one fails the test
    there). Anything else the candidate wrote fails the test here."""
    if type(reply.get("ok")) is str:
        return {"ok": reply["ok"]}, None
    if "raised" in reply and "ok" not in reply:
        name, text = _short(reply["raised"], 100), _short(reply.get("msg"), 500)
        if reply.get("base") is True:
            return {"raised": name, "msg": text, "base": True}, ("failed", f"the candidate raised {name}")
        return {"raised": name, "msg": text, "base": False}, None
    why = f"the candidate returned a value outside the closed encoding ({_short(reply.get('bad'), 200)})"
    return {"bad": why}, ("failed", why)


def _short(value: Any, limit: int) -> str:
    """A candidate-supplied field as bounded text (never str() of an arbitrarily large structure)."""
    return value[:limit] if isinstance(value, str) else type(value).__name__


@functools.lru_cache(maxsize=1024)
def _checker_prompt(prompt: str) -> str:
    """The prompt's helpers for the checker: as given, or with a stub body when it ends in a bare header."""
    for candidate in (prompt, prompt.rstrip() + "\n    pass\n"):
        try:
            compile(candidate, "prompt.py", "exec")
            return candidate
        except (SyntaxError, ValueError):
            continue
    return ""
