"""Weighted reward functions whose arguments are injected by parameter name (verifiers style)."""

from __future__ import annotations

import functools
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .verdict import Verdict

ROW_ARGS = ("prompt", "completion", "answer", "info", "state", "example")
GROUP_ARGS = ("prompts", "completions", "answers", "infos", "states", "examples")


@dataclass(frozen=True)
class RewardSpec:
    """How a rubric treats one function: its weight and its execution marks."""

    name: str
    weight: float = 1.0
    group: bool = False
    cpu_heavy: bool = False


def reward(
    fn: Callable | None = None,
    *,
    weight: float = 1.0,
    name: str | None = None,
    group: bool = False,
    cpu_heavy: bool = False,
):
    """Mark a reward function. `group=True` receives lists (one per rollout of a group);
    `cpu_heavy=True` runs it in the executor's process pool instead of on the event loop."""

    def mark(f: Callable) -> Callable:
        f.__envsdk_reward__ = RewardSpec(name or f.__name__, weight, group, cpu_heavy)
        return f

    return mark(fn) if fn is not None else mark


def spec_of(fn: Callable, weight: float | None = None) -> RewardSpec:
    """The RewardSpec of a function (defaults when it carries no mark)."""
    spec = getattr(fn, "__envsdk_reward__", None) or RewardSpec(getattr(fn, "__name__", "reward"))
    if weight is not None:
        spec = RewardSpec(spec.name, weight, spec.group, spec.cpu_heavy)
    return spec


