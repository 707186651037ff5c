"""Harbor task directories (the format Terminal-Bench 2.x and SWE-style tasks ship in) as an envsdk environment,
run in Docker: `load_environment("harbor", tasks=DIR)`.

A task directory holds `task.toml` (timeouts), `instruction.md`, `environment/Dockerfile` (the task's image),
`tests/test.sh` (writes the reward to `/logs/verifier/reward.txt`) and optionally `solution/solve.sh`.
Mapping (docs/interop.md): one row per task; the prompt is the instruction; the completion is a shell script
(the last ```sh/```bash block of the reply, else the whole reply) that runs in a fresh container of the
task's image at its WORKDIR; then the task's own `tests/test.sh` runs in that container and its reward is the
reward. Containers get no network. Harbor's multi-turn terminal agents (an agent typing commands and reading
their output turn by turn) do not map: the model answers once with a script.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..environment import Environment
from ..errors import EnvsdkError, require
from ..messages import completion_text
from ..rubric import Rubric, reward
from ..verdict import Verdict

_FENCE = re.compile(r"```(?:sh|bash|shell)?\n(.*?)```", re.DOTALL)
_REWARD_MARK = "ENVSDK_HARBOR_REWARD="
# Run in the container: the agent's script, then the task's tests; print the reward file. Uses only /bin/sh and
# its builtins plus the image's own programs.
_RUNNER = (
    "sh /envsdk/agent.sh > /envsdk-agent.log 2>&1; "
    "mkdir -p /logs/verifier 2>/dev/null || python3 -c 'import os; os.makedirs(\"/logs/verifier\", exist_ok=True)'; "
    "sh /tests/test.sh > /envsdk-tests.log 2>&1; "
    f"printf '{_REWARD_MARK}%s\\n' \"$(cat /logs/verifier/reward.txt 2>/dev/null "
    "|| python3 -c 'print(open(\"/logs/verifier/reward.txt\").read().strip())')\""
)
PROMPT_SUFFIX = ("\n\nReply with a shell script in a ```sh code block. It runs once, in the task's container at its "
                 "working directory, without network access.")


@dataclass(frozen=True)
class HarborTask:
    """One task directory and the settings of its `task.toml` that envsdk uses."""

    path: Path
    agent_timeout_s: float
    verifier_timeout_s: float

    @classmethod
    def load(cls, path: Path) -> HarborTask:
        for needed in ("task.toml", "instruction.md", "environment/Dockerfile", "tests/test.sh"):
            if not (path / needed).is_file():
                raise EnvsdkError(f"{path} is not a Harbor task directory: it has no {needed}")
        config = tomllib.loads((path / "task.toml").read_text())
        return cls(path.resolve(), float(config.get("agent", {}).get("timeout_sec", 600.0)),
                   float(config.get("verifier", {}).get("timeout_sec", 600.0)))

    @property
    def image_tag(self) -> str:
        """A local tag that changes when the environment folder's files change."""
        digest = hashlib.sha256()
        for file in sorted((self.path / "environment").rglob("*")):
            if file.is_file():
                digest.update(str(file.relative_to(self.path)).encode() + file.read_bytes())
        return f"envsdk-harbor-{self.path.name.lower()}:{digest.hexdigest()[:12]}"


def find_tasks(root: Path) -> list[HarborTask]:
    """`root` itself when it is a task directory, else every task directory directly inside it."""
    if (root / "task.toml").is_file():
        return [HarborTask.load(root)]
    tasks = [HarborTask.load(p) for p in sorted(root.iterdir()) if (p / "task.toml").is_file()]
    if not tasks:
        raise EnvsdkError(f"{root}: no Harbor task directories (folders with a task.toml)")
    return tasks


def agent_script(completion) -> str:
    """The shell script in a reply: its last ```sh block, else the whole text."""
    text = completion_text(completion)
    blocks = _FENCE.findall(text)
    return blocks[-1] if blocks else text


class HarborRunner:
    """Builds task images (once per content) and runs script + tests in throwaway containers."""

    def __init__(self) -> None:
        self.client = require("docker", "docker").from_env(timeout=60)
        self._built: set[str] = set()

    def build(self, task: HarborTask) -> str:
        tag = task.image_tag
        if tag not in self._built:
            self.client.images.build(path=str(task.path / "environment"), tag=tag, network_mode="none", rm=True)
            self._built.add(tag)
        return tag

    def run(self, task: HarborTask, script: str) -> tuple[float | None, dict[str, Any]]:
        """(reward or None when the tests wrote none, details); raises TimeoutError past the task's timeouts."""
        image = self.build(task)
        with tempfile.TemporaryDirectory(prefix="envsdk-harbor-") as work:
            Path(work, "agent.sh").write_text(script)
            container = self.client.containers.run(
                image, ["/bin/sh", "-c", _RUNNER], detach=True, network_mode="none",
                volumes={work: {"bind": "/envsdk", "mode": "ro"},
                         str(task.path / "tests"): {"bind": "/tests", "mode": "ro"}})
            try:
                try:
                    status = container.wait(timeout=task.agent_timeout_s + task.verifier_timeout_s)
                except Exception as exc:  # requests' ReadTimeout: the script or the tests hung
                    container.kill()
                    raise TimeoutError(f"task {task.path.name} ran past its agent + verifier timeouts") from exc
                output = container.logs().decode(errors="replace")
            finally:
                container.remove(force=True)
        found = [line[len(_REWARD_MARK):] for line in output.splitlines() if line.startswith(_REWARD_MARK)]
        value = found[-1].strip() if found else ""
        return (float(value) if value else None), {"exit_code": status.get("StatusCode")}


class HarborEnv(Environment):
    """Rows of Harbor task directories, scored by each task's own tests in Docker."""

    def __init__(self, *, tasks: list[HarborTask], **kwargs: Any):
        self.tasks = {task.path.name: task for task in tasks}
        self._runner: HarborRunner | None = None
        rubric = Rubric([harbor_tests])
        rubric.register("harbor", self)
        rows = [self._row(task) for task in tasks]
        super().__init__(dataset=rows, rubric=rubric, required_fields=("info",), **kwargs)

    @staticmethod
    def _row(task: HarborTask) -> dict[str, Any]:
        solution = task.path / "solution" / "solve.sh"
        return {"id": task.path.name, "prompt": (task.path / "instruction.md").read_text().strip() + PROMPT_SUFFIX,
                "answer": f"```sh\n{solution.read_text()}```" if solution.is_file() else None,
                "info": {"task_dir": str(task.path)}}

    @property
    def runner(self) -> HarborRunner:
        if self._runner is None:
            self._runner = HarborRunner()
        return self._runner


@reward
async def harbor_tests(completion, info, harbor: HarborEnv) -> Verdict:
    """The task's own tests/test.sh after the reply's script ran; tests that write no reward are flagged."""
    task = HarborTask.load(Path(info["task_dir"]))
    try:
        value, details = await asyncio.to_thread(harbor.runner.run, task, agent_script(completion))
    except TimeoutError as exc:
        return Verdict.from_error(str(exc), timed_out=True)
    if value is None:
        return Verdict.from_error(f"task {task.path.name}: tests/test.sh wrote no /logs/verifier/reward.txt", **details)
    return Verdict(reward=value, passed=value >= 1.0, details=details)


def load_environment(tasks: str) -> HarborEnv:
    """Harbor task directories run in Docker, scored by their own tests/test.sh (tasks=DIR)."""
    return HarborEnv(tasks=find_tasks(Path(tasks)), description=f"Harbor tasks in {tasks}")
