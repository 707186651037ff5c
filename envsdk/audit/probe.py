"""The probe protocol: what a probe sees of a row, what it returns, and how it joins an audit.

A probe plays a reward-hacking policy. It sees what a policy sees (the prompt as sent, the tools) and never
the row's gold fields, so whatever it earns is earned without knowing the answer. `GoldCheck`s are the
separate, labelled exception: they build completions from the gold to test the grader's normalisation.
Protocol and examples: docs/audit.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Sequence

from ..messages import Message, Messages, prompt_text

if TYPE_CHECKING:
    from ..environment import Environment

Policy = Callable[[Messages], Message]
"""A scripted policy: the conversation so far → the next assistant message."""

Expect = Literal["reject", "info"]


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may look at for one row: the prompt as the model gets it and the tools it may call."""

    row_id: str
    prompt: Messages
    tools: tuple[dict[str, Any], ...] = ()
    tool_format: Literal["native", "text"] | None = None

    @property
    def question(self) -> str:
        """The last user message of the prompt."""
        return prompt_text(self.prompt)

    @property
    def tool_names(self) -> list[str]:
        """The names of the tools the model may call (empty for a single-turn environment)."""
        return [t.get("function", {}).get("name", "") for t in self.tools]


@dataclass(frozen=True)
class Attempt:
    """One adversarial episode: the assistant turns to play, fixed or reacting to the environment.

    `turns` are played in order (a single-turn environment only reads the first); `policy`, when given,
    answers every model turn instead. A turn that is a string is a plain text reply.
    """

    label: str
    turns: tuple[str | Message, ...] = ()
    policy: Policy | None = None

    @classmethod
    def text(cls, label: str, content: str) -> Attempt:
        """A single plain-text reply."""
        return cls(label, (content,))


@dataclass
class Probe:
    """A named generator of adversarial attempts.

    `build(ctx)` returns the attempts for one row; `applies(env)` says whether the probe makes sense for an
    environment (checked against the member environment that scores the row). Subclass it, or pass
    `build=` (and optionally `applies=`) to wrap plain functions.
    """

    name: str
    description: str
    category: str
    build_fn: Callable[[ProbeContext], Sequence[Attempt]] | None = None
    applies_fn: Callable[[Environment], bool] | None = None
    pack: str = ""

    def build(self, ctx: ProbeContext) -> Sequence[Attempt]:
        if self.build_fn is None:
            raise NotImplementedError(f"probe {self.name!r} must override build() or pass build_fn")
        return self.build_fn(ctx)

    def applies(self, env: Environment) -> bool:
        return True if self.applies_fn is None else self.applies_fn(env)


@dataclass(frozen=True)
class GoldContext(ProbeContext):
    """A ProbeContext plus the row's gold answer: only `GoldCheck`s receive it."""

    answer: Any = None

    @property
    def gold_texts(self) -> list[str]:
        """The gold as strings (a list of aliases gives each); empty when the row has no textual gold."""
        values = self.answer if isinstance(self.answer, list) else [self.answer]
        return [str(v) for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()]


@dataclass
class GoldCheck:
    """A grader-normalisation test built from the gold: not a hack, and reported apart from the probes.

    `expect="reject"`: a sound grader gives it nothing (the gold hedged, buried, followed by a wrong
    answer); `expect="info"`: the reward is reported, not judged (the gold in another format).
    """

    name: str
    description: str
    expect: Expect
    build_fn: Callable[[GoldContext], Sequence[Attempt]]
    pack: str = ""
    category: str = field(default="normalisation")

    def build(self, ctx: GoldContext) -> Sequence[Attempt]:
        return self.build_fn(ctx) if ctx.gold_texts else []

    def applies(self, env: Environment) -> bool:
        return True


AnyProbe = Probe | GoldCheck


def as_probes(loaded: Any, pack: str) -> list[AnyProbe]:
    """What an `envsdk.probes` entry point loads to (a probe, an iterable of probes, or a factory of
    either) as a list of probes tagged with the entry point's name."""
    if callable(loaded) and not isinstance(loaded, (Probe, GoldCheck)):
        loaded = loaded()
    items: Iterable[Any] = [loaded] if isinstance(loaded, (Probe, GoldCheck)) else loaded
    probes = []
    for item in items:
        if not isinstance(item, (Probe, GoldCheck)):
            raise TypeError(f"probe pack {pack!r} yielded {type(item).__name__}, expected Probe or GoldCheck")
        item.pack = item.pack or pack
        probes.append(item)
    return probes
