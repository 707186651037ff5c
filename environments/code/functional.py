"""Function-style tests (humaneval, asserts): a sandboxed checker calls a separately sandboxed candidate.

The host spawns both, relays each `call` from the checker to the candidate and the reply back, counts the
calls per test, and records each test result itself. Nothing the candidate prints, exits with or writes can
become a pass: a test passes only when the checker reports it passed, the host relayed at least one call
during it, and no call in it ended the candidate (exit, kill, timeout, BaseException, unencodable value).
"""

from __future__ import annotations

import functools
import json
import re
import time
from pathlib import Path
from typing import Any

from .codec import DecodeError, dumps, loads
from .lines import ChannelClosed, ChannelOverflow, ChannelTimeout, LineReader, write_all
from .results import Outcome, Settings, TestResult
from .specs import AssertsTests, HumanEvalTests

MAX_LINE = 16 << 20
CHECKER_GRACE_S = 2.0
EXIT_GRACE_S = 1.0  # the trusted checker may take this long past a test's deadline to report it
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HERE = Path(__file__).parent


@functools.cache
def driver(name: str) -> str:
    """The program run in a sandbox: the codec, then the named driver script."""
    return (_HERE / "codec.py").read_text() + "\n\n" + (_HERE / f"{name}.py").read_text()


class _Child:
    """One spawned sandbox process and its framed channel."""

    def __init__(self, proc: Any):
        self.proc = proc
        self.reader = LineReader(proc.stdout.fileno(), MAX_LINE)

    def send(self, message: dict, deadline: float) -> bool:
        return write_all(self.proc.stdin.fileno(), dumps(message), deadline)

    def recv(self, deadline: float) -> dict:
        return loads(self.reader.readline(deadline))


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value[:1000] if isinstance(v, str) and _IDENT.match(v)]


