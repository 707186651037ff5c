"""The built-in GRPO loop: sample, verify, transform groups, one advantage step, μ clipped updates.

env rows → `HFGenerator.sample` (n per prompt) → `envsdk.scoring.BatchScorer` (verdicts → `Group`s →
group transforms → `compute_advantages`) → `policy_loss` (TRL 1.16.0 semantics) → AdamW. Writes `DIR/metrics.jsonl`,
`DIR/run.json` and checkpoints; `resume=True` continues from the newest checkpoint with identical results.
"""

from __future__ import annotations

import copy
import json
import math
import random
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

import torch

import envsdk
from envsdk.clients.hf_generator import HFGenerator, Samples
from envsdk.environment import SupportsAnswerSpace, SupportsWarmStart
from envsdk.executor import ExecutorConfig
from envsdk.loop_thread import LoopThread
from envsdk.record import RolloutRecord
from envsdk.ray_executor import RayExecutor
from envsdk.runmeta import run_metadata, write_metadata
from envsdk.scoring import BatchScorer, Scored
from envsdk.transforms import check_scale, required_scale

from . import checkpoint
from .config import GRPOConfig
from .evaluate import eval_metrics
from .logps import token_logps
from .loss import policy_loss
from .reporting import RunReporter
from .tiny import char_tokenizer, tiny_model, warm_start

EVAL_ROWS_PER_CALL = 2048  # sampled rows (prompts × n) per generator call during evaluation


def _schedule(kind: str, total: int, warmup: int):
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(total - warmup, 1)
        if kind == "constant":
            return 1.0
        if kind == "cosine":
            return 0.5 * (1 + math.cos(math.pi * progress))
        return max(0.0, 1.0 - progress)

    return factor


