"""`envsdk train`: run the built-in GRPO loop on an environment, or the DARLING-vs-GRPO experiment.

    envsdk train --env toy-even [--transform darling] [--model NAME] [--seed S] [--output DIR] ...
    envsdk train experiment --output DIR [--seed S] [--max-steps N]
    envsdk train compare --output DIR [--seeds 0 1 2 3 4] [--method M] [--task T] [--max-steps N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from typing import Any, Literal, get_args, get_origin, get_type_hints

from ..errors import OptionError
from ..scoring import transform_options
from .config import GRPOConfig
from .reporting import BACKENDS
from .tiny import TinyConfig

# command-line flag → GRPOConfig field, for the plain settings (type taken from the field's default)
_FLAGS = {
    "max-steps": "max_steps",
    "prompts-per-step": "prompts_per_step",
    "num-generations": "num_generations",
    "max-completion-length": "max_completion_length",
    "temperature": "temperature",
    "top-p": "top_p",
    "lr": "learning_rate",
    "lr-scheduler": "lr_scheduler_type",
    "warmup-ratio": "warmup_ratio",
    "weight-decay": "weight_decay",
    "max-grad-norm": "max_grad_norm",
    "loss-type": "loss_type",
    "beta": "beta",
    "epsilon": "epsilon",
    "epsilon-high": "epsilon_high",
    "num-iterations": "num_iterations",
    "grad-accum": "gradient_accumulation_steps",
    "scale-rewards": "scale_rewards",
    "on-error": "on_error",
    "eval-every": "eval_every",
    "eval-samples": "eval_samples",
    "eval-limit": "eval_limit",
    "save-every": "save_every",
    "threads": "threads",
    "device": "device",
    "verify-workers": "verify_workers",
    "verify-timeout": "verify_timeout_s",
}
_TYPES = {"max_completion_length": int, "learning_rate": float, "epsilon_high": float, "scale_rewards": str,
          "eval_limit": int, "threads": int, "device": str}


def _value(text: str) -> Any:
    """A `key=value` argument's value: JSON when it parses (numbers, lists), else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _pairs(items: list[str], flag: str) -> dict[str, Any]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key] = _value(value)
    return out


def _train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="envsdk train", description="Train a causal LM with GRPO on an environment.")
    p.add_argument("--env", required=True, help="registered environment name (envsdk list)")
    p.add_argument("--env-arg", action="append", default=[], metavar="KEY=VALUE", help="load_environment kwarg")
    p.add_argument("--transform", action="append", default=[], help="group transform, e.g. darling (repeatable)")
    p.add_argument("--transform-arg", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="a transform option, e.g. darling.classifier=final-answer (VALUE is JSON, else a string)")
    p.add_argument("--model", help="Hugging Face model name or path (default: a tiny model built locally)")
    p.add_argument("--seed", type=int, default=0, help="seed of the policy, sampling and data order (default: 0)")
    p.add_argument("--output", help="run directory: metrics.jsonl, run.json, checkpoints "
                                    "(default: runs/ENV-METHOD-TIMESTAMP, printed at the start)")
    p.add_argument("--eval-at-start", action="store_true", help="evaluate the initial policy first")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --output")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (ours or the libraries')")
    p.add_argument("--report-to", nargs="+", choices=BACKENDS, default=["none"],
                   help="also log metrics (TRL's names) to tensorboard (DIR/runs) and/or wandb (DIR/wandb); default: none")
    p.add_argument("--warm-start-steps", type=int, help="supervised steps of the tiny policy's warm start")
    defaults = {f.name: f.default for f in fields(GRPOConfig)}
    hints = get_type_hints(GRPOConfig)
    for flag, name in _FLAGS.items():
        kind = _TYPES.get(name, type(defaults[name]))
        choices = get_args(hints[name]) if get_origin(hints[name]) is Literal else None  # e.g. --loss-type
        p.add_argument(f"--{flag}", dest=name, type=kind, default=None, choices=choices, help=f"default: {defaults[name]}")
    return p


def _experiment_parser() -> argparse.ArgumentParser:
    from .experiment import ExperimentConfig

    p = argparse.ArgumentParser(prog="envsdk train experiment",
                                description="DARLING vs GRPO on the toy tasks: summary.json and a pass@k plot.")
    p.add_argument("--output", required=True, help="writes summary.json, darling_vs_grpo.png and one folder per task")
    p.add_argument("--seed", type=int, default=0, help="seed of every run in the experiment (default: 0)")
    p.add_argument("--max-steps", type=int, default=None, help=f"RL steps per run (default: {ExperimentConfig.max_steps})")
    p.add_argument("--task", action="append", default=None, help="toy task (default: toy-even and toy-even-mod)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a GRPOConfig field for every run, e.g. num_generations=8 (VALUE is JSON, else a string)")
    p.add_argument("--warm-start-steps", type=int, help="supervised steps of the tiny base policy's warm start")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (ours or the libraries')")
    return p


def _experiment(argv: list[str]) -> int:
    from .experiment import ExperimentConfig, run_experiment

    args = _experiment_parser().parse_args(argv)
    config = ExperimentConfig(output_dir=args.output, seed=args.seed, threads=args.threads,
                              progress=not args.no_progress)
    if args.max_steps is not None:
        config.max_steps = args.max_steps
    if args.task:
        config.tasks = tuple(args.task)
    settings = _pairs(args.set, "--set")
    if args.warm_start_steps is not None:
        settings["tiny"] = TinyConfig(warm_start_steps=args.warm_start_steps)
    config.overrides = {task: {**config.overrides.get(task, {}), **settings} for task in config.tasks}
    summary = run_experiment(config)
    for task, result in summary["tasks"].items():
        print(f"{task}: " + json.dumps(result["verdict"], sort_keys=True))
    print(f"wrote {args.output}/summary.json and {args.output}/darling_vs_grpo.png")
    return 0


def main(argv: list[str]) -> int:
    """Entry point of `envsdk train` (argv excludes the word "train")."""
    if argv and argv[0] == "experiment":
        return _experiment(argv[1:])
    if argv and argv[0] == "compare":  # exploration objectives over seeds (envsdk/train/compare.py)
        from .compare import main as compare

        return compare(argv[1:])
    args = _train_parser().parse_args(argv)
    if args.output is None:
        if args.resume:
            raise OptionError("--resume needs --output, the run directory to continue")
        method = "+".join(args.transform) or "grpo"
        args.output = f"runs/{args.env}-{method}-{time.strftime('%Y%m%d-%H%M%S')}"
    print(f"envsdk train: writing the run to {args.output}", file=sys.stderr, flush=True)
    transform_kwargs = transform_options(args.transform_arg)
    settings = {name: getattr(args, name) for name in _FLAGS.values() if getattr(args, name) is not None}
    if args.warm_start_steps is not None:
        settings["tiny"] = TinyConfig(warm_start_steps=args.warm_start_steps)
    config = GRPOConfig(
        output_dir=args.output, env=args.env, env_kwargs=_pairs(args.env_arg, "--env-arg"),
        transforms=args.transform, transform_kwargs=transform_kwargs, model=args.model, seed=args.seed,
        eval_at_start=args.eval_at_start, resume=args.resume, progress=not args.no_progress, **settings,
        report_to=args.report_to,
    )
    from .trainer import GRPOTrainer

    final = GRPOTrainer(config).train()
    print(json.dumps(final, sort_keys=True))
    return 0
