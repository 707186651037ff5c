"""envsdk: RL environments and verifiers for language models.

`import envsdk` is light: the public names below load on first use, and torch, transformers, docker and
ray only where used.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .environment import EnvSpec, Environment, RolloutResult, SupportsAnswerSpace, SupportsWarmStart
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
# The one list of public names: `__all__` is built from it, and the TYPE_CHECKING imports above (for type
# checkers and editors) are kept equal to it by tests/core/test_public_api.py.
_EXPORTS = {
    "EnvSpec": "environment",
    "Environment": "environment",
    "RolloutResult": "environment",
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

__all__ = sorted(_EXPORTS)  # the names are listed once, in _EXPORTS (tests/core/test_public_api.py)