class GRPOTrainer:
    """Trains a causal LM on one single-turn environment with GRPO (and optional group transforms)."""

    def __init__(self, config: GRPOConfig):
        self.config = c = config
        # the tiny policy's ops are too small to gain from threads, and lose badly on a busy machine
        threads = c.threads or (None if c.model else 1)
        if threads:
            torch.set_num_threads(threads)
        self.out = Path(c.output_dir)  # created when the run starts: a run that cannot start leaves no folder
        self._say(f"loading environment {c.env}")
        self.env = envsdk.load_environment(c.env, **c.env_kwargs)
        self.transforms = [envsdk.load_transform(name, **c.transform_kwargs.get(name, {})) for name in c.transforms]
        self.scale = check_scale(self.transforms, c.scale_rewards or required_scale(self.transforms) or "group",
                                 strict=True, fix="drop scale_rewards (the transforms' scale is the default)")
        self.device = torch.device(c.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.bf16 = c.bf16 if c.bf16 is not None else (self.device.type == "cuda" and torch.cuda.is_bf16_supported())
        self.model, self.tokenizer, self.warm_start_loss = self._policy()
        self.model.to(self.device)
        self.ref = copy.deepcopy(self.model).eval().requires_grad_(False) if c.beta else None
        self.generator = HFGenerator(self.model, self.tokenizer, seed=c.seed)
        self.max_tokens = c.max_completion_length or self.env.sampling_args.get("max_tokens") or 256
        if not (c.max_completion_length or self.env.sampling_args.get("max_tokens")):
            self._say(f"{c.env} sets no max_tokens: completions stop at {self.max_tokens} tokens or the end of the "
                      f"model's context ({self.generator.context} positions), whichever comes first")
        self.signal = NoSignal(self.warm_start_loss is not None or bool(c.model), steps=min(NoSignal.STEPS, c.max_steps))
        lr = c.learning_rate if c.learning_rate is not None else (1e-6 if c.model else c.tiny.learning_rate)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=c.weight_decay)
        updates = c.max_steps * c.num_iterations
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, _schedule(c.lr_scheduler_type, updates, int(c.warmup_ratio * updates))
        )
        self.shuffle = torch.Generator().manual_seed(c.seed + 1)
        self.order_rng = random.Random(c.seed)
        self.order: list[int] = []
        self.step = 0
        self.loop = LoopThread("envsdk-train")  # one loop for the run: the scorer's worker pool lives on it
        pool = ExecutorConfig(workers=c.verify_workers, timeout_s=c.verify_timeout_s)
        self.remote = RayExecutor(self.env, pool, address=c.verify_ray_address) if c.verify_ray_address else None
        self.scorer = BatchScorer(self.env, transforms=self.transforms, on_error=c.on_error, scale=self.scale,
                                  executor=self.remote or pool)

    # ---- set-up ------------------------------------------------------------------------------
    def _policy(self):
        """The policy: `--model` from Hugging Face, else the tiny local one (warm-started when the env says how)."""
        c = self.config
        torch.manual_seed(c.seed)
        if c.model:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            self._say(f"loading model {c.model}")
            tokenizer = AutoTokenizer.from_pretrained(c.model, padding_side="left")
            return AutoModelForCausalLM.from_pretrained(c.model), tokenizer, None
        tokenizer = char_tokenizer()
        model = tiny_model(tokenizer, c.tiny, c.seed)
        if not isinstance(self.env, SupportsWarmStart):
            self._say(f"no --model: the tiny policy built locally starts untrained, as {c.env} has no warm_start hook "
                      "(see `envsdk init`'s template); expect reward 0 until it samples a rewarded answer by chance")
            return model, tokenizer, None
        self._say(f"warm start: {c.tiny.warm_start_steps} supervised steps of the tiny policy on {c.env}'s examples")
        loss = warm_start(model, tokenizer, self.env.warm_start, c.tiny, c.seed, HFGenerator(model, tokenizer).render)
        return model, tokenizer, loss

    def _say(self, message: str) -> None:
        """What the trainer is doing before its progress bar starts (a shown bar only: `progress`)."""
        if self.config.progress:
            print(f"envsdk train: {message}", file=sys.stderr, flush=True)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else nullcontext()

    # ---- one step ----------------------------------------------------------------------------
    def _next_rows(self) -> list[dict]:
        """The next prompts, in a seeded order reshuffled every epoch."""
        rows = self.env.rows("train")
        picked = []
        for _ in range(self.config.prompts_per_step):
            if not self.order:
                self.order = self.order_rng.sample(range(len(rows)), len(rows))
            picked.append(rows[self.order.pop()])
        return picked

    def score_completions(self, rows: list[dict], texts: list[str], n: int, *, transform: bool = True) -> Scored:
        """n completions per row (in row order) through the scoring spine: one group per row's n."""
        repeated = [row for row in rows for _ in range(n)]
        scoring = self.scorer.score(repeated, [row.get("prompt") for row in repeated], texts, group_size=n,
                                    transform=transform)
        return self.loop.run(scoring)

    def _update(self, samples: Samples, advantages: torch.Tensor) -> dict[str, float]:
        """μ optimizer updates on one generation batch, each accumulated over GA shuffled micro-batches."""
        c = self.config
        mask = samples.completion_mask.float()
        total = len(advantages)
        ga = c.gradient_accumulation_steps
        with torch.no_grad(), self._autocast():
            old = token_logps(self.model, samples, None, c.temperature) if c.num_iterations > 1 else None
            ref = token_logps(self.ref, samples, None, c.temperature) if self.ref is not None else None
        losses, stats = [], []
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        for _ in range(c.num_iterations):
            order = torch.randperm(total, generator=self.shuffle)
            for part in order.chunk(ga):
                part = part.to(self.device)
                with self._autocast():
                    logps = token_logps(self.model, samples, part, c.temperature)
                loss, metrics = policy_loss(
                    logps, None if old is None else old[part], None if ref is None else ref[part],
                    advantages[part], mask[part], loss_type=c.loss_type, beta=c.beta, epsilon_low=c.epsilon,
                    epsilon_high=c.epsilon_high, max_completion_length=self.max_tokens,
                    kl_bias_correction=c.kl_bias_correction, num_items_in_batch=mask.sum(),
                    gradient_accumulation_steps=ga, steps_per_generation=ga,
                )
                loss.backward()
                losses.append(float(loss.detach()))
                stats.append(metrics)
            grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), c.max_grad_norm)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
        out = {k: sum(s[k] for s in stats) / len(stats) for k in stats[0]}
        return {"loss": sum(losses) / c.num_iterations, "grad_norm": float(grad_norm), **out}

    def train_step(self) -> dict[str, Any]:
        """One generation round and its updates; returns the metrics line."""
        c, n = self.config, self.config.num_generations
        started = time.perf_counter()
        rows = self._next_rows()
        prompts = [self.generator.render(self.env.format_prompt(r)) for r in rows]
        samples = self.generator.sample(prompts, n, temperature=c.temperature, top_p=c.top_p, max_tokens=self.max_tokens)
        generated = time.perf_counter()
        scored = self.score_completions(rows, samples.texts, n)
        self.last_groups = scored.groups  # for the no-signal check
        advantages = torch.tensor(scored.advantages, device=self.device)
        ready = time.perf_counter()
        update = self._update(samples, advantages)
        done = time.perf_counter()
        self.step += 1
        # completions.jsonl: the spine's records of this step, with what only the trainer knows
        self.last_records = [r.model_copy(update={"source": "train", "step": self.step, "truncated": not finished})
                             for r, finished in zip(scored.records, samples.finished.tolist())]
        return {
            "step": self.step,
            **scored.metrics,
            "completion_len_mean": float(samples.completion_mask.sum(1).float().mean()),
            "completions/clipped_ratio": float((~samples.finished).float().mean()),
            **update,
            "learning_rate": self.scheduler.get_last_lr()[0],
            "num_tokens": int(samples.prompt_mask.sum() + samples.completion_mask.sum()),
            "step_s": done - started,
            "generate_s": generated - started,
            "reward_s": scored.seconds["verify"],
            "transform_s": scored.seconds["transform"],
            "train_s": done - ready,
        }

    # ---- evaluation --------------------------------------------------------------------------
    def evaluate(self) -> dict[str, Any]:
        """pass@k, distinct correct answers and coverage@k on the eval split (`eval_samples` per row)."""
        c, n = self.config, self.config.eval_samples
        rows = self.env.rows("eval")[: c.eval_limit]
        started = time.perf_counter()
        # its own sampler, seeded by (seed, step): evaluating never shifts the training samples, and the
        # same policy at the same step gets the same eval samples in every run
        sampler = HFGenerator(self.model, self.tokenizer, seed=c.seed * 1_000_003 + self.step)
        per_call = max(1, EVAL_ROWS_PER_CALL // n)  # bounds the sampled batch, hence memory, for large n
        texts: list[str] = []
        for start in range(0, len(rows), per_call):
            prompts = [sampler.render(self.env.format_prompt(row)) for row in rows[start : start + per_call]]
            texts += sampler.sample(prompts, n, temperature=c.temperature, top_p=c.top_p, max_tokens=self.max_tokens).texts
        records = self.score_completions(rows, texts, n, transform=False).records
        ks = [k for k in c.eval_k if k <= n]
        space = self.env.answer_space if isinstance(self.env, SupportsAnswerSpace) else None
        line = {"step": self.step, **eval_metrics(rows, records, ks, space)}
        line["eval_s"] = time.perf_counter() - started
        return line

    # ---- the run -----------------------------------------------------------------------------
    def train(self) -> dict[str, Any]:
        """Run to `max_steps` (resuming if asked), evaluating and checkpointing as configured; returns the final eval."""
        c = self.config
        self.out.mkdir(parents=True, exist_ok=True)
        metrics_path = self.out / "metrics.jsonl"
        if c.resume and (path := checkpoint.latest(self.out)) is not None:
            self._restore(path)
            _truncate(metrics_path, self.step, c.max_steps)
        elif metrics_path.exists():
            metrics_path.unlink()
        self._write_run_json()
        reporter = RunReporter(self.out, c.report_to, asdict(c), log_completions=c.log_completions,
                               start_step=self.step)
        progress = _progress(c, self.step)
        with metrics_path.open("a") as log:
            if c.eval_at_start and self.step == 0:
                _emit(log, self.evaluate(), reporter)
            while self.step < c.max_steps:
                line = self.train_step()
                _emit(log, line, reporter, self.last_records)
                if (why := self.signal.check(line, self.last_groups)) is not None:
                    progress.write(f"envsdk train: warning: {why}", file=sys.stderr)  # below the bar, not through it
                progress.update(1)
                progress.set_postfix(reward=f"{line['reward_mean']:.3f}", loss=f"{line['loss']:.4f}")
                if c.eval_every and self.step % c.eval_every == 0 and self.step < c.max_steps:
                    _emit(log, self.evaluate(), reporter)
                if c.save_every and self.step % c.save_every == 0:
                    self.save()
            progress.close()
            final = self.evaluate()
            _emit(log, final, reporter)
        reporter.close()
        self.save()
        self.close()
        return final

    def save(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        rng = {"sampler": self.generator.generator.get_state(), "shuffle": self.shuffle.get_state(),
               "order": (self.order_rng.getstate(), list(self.order))}
        return checkpoint.save(self.out, self.step, self.model, self.tokenizer, self.optimizer, self.scheduler, rng,
                               transforms=[t.state_dict() for t in self.transforms])

    def _restore(self, path: Path) -> None:
        state = checkpoint.load(path, self.model, self.optimizer, self.scheduler)
        self.step = state["step"]
        self.generator.generator.set_state(state["rng"]["sampler"])
        self.shuffle.set_state(state["rng"]["shuffle"])
        order_state, self.order = state["rng"]["order"]
        self.order_rng.setstate(order_state)
        for transform, saved in zip(self.transforms, state.get("transforms", [])):
            transform.load_state_dict(saved)  # stateful transforms (docs/exploration.md) resume where they were

    def _write_run_json(self) -> None:
        c = self.config
        meta = run_metadata(
            "train", c.env, c.env_kwargs, seed=c.seed, config=asdict(c), transforms=c.transforms,
            advantage_scale=self.scale, device=str(self.device), bf16=self.bf16, threads=torch.get_num_threads(),
            model=c.model or "tiny-gpt2 (built locally)", parameters=sum(p.numel() for p in self.model.parameters()),
            warm_start_loss=self.warm_start_loss,
        )
        write_metadata(self.out / "run.json", meta)

    def close(self) -> None:
        self.loop.run(self.scorer.aclose())
        if self.remote is not None:
            self.loop.run(self.remote.aclose())
        self.loop.run(self.env.aclose())
        self.loop.close()


class NoSignal:
    """Says, once, why a run is not learning: after the first `steps` steps (STEPS, or the whole run when it is
    shorter) in which no group's rollouts got different rewards, every advantage was 0: GRPO had nothing to follow."""

    STEPS = 10

    def __init__(self, warm_started: bool, steps: int = STEPS):
        self.warm_started = warm_started
        self.limit = steps
        self.steps = 0
        self.rewards: set[float] = set()
        self.clipped = 0.0
        self.done = False

    def check(self, line: dict[str, Any], groups) -> str | None:
        """The warning after the STEPS-th step without a signal (None before, after, or once there was one)."""
        if self.done:
            return None
        if any(len({v.reward for v in g.verdicts}) > 1 for g in groups):
            self.done = True
            return None
        self.steps += 1
        self.rewards |= {v.reward for g in groups for v in g.verdicts}
        self.clipped = max(self.clipped, line.get("completions/clipped_ratio", 0.0))
        if self.steps < self.limit:
            return None
        self.done = True
        return self._why()

    def _why(self) -> str:
        if self.rewards == {0.0}:
            what = "no rollout was rewarded"
        else:
            what = f"every group's rollouts got the same reward ({', '.join(map(str, sorted(self.rewards)))})"
        hints = []
        if not self.warm_started:
            hints.append("the tiny default policy has no warm start for this environment (add a warm_start hook, "
                         "or train a pretrained --model)")
        if self.clipped > 0.5:
            hints.append(f"{self.clipped:.0%} of the completions hit the length limit (--max-completion-length)")
        hints.append("check the reward on a few known answers (`envsdk verify`)")
        steps = f"the first {self.steps} steps" if self.steps > 1 else "the first step"
        return (f"in {steps} {what}, so every advantage was 0 and the policy has not moved; "
                + "; ".join(hints))


def _emit(log, line: dict[str, Any], reporter: RunReporter, records: Sequence[RolloutRecord] = ()) -> None:
    log.write(json.dumps(line, sort_keys=True) + "\n")
    log.flush()
    reporter.log(line, records)


def _truncate(path: Path, step: int, final_step: int) -> None:
    """Keep the metric lines the resumed checkpoint had seen (up to `step`), except a final eval: it is redone."""
    if not path.exists():
        return
    keep = []
    for text in path.read_text().splitlines():
        line = json.loads(text)
        if line["step"] < step or (line["step"] == step and not (line.get("eval") and step >= final_step)):
            keep.append(text + "\n")
    path.write_text("".join(keep))


def _progress(config: GRPOConfig, start: int):
    from tqdm.auto import tqdm

    return tqdm(total=config.max_steps, initial=start, desc=f"train {config.env}", disable=not config.progress,
                unit="step", dynamic_ncols=True)
