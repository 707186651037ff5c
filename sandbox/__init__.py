"""envsdk_sandbox: run untrusted, model-written Python with real isolation (embedded or Docker)."""

from .models import Limits, RunResult
from .process import SandboxProcess
from .sandbox import Sandbox
from .workspace import Workspace, WorkspaceClosed, WorkspaceLimits, WorkspaceUnavailable

__all__ = ["Sandbox", "Limits", "RunResult", "SandboxProcess", "Workspace", "WorkspaceLimits", "WorkspaceClosed",
           "WorkspaceUnavailable"]
