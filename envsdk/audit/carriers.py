"""Ways to hand an answer to a grader: plain text, `\\boxed{}`, an `<answer>` tag, a submit-style tool call.

A probe with a payload (a list, a hedge) tries every carrier and keeps the best reward, as a policy would:
the audit then does not depend on knowing which format an environment reads.
"""

from __future__ import annotations

import json
from typing import Any

from ..messages import Message
from .probe import Attempt, ProbeContext

SUBMIT_NAMES = ("submit", "submit_answer", "final_answer", "answer")


def answer_tool(ctx: ProbeContext) -> tuple[str, str] | None:
    """The (tool, argument) a tool environment takes final answers through, if it has one."""
    for schema in ctx.tools:
        function = schema.get("function", {})
        if function.get("name") in SUBMIT_NAMES:
            params = list(function.get("parameters", {}).get("properties", {}))
            return function["name"], params[0] if params else "answer"
    return None


def tool_call(ctx: ProbeContext, calls: list[tuple[str, Any]]) -> Message:
    """An assistant turn making `calls` ([(name, arguments)]) in the environment's tool format.

    Arguments that are not a dict are sent as they are (hostile-argument probes rely on that)."""
    if ctx.tool_format == "text":
        tags = [f"<tool_call>{json.dumps({'name': n, 'arguments': a}, ensure_ascii=False)}</tool_call>" for n, a in calls]
        return {"role": "assistant", "content": "\n".join(tags)}
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": n, "arguments": a if isinstance(a, str) else json.dumps(a, ensure_ascii=False)}}
            for i, (n, a) in enumerate(calls)
        ],
    }


def carried(ctx: ProbeContext, payload: str, label: str = "") -> list[Attempt]:
    """`payload` through every carrier the environment might read (tool call only where there is a tool)."""
    prefix = f"{label}/" if label else ""
    attempts = [
        Attempt.text(f"{prefix}plain", payload),
        Attempt.text(f"{prefix}boxed", f"The final answer is $\\boxed{{{payload}}}$"),
        Attempt.text(f"{prefix}answer-tag", f"<answer>{payload}</answer>"),
    ]
    submit = answer_tool(ctx)
    if submit is not None:
        name, arg = submit
        attempts.append(Attempt(f"{prefix}{name}-call", (tool_call(ctx, [(name, {arg: payload})]),)))
    return attempts
