"""Multi-turn environments: the environment answers after each model turn, until a stop condition holds.

`MultiTurnEnv` owns the loop (per-rollout state, max turns, stop conditions, cleanup); subclasses write
`env_response`. `ToolEnv` is the common case: the environment's answer is the result of the tools the model
called, either as native OpenAI tool calls or, for servers without them, as `<tool_call>` tags in text.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from .environment import Environment, RolloutResult
from .messages import Messages, content_text
from .tools import Tool, ToolCall, ToolError, as_tool, native_tool_calls, text_tool_calls, text_tools_prompt

if TYPE_CHECKING:
    from .clients.chat import ChatClient

State = dict[str, Any]


def stop(fn: Callable | None = None, *, priority: int = 0):
    """Mark a method `(self, messages, state) -> bool` (sync or async) as a stop condition.

    Conditions are checked after every model turn and every environment answer, highest priority first;
    the first that holds ends the rollout and names `state["stop_reason"]`."""

    def mark(f: Callable) -> Callable:
        f.__envsdk_stop__ = priority
        return f

    return mark(fn) if fn is not None else mark


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _add_usage(total: dict[str, int], usage: dict[str, Any] | None) -> None:
    for key, value in (usage or {}).items():
        if isinstance(value, int):
            total[key] = total.get(key, 0) + value


class MultiTurnEnv(Environment):
    """An environment that replies after each model turn (`env_response`), for at most `max_turns` model turns.

    Per-rollout `state` starts with the row's id, answer and info; `setup_state` adds to it and `cleanup`
    releases what it holds (called once per rollout, whatever happened). Keys starting with `_` are private
    (live objects such as sessions) and are left out of the returned `RolloutResult.state`.
    """

    def __init__(self, *, max_turns: int = 10, **kwargs: Any):
        super().__init__(**kwargs)
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self.max_turns = max_turns

    # ---- hooks ------------------------------------------------------------------------------
    async def setup_state(self, state: State, row: dict[str, Any]) -> None:
        """Prepare per-rollout resources in `state` (default: nothing)."""

    async def env_response(self, messages: Messages, state: State) -> Messages:
        """The environment's answer to the model's last turn (messages to append)."""
        raise NotImplementedError(f"{type(self).__name__} must implement env_response(messages, state)")

    async def cleanup(self, state: State) -> None:
        """Release per-rollout resources (default: nothing). Must tolerate a partly set-up state."""

    def chat_kwargs(self, state: State) -> dict[str, Any]:
        """Extra arguments for every model call of this rollout (e.g. `tools`)."""
        return {}

    # ---- stop conditions --------------------------------------------------------------------
    @stop(priority=100)
    def done(self, messages: Messages, state: State) -> bool:
        """The environment said the episode is over (`state["done"] = True`, e.g. an answer was submitted)."""
        return bool(state.get("done"))

    @stop(priority=90)
    def truncated(self, messages: Messages, state: State) -> bool:
        """The model's last reply hit its token limit."""
        return state.get("finish_reason") == "length" and messages[-1].get("role") == "assistant"

    def stop_conditions(self) -> list[tuple[str, Callable]]:
        """The bound stop conditions of this class, highest priority first."""
        found: dict[str, int] = {}
        for klass in reversed(type(self).__mro__):
            for name, attr in vars(klass).items():
                if hasattr(attr, "__envsdk_stop__"):
                    found[name] = attr.__envsdk_stop__
        ordered = sorted(found, key=lambda n: -found[n])
        return [(name, getattr(self, name)) for name in ordered]

    async def is_done(self, messages: Messages, state: State) -> bool:
        """True when a stop condition holds; records which one in `state["stop_reason"]`."""
        for name, condition in self.stop_conditions():
            if await _maybe_await(condition(messages, state)):
                state["stop_reason"] = name
                return True
        return False

    # ---- the loop ---------------------------------------------------------------------------
    def initial_state(self, row: dict[str, Any]) -> State:
        """The state every rollout starts from."""
        return {
            "example_id": row.get("id"),
            "answer": row.get("answer"),
            "info": row.get("info") or {},
            "turn": 0,
            "usage": {},
            "finish_reason": None,
            "stop_reason": None,
        }

    async def rollout(self, client: "ChatClient", row: dict[str, Any], **sampling: Any) -> RolloutResult:
        """Alternate model turns and environment answers until a stop condition or `max_turns`.

        The completion is every message after the prompt. Errors from the model or the environment
        propagate after cleanup."""
        prompt = self.format_prompt(row)
        messages = list(prompt)
        state = self.initial_state(row)
        sampling = {**self.sampling_args, **sampling}
        try:
            await self.setup_state(state, row)
            while True:
                reply = await client.chat(messages, **self.chat_kwargs(state), **sampling)
                messages.append({**reply.message, "role": "assistant"})
                state["turn"] += 1
                state["finish_reason"] = reply.finish_reason
                _add_usage(state["usage"], reply.usage)
                if await self.is_done(messages, state):
                    break
                messages.extend(await self.env_response(messages, state))
                if await self.is_done(messages, state):
                    break
                if state["turn"] >= self.max_turns:
                    state["stop_reason"] = "max_turns"
                    break
        finally:
            await self._cleanup_once(state)
        public = {k: v for k, v in state.items() if not k.startswith("_")}
        return RolloutResult(completion=messages[len(prompt):], state=public, usage=dict(state["usage"]))

    async def _cleanup_once(self, state: State) -> None:
        if not state.get("_cleaned_up"):
            state["_cleaned_up"] = True
            await self.cleanup(state)


