"""Public data models of the sandbox: resource limits in, one run's result out (docs/reference.md, "envsdk sandbox run")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["ok", "error", "timeout", "memory_exceeded", "output_limit", "killed", "sandbox_error",
                 "compile_error"]


class Limits(BaseModel):
    """Per-run limits; every backend enforces all of them (see docs/sandbox.md for how)."""

    timeout_s: float = Field(10.0, gt=0, description="wall clock, whole process tree")
    memory_mb: int = Field(512, gt=0, description="resident memory (cgroup) or address space (fallback)")
    cpu_s: float | None = Field(None, gt=0, description="CPU seconds; default: the wall-clock timeout")
    pids: int = Field(64, gt=0, description="processes and threads")
    output_bytes: int = Field(1 << 20, gt=0, description="cap on captured stdout and on stderr, each")
    file_size_mb: int = Field(16, gt=0, description="largest file the program may write")
    tmpfs_mb: int = Field(64, gt=0, description="size of the private work dir and /tmp")


class RunResult(BaseModel):
    """What one sandboxed program did; `tier` and `backend` say which isolation it really got."""

    status: Status
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    backend: str
    tier: str
    compile_result: "RunResult | None" = Field(
        None, description="the compile step of a compiled language (None for Python, interpreted languages "
                          "and cached builds)")
