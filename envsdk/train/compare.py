"""`envsdk train compare`: exploration objectives side by side on the toy tasks, over several seeds.

For every (task, seed) the warm-started tiny policy is saved once as the base (as `envsdk train
experiment` does); each method then trains from that copy with identical settings and is evaluated at the
end. Methods are named sets of group transforms (`METHODS`): GRPO, DARLING, PKPO (k = 4 and k annealed),
Pass@k Training and outcome-based exploration (docs/exploration.md). Writes `DIR/summary.json` (every
final eval and wall time), `DIR/table.md` (mean ± 95% interval over seeds) and `DIR/passk_curves.png`.
(task, seed) units run in `jobs` worker processes, one torch thread each.
"""

from __future__ import annotations

import json
import math
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .config import GRPOConfig
from .experiment import _base_policy, _ks, cpu_s
from .tiny import TinyConfig

# method → (transform names, their options); the trainer picks the advantage scale they declare
METHODS: dict[str, tuple[list[str], dict[str, dict[str, Any]]]] = {
    "grpo": ([], {}),
    "darling": (["darling"], {"darling": {"classifier": None}}),  # toy answers: the short-answer rule
    "pkpo-k4": (["pkpo"], {"pkpo": {"k": 4}}),
    "pkpo-anneal": (["pkpo"], {"pkpo": {"k": 8, "k_end": 1}}),  # anneal_steps = max_steps, set per run
    "passk-k4": (["passk-adv"], {"passk-adv": {"k": 4}}),
    "outcome-ucb": (["outcome-ucb"], {"outcome-ucb": {"c": 0.5}}),
    "outcome-batch": (["outcome-batch"], {"outcome-batch": {"c": 0.5}}),
}
# two-sided 97.5% Student t quantiles by degrees of freedom (the interval over a handful of seeds)
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


@dataclass
class CompareConfig:
    """What the comparison runs; the defaults fit 30 minutes on a busy 2-core CPU (docs/exploration.md)."""

    output_dir: str
    tasks: tuple[str, ...] = ("toy-even", "toy-even-mod")
    methods: tuple[str, ...] = tuple(METHODS)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    jobs: int = 2
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.1
    overrides: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "toy-even": {"max_steps": 200, "num_generations": 64, "prompts_per_step": 1},
        "toy-even-mod": {"max_steps": 150, "num_generations": 16, "prompts_per_step": 4, "eval_samples": 64,
                         "tiny": TinyConfig(warm_start_steps=300)},
    })


def _train_config(task: str, method: str, seed: int, base: Path, config: CompareConfig, directory: Path) -> GRPOConfig:
    names, options = METHODS[method]
    settings = config.overrides.get(task, {})
    steps = settings.get("max_steps", GRPOConfig.max_steps)
    options = {n: ({**o, "anneal_steps": steps} if "k_end" in o else o) for n, o in options.items()}
    train = GRPOConfig(output_dir=str(directory / method), env=task, model=str(base), seed=seed,
                       learning_rate=config.learning_rate, warmup_ratio=config.warmup_ratio, threads=1,
                       transforms=list(names), transform_kwargs=options, progress=False, log_completions=False,
                       verify_workers=1)
    return replace(train, **settings)


def run_unit(task: str, seed: int, config: CompareConfig) -> dict[str, Any]:
    """One task and seed: the base policy, then every method from it; final evals, wall and CPU times.

    Each method's result is kept in its folder (`result.json`) and reused when the command runs again
    into the same directory: an interrupted comparison continues, and seeds run by separate commands
    can be tabulated together. Remove a folder to run it again.
    """
    from .experiment import ExperimentConfig
    from .trainer import GRPOTrainer

    directory = Path(config.output_dir) / task / f"seed-{seed}"
    tiny = {k: v for k, v in config.overrides.get(task, {}).items() if k == "tiny"}
    base = _base_policy(task, ExperimentConfig(output_dir=str(directory), seed=seed, progress=False,
                                               overrides={task: tiny}), directory)
    out: dict[str, Any] = {}
    for method in config.methods:
        saved = directory / method / "result.json"
        if saved.exists():
            out[method] = json.loads(saved.read_text())
            continue
        started, cpu = time.perf_counter(), cpu_s()
        final = GRPOTrainer(_train_config(task, method, seed, base, config, directory)).train()
        out[method] = {**final, "wall_s": time.perf_counter() - started, "cpu_s": cpu_s() - cpu}
        saved.write_text(json.dumps(out[method], sort_keys=True) + "\n")
    return out


