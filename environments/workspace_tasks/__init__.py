"""envsdk_env_workspace: agentic tasks in sandboxed workspaces (a shell, files, hidden tests; docs/workspaces.md)."""

from __future__ import annotations

from .env import WorkspaceEnv
from .tasks import WorkspaceTask, builtin_tasks


def load_environment(backend: str = "embedded", tool_format: str = "native", max_turns: int = 30,
                     per_turn_reward: bool = False, limit: int | None = None) -> WorkspaceEnv:
    """Fix bugs in small Python repositories with bash/python/file/patch tools; hidden tests score the final workspace."""
    tasks = builtin_tasks()[:limit] if limit else builtin_tasks()
    return WorkspaceEnv(tasks, backend=backend, tool_format=tool_format, max_turns=max_turns,
                        per_turn_reward=per_turn_reward, description="bug fixes in sandboxed workspaces")


__all__ = ["WorkspaceEnv", "WorkspaceTask", "builtin_tasks", "load_environment"]
