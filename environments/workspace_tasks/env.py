"""`WorkspaceEnv`: a multi-turn tool environment where the model works in a sandboxed workspace (bash, python,
read_file, write_file, apply_patch, submit) and is scored by hidden checks run in the final workspace state.

One workspace per rollout (`setup_state`), closed in `cleanup` after the hidden checks ran on it, whatever
happened. The verdict is computed inside the rollout (the workspace is gone afterwards) and kept in the
rollout's public state (`workspace_checks`), where the rubric reads it; `per_turn_reward=True` also runs the
checks on a fork after every environment turn (`state["turn_rewards"]`, the fraction passing), leaving the
agent's workspace and processes untouched.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from envsdk.multiturn import ToolEnv
from envsdk.rubric import Rubric, reward
from envsdk.tools import ToolError
from envsdk.verdict import Verdict
from envsdk_sandbox import Sandbox
from envsdk_sandbox.workspace import Workspace, WorkspaceClosed, WorkspaceLimits, WorkspaceUnavailable

from .tasks import CheckReport, Task

TOOL_OUTPUT_CHARS = 8000  # what the model sees of one command's output
SYSTEM_PROMPT = ("You are working in a Linux shell in /work, which holds a small Python repository. Fix the bug "
                 "described by the user: inspect the code, edit it, run it, then call submit. Hidden tests run on "
                 "the final state of /work.")


def _shown(text: str) -> str:
    if len(text) <= TOOL_OUTPUT_CHARS:
        return text
    return text[:TOOL_OUTPUT_CHARS] + f"\n[... {len(text) - TOOL_OUTPUT_CHARS} more characters cut]"


def _report(result) -> str:
    out = f"exit code: {result.exit_code} ({result.status})\n"
    if result.stdout:
        out += result.stdout if result.stdout.endswith("\n") else result.stdout + "\n"
    if result.stderr:
        out += f"[stderr]\n{result.stderr}"
    return _shown(out)


def bash(command: str, workspace: Workspace) -> str:
    """Run a bash command in the work dir (files and background processes persist between calls).

    Args:
        command: the shell command line.
    """
    return _report(workspace.run(command))


def python(code: str, workspace: Workspace) -> str:
    """Run a Python program (given as source text) in the work dir.

    Args:
        code: the program's source.
    """
    return _report(workspace.run("python3 -", stdin=code))


def read_file(path: str, workspace: Workspace) -> str:
    """Read a text file of the workspace.

    Args:
        path: the file's path, relative to the work dir.
    """
    try:
        return _shown(workspace.read(path).decode(errors="replace"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"cannot read {path}: {exc}") from None


def write_file(path: str, content: str, workspace: Workspace) -> str:
    """Create or overwrite a text file of the workspace.

    Args:
        path: the file's path, relative to the work dir.
        content: the whole new content.
    """
    try:
        workspace.put(path, content)
    except (OSError, ValueError) as exc:
        raise ToolError(f"cannot write {path}: {exc}") from None
    return f"wrote {len(content.encode())} bytes to {path}"


def apply_patch(patch: str, workspace: Workspace) -> str:
    """Apply a unified diff (paths as a/FILE and b/FILE, as `git diff` writes them) in the work dir.

    Args:
        patch: the unified diff.
    """
    return _report(workspace.run("patch -p1 --forward --no-backup-if-mismatch", stdin=patch))


def submit(state: dict) -> str:
    """Finish: the hidden tests run on the workspace as it is now."""
    state["done"] = True
    return "submitted"


TOOLS = (bash, python, read_file, write_file, apply_patch, submit)


class WorkspaceEnv(ToolEnv):
    """Tasks worked on in sandboxed workspaces, scored by their hidden checks (see the module docstring)."""

    def __init__(self, tasks: list[Task], *, backend: str = "embedded", tool_format: str = "native",
                 max_turns: int = 30, per_turn_reward: bool = False, limits: WorkspaceLimits | None = None,
                 **kwargs: Any):
        self.tasks = {task.id: task for task in tasks}
        self.backend = backend
        self.per_turn_reward = per_turn_reward
        self.limits = limits or WorkspaceLimits(timeout_s=30, memory_mb=512, pids=128, disk_mb=64, wall_s=1800)
        self._sandbox: Sandbox | None = None
        self._sandbox_lock = threading.Lock()
        rubric = Rubric([hidden_checks])
        rubric.register("workspace_env", self)
        kwargs.setdefault("system_prompt", SYSTEM_PROMPT)
        super().__init__(tools=TOOLS, tool_format=tool_format, hidden_args=("state", "workspace"), max_turns=max_turns,
                         dataset=[task.row() for task in tasks], rubric=rubric, required_fields=("info",), **kwargs)

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox the workspaces come from (started on first use, shared by the rollouts)."""
        with self._sandbox_lock:
            if self._sandbox is None:
                self._sandbox = Sandbox(backend=self.backend) if self.backend == "docker" else Sandbox(tier=1)
            return self._sandbox

    def task_of(self, row_or_state: dict[str, Any]) -> Task:
        task_id = (row_or_state.get("info") or {}).get("task")
        if task_id not in self.tasks:
            raise ValueError(f"unknown workspace task {task_id!r}")
        return self.tasks[task_id]

    # -- one rollout ------------------------------------------------------------------------
    async def setup_state(self, state: dict, row: dict[str, Any]) -> None:
        task = self.task_of(row)
        state["_task"] = task
        ws = await asyncio.to_thread(task.start, self.sandbox, self.limits)
        state["_workspace"] = ws
        if task.prepare:
            result = await asyncio.to_thread(ws.run, task.prepare)
            if result.status != "ok":
                raise RuntimeError(f"task {task.id}: prepare command failed ({result.status}): {result.stderr[-500:]}")

    async def env_response(self, messages, state):
        reply = await super().env_response(messages, state)
        if self.per_turn_reward and "_workspace" in state:
            report = await asyncio.to_thread(check_fork, state["_workspace"], state["_task"])
            state.setdefault("turn_rewards", []).append(report.fraction)
        return reply

    async def cleanup(self, state: dict) -> None:
        ws: Workspace | None = state.pop("_workspace", None)
        if ws is None:
            return
        try:
            report = await asyncio.to_thread(check, ws, state["_task"])
            state["workspace_checks"] = {"passed": report.passed, "total": report.total, "error": report.error,
                                         "failures": list(report.failures)}
        finally:
            await asyncio.to_thread(ws.close)

    async def replay(self, row: dict[str, Any], completion: list[dict[str, Any]]) -> dict[str, Any]:
        """Score a saved transcript (`envsdk verify`): a fresh workspace, the transcript's tool calls run in
        order through the same tools (up to a submit), then the hidden checks; the `workspace_checks` dict."""
        state = self.initial_state(row)
        try:
            await self.setup_state(state, row)
            for message in completion:
                if message.get("role") != "assistant" or state.get("done"):
                    continue
                for tool_call in self.parse_tool_calls(message):
                    if not state.get("done"):
                        await self.run_tool(tool_call, state)
        finally:
            await self._cleanup_once(state)
        return state["workspace_checks"]

    def metadata(self) -> dict[str, Any]:
        return {"workspace_backend": self.backend, "tasks": len(self.tasks)}

    async def aclose(self) -> None:
        """Stop the sandbox's servers (workspaces are closed by their rollouts)."""
        with self._sandbox_lock:
            if self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = None