class ToolEnv(MultiTurnEnv):
    """A multi-turn environment whose answers are tool results.

    `tools`: typed functions (sync or async). Parameters named in `hidden_args` are not shown to the model;
    they are injected per rollout: `state` gets the rollout state, any other name `x` gets `state["x"]` (or
    `state["_x"]`). `tool_format="native"` passes `tools=[...]` to the client and reads `tool_calls`;
    `"text"` describes the tools in the system prompt and parses `<tool_call>{...}</tool_call>` tags.
    Tool errors (unknown tool, bad arguments, a raising tool, an exhausted budget) go back to the model as
    messages. A model turn without tool calls ends the rollout.
    """

    def __init__(
        self,
        *,
        tools: Iterable[Callable | Tool],
        tool_format: Literal["native", "text"] = "native",
        max_tool_calls: int | None = None,
        hidden_args: tuple[str, ...] = ("state",),
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if tool_format not in ("native", "text"):
            raise ValueError(f"tool_format must be 'native' or 'text', got {tool_format!r}")
        self.tool_format = tool_format
        self.max_tool_calls = max_tool_calls
        self.hidden_args = tuple(hidden_args)
        self.tools: dict[str, Tool] = {}
        for fn in tools:
            tool = as_tool(fn, self.hidden_args)
            self.tools[tool.name] = tool

    @property
    def tool_schemas(self) -> list[dict[str, Any]]:
        """The OpenAI `tools` list."""
        return [tool.schema for tool in self.tools.values()]

    def format_prompt(self, row: dict[str, Any]) -> Messages:
        """The row's prompt; in text mode the system message also explains the tools and the tag format."""
        messages = super().format_prompt(row)
        if self.tool_format != "text":
            return messages
        guide = text_tools_prompt(list(self.tools.values()))
        if messages and messages[0].get("role") == "system":
            first = messages[0]
            return [{**first, "content": f"{content_text(first)}\n\n{guide}"}, *messages[1:]]
        return [{"role": "system", "content": guide}, *messages]

    def chat_kwargs(self, state: State) -> dict[str, Any]:
        return {"tools": self.tool_schemas} if self.tool_format == "native" else {}

    def parse_tool_calls(self, message: dict[str, Any]) -> list[ToolCall]:
        """The tool calls of an assistant message, in this environment's format."""
        if self.tool_format == "native":
            return native_tool_calls(message)
        return text_tool_calls(content_text(message))

    @stop(priority=10)
    def no_tool_calls(self, messages: Messages, state: State) -> bool:
        """The model answered without calling a tool."""
        last = messages[-1]
        return last.get("role") == "assistant" and not self.parse_tool_calls(last)

    def injected(self, state: State) -> dict[str, Any]:
        """Values for the hidden parameters of tools, from the rollout state."""
        values: dict[str, Any] = {}
        for name in self.hidden_args:
            if name == "state":
                values[name] = state
            elif name in state:
                values[name] = state[name]
            elif f"_{name}" in state:
                values[name] = state[f"_{name}"]
        return values

    async def env_response(self, messages: Messages, state: State) -> Messages:
        """Run each tool call of the last turn in order and return the results."""
        results = []
        for call in self.parse_tool_calls(messages[-1]):
            results.append((call, await self.run_tool(call, state)))
        if self.tool_format == "native":
            return [{"role": "tool", "tool_call_id": c.id, "name": c.name, "content": out} for c, out in results]
        body = "\n".join(f'<tool_result name="{c.name}">\n{out}\n</tool_result>' for c, out in results)
        return [{"role": "user", "content": body}]

    async def run_tool(self, call: ToolCall, state: State) -> str:
        """One tool call's result as text; failures become `Error: ...` text and are logged in state."""
        log = state.setdefault("tool_calls", [])
        entry = {"turn": state.get("turn"), "name": call.name, "arguments": call.arguments, "error": None}
        log.append(entry)
        try:
            output = await self._invoke(call, state, len(log))
        except ToolError as exc:
            entry["error"] = str(exc)
        except Exception as exc:  # a crashing tool is the model's problem to see, not the rollout's end
            entry["error"] = f"{call.name} raised {type(exc).__name__}: {exc}"
        if entry["error"] is not None:
            state["tool_errors"] = state.get("tool_errors", 0) + 1
            return f"Error: {entry['error']}"
        return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, default=str)

    async def _invoke(self, call: ToolCall, state: State, number: int) -> Any:
        if self.max_tool_calls is not None and number > self.max_tool_calls:
            state["tool_budget_exhausted"] = True
            raise ToolError(f"the tool-call budget ({self.max_tool_calls}) is used up; give your final answer now")
        if call.error:
            raise ToolError(call.error)
        if call.name not in self.tools:
            raise ToolError(f"unknown tool {call.name!r}; available tools: {sorted(self.tools)}")
        return await self.tools[call.name].call(call.arguments, self.injected(state))