class FunctionalRun:
    """One verification: spawn, handshake, relay, judge. Use `run()` once."""

    def __init__(self, sandbox: Any, limits_cls: Any, spec: HumanEvalTests | AssertsTests, program: str,
                 settings: Settings):
        self.sandbox, self.spec, self.program, self.settings = sandbox, spec, program, settings
        life = settings.timeout_s * (spec.count + 2) + 5  # the sandbox's own backstop; the host cuts earlier
        self.limits = limits_cls(timeout_s=life, memory_mb=settings.memory_mb)
        self.procs: list[Any] = []
        self.ended: set[int] = set()  # procs killed or ending on their own: never signalled (again)
        self.candidate: _Child | None = None
        self.exposed: set[str] = set()
        self.start_message: dict = {}
        self.death: str | None = None
        self.death_test = -1
        self.index = 0
        self.call_id = 0

    # ---- lifecycle ------------------------------------------------------------------------
    def run(self) -> Outcome:
        names = ["check"] if isinstance(self.spec, HumanEvalTests) else [f"asserts[{i}]" for i in range(self.spec.count)]
        outcome = Outcome(tests=[TestResult(name) for name in names])
        try:
            checker = _Child(self._spawn("checker_main", {"spec.json": json.dumps(self._checker_spec())}))
            self._start_candidate(time.monotonic() + self.settings.timeout_s, outcome)
            if self.candidate is not None:
                self._relay(checker, outcome)
        except (OSError, RuntimeError) as exc:
            outcome.verifier_error = f"sandbox failure: {type(exc).__name__}: {exc}"
        finally:
            self._close(outcome)
        if outcome.import_error:
            outcome.finish("failed", f"the candidate's module failed to load: {outcome.import_error}")
        outcome.finish("not_run", "the checker stopped before reporting this test")
        return outcome

    def _checker_spec(self) -> dict:
        return {**self.spec.model_dump(), "prompt": _checker_prompt(self.spec.prompt)}

    def _spawn(self, name: str, files: dict[str, str]) -> Any:
        proc = self.sandbox.spawn(driver(name), files=files, limits=self.limits)
        self.procs.append(proc)
        return proc

    def _start_candidate(self, deadline: float, outcome: Outcome | None = None) -> None:
        """Spawn the candidate and wait until its module has loaded; on failure record why (and, for the
        first start, the import error in `outcome`)."""
        child = _Child(self._spawn("candidate_main", {"solution.py": self.program}))
        try:
            ready = child.recv(deadline)
        except ChannelTimeout:
            why = "the candidate's module took longer than the per-test timeout to load"
        except ChannelClosed:
            why = "the candidate's process ended while loading its module"
            self._ending(child.proc)
        except (ChannelOverflow, DecodeError):
            why = "the candidate broke the channel while loading its module"
        else:
            if ready.get("op") == "ready" and ready.get("ok") is False:
                self._ending(child.proc)  # the driver exits by itself after this message
            if ready.get("op") == "ready" and ready.get("ok") is True:
                funcs, classes = _names(ready.get("funcs")), _names(ready.get("classes"))
                self.candidate, self.exposed = child, set(funcs) | set(classes)
                self.start_message = self.start_message or {"op": "start", "funcs": funcs, "classes": classes}
                return
            error = ready.get("error")
            if ready.get("op") == "ready" and isinstance(error, dict):
                why = f"{str(error.get('raised'))[:100]}: {str(error.get('msg'))[:300]}"
            else:
                why = "the candidate wrote something other than the driver's ready message on its channel"
        self._kill(child.proc)
        if outcome is not None:
            outcome.import_error = why
        self.death, self.death_test = why, self.index

    def _ending(self, proc: Any) -> None:
        self.ended.add(id(proc))

    def _kill(self, proc: Any) -> None:
        if id(proc) not in self.ended:
            self.ended.add(id(proc))
            proc.kill()

    def _close(self, outcome: Outcome) -> None:
        ending = [id(proc) in self.ended for proc in self.procs]
        for proc in self.procs:
            self._kill(proc)
        # A process said to be exiting gets a short grace before wait() kills it (a forged message costs
        # its sender this much, no more); a killed one is only reaped.
        results = [proc.wait(EXIT_GRACE_S if end else self.settings.timeout_s + 5)
                   for proc, end in zip(self.procs, ending)]
        if results:
            outcome.sandbox = {"backend": results[0].backend, "tier": results[0].tier}
            outcome.stderr = results[-1].stderr[-2000:] if len(results) > 1 else ""
            broken = [r.stderr[-300:] for r in results if r.status == "sandbox_error"]
            if broken and outcome.verifier_error is None:
                outcome.verifier_error = f"sandbox error: {broken[0]}"

    # ---- relay ----------------------------------------------------------------------------
    def _relay(self, checker: _Child, outcome: Outcome) -> None:
        deadline = time.monotonic() + self.settings.timeout_s
        if not checker.send(self.start_message, deadline):
            outcome.verifier_error = "the checker exited before the tests started"
            return
        calls, spoiled = 0, None
        while self.index < len(outcome.tests):
            try:
                message = checker.recv(deadline + CHECKER_GRACE_S)
            except ChannelTimeout:
                outcome.tests[self.index].status = "timeout"
                outcome.tests[self.index].error = f"the test ran longer than {self.settings.timeout_s:g}s"
                return
            except ChannelClosed:
                self._ending(checker.proc)
                return  # the remaining tests are marked not_run
            except (ChannelOverflow, DecodeError):
                return
            op = message.get("op")
            if op == "call":
                calls += 1
                reply, spoil = self._call(message, deadline)
                spoiled = spoiled or spoil
                if not checker.send(reply, deadline + CHECKER_GRACE_S):
                    return
            elif op == "test" and message.get("index") == self.index:
                test = outcome.tests[self.index]
                self._judge(test, message, calls, spoiled)
                self.index += 1
                calls, spoiled, deadline = 0, None, time.monotonic() + self.settings.timeout_s
                if self.index == len(outcome.tests):
                    self._ending(checker.proc)  # it sends "done" and exits
                elif not test.passed and self.settings.stop_on_first_failure:
                    outcome.finish("skipped", "not run: stop_on_first_failure", self.index)
                    return
            elif op == "fatal":
                self._ending(checker.proc)
                outcome.verifier_error = str(message.get("error"))[:1000]
                return
            else:
                outcome.verifier_error = f"checker protocol error: unexpected message {str(message)[:200]}"
                return

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

    def _call(self, message: dict, deadline: float) -> tuple[dict, tuple[str, str] | None]:
        """Relay one call; returns the reply for the checker and, if the call spoiled the test, why."""
        if self.candidate is None and self.death_test != self.index:
            self._start_candidate(deadline)  # it died in an earlier test: give later tests a fresh one
        child = self.candidate
        if child is None:
            return {"dead": self.death}, ("failed", f"the candidate is gone: {self.death}")
        fn = message.get("fn")
        if fn not in self.exposed:
            return {"raised": "NameError", "msg": f"name {fn!r} is not defined by the candidate"}, None
        self.call_id += 1
        request = {"id": self.call_id, "fn": fn, "method": message.get("method"), "init": message.get("init"),
                   "args": message.get("args"), "kwargs": message.get("kwargs")}
        status, why = "failed", None
        if not child.send(request, deadline):
            why = "the candidate stopped reading its calls"
        else:
            try:
                reply = child.recv(deadline)
            except ChannelTimeout:
                status, why = "timeout", f"a call ran past the {self.settings.timeout_s:g}s test timeout"
            except ChannelClosed:
                why = "the candidate's process exited during a call"
                self._ending(child.proc)
            except (ChannelOverflow, DecodeError) as exc:
                why = f"the candidate broke the channel: {exc}"
            else:
                if reply.get("id") != self.call_id:
                    why = "the candidate's reply did not answer the call"
                else:
                    return _forward(reply)
        self._kill(child.proc)
        self.candidate, self.death, self.death_test = None, why, self.index
        return {"dead": why}, (status, why)


def _forward(reply: dict) -> tuple[dict, tuple[str, str] | None]:
    """Only the documented fields of a candidate's reply reach the checker."""
    if "ok" in reply:
        return {"ok": reply["ok"]}, None
    if "raised" in reply:
        name, text = str(reply["raised"])[:100], str(reply.get("msg"))[:500]
        if reply.get("base") is True:
            return {"raised": name, "msg": text, "base": True}, ("failed", f"the candidate raised {name}")
        return {"raised": name, "msg": text, "base": False}, None
    why = f"the candidate returned a value outside the closed encoding ({str(reply.get('bad'))[:200]})"
    return {"bad": why}, ("failed", why)


def _checker_prompt(prompt: str) -> str:
    """The prompt's helpers for the checker: as given, or with a stub body when it ends in a bare header."""
    for candidate in (prompt, prompt.rstrip() + "\n    pass\n"):
        try:
            compile(candidate, "prompt.py", "exec")
            return candidate
        except (SyntaxError, ValueError):
            continue
    return ""
