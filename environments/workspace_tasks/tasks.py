"""Workspace tasks: a repository, an instruction, hidden checks and a reference patch; and the checks'
runner, whose results are compared on the host.

Why the comparison happens outside the sandbox: the checks import the agent's code, so anything in that
process (a patched `unittest`, `os._exit(0)`, a forged "all passed" line) is the agent's. The runner only
*evaluates* each check's expression and prints the values; the expected values never enter the workspace,
so a forged report would have to contain the right answers, which is solving the task.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from envsdk_sandbox import Sandbox, Workspace, WorkspaceLimits

from .builtin import RAISES, TASKS

MARK = "__envsdk_checks__ "
RUNNER_PATH, SPEC_PATH = "_envsdk_checks.py", "_envsdk_checks.json"
# Run as `python3 -I $HIDDEN/_envsdk_checks.py`: -I keeps the script's dir, the environment and site dirs off
# sys.path; /work goes *after* the stdlib, so the repository cannot shadow json, sys or the runner's imports.
RUNNER = '''import json, os, sys
spec = json.load(open(os.path.join(os.environ["HIDDEN"], "_envsdk_checks.json")))
sys.path.append("/work")
os.chdir("/work")
ns = {"__name__": "__checks__"}
results = []
try:
    exec(spec["setup"], ns)
    broken = None
except BaseException as exc:
    broken = "setup:" + type(exc).__name__
for expr in spec["exprs"]:
    if broken:
        results.append(["raise", broken])
        continue
    try:
        value = eval(expr, ns)
        try:
            results.append(["value", json.loads(json.dumps(value))])
        except (TypeError, ValueError):
            results.append(["repr", repr(value)[:200]])
    except BaseException as exc:
        results.append(["raise", type(exc).__name__])
sys.stdout.write("%s%s\\n" % (spec["mark"], json.dumps(results)))
sys.stdout.flush()
'''
RUN_CHECKS = f"python3 -I -B \"$HIDDEN/{RUNNER_PATH}\""  # -B: no stale bytecode in /work for later checks
CHECK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class CheckReport:
    """What the hidden checks said: how many passed, and why there is no result when there is none."""

    passed: int
    total: int
    error: str | None = None
    failures: tuple[str, ...] = ()

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def solved(self) -> bool:
        return self.error is None and self.total > 0 and self.passed == self.total


class Task(Protocol):
    """What WorkspaceEnv needs of a task: its row, how to open its workspace, and how to verify the final one."""

    id: str
    prepare: str | None

    def row(self) -> dict[str, Any]: ...

    def start(self, sandbox: Sandbox, limits: WorkspaceLimits) -> Workspace: ...

    def verify(self, ws: Workspace) -> CheckReport: ...


@dataclass(frozen=True)
class WorkspaceTask:
    """One task: `files` (the repository), `instruction`, hidden `checks` ((expression, expected value);
    "raises:Name" expects that exception), the `setup` code that imports the names, the reference `fix`
    ((path, old, new) replacements), an optional shell `prepare` command run before the agent starts."""

    id: str
    instruction: str
    files: dict[str, str]
    checks: tuple[tuple[str, Any], ...]
    setup: str = ""
    fix: tuple[tuple[str, str, str], ...] = ()
    prepare: str | None = None
    hidden_files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> WorkspaceTask:
        return cls(id=raw["id"], instruction=raw["instruction"], files=dict(raw["files"]),
                   checks=tuple((e, v) for e, v in raw["checks"]), setup=raw.get("setup", ""),
                   fix=tuple(tuple(f) for f in raw.get("fix", ())), prepare=raw.get("prepare"))

    def fixed_files(self) -> dict[str, str]:
        """The repository after the reference fix."""
        files = dict(self.files)
        for path, old, new in self.fix:
            if files[path].count(old) != 1:
                raise ValueError(f"task {self.id}: the fix's text must occur once in {path}")
            files[path] = files[path].replace(old, new)
        return files

    def reference_patch(self) -> str:
        """The reference fix as a unified diff (apply with `patch -p1` in /work)."""
        fixed = self.fixed_files()
        parts = []
        for path in sorted(self.files):
            if fixed[path] != self.files[path]:
                parts.extend(difflib.unified_diff(self.files[path].splitlines(True), fixed[path].splitlines(True),
                                                  f"a/{path}", f"b/{path}"))
        return "".join(parts)

    def hidden(self) -> dict[str, str]:
        """The files placed under /hidden for the verifier: the runner and the expressions (no expected values)."""
        spec = {"setup": self.setup, "exprs": [expr for expr, _ in self.checks], "mark": MARK}
        return {RUNNER_PATH: RUNNER, SPEC_PATH: json.dumps(spec), **self.hidden_files}

    def judge(self, stdout: str) -> CheckReport:
        """Compare the runner's values (the one marked line of its stdout) with the expected ones."""
        lines = [line for line in stdout.splitlines() if line.startswith(MARK)]
        total = len(self.checks)
        if len(lines) != 1:
            why = "the checks printed no result" if not lines else "more than one result line (forged output)"
            return CheckReport(0, total, error=why)
        try:
            got = json.loads(lines[0][len(MARK):])
        except json.JSONDecodeError:
            return CheckReport(0, total, error="the result line is not JSON")
        if not isinstance(got, list) or len(got) != total:
            return CheckReport(0, total, error="the result line has the wrong number of results")
        failures = tuple(expr for (expr, want), seen in zip(self.checks, got) if seen != _expected(want))
        return CheckReport(total - len(failures), total, failures=failures)

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "prompt": self.instruction, "info": {"task": self.id}}

    def start(self, sandbox: Sandbox, limits: WorkspaceLimits) -> Workspace:
        """A workspace holding the repository, with the checks' runner and expressions as hidden files."""
        ws = sandbox.workspace(self.files, limits=limits)
        for path, data in self.hidden().items():
            ws.put(path, data, hidden=True)
        return ws

    def verify(self, ws: Workspace) -> CheckReport:
        """Run the hidden checks in `ws` (every process of it is killed first) and judge them on the host."""
        result = ws.run_hidden(RUN_CHECKS, timeout=CHECK_TIMEOUT_S)
        if result.status == "timeout":
            return CheckReport(0, len(self.checks), error="the hidden checks ran past their time limit")
        return self.judge(result.stdout)


def _expected(value: Any) -> list:
    if isinstance(value, str) and value.startswith(RAISES):
        return ["raise", value[len(RAISES):]]
    return ["value", json.loads(json.dumps(value))]


def builtin_tasks() -> list[WorkspaceTask]:
    """The 20 built-in bug-fix tasks."""
    return [WorkspaceTask.from_dict(raw) for raw in TASKS]
