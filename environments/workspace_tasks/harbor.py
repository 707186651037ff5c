"""Harbor / Terminal-Bench task directories as multi-turn workspace tasks: `load_environment("workspace-harbor",
tasks=DIR)`.

The agent works turn by turn with the workspace tools in a Docker workspace of the task's own image (built
from `environment/Dockerfile`, see `envsdk.interop.harbor_tasks`), at its WORKDIR, without network. The
task's `tests/` are hidden files; at the end every process the agent left is killed, the tests are linked at
`/tests`, `/logs/verifier` is made fresh and `tests/test.sh` runs; its `reward.txt` is the reward (1 solves).
As in Harbor itself, test.sh runs in the agent's container: a verifier that trusts what the agent could
change there (see docs/workspaces.md) is the task's limit, not the workspace's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envsdk.interop.harbor_tasks import HarborRunner, HarborTask, find_tasks
from envsdk_sandbox import Sandbox, Workspace, WorkspaceLimits

from .env import WorkspaceEnv
from .tasks import CheckReport

MARK = "__envsdk_harbor_reward__ "
VERIFY = ("rm -rf /logs /tests && mkdir -p /logs/verifier && ln -s \"$HIDDEN/tests\" /tests && "
          f"sh /tests/test.sh >/dev/null 2>&1; printf '{MARK}%s\\n' \"$(cat /logs/verifier/reward.txt 2>/dev/null)\"")
PROMPT = ("\n\nWork in the task's container with the tools (a shell at its working directory, no network); call "
          "submit when you are done. The task's tests run afterwards on the container's final state.")
SYSTEM_PROMPT = "You are an agent working in a Linux container through tools. Solve the user's task, then call submit."


@dataclass(frozen=True)
class HarborWorkspaceTask:
    """One Harbor task directory worked on in a workspace of its own image."""

    task: HarborTask
    runner: HarborRunner = field(compare=False)
    prepare: str | None = None

    @property
    def id(self) -> str:
        return self.task.path.name

    def row(self) -> dict[str, Any]:
        instruction = (self.task.path / "instruction.md").read_text().strip()
        return {"id": self.id, "prompt": instruction + PROMPT, "info": {"task": self.id}}

    def start(self, sandbox: Sandbox, limits: WorkspaceLimits) -> Workspace:
        ws = sandbox.workspace(image=self.runner.build(self.task), limits=limits)
        tests = self.task.path / "tests"
        for file in sorted(tests.rglob("*")):
            if file.is_file():
                ws.put(f"tests/{file.relative_to(tests)}", file.read_bytes(), hidden=True, mode=0o755)
        return ws

    def verify(self, ws: Workspace) -> CheckReport:
        result = ws.run_hidden(VERIFY, timeout=self.task.verifier_timeout_s)
        if result.status == "timeout":
            return CheckReport(0, 1, error=f"task {self.id}: tests/test.sh ran past its timeout")
        found = [line[len(MARK):].strip() for line in result.stdout.splitlines() if line.startswith(MARK)]
        try:
            value = float(found[-1]) if found and found[-1] else None
        except ValueError:
            value = None
        if value is None:
            return CheckReport(0, 1, error=f"task {self.id}: tests/test.sh wrote no /logs/verifier/reward.txt")
        return CheckReport(1 if value >= 1.0 else 0, 1)


def load_environment(tasks: str, max_turns: int = 30, per_turn_reward: bool = False) -> WorkspaceEnv:
    """Harbor task directories as multi-turn agent tasks in Docker workspaces, scored by their tests/test.sh."""
    runner = HarborRunner()
    found = [HarborWorkspaceTask(task, runner) for task in find_tasks(Path(tasks))]
    return WorkspaceEnv(found, backend="docker", max_turns=max_turns, per_turn_reward=per_turn_reward,
                        system_prompt=SYSTEM_PROMPT, description=f"Harbor tasks in {tasks}, multi-turn")
