"""DARLING vs GRPO in miniature: same warm-started policy, same seed, two runs per toy task, one plot.

For each task the warm-started tiny policy is saved once as the base; GRPO and DARLING then train from
it with identical settings. The base, GRPO and DARLING evals go to `DIR/summary.json` (with the run's wall
and CPU seconds), the README's table to `DIR/table.md` and a pass@k / coverage@k plot to
`DIR/darling_vs_grpo.png`. Each phase is announced on stderr as it starts.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from .config import GRPOConfig
from .tiny import TinyConfig


@dataclass
class ExperimentConfig:
    """What the experiment runs; the defaults finish in a few minutes on a 2-core CPU."""

    output_dir: str
    tasks: tuple[str, ...] = ("toy-even", "toy-even-mod")
    seed: int = 0
    max_steps: int = 300
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.1  # a gentler start keeps more of the base policy's answers alive for both methods
    threads: int | None = 1
    progress: bool = True
    overrides: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "toy-even": {"num_generations": 64, "prompts_per_step": 1},
        # its conditional warm start needs longer to learn the remainders (150 steps leaves some seeds near 0)
        "toy-even-mod": {"num_generations": 16, "prompts_per_step": 4, "eval_samples": 64,
                         "tiny": TinyConfig(warm_start_steps=300)},
    })


def _base_policy(task: str, config: ExperimentConfig, directory: Path) -> Path:
    """Warm-start the tiny policy for `task` once and save it (both runs start from this copy)."""
    from .trainer import GRPOTrainer

    path = directory / "base"
    if not (path / "config.json").exists():
        settings = {k: v for k, v in config.overrides.get(task, {}).items() if k == "tiny"}
        trainer = GRPOTrainer(GRPOConfig(output_dir=str(directory), env=task, seed=config.seed,
                                         threads=config.threads, max_steps=0, progress=False, **settings))
        trainer.model.save_pretrained(path)
        trainer.tokenizer.save_pretrained(path)
        trainer.close()
    return path


def _run(task: str, method: str, base: Path, config: ExperimentConfig, directory: Path) -> list[dict]:
    """Train one method from `base`; returns its eval lines (GRPO's first is the base policy's)."""
    from .trainer import GRPOTrainer

    train_config = GRPOConfig(
        output_dir=str(directory / method), env=task, model=str(base), seed=config.seed,
        max_steps=config.max_steps, learning_rate=config.learning_rate, warmup_ratio=config.warmup_ratio,
        threads=config.threads,
        transforms=["darling"] if method == "darling" else [],
        transform_kwargs={"darling": {"classifier": None}},  # toy answers are ≤ 5 words: the short-answer rule
        eval_at_start=method == "grpo", progress=config.progress,  # one base eval: it is seeded, the same for both
    )
    train_config = replace(train_config, **config.overrides.get(task, {}))
    GRPOTrainer(train_config).train()
    lines = [json.loads(t) for t in (directory / method / "metrics.jsonl").read_text().splitlines()]
    return [line for line in lines if line.get("eval")]


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (the verifier pool): what a run costs on an
    idle machine, whatever the load of a shared one does to its wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _stderr(message: str) -> None:
    print(f"envsdk train experiment: {message}", file=sys.stderr, flush=True)


def _warm_start_steps(task: str, config: ExperimentConfig) -> int:
    from .tiny import TinyConfig

    return config.overrides.get(task, {}).get("tiny", TinyConfig()).warm_start_steps


def run_experiment(config: ExperimentConfig, say: Callable[[str], None] = _stderr) -> dict[str, Any]:
    """Train GRPO and DARLING on every task, write summary.json, table.md and the plot; returns the summary.
    `say` hears what each phase does as it starts (stderr by default)."""
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    started, cpu_before = time.perf_counter(), cpu_s()
    phases = 3 * len(config.tasks)
    say(f"DARLING vs GRPO on {', '.join(config.tasks)} (seed {config.seed}, {config.max_steps} RL steps per run, "
        f"a tiny transformer built locally): per task, warm-start a base policy, then train GRPO (evaluating the "
        f"base first) and DARLING from it; {phases} phases, writing {out}")
    summary: dict[str, Any] = {"seed": config.seed, "max_steps": config.max_steps, "tasks": {}}
    phase = 0
    for task in config.tasks:
        directory = out / task
        phase += 1
        say(f"[{phase}/{phases}] {task}: warm start of the base policy ({_warm_start_steps(task, config)} "
            "supervised steps on the task's examples)")
        base = _base_policy(task, config, directory)
        evals = {}
        for method, extra in (("grpo", ", after evaluating the base policy"), ("darling", "")):
            phase += 1
            say(f"[{phase}/{phases}] {task}: {method.upper()}, {config.max_steps} steps from the base policy{extra}")
            evals[method] = _run(task, method, base, config, directory)
        result = {"base": evals["grpo"][0], "grpo": evals["grpo"][-1], "darling": evals["darling"][-1]}
        result["verdict"] = _verdict(result)
        summary["tasks"][task] = result
    summary["wall_s"], summary["cpu_s"] = time.perf_counter() - started, cpu_s() - cpu_before
    summary["load_average"] = os.getloadavg()[0]
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    (out / "table.md").write_text(table(summary))
    plot(summary, out / "darling_vs_grpo.png")
    return summary


def _shown(value: float) -> str:
    """A count as an integer when it is one (38), else to two places (1.77)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def table(summary: dict[str, Any]) -> str:
    """The README's table: per task, the base policy, GRPO and DARLING at pass@1, pass@k at the largest k, the
    distinct correct answers and the coverage at that k."""
    lines = ["| task | policy | pass@1 | pass@k (largest k) | distinct correct answers | coverage |",
             "|---|---|---|---|---|---|"]
    for task, result in summary["tasks"].items():
        k = result["verdict"]["largest_k"]
        for i, (method, name) in enumerate((("base", "base"), ("grpo", "GRPO"), ("darling", "DARLING"))):
            line = result[method]
            coverage = line.get(f"coverage@{k}")
            lines.append(f"| {f'`{task}` (k={k})' if i == 0 else ''} | {name} | {line['pass@1']:.3f} | "
                         f"{line[f'pass@{k}']:.3f} | {_shown(line['distinct_correct'])} | "
                         f"{'–' if coverage is None else f'{coverage:.2f}'} |")
    return "\n".join(lines) + "\n"


