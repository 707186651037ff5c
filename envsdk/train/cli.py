"""`envsdk train`: run the built-in GRPO loop on an environment, or the DARLING-vs-GRPO experiment.

    envsdk train ENV [-a JSON] [--transform darling] [--model NAME] [--seed S] [--output DIR] ...
    envsdk train experiment --output DIR [--seed S] [--max-steps N]
    envsdk train compare --output DIR [--seeds 0 1 2 3 4] [--method M] [--task T] [--max-steps N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from ..cli.common import add_env_option, add_progress_option, env_kwargs, show_progress
from ..cli.main import parser, quiet_libraries
from ..errors import OptionError
from ..registry import ENV_GROUP, resolve
from ..scoring.batch import transform_options
from .config import GRPOConfig
from .reporting import BACKENDS
from .tiny import TinyConfig

# command-line flag → (GRPOConfig field, what it means); the type comes from the field, the default is shown
_FLAGS = {
    "max-steps": ("max_steps", "RL steps: each samples, scores and updates once per --num-iterations"),
    "prompts-per-step": ("prompts_per_step", "dataset rows (prompts) sampled per step"),
    "num-generations": ("num_generations", "completions sampled per prompt: the group GRPO compares"),
    "max-completion-length": ("max_completion_length", "completion token limit (default: the environment's "
                                                       "max_tokens, else 256; never past the model's context)"),
    "temperature": ("temperature", "sampling temperature of the training and eval rollouts"),
    "top-p": ("top_p", "nucleus sampling: keep the most likely tokens up to this probability"),
    "lr": ("learning_rate", "AdamW learning rate (default: 1e-3 for the tiny policy, 1e-6 for a --model)"),
    "lr-scheduler": ("lr_scheduler_type", "learning-rate schedule after warm-up"),
    "warmup-ratio": ("warmup_ratio", "share of the updates with a linearly rising learning rate"),
    "weight-decay": ("weight_decay", "AdamW weight decay"),
    "max-grad-norm": ("max_grad_norm", "gradient clipping norm"),
    "loss-type": ("loss_type", "how token losses are averaged (TRL's names; dapo: over all tokens of the batch)"),
    "beta": ("beta", "KL penalty to the initial policy (0: no reference model)"),
    "epsilon": ("epsilon", "PPO clipping range of the probability ratio (lower side)"),
    "epsilon-high": ("epsilon_high", "upper clipping range (default: --epsilon)"),
    "num-iterations": ("num_iterations", "optimizer updates per sampled batch (TRL's μ)"),
    "grad-accum": ("gradient_accumulation_steps", "micro-batches each update is accumulated over"),
    "scale-rewards": ("scale_rewards", "advantage scale: group, batch or none (default: what the transforms "
                                       "need, else group)"),
    "on-error": ("on_error", "a failed verification: abstain (left out of baselines) or zero"),
    "eval-every": ("eval_every", "evaluate every N steps (0: only at the end)"),
    "eval-samples": ("eval_samples", "completions per eval row, for pass@k and coverage@k"),
    "eval-limit": ("eval_limit", "evaluate at most this many eval rows (default: all)"),
    "save-every": ("save_every", "checkpoint every N steps (0: only at the end)"),
    "threads": ("threads", "torch CPU threads (default: 1 for the tiny policy, torch's own otherwise)"),
    "device": ("device", "cpu, cuda, cuda:1 ... (default: cuda when there is one)"),
    "verify-workers": ("verify_workers", "verification worker processes"),
    "verify-timeout": ("verify_timeout_s", "wall-clock seconds to verify one completion"),
    "verify-ray-address": ("verify_ray_address", "verify on the Ray cluster at HOST:PORT (docs/scale.md)"),
}
_TYPES = {"verify_ray_address": str, "max_completion_length": int, "learning_rate": float, "epsilon_high": float, "scale_rewards": str,
          "eval_limit": int, "threads": int, "device": str}
_SUBCOMMANDS = """subcommands:
  envsdk train experiment --output DIR   DARLING vs GRPO on the toy tasks (the Quickstart's main job)
  envsdk train compare --output DIR      exploration objectives (pkpo, passk-adv, outcome-*) over seeds

examples:
  envsdk train toy-even --transform darling
  envsdk train my-env -a '{"size": 100}' --max-steps 50 --output runs/my-env"""


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
    p = parser("train", "Train a causal LM with GRPO on an environment (the tiny local policy unless --model).",
               epilog=_SUBCOMMANDS)
    p.usage = "envsdk train ENV [-a JSON] [--transform NAME] [--model M] [--output DIR] [options]"
    add_env_option(p, required=False)
    p.add_argument("--env", dest="env_flag", metavar="NAME", help="deprecated spelling of ENV")
    p.add_argument("--env-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="deprecated spelling of -a: one load_environment kwarg (VALUE is JSON, else a string)")
    p.add_argument("--transform", action="append", default=[], help="group transform, e.g. darling (repeatable)")
    p.add_argument("--transform-arg", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="a transform option, e.g. darling.classifier=final-answer (VALUE is JSON, else a string)")
    p.add_argument("--model", help="Hugging Face model name or path (default: a tiny model built locally)")
    p.add_argument("--seed", type=int, default=0, help="seed of the policy, sampling and data order")
    p.add_argument("--output", help="run directory: metrics.jsonl, run.json, checkpoints "
                                    "(default: runs/ENV-METHOD-TIMESTAMP, printed at the start)")
    p.add_argument("--eval-at-start", action="store_true", help="evaluate the initial policy first")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --output")
    add_progress_option(p)
    p.add_argument("--report-to", nargs="+", choices=BACKENDS, default=["none"],
                   help="also log metrics (TRL's names) to tensorboard (DIR/runs) and/or wandb (DIR/wandb)")
    p.add_argument("--warm-start-steps", type=int,
                   help=f"supervised steps of the tiny policy's warm start (default: {TinyConfig.warm_start_steps}; "
                        "only for an environment with a warm_start hook)")
    defaults = {f.name: f.default for f in fields(GRPOConfig)}
    hints = get_type_hints(GRPOConfig)
    for flag, (name, meaning) in _FLAGS.items():
        kind = _TYPES.get(name, type(defaults[name]))
        choices = get_args(hints[name]) if get_origin(hints[name]) is Literal else None  # e.g. --loss-type
        shown = "" if defaults[name] is None or "(default:" in meaning else f" (default: {defaults[name]})"
        p.add_argument(f"--{flag}", dest=name, type=kind, default=None, choices=choices, help=meaning + shown)
    return p


def _environment(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """ENV and its kwargs from `ENV -a JSON`, or from the deprecated `--env NAME --env-arg K=V` (said aloud)."""
    if args.env_flag and args.env:
        raise OptionError(f"give the environment once: ENV ({args.env}) or --env ({args.env_flag})")
    name = args.env or args.env_flag
    if name is None:
        raise OptionError("which environment? `envsdk train ENV` (see `envsdk list`)")
    kwargs = env_kwargs(args.env_args)
    if args.env_flag or args.env_arg:
        print(f"envsdk train: --env/--env-arg are deprecated; write `envsdk train {name} -a JSON` as every command "
              "does", file=sys.stderr)
    return name, {**kwargs, **_pairs(args.env_arg, "--env-arg")}


def _experiment_parser() -> argparse.ArgumentParser:
    from .experiment import ExperimentConfig

    p = parser("train experiment", "DARLING vs GRPO on the toy tasks from one warm-started base policy: summary.json, "
                                   "a pass@k plot and the README's table.")
    p.add_argument("--output", required=True, help="writes summary.json, darling_vs_grpo.png and one folder per task")
    p.add_argument("--seed", type=int, default=0, help="seed of every run in the experiment")
    p.add_argument("--max-steps", type=int, default=None, help=f"RL steps per run (default: {ExperimentConfig.max_steps})")
    p.add_argument("--task", action="append", default=None, help="toy task (default: toy-even and toy-even-mod)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a GRPOConfig field for every run, e.g. num_generations=8 (VALUE is JSON, else a string)")
    p.add_argument("--warm-start-steps", type=int, help="supervised steps of the tiny base policy's warm start")
    add_progress_option(p)
    p.add_argument("--library-bars", action="store_true",
                   help="also show the libraries' progress bars (transformers' model saves and loads)")
    return p


def _experiment(argv: list[str]) -> int:
    from .experiment import ExperimentConfig, run_experiment

    args = _experiment_parser().parse_args(argv)
    if not args.library_bars:
        quiet_libraries(ours=False)  # model saves and loads would draw a bar each; the runs' own bars stay
    config = ExperimentConfig(output_dir=args.output, seed=args.seed, threads=args.threads,
                              progress=show_progress(args))
    if args.max_steps is not None:
        config.max_steps = args.max_steps
    if args.task:
        config.tasks = tuple(args.task)
    settings = _pairs(args.set, "--set")
    if args.warm_start_steps is not None:
        settings["tiny"] = TinyConfig(warm_start_steps=args.warm_start_steps)
    config.overrides = {task: {**config.overrides.get(task, {}), **settings} for task in config.tasks}
    summary = run_experiment(config)
    print((Path(args.output) / "table.md").read_text())
    print(f"took {summary['wall_s'] / 60:.1f} min ({summary['cpu_s'] / 60:.1f} CPU min, load average "
          f"{summary['load_average']:.1f})")
    print(f"wrote {args.output}/summary.json, table.md and darling_vs_grpo.png")
    return 0


def main(argv: list[str]) -> int:
    """Entry point of `envsdk train` (argv excludes the word "train")."""
    if argv and argv[0] == "experiment":
        return _experiment(argv[1:])
    if argv and argv[0] == "compare":  # exploration objectives over seeds (envsdk/train/compare.py)
        from .compare import main as compare

        return compare(argv[1:])
    args = _train_parser().parse_args(argv)
    env, kwargs = _environment(args)
    resolve(ENV_GROUP, env, "environment")  # a typo is one error line before anything is written or loaded
    if args.output is None:
        if args.resume:
            raise OptionError("--resume needs --output, the run directory to continue")
        method = "+".join(args.transform) or "grpo"
        args.output = f"runs/{env}-{method}-{time.strftime('%Y%m%d-%H%M%S')}"
    transform_kwargs = transform_options(args.transform_arg)
    settings = {name: getattr(args, name) for name, _ in _FLAGS.values() if getattr(args, name) is not None}
    if args.warm_start_steps is not None:
        settings["tiny"] = TinyConfig(warm_start_steps=args.warm_start_steps)
    config = GRPOConfig(
        output_dir=args.output, env=env, env_kwargs=kwargs,
        transforms=args.transform, transform_kwargs=transform_kwargs, model=args.model, seed=args.seed,
        eval_at_start=args.eval_at_start, resume=args.resume, progress=show_progress(args), **settings,
        report_to=args.report_to,
    )
    from .trainer import GRPOTrainer

    print(f"envsdk train: writing the run to {args.output}", file=sys.stderr, flush=True)
    final = GRPOTrainer(config).train()  # the folder is made once the environment, transforms and model loaded
    print(json.dumps(final, sort_keys=True))
    return 0
