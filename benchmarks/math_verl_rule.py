"""verl's `math_reward` rule, re-implemented from its description (docs/math.md): the baseline of
`math_accuracy.py`. Last \\boxed/\\fbox, Hendrycks-style string normalisation, exact string match."""

from __future__ import annotations

import re


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} or \\fbox{...} (brace-matched), else None."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for i in range(brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[brace + 1 : i]
    return None


def _fix_fracs(s: str) -> str:
    # \frac12 -> \frac{1}{2}, \frac1b -> \frac{1}{b}
    return re.sub(r"\\frac(?!\{)(\w)(?:\{([^{}]*)\}|(\w))?", lambda m: "\\frac{%s}{%s}" % (m.group(1), m.group(2) or m.group(3) or ""), s)


def strip_string(s: str) -> str:
    """Hendrycks MATH normalisation as verl's math_reward applies it."""
    s = s.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    s = s.replace("tfrac", "frac").replace("dfrac", "frac").replace("\\left", "").replace("\\right", "")
    s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\$", "")
    if "\\text{ " in s:
        s = s.split("\\text{ ")[0]
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace(" .", " 0.").replace("{.", "{0.")
    if s.startswith("."):
        s = "0" + s
    parts = s.split("=")
    if len(parts) == 2 and len(parts[0]) <= 2:
        s = parts[1]
    s = re.sub(r"\\sqrt(\w)", r"\\sqrt{\1}", s)
    s = s.replace(" ", "")
    s = _fix_fracs(s)
    if s == "0.5":
        s = "\\frac{1}{2}"
    m = re.fullmatch(r"(-?\d+)/(\d+)", s)
    if m:
        s = "\\frac{%s}{%s}" % m.groups()
    return s


def verl_math_reward(gold: str, completion: str) -> bool:
    """1 iff the last boxed answer equals the gold after normalisation."""
    pred = last_boxed(completion)
    return pred is not None and strip_string(pred) == strip_string(gold)
