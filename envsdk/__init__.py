"""envsdk: RL environments and verifiers for language models.

`import envsdk` is light: the public names below load on first use, and torch, transformers, docker and
ray only where used.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .environment import EnvSpec, Environment, RolloutResult, SingleTurnEnv, SupportsAnswerSpace, SupportsWarmStart
    from .env_group import EnvGroup
    from .errors import EnvsdkError, MissingExtraError, RowError, UnknownNameError
    from .group import Group, Rollout, make_group_id
    from .multiturn import MultiTurnEnv, ToolEnv, stop
    from .registry import load_environment, load_transform, register_environment, register_transform
    from .rubric import Rubric, reward
    from .tools import Tool, ToolError, tool_schema
    from .transforms import GroupTransform, apply_transforms, compute_advantages
    from .verdict import Verdict

# Public name -> the module that defines it; imported on first use (PEP 562), so a command or a
# pool worker loads only the parts it touches (`envsdk verify` never imports multi-turn or tools).
_EXPORTS = {
    "EnvSpec": "environment",
    "Environment": "environment",
    "RolloutResult": "environment",
    "SingleTurnEnv": "environment",
    "SupportsAnswerSpace": "environment",
    "SupportsWarmStart": "environment",
    "EnvGroup": "env_group",
    "EnvsdkError": "errors",
    "MissingExtraError": "errors",
    "RowError": "errors",
    "UnknownNameError": "errors",
    "Group": "group",
    "Rollout": "group",
    "make_group_id": "group",
    "MultiTurnEnv": "multiturn",
    "ToolEnv": "multiturn",
    "stop": "multiturn",
    "load_environment": "registry",
    "load_transform": "registry",
    "register_environment": "registry",
    "register_transform": "registry",
    "Rubric": "rubric",
    "reward": "rubric",
    "Tool": "tools",
    "ToolError": "tools",
    "tool_schema": "tools",
    "GroupTransform": "transforms",
    "apply_transforms": "transforms",
    "compute_advantages": "transforms",
    "Verdict": "verdict",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'envsdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__version__ = "0.1.0"

__all__ = [
    "EnvGroup",
    "EnvSpec",
    "Environment",
    "EnvsdkError",
    "Group",
    "GroupTransform",
    "MissingExtraError",
    "MultiTurnEnv",
    "Rollout",
    "RolloutResult",
    "RowError",
    "Rubric",
    "SingleTurnEnv",
    "SupportsAnswerSpace",
    "SupportsWarmStart",
    "Tool",
    "ToolEnv",
    "ToolError",
    "UnknownNameError",
    "Verdict",
    "apply_transforms",
    "compute_advantages",
    "load_environment",
    "load_transform",
    "make_group_id",
    "register_environment",
    "register_transform",
    "reward",
    "stop",
    "tool_schema",
]
