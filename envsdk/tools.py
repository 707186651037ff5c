"""Tools for multi-turn environments: typed Python functions, their JSON schemas, and tool-call parsing.

A tool is a plain (sync or async) function. Its OpenAI function schema comes from the signature (types via
pydantic) and the docstring (summary, Google-style `Args:` descriptions). Parameters named in `hidden` are left
out of the schema and injected per rollout, so the model never sees them (a session, the rollout state).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, Field, ValidationError, create_model

_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_SECTION_HEADER = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
TEXT_TAG = "tool_call"
_TAG_RE = re.compile(rf"<{TEXT_TAG}>(.*?)</{TEXT_TAG}>", re.DOTALL)


class ToolError(Exception):
    """Raise inside a tool to send the model a plain error message (no traceback type name)."""


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary (text before the sections) and per-argument descriptions of a Google-style docstring."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section, current, arg_indent = None, None, None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if _ARGS_HEADER.match(line):
            section, current, arg_indent = "args", None, None
            continue
        if indent == 0 and _SECTION_HEADER.match(line):
            section, current = "other", None
            continue
        if section is None:
            summary.append(line)
        elif section == "args" and line.strip():
            match = _ARG_LINE.match(line)
            if match and (arg_indent is None or indent <= arg_indent):
                arg_indent = indent
                current = match.group(1).lstrip("*")
                args[current] = match.group(2).strip()
            elif current:
                args[current] = f"{args[current]} {line.strip()}".strip()
    return " ".join(s.strip() for s in summary if s.strip()), args


def _strip_titles(schema: Any) -> Any:
    """pydantic adds `title` everywhere; tool schemas read better (and are shorter) without them."""
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


@dataclass
class Tool:
    """A callable the model may invoke: its name, schema, argument model and hidden (injected) parameters.

    The argument model and its JSON schema are built once, here: pydantic's schema generation costs about half a
    millisecond per tool, and a tool environment sends every tool's schema with every model turn."""

    fn: Callable[..., Any]
    hidden: tuple[str, ...] = ()
    name: str = ""
    description: str = ""
    args_model: type[BaseModel] = field(init=False)
    visible: tuple[str, ...] = field(init=False)
    _parameters: str = field(init=False, repr=False)
    _accepts: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or self.fn.__name__
        summary, arg_docs = parse_docstring(self.fn.__doc__)
        self.description = self.description or summary
        fields: dict[str, Any] = {}
        visible = []
        signature = inspect.signature(self.fn).parameters
        for pname, param in signature.items():
            if pname in self.hidden or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            annotation = Any if param.annotation is inspect.Parameter.empty else param.annotation
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[pname] = (annotation, Field(default, description=arg_docs.get(pname) or None))
            visible.append(pname)
        self.args_model = create_model(f"{self.name}_args", **fields)
        self.visible = tuple(visible)
        self._accepts = frozenset(signature)
        params = _strip_titles(self.args_model.model_json_schema())
        params.setdefault("properties", {})
        params.setdefault("required", [])
        self._parameters = json.dumps(params)

    @property
    def schema(self) -> dict[str, Any]:
        """The OpenAI `tools` entry for this tool: a fresh dict each time (a caller may change its copy), whose
        `parameters` are read back from the JSON schema of `args_model` built once (4x cheaper than a deepcopy)."""
        function = {"name": self.name, "description": self.description, "parameters": json.loads(self._parameters)}
        return {"type": "function", "function": function}

    async def call(self, arguments: dict[str, Any], injected: dict[str, Any]) -> Any:
        """Validate the model's arguments, add the hidden ones, and run the tool (sync tools in a thread)."""
        unknown = sorted(set(arguments) - set(self.visible))
        if unknown:
            raise ToolError(f"unknown argument(s) {unknown} for {self.name}; expected {list(self.visible)}")
        try:
            validated = self.args_model(**arguments)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"invalid arguments for {self.name}: {problems}") from None
        kwargs = {name: getattr(validated, name) for name in self.visible}
        kwargs.update({k: v for k, v in injected.items() if k in self._accepts and k in self.hidden})
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(**kwargs)
        result = await asyncio.to_thread(self.fn, **kwargs)
        return await result if inspect.isawaitable(result) else result


def as_tool(fn: Callable[..., Any] | Tool, hidden: tuple[str, ...] = ()) -> Tool:
    """A Tool from a function (or the Tool itself); `hidden` names parameters injected from rollout state."""
    if isinstance(fn, Tool):
        return fn
    present = tuple(h for h in hidden if h in inspect.signature(fn).parameters)
    return Tool(fn, hidden=present)


def tool_schema(fn: Callable[..., Any], hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAI function schema of a typed Python function (hidden parameters left out)."""
    return as_tool(fn, hidden).schema


@dataclass
class ToolCall:
    """One call the model asked for; `error` is set when its arguments could not be parsed."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _decode_arguments(raw: Any) -> tuple[dict[str, Any], str | None]:
    if raw is None or raw == "":
        return {}, None
    if isinstance(raw, dict):
        return raw, None
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        return {}, f"arguments are not valid JSON ({exc})"
    if not isinstance(value, dict):
        return {}, "arguments must be a JSON object"
    return value, None


def native_tool_calls(message: dict[str, Any]) -> list[ToolCall]:
    """Tool calls from an OpenAI-shaped assistant message (`tool_calls` with JSON-string arguments)."""
    calls = []
    for raw in message.get("tool_calls") or []:
        function = raw.get("function") or {}
        arguments, error = _decode_arguments(function.get("arguments"))
        calls.append(ToolCall(raw.get("id") or _new_id(), function.get("name") or "", arguments, error))
    return calls


def text_tool_calls(text: str) -> list[ToolCall]:
    """Tool calls written as `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` in plain text."""
    calls = []
    for body in _TAG_RE.findall(text or ""):
        try:
            payload = json.loads(body.strip())
        except json.JSONDecodeError as exc:
            calls.append(ToolCall(_new_id(), "", error=f"tool call is not valid JSON ({exc})"))
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
            calls.append(ToolCall(_new_id(), "", error='tool call must be {"name": ..., "arguments": {...}}'))
            continue
        arguments, error = _decode_arguments(payload.get("arguments", payload.get("parameters")))
        calls.append(ToolCall(_new_id(), payload["name"], arguments, error))
    return calls


def text_tools_prompt(tools: list[Tool]) -> str:
    """Instructions listing the tools and the text-tag call format, for models without native tool calls."""
    specs = "\n".join(json.dumps(t.schema["function"], ensure_ascii=False) for t in tools)
    return (
        "You can call these tools:\n"
        f"{specs}\n"
        f"To call a tool, write <{TEXT_TAG}>{{\"name\": \"TOOL\", \"arguments\": {{...}}}}</{TEXT_TAG}> "
        "(one tag per call) and stop; the results come back in <tool_result> tags."
    )


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"
