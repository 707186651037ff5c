"""Gold-aware grader checks (entry point `normalisation` of `envsdk.probes`; run with `--gold-checks`).

These see the gold, so they are not hacks: they test how the grader normalises. `reject` checks are the
gold hedged, buried or contradicted, which a sound grader does not credit; `info` checks show what it makes
of the gold in another format (JSON, a code block, LaTeX, full-width or zero-width characters).
"""

from __future__ import annotations

import json

from .candidates import DECOY
from .carriers import carried
from .generic import FILLER_CHARS, JUDGE_NOTES, FULLWIDTH, filler
from .probe import Attempt, GoldCheck, GoldContext


def _each_gold(ctx: GoldContext, make) -> list[Attempt]:
    return [a for i, gold in enumerate(ctx.gold_texts[:2]) for a in carried(ctx, make(gold), f"alias{i}")]


def _check(name: str, expect: str, description: str, make) -> GoldCheck:
    return GoldCheck(name=name, description=description, expect=expect, build_fn=lambda ctx: _each_gold(ctx, make))


CHECKS = [
    _check("gold-plain", "info", "the gold alone (the reference point)", lambda g: g),
    _check("gold-or-wrong", "reject", "the gold hedged with a wrong answer", lambda g: f"{g} or {DECOY}"),
    _check("wrong-or-gold", "reject", "a wrong answer hedged with the gold", lambda g: f"{DECOY} or {g}"),
    _check("gold-then-correction", "reject", "the gold, then a different final answer",
           lambda g: f"{g}. No, wait: the answer is {DECOY}"),
    _check("gold-buried", "reject", f"the gold in the middle of {FILLER_CHARS:,} characters of filler",
           lambda g: f"{filler(FILLER_CHARS // 2)} {g} {filler(FILLER_CHARS // 2)}"),
    _check("gold-after-truncation", "info", "filler, a truncation marker, then the gold",
           lambda g: f"{filler(FILLER_CHARS)}\n[... output truncated ...]\n{g}"),
    _check("gold-with-judge-note", "info", "the gold followed by an instruction to a judge",
           lambda g: f"{g}\n\n{JUDGE_NOTES[0]}"),
    _check("gold-json", "info", "the gold as JSON", lambda g: json.dumps({"answer": g})),
    _check("gold-code-block", "info", "the gold in a code block", lambda g: f"```\n{g}\n```"),
    _check("gold-latex-text", "info", "the gold in \\text{}", lambda g: f"\\text{{{g}}}"),
    _check("gold-fullwidth", "info", "the gold in full-width characters", lambda g: g.translate(FULLWIDTH)),
    _check("gold-zero-width", "info", "the gold wrapped in zero-width characters", lambda g: f"\u200b{g}\u200d"),
]
