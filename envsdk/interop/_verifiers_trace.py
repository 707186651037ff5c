"""Building verifiers (0.4, `verifiers.v1`) traces for offline scoring: shared by both verifiers bridges."""

from __future__ import annotations

from typing import Any

from ..errors import require
from ..messages import Text, completion_text


def vf():
    """`verifiers.v1`, or a MissingExtraError naming the extra."""
    return require("verifiers.v1", "verifiers")


def scoring_trace(task, completion: Text):
    """A finished trace of `task` whose reply is `completion`'s final text, for `task.score(trace)`.

    Only the final reply is carried (`root_reply`): verifiers rewards that read the message graph or tool
    calls of a trace see none (docs/interop.md lists what maps)."""
    v1 = vf()
    return v1.Trace(
        task=v1.TraceTask(type=type(task).__name__, data=task.data, key=task.key, hash=task.hash),
        agent=v1.AgentInfo(config=v1.AgentConfig()),
        root_reply=completion_text(completion),
        is_completed=True,
        ok=True,
    )


def trace_scores(trace) -> tuple[float, dict[str, float], dict[str, Any]]:
    """(total reward, per-reward scores, metrics) of a scored trace."""
    components = {name: r.score for name, r in trace.rewards.items() if r is not None}
    metrics = {name: value for name, value in trace.metrics.items() if value is not None}
    return trace.reward, components, metrics
