"""One self-contained HTML page from one or two runs: inline CSS, SVG charts and a few lines of JS; no network."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envsdk.errors import require

from .charts import RUN_COLOURS, charts
from .runs import VERDICTS, Run

# summary keys shown first, in this order; the others follow alphabetically
_SUMMARY_ORDER = ("examples", "rollouts", "reward_mean", "eval_reward_mean", "distinct_correct", "passed_rate",
                  "failed_rate", "unjudged_rate", "error_rate", "timeout_rate")
_SKIP = ("step", "eval")


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


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
    return [(k, [_number(c.values[k]) if k in c.values else "–" for c in columns]) for k in first + rest]


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
    env.filters["number"] = _number
    env.filters["compact"] = lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True, default=str) if d else ""
    page = env.get_template("report.html.j2")
    columns = _columns(runs)
    return page.render(
        runs=runs,
        colours=RUN_COLOURS,
        charts=charts(runs),
        columns=columns,
        summary=_summary_rows(columns),
        verdicts=VERDICTS,
        about=[_about(run) for run in runs],
        configs=[json.dumps(run.meta.get("config", run.meta), indent=2, sort_keys=True, default=str) for run in runs],
    )


def write_report(runs: list[Run], output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(runs), encoding="utf-8")
    return output