def _ks(line: dict, prefix: str) -> list[int]:
    return sorted(int(k.split("@")[1]) for k in line if k.startswith(prefix + "@"))


def _verdict(result: dict) -> dict[str, Any]:
    """The headline comparisons: distinct correct answers, pass@1, and pass@k at the largest k."""
    grpo, darling, base = result["grpo"], result["darling"], result["base"]
    k = _ks(grpo, "pass")[-1]
    return {
        "distinct_correct_ratio": darling["distinct_correct"] / max(grpo["distinct_correct"], 1e-9),
        "pass@1_ratio": darling["pass@1"] / max(grpo["pass@1"], 1e-9),
        "largest_k": k,
        f"pass@{k}": {"base": base[f"pass@{k}"], "grpo": grpo[f"pass@{k}"], "darling": darling[f"pass@{k}"]},
        "darling_wins_largest_k": darling[f"pass@{k}"] > grpo[f"pass@{k}"],
    }


def plot(summary: dict[str, Any], path: Path) -> None:
    """pass@k vs k and coverage@k vs k, one row per task, base / GRPO / DARLING lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = summary["tasks"]
    fig, axes = plt.subplots(len(tasks), 2, figsize=(10, 3.6 * len(tasks)), squeeze=False)
    styles = {"base": ("grey", "--"), "grpo": ("tab:red", "-"), "darling": ("tab:blue", "-")}
    for row, (task, result) in zip(axes, tasks.items()):
        for ax, metric in zip(row, ("pass", "coverage")):
            for method, (color, dash) in styles.items():
                line = result[method]
                ks = _ks(line, metric)
                label = f"{method.upper() if method != 'base' else 'base'} (distinct correct {line['distinct_correct']:.1f})"
                ax.plot(ks, [line[f"{metric}@{k}"] for k in ks], dash, color=color, marker="o", ms=3, label=label)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("k (samples)")
            ax.set_ylabel(f"{metric}@k")
            ax.set_title(f"{task}: {metric}@k")
            ax.grid(alpha=0.3)
        row[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(f"DARLING vs GRPO from the same warm-started policy (seed {summary['seed']}, "
                 f"{summary['max_steps']} steps)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
