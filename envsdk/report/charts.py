"""The report's charts: which curves a run has, drawn by matplotlib as SVG text to inline in the page.

Two runs share each chart (one colour per run), so GRPO and DARLING read side by side.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from envsdk.errors import require

from .runs import Run

RUN_COLOURS = ("#1f77b4", "#d62728")  # run A, run B
_PASS_AT = re.compile(r"^pass@(\d+)$")
_COVERAGE_AT = re.compile(r"^coverage@(\d+)$")
# training-step curves: chart title → (metric name, line style) of each series
_STEP_CHARTS = {
    "reward": (("reward_mean", "-"), ("transformed_reward_mean", "--")),
    "loss": (("loss", "-"),),
    "KL to the reference": (("kl", "-"),),
    "correct rate": (("correct_rate", "-"),),
    "distinct correct answers per group": (("distinct_correct", "-"),),
    "completion length (tokens)": (("completion_len_mean", "-"),),
    "verifier errors and timeouts": (("verify/error_rate", "-"), ("verify/timeout_rate", ":")),
    "seconds per step": (("generate_s", "-"), ("reward_s", "--"), ("transform_s", ":"), ("train_s", "-.")),
}


@dataclass
class Series:
    label: str
    xs: list[float]
    ys: list[float]
    colour: str
    style: str = "-"
    joined: bool = True  # False: markers only (too few points for a line to mean a trend)


@dataclass
class Chart:
    """One figure of the report: an id (for links and tests), a title, axis labels and its series."""

    id: str
    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    log2_x: bool = False

    def svg(self) -> str:
        """The chart as an inline `<svg>` element (text kept as text, ids salted by the chart id)."""
        matplotlib = require("matplotlib", "report")
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": self.id, "font.size": 9}):
            fig, ax = plt.subplots(figsize=(4.8, 3.0))
            fig.subplots_adjust(left=0.15, right=0.97, bottom=0.15, top=0.9)  # fixed: a layout engine doubles the time
            for s in self.series:
                ax.plot(s.xs, s.ys, color=s.colour, label=s.label, linestyle=s.style if s.joined else "none",
                        marker="o" if len(s.xs) < 12 else None, markersize=3 if s.joined else 5, linewidth=1.4)
            if self.log2_x:
                ax.set_xscale("log", base=2)
            ax.set(title=self.title, xlabel=self.xlabel, ylabel=self.ylabel)
            ax.grid(alpha=0.3)
            if len(self.series) > 1:
                ax.legend(fontsize=7)
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg")
            plt.close(fig)
        text = buffer.getvalue()
        return text[text.index("<svg"):]


def charts(runs: list[Run]) -> list[Chart]:
    """Every chart the runs have data for: step curves, eval curves, per-transform metrics, pass@k vs k."""
    out = [_step_chart(title, metrics, runs) for title, metrics in _STEP_CHARTS.items()]
    out += [_eval_over_steps(runs, _PASS_AT, "pass@k"), _eval_over_steps(runs, _COVERAGE_AT, "coverage@k")]
    transform_keys = sorted({k for run in runs for line in run.steps for k in line if k.startswith("transform/")})
    out += [_step_chart(key.removeprefix("transform/"), ((key, "-"),), runs) for key in transform_keys]
    out += [_final_at_k(runs, _PASS_AT, "pass@k"), _final_at_k(runs, _COVERAGE_AT, "coverage@k")]
    return [chart for chart in out if chart.series]


def _label(run: Run, metric: str, many: bool) -> str:
    return f"{run.label}: {metric}" if many else run.label


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _step_chart(title: str, metrics: tuple[tuple[str, str], ...], runs: list[Run]) -> Chart:
    chart = Chart(id=_slug(title), title=title, xlabel="step", ylabel=title if len(metrics) == 1 else "")
    many = len(metrics) > 1
    for run, colour in zip(runs, RUN_COLOURS):
        for metric, style in metrics:
            points = [(line["step"], line[metric]) for line in run.steps if isinstance(line.get(metric), (int, float))]
            if points:
                xs, ys = zip(*points)
                chart.series.append(Series(_label(run, metric, many), list(xs), list(ys), colour, style))
    return chart


def _ks(lines: list[dict], pattern: re.Pattern) -> list[int]:
    return sorted({int(m.group(1)) for line in lines for key in line if (m := pattern.match(key))})


def _at(name: str, k: int) -> str:
    """"pass@k" with a number for k: the metric's key in an eval line."""
    return f"{name.split('@')[0]}@{k}"


# fewer evaluations than this are drawn as points: a line through two (the base and the final policy) would
# draw a trend nobody measured
MIN_TREND_POINTS = 3


def _eval_over_steps(runs: list[Run], pattern: re.Pattern, name: str) -> Chart:
    """pass@k (or coverage@k) over training steps, for the smallest and largest k evaluated; every run that
    was evaluated is drawn, a run with fewer than MIN_TREND_POINTS evaluations as unjoined points."""
    chart = Chart(id=_slug(f"{name} over steps"), title=f"{name} over steps (eval)", xlabel="step", ylabel=name)
    styles = ("-", "--")
    for run, colour in zip(runs, RUN_COLOURS):
        ks = _ks(run.evals, pattern)
        for k, style in zip(dict.fromkeys([ks[0], ks[-1]]) if ks else [], styles):
            key = _at(name, k)
            points = [(line["step"], line[key]) for line in run.evals if key in line]
            xs, ys = zip(*points)
            joined = len(points) >= MIN_TREND_POINTS
            label = f"{run.label}: {key}" + ("" if joined else f" ({len(points)} eval{'s' if len(points) > 1 else ''})")
            chart.series.append(Series(label, list(xs), list(ys), colour, style, joined=joined))
    return chart


def _final_at_k(runs: list[Run], pattern: re.Pattern, name: str) -> Chart:
    """The final evaluation's pass@k (or coverage@k) against k, log2 axis."""
    chart = Chart(id=_slug(f"final {name}"), title=f"{name} against k (final)", xlabel="k", ylabel=name, log2_x=True)
    for run, colour in zip(runs, RUN_COLOURS):
        ks = _ks([run.summary], pattern)
        if ks:
            ys = [run.summary[_at(name, k)] for k in ks]
            chart.series.append(Series(run.label, [float(k) for k in ks], ys, colour))
    return chart
