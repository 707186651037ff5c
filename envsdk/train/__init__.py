"""The built-in GRPO trainer (`envsdk train`): TRL-exact loss, a small loop, toy experiments.

Importing `envsdk` never imports this package; names here load torch lazily, on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "policy_loss": "envsdk.train.loss",
    "GRPOConfig": "envsdk.train.config",
    "GRPOTrainer": "envsdk.train.trainer",
    "TinyConfig": "envsdk.train.tiny",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'envsdk.train' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
