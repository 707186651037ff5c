"""sympy, latex2sympy and math-verify, imported and exercised once per process, lazily and outside every budget.

The first comparison that reaches sympy in a fresh process pays about 0.7 s of CPU (imports, building the
LaTeX parser, sympy's first simplification); charged to that comparison's CPU budget it would make the verdict
depend on which answer a process met first. So this package reaches those libraries only through
`warm_sympy()` / `warm_math_verify()`, which warm them up under `paused_budget()` the first time: the budget
never pays for it, and answers the cheap readers settle (most of them) never import sympy at all.

The warm-up is not eager (no `warm_up()` hook for the executor to call before a worker takes rows): a
one-shot `envsdk verify` of plain answers paid 0.7 s of CPU for nothing, more than all its rows' comparisons.
What the lazy warm-up leaves exposed is only the wall-clock row deadline of the one row per process that
warms up (docs/math.md, "Determinism").
"""

from __future__ import annotations

from types import ModuleType

from .budget import paused_budget

_warm = False


def ensure_warm() -> None:
    """Import the comparison's libraries and run one parse and one `verify` (idempotent, cheap once done)."""
    global _warm
    if _warm:
        return
    with paused_budget():
        import sympy  # noqa: F401 - the import is the point
        from latex2sympy2_extended import NormalizationConfig  # noqa: F401
        from math_verify import parse, verify

        verify(parse("$\\frac{x^2-1}{x-1}$", parsing_timeout=None), parse("$x+1$", parsing_timeout=None),
               timeout_seconds=None)
        _warm = True


def warm_sympy() -> ModuleType:
    """The `sympy` module, warmed up first: how this package reaches sympy, so its import is never charged."""
    ensure_warm()
    import sympy

    return sympy


def warm_math_verify() -> ModuleType:
    """The `math_verify` module, warmed up first (it imports sympy and latex2sympy)."""
    ensure_warm()
    import math_verify

    return math_verify
