"""Import and exercise sympy, latex2sympy and math-verify once per process, outside every comparison budget.

The first comparison that reaches sympy in a fresh process pays seconds of imports and parser set-up; charged
to that comparison, it made the verdict depend on the machine's load and on which row a worker took first.
The executor calls `MathEnvironment.warm_up` (this function) before a worker takes rows; a direct caller of
`verify_answer` gets it lazily, under `paused_budget()`, the first time an answer needs sympy, so plain
numbers still never import it.
"""

from __future__ import annotations

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
