"""One self-contained HTML page from one or two runs: inline CSS, SVG charts and a few lines of JS; no network."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envsdk.errors import require
from envsdk.messages import prompt_text
from envsdk.verdict import STATUSES

from .cells import compact, note, number, transcript
from .charts import RUN_COLOURS, charts
from .runs import Run

# summary keys (`envsdk.record.summarize`'s) shown first, in this order; pass@k, coverage@k, then the others by name
_SUMMARY_ORDER = ("rollouts", "groups", "reward_mean", "reward_std", "correct_rate", "distinct_correct",
                  "transformed_reward_mean", "verify/error_rate", "verify/timeout_rate", "verify/abstain_rate",
                  "verify/budget_exceeded_rate", "frac_reward_zero_std")
_SKIP = ("step", "eval")


@dataclass
class Table:
    """Which optional columns a run's rollout table has: the reward after the transforms and the advantage
    (when any rollout has an advantage), and the transforms' annotations (when any rollout has one)."""

    transformed: bool
    annotated: bool

    @property
    def width(self) -> int:
        return 6 + 2 * self.transformed + self.annotated


def _table(run: Run) -> Table:
    return Table(transformed=any(r.advantage is not None for r in run.rollouts),
                 annotated=any(r.annotations for r in run.rollouts))


def _at_k_first(key: str) -> tuple[int, str, int]:
    """Sort key: pass@k, then coverage@k (each by k), then the other metrics by name."""
    name, _, k = key.partition("@")
    rank = {"pass": 0, "coverage": 1}.get(name, 2) if k.isdigit() else 2
    return rank, key if rank == 2 else "", int(k) if rank < 2 else 0


@dataclass
class Column:
    """One column of the summary table: a heading, its colour and the numbers under it."""

    label: str
    colour: str
    values: dict[str, Any]


def _columns(runs: list[Run]) -> list[Column]:
    """Each run's final numbers, and the base policy's (the first run evaluated before training, e.g. GRPO's
    `--eval-at-start` in `envsdk train experiment`) first, so what training changed reads off one table."""
    base = next((run for run in runs if run.base), None)
    columns = [Column(f"base policy (step 0 of {base.label})", "#555", base.base)] if base else []
    return columns + [Column(run.label, colour, run.summary) for run, colour in zip(runs, RUN_COLOURS)]


def _summary_rows(columns: list[Column]) -> list[tuple[str, list[str]]]:
    """(metric, one formatted value per column) for every number in the columns."""
    keys = {k for c in columns for k, v in c.values.items() if k not in _SKIP and isinstance(v, (int, float))}
    first = [k for k in _SUMMARY_ORDER if k in keys]
    rest = sorted(keys - set(first), key=_at_k_first)
    return [(k, [number(c.values[k]) if k in c.values else "–" for c in columns]) for k in first + rest]


def _about(run: Run) -> list[tuple[str, str]]:
    """What produced the run: the lines of its metadata a reader checks first."""
    meta = run.meta
    env = meta.get("environment", {})
    rows = [
        ("kind", run.kind),
        ("path", str(run.path)),
        ("environment", f"{env.get('name')} {json.dumps(env.get('kwargs') or {})}"),
        ("model", str(meta.get("model", "–"))),
        ("transforms", ", ".join(meta.get("transforms") or []) or "none"),
        ("seed", str(meta.get("seed", "–"))),
        ("created", str(meta.get("created", "–"))),
        ("git", str(meta.get("git_sha") or "–")[:12]),
    ]
    if run.kind == "train":
        rows.append(("steps logged", str(len(run.steps))))
    return rows


def render_report(runs: list[Run]) -> str:
    """The HTML page for one run, or two side by side (the second drawn in red)."""
    jinja2 = require("jinja2", "report")
    env = jinja2.Environment(loader=jinja2.PackageLoader("envsdk.report", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = number
    env.filters["transcript"] = transcript
    env.filters["prompt_text"] = prompt_text
    env.filters["note"] = note
    env.filters["compact"] = compact
    page = env.get_template("report.html.j2")
    columns = _columns(runs)
    return page.render(
        runs=runs,
        colours=RUN_COLOURS,
        charts=charts(runs),
        columns=columns,
        summary=_summary_rows(columns),
        statuses=STATUSES,
        tables=[_table(run) for run in runs],
        about=[_about(run) for run in runs],
        configs=[json.dumps(run.meta.get("config", run.meta), indent=2, sort_keys=True, default=str) for run in runs],
    )


def write_report(runs: list[Run], output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(runs), encoding="utf-8")
    return output
