"""envsdk: RL environments and verifiers for language models.

`import envsdk` is light: torch, transformers, docker and ray load only where used.
"""

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