def check(ws: Workspace, task: Task) -> CheckReport:
    """The task's verdict on the workspace as it is now (its hidden tests; every process is killed first).
    A workspace the agent broke (its init gone, its lifetime spent) is the agent's 0, not an abstention."""
    try:
        return task.verify(ws)
    except (WorkspaceClosed, WorkspaceUnavailable) as exc:
        return CheckReport(0, 1, error=f"the workspace was gone at the end of the episode: {exc}")


def check_fork(ws: Workspace, task: Task) -> CheckReport:
    """The hidden checks on a fork of `ws`: the agent's workspace and processes stay as they are."""
    try:
        with ws.fork() as copy:
            return check(copy, task)
    except (WorkspaceClosed, WorkspaceUnavailable, OSError) as exc:  # e.g. a tree too deep to copy: the agent's
        return CheckReport(0, 1, error=f"the workspace could not be checked: {exc}")


@reward
async def hidden_checks(state, completion, example, workspace_env: WorkspaceEnv) -> Verdict:
    """1 when every hidden check passes in the final workspace; `details["checks_passed"]` is the fraction.
    A rollout's own state carries the verdict; a saved transcript without one is replayed."""
    checks = (state or {}).get("workspace_checks")
    if checks is None:
        if not isinstance(completion, list):
            return Verdict.from_error("no workspace verdict and no transcript to replay (a chat message list)")
        checks = await workspace_env.replay(example, completion)
    fraction = checks["passed"] / checks["total"] if checks["total"] else 0.0
    solved = checks["error"] is None and checks["total"] > 0 and checks["passed"] == checks["total"]
    return Verdict(reward=1.0 if solved else 0.0, passed=solved,
                   details={"checks_passed": fraction, "failures": checks["failures"], "checks_error": checks["error"]})
