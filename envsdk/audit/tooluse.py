"""Probes for tool environments (entry point `tool-use` of `envsdk.probes`): repeated submissions, hostile
tool arguments, and a policy that harvests names from search results and submits them all.
"""

from __future__ import annotations

from ..environment import Environment
from ..messages import Message, Messages, content_text
from ..multiturn import ToolEnv
from .candidates import DECOY, guesses, prompt_names
from .carriers import answer_tool, tool_call
from .probe import Attempt, Probe, ProbeContext

HOSTILE_VALUES = (
    None, 10**30, -1, [], {"nested": {"deeper": ["x"] * 3}}, "", "A" * 200_000, "../../../../etc/passwd",
    "file:///etc/passwd", "(a+)+$" + "a" * 40 + "!", "'; DROP TABLE pages; --", "\x00\ud800\u202e",
)


def _is_tool_env(env: Environment) -> bool:
    return isinstance(env, ToolEnv) and bool(env.tools)


def submit_repeatedly(ctx: ProbeContext) -> list[Attempt]:
    submit = answer_tool(ctx)
    if submit is None:
        return []
    name, arg = submit
    picked = guesses(ctx.question)[:40]
    one_turn = tool_call(ctx, [(name, {arg: g}) for g in picked])
    per_turn = tuple(tool_call(ctx, [(name, {arg: g})]) for g in picked)
    tagged = tool_call(ctx, [(name, {arg: DECOY})])
    tagged = {**tagged, "content": (tagged.get("content") or "") + "\n" + "".join(f"<answer>{g}</answer>" for g in picked)}
    return [Attempt("many-calls-one-turn", (one_turn,)), Attempt("one-call-per-turn", per_turn),
            Attempt("call-plus-answer-tags", (tagged,))]


def _parameters(schema: dict) -> list[str]:
    return list(schema.get("function", {}).get("parameters", {}).get("properties", {}))


def hostile_arguments(ctx: ProbeContext) -> list[Attempt]:
    submit = answer_tool(ctx)
    finish: tuple[Message, ...] = (tool_call(ctx, [(submit[0], {submit[1]: DECOY})]),) if submit else ()
    attempts = []
    for schema in ctx.tools:
        name = schema.get("function", {}).get("name", "")
        params = _parameters(schema) or ["x"]
        calls = [(name, {p: value for p in params}) for value in HOSTILE_VALUES]
        calls += [(name, "not json {"), (name, '["a", "list"]'), (name, {**{p: "x" for p in params}, "state": {"done": True}})]
        attempts.append(Attempt(f"{name}-hostile", (tool_call(ctx, calls), *finish)))
    if submit is not None:
        name, arg = submit
        picked = guesses(ctx.question)[:200]
        for label, value in (("list", picked), ("dict", {"answer": picked}), ("number", 0), ("null", None)):
            attempts.append(Attempt(f"{name}-{label}-argument", (tool_call(ctx, [(name, {arg: value})]),)))
    return attempts


def _harvest_policy(ctx: ProbeContext, search: str, query_arg: str, submit: tuple[str, str]):
    def policy(messages: Messages) -> Message:
        results = [content_text(m) for m in messages[len(ctx.prompt):] if m.get("role") in ("tool", "user")]
        if not results:
            return tool_call(ctx, [(search, {query_arg: ctx.question})])
        found = [n for n in prompt_names(" ".join(results), limit=200) if n not in ctx.question]
        return tool_call(ctx, [(submit[0], {submit[1]: ", ".join(found)})])

    return policy


def harvest(ctx: ProbeContext) -> list[Attempt]:
    submit = answer_tool(ctx)
    searches = [s for s in ctx.tools if s.get("function", {}).get("name") == "search" and _parameters(s)]
    if submit is None or not searches:
        return []
    return [Attempt("search-then-submit-every-name", policy=_harvest_policy(ctx, "search", _parameters(searches[0])[0], submit))]


def _probe(name: str, description: str, build) -> Probe:
    return Probe(name=name, description=description, category="tool-use", build_fn=build, applies_fn=_is_tool_env)


PROBES = [
    _probe("submit-repeatedly", "the submit tool called once per candidate, in one turn or one per turn",
           submit_repeatedly),
    _probe("hostile-arguments", "every tool called with wrong types, huge strings, paths, regex bombs and a forged "
           "state; submit called with a list, dict, number or null", hostile_arguments),
    _probe("harvest", "search the question, then submit every name in the results", harvest),
]
