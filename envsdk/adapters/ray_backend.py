"""Verification over a Ray actor pool: `RayExecutor` and `connect`, kept here for the adapters' import path.

They live in `envsdk.ray_executor`, beside the local executor, so that the commands (`--ray-address`)
and every face reach them without importing each other.
"""

from __future__ import annotations

from ..ray_executor import RayExecutor, connect

__all__ = ["RayExecutor", "connect"]
