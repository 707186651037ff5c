"""Find environments and transforms by name through entry points (or ad hoc registration)."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points
from typing import Any, Callable

from .environment import EnvSpec
from .errors import EnvsdkError, OptionError, UnknownNameError

ENV_GROUP = "envsdk.environments"
TRANSFORM_GROUP = "envsdk.transforms"
CLI_GROUP = "envsdk.cli"

_adhoc: dict[str, dict[str, Callable]] = {ENV_GROUP: {}, TRANSFORM_GROUP: {}}
# Entry points already loaded in this process: scanning every installed distribution for entry points
# costs a tenth of a second, and an executor resolves its environment's factory again for its workers.
_loaded: dict[tuple[str, str], Callable] = {}


def _entry_points(group: str) -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=group)}


def names(group: str) -> list[str]:
    """Every name registered in a group, entry points and ad hoc registrations together."""
    return sorted(set(_entry_points(group)) | set(_adhoc.get(group, {})))


def resolve(group: str, name: str, kind: str) -> Callable:
    """The factory registered under `name`; UnknownNameError lists the known names."""
    if name in _adhoc.get(group, {}):
        return _adhoc[group][name]
    if (group, name) in _loaded:
        return _loaded[group, name]
    eps = _entry_points(group)
    if name not in eps:
        raise UnknownNameError(kind, name, names(group))
    try:
        _loaded[group, name] = eps[name].load()
        return _loaded[group, name]
    except (ImportError, AttributeError) as exc:
        raise EnvsdkError(
            f"{kind} {name!r} is registered by {eps[name].value!r} but failed to load: {type(exc).__name__}: {exc}"
            + _extra_hint(eps[name], name, exc)
        ) from exc


def _extra_hint(ep: Any, name: str, exc: Exception) -> str:
    """'; install ...' when a missing module and an extra of the registering package share the plugin's name
    (envsdk's `math`, `webqa`, `darling`...): a core install then says which extra to add."""
    dist = getattr(ep, "dist", None)
    extras = (dist.metadata.get_all("Provides-Extra") or []) if dist is not None else []
    if isinstance(exc, ModuleNotFoundError) and name in extras:
        return f"; install it with: pip install '{dist.metadata['Name']}[{name}]'"
    return ""


def register_environment(name: str, factory: Callable[..., Any]) -> None:
    """Register an environment factory built in Python (no package). Worker processes rebuild it
    from (name, kwargs), so the factory must be importable (a module-level function)."""
    _adhoc[ENV_GROUP][name] = factory


def register_transform(name: str, factory: Callable[..., Any]) -> None:
    """Register a group-transform factory built in Python."""
    _adhoc[TRANSFORM_GROUP][name] = factory


def load_environment(name: str, **kwargs: Any):
    """Build the environment registered under `name` with `load_environment(**kwargs)`."""
    factory = resolve(ENV_GROUP, name, "environment")
    _check_kwargs(name, factory, kwargs)
    env = factory(**kwargs)
    env.spec = EnvSpec(name, dict(kwargs))
    return env


def _check_kwargs(name: str, factory: Callable, kwargs: dict[str, Any]) -> None:
    """Refuse keyword arguments the factory does not take, naming the ones it does (a typo in `--env-args`
    is a user's mistake, not a TypeError from deep inside the factory)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a callable without an inspectable signature: let it decide
        return
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        accepted = [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        raise OptionError(f"environment {name!r}: {exc}; it accepts: {', '.join(accepted) or 'no arguments'}") from exc


def load_transform(name: str, **kwargs: Any):
    """Build the group transform registered under `name`."""
    return resolve(TRANSFORM_GROUP, name, "transform")(**kwargs)


def adhoc_factory(name: str) -> Callable | None:
    """The ad hoc factory for `name`, if any (shipped to workers so they can rebuild it)."""
    return _adhoc[ENV_GROUP].get(name)


def rebuild_environment(spec: EnvSpec, factory: Callable | None = None):
    """The environment `spec` names, built again in another process (pool worker, Ray actor, unpickled
    scorer): by the ad hoc `factory` shipped along when there is one, else through the registry."""
    if factory is None:
        return load_environment(spec.name, **spec.kwargs)
    env = factory(**spec.kwargs)
    env.spec = spec
    return env


def describe(group: str, name: str) -> str:
    """A one-line description: the factory's docstring summary."""
    try:
        factory = resolve(group, name, "environment" if group == ENV_GROUP else "transform")
    except Exception as exc:  # a broken plugin still shows in `list`, with why
        return f"(failed to load: {type(exc).__name__}: {exc})"
    doc = (factory.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""