def _read_signature(fn: Callable) -> tuple[bool, tuple[tuple[str, bool], ...]]:
    """(takes **kwargs, ((name, required), ...)) of a reward function."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return True, ()
    return False, tuple(
        (p.name, p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_POSITIONAL)
        for p in params
    )


# A reward function's signature is read once per function: inspecting it costs more than many verifiers,
# and injection runs for every row.
_read_signature_once = functools.lru_cache(maxsize=1024)(_read_signature)


def _inject(fn: Callable, available: dict[str, Any]) -> dict[str, Any]:
    """Pick the arguments `fn` asks for by name; fail clearly on names nobody provides."""
    try:
        takes_all, params = _read_signature_once(fn)
    except TypeError:  # an unhashable callable object: read it every time
        takes_all, params = _read_signature(fn)
    if takes_all:
        return dict(available)
    kwargs, missing = {}, []
    for pname, required in params:
        if pname in available:
            kwargs[pname] = available[pname]
        elif required:
            missing.append(pname)
    if missing:
        raise TypeError(
            f"reward function {fn.__name__!r} asks for {missing}; available names: {sorted(available)}"
        )
    return kwargs


@dataclass
class Rubric:
    """A weighted sum of reward functions plus zero-weight metrics.

    The total reward is sum(weight * component); components are logged under their names.
    A function that raises yields a flagged verdict (`error` set), never a silent 0.
    """

    funcs: list[Callable] = field(default_factory=list)
    weights: list[float] | None = None
    objects: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = self.weights if self.weights is not None else [None] * len(self.funcs)
        if len(weights) != len(self.funcs):
            raise ValueError(f"{len(self.funcs)} reward functions but {len(weights)} weights")
        self.specs: list[RewardSpec] = []
        for f, w in zip(self.funcs, weights):
            self.specs.append(self._unique(spec_of(f, w)))

    def _unique(self, spec: RewardSpec) -> RewardSpec:
        """Component names must not collide (two lambdas): suffix repeats with _2, _3..."""
        taken = {s.name for s in self.specs}
        name, k = spec.name, 2
        while name in taken:
            name, k = f"{spec.name}_{k}", k + 1
        return RewardSpec(name, spec.weight, spec.group, spec.cpu_heavy)

    def add(self, fn: Callable, weight: float | None = None) -> Callable:
        """Add a reward function (weight from its mark, else 1)."""
        self.funcs.append(fn)
        self.specs.append(self._unique(spec_of(fn, weight)))
        return fn

    def add_metric(self, fn: Callable) -> Callable:
        """Add a zero-weight function: logged as a component, never rewarded."""
        return self.add(fn, weight=0.0)

    def register(self, name: str, obj: Any) -> None:
        """Make `obj` injectable into reward functions under `name`."""
        if name in ROW_ARGS or name in GROUP_ARGS:
            raise ValueError(f"{name!r} is a reserved argument name")
        self.objects[name] = obj

    @property
    def cpu_heavy(self) -> bool:
        """True when any function asks for the process pool."""
        return any(s.cpu_heavy for s in self.specs)

    @property
    def has_group_funcs(self) -> bool:
        return any(s.group for s in self.specs)

    async def score_group(
        self, rows: list[dict], completions: list[Any], states: list[dict] | None = None
    ) -> list[Verdict]:
        """Score the rollouts of one group: per-rollout functions for each, group functions once."""
        started = time.perf_counter()
        n = len(completions)
        states = states if states is not None else [{} for _ in range(n)]
        components: list[dict[str, float]] = [{} for _ in range(n)]
        extras: list[dict[str, Any]] = [{} for _ in range(n)]
        base: list[Verdict | None] = [None] * n
        errors: list[str | None] = [None] * n
        for fn, spec in zip(self.funcs, self.specs):
            try:
                values = await self._run_one(fn, spec, rows, completions, states)
            except Exception as exc:  # a crashing verifier flags the rollouts it touched
                message = f"{spec.name}: {type(exc).__name__}: {exc}"
                errors = [e or message for e in errors]
                continue
            for i, value in enumerate(values):
                verdict = value if isinstance(value, Verdict) else None
                try:
                    coerced = Verdict.coerce(value)
                except TypeError as exc:
                    errors[i] = errors[i] or f"{spec.name}: {exc}"
                    continue
                components[i][spec.name] = coerced.reward
                extras[i].update(coerced.details)
                if coerced.error and not errors[i]:
                    errors[i] = coerced.error
                if verdict is not None and base[i] is None:
                    base[i] = verdict
                elif base[i] is None and spec.weight != 0:
                    base[i] = coerced
        duration = time.perf_counter() - started
        return [self._combine(base[i], components[i], extras[i], errors[i], duration / max(n, 1)) for i in range(n)]

    async def _run_one(self, fn, spec, rows, completions, states) -> list[Any]:
        """One function's values for the group: called once with lists (a group function) or once per rollout,
        with the arguments it names (sync or async)."""
        if spec.group:
            calls = [{
                "prompts": [r.get("prompt") for r in rows],
                "completions": completions,
                "answers": [r.get("answer") for r in rows],
                "infos": [r.get("info") or {} for r in rows],
                "states": states,
                "examples": rows,
            }]
        else:
            calls = [
                {"prompt": row.get("prompt"), "completion": completion, "answer": row.get("answer"),
                 "info": row.get("info") or {}, "state": state, "example": row}
                for row, completion, state in zip(rows, completions, states)
            ]
        out = []
        for available in calls:
            result = fn(**_inject(fn, {**available, **self.objects}))
            out.append(await result if inspect.isawaitable(result) else result)
        if not spec.group:
            return out
        values = out[0]
        if not isinstance(values, (list, tuple)) or len(values) != len(completions):
            raise TypeError(f"group function must return one value per rollout ({len(completions)})")
        return list(values)

    def _combine(self, base, components, extras, error, duration) -> Verdict:
        """Weighted sum of components; the first rewarded Verdict keeps its flags and details."""
        if error is not None and not components:
            return Verdict.from_error(error, duration_s=duration)
        total = sum(spec.weight * components.get(spec.name, 0.0) for spec in self.specs)
        template = base or Verdict()
        details = {**extras, **template.details}
        return template.model_copy(
            update={
                "reward": total,
                "components": components,
                "error": error or template.error,
                "duration_s": template.duration_s or duration,
                "details": details,
            }
        )