def run_compare(config: CompareConfig) -> dict[str, Any]:
    """Every (task, seed) unit in `jobs` processes; writes summary.json, table.md and the plot."""
    unknown = [m for m in config.methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    units = [(task, seed) for task in config.tasks for seed in config.seeds]
    with ProcessPoolExecutor(max_workers=max(1, min(config.jobs, len(units))), mp_context=get_context("spawn")) as pool:
        results = list(pool.map(run_unit, *zip(*units), [config] * len(units)))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every worker: base policies and imports included
    runs: dict[str, dict[str, dict[str, Any]]] = {task: {} for task in config.tasks}
    for (task, seed), result in zip(units, results):
        runs[task][str(seed)] = result
    summary = {"seeds": list(config.seeds), "methods": list(config.methods), "runs": runs,
               "stats": {task: _stats(runs[task], config.methods) for task in config.tasks},
               "wall_s": time.perf_counter() - started, "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    (out / "table.md").write_text(table(summary))
    plot(summary, out / "passk_curves.png")
    return summary


def interval(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% Student-t interval (0 for one value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, _T975.get(n - 1, 1.96) * sd / math.sqrt(n)


def _stats(runs: dict[str, dict[str, Any]], methods) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean ± half-width over seeds of every numeric eval metric all seeds report, per method (a result.json
    kept from an earlier version may lack a name newer runs have)."""
    stats = {}
    for method in methods:
        lines = [runs[seed][method] for seed in runs]
        keys = [k for k, v in lines[0].items()
                if isinstance(v, (int, float)) and not isinstance(v, bool) and all(k in line for line in lines)]
        stats[method] = {k: interval([line[k] for line in lines]) for k in keys}
    return stats


def table(summary: dict[str, Any]) -> str:
    """The markdown table: pass@1, pass@K, distinct correct, coverage@K, wall and CPU time, per task and method."""
    lines = []
    for task, stats in summary["stats"].items():
        first = next(iter(stats.values()))
        k = max(int(key.split("@")[1]) for key in first if key.startswith("pass@"))
        columns = ["pass@1", f"pass@{k}", "distinct_correct", f"coverage@{k}", "wall_s", "cpu_s"]
        lines += [f"**{task}** ({len(summary['seeds'])} seeds, mean ± 95% interval)", "",
                  "| method | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for method, values in stats.items():
            cells = [_cell(values[c], 1 if c.endswith("_s") else 3) if c in values else "n/a" for c in columns]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _cell(value: tuple[float, float], digits: int) -> str:
    mean, half = value
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def plot(summary: dict[str, Any], path: Path) -> None:
    """pass@k vs k per task: each method's mean over seeds with its 95% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = summary["stats"]
    fig, axes = plt.subplots(1, len(stats), figsize=(6 * len(stats), 4.2), squeeze=False)
    for ax, (task, by_method) in zip(axes[0], stats.items()):
        for method, values in by_method.items():
            ks = _ks({k: None for k in values}, "pass")
            mean = [values[f"pass@{k}"][0] for k in ks]
            half = [values[f"pass@{k}"][1] for k in ks]
            line, = ax.plot(ks, mean, marker="o", ms=3, label=method)
            ax.fill_between(ks, [m - h for m, h in zip(mean, half)], [m + h for m, h in zip(mean, half)],
                            color=line.get_color(), alpha=0.15)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("k (samples)")
        ax.set_ylabel("pass@k")
        ax.set_title(f"{task}: pass@k, mean and 95% band over {len(summary['seeds'])} seeds")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str]) -> int:
    """`envsdk train compare` (argv excludes "train compare")."""
    from ..cli.common import add_progress_option
    from ..cli.main import parser

    p = parser("train compare", "Exploration objectives on the toy tasks over seeds: table.md, summary.json, "
                                "passk_curves.png.")
    p.add_argument("--output", required=True, help="writes summary.json, table.md, passk_curves.png, one folder per run")
    p.add_argument("--seeds", type=int, nargs="+", default=list(CompareConfig.seeds), help="seeds: one base policy "
                                                                                          "and one run per method each")
    p.add_argument("--method", action="append", choices=list(METHODS), help="method (repeatable; default: all)")
    p.add_argument("--task", action="append", help="toy task (default: toy-even and toy-even-mod)")
    p.add_argument("--max-steps", type=int, help="RL steps per run on every task (default: per task, see docs)")
    p.add_argument("--jobs", type=int, default=CompareConfig.jobs, help="worker processes, one (task, seed) each")
    add_progress_option(p)  # its runs show no bars; accepted as every command accepts it
    args = p.parse_args(argv)
    config = CompareConfig(output_dir=args.output, seeds=tuple(args.seeds), jobs=args.jobs)
    if args.method:
        config.methods = tuple(args.method)
    if args.task:
        config.tasks = tuple(args.task)
    if args.max_steps is not None:
        config.overrides = {t: {**o, "max_steps": args.max_steps} for t, o in config.overrides.items()}
    summary = run_compare(config)
    print((Path(args.output) / "table.md").read_text())
    print(f"wrote {args.output}/summary.json, table.md and passk_curves.png in {summary['wall_s']:.0f} s "
          f"({summary['cpu_s']:.0f} CPU s)")
    return 0
