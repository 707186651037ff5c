"""`GRPOConfig`: every setting of the built-in loop, TRL names and defaults where TRL has them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..executor import ROW_TIMEOUT_S
from .tiny import TinyConfig


@dataclass
class GRPOConfig:
    """One config object for `envsdk train` (documented defaults; `None` means "derived", see each field).

    A step samples `prompts_per_step × num_generations` completions, scores them, then makes
    `num_iterations` optimizer updates on that batch, each accumulated over `gradient_accumulation_steps`
    micro-batches (TRL's `steps_per_generation`).
    """

    output_dir: str
    env: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    transforms: list[str] = field(default_factory=list)
    transform_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    model: str | None = None  # a Hugging Face name or path; None builds the tiny local policy
    seed: int = 0
    max_steps: int = 150
    prompts_per_step: int = 1
    num_generations: int = 64
    max_completion_length: int | None = None  # None: the environment's sampling_args["max_tokens"], else 256
    temperature: float = 1.0
    top_p: float = 1.0
    learning_rate: float | None = None  # None: tiny.learning_rate (1e-3) for the tiny policy, 1e-6 (TRL's) otherwise
    lr_scheduler_type: Literal["linear", "constant", "cosine"] = "linear"
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    loss_type: Literal["grpo", "bnpo", "dr_grpo", "dapo"] = "dapo"
    beta: float = 0.0
    epsilon: float = 0.2
    epsilon_high: float | None = None
    kl_bias_correction: bool = True
    num_iterations: int = 1
    gradient_accumulation_steps: int = 1
    scale_rewards: Literal["group", "batch", "none"] | None = None  # None: what the transforms need, else "group"
    on_error: Literal["abstain", "zero"] = "abstain"
    eval_every: int = 0  # 0: evaluate only at the end
    eval_at_start: bool = False
    eval_samples: int = 256
    eval_k: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256)
    eval_limit: int | None = None  # evaluate on at most this many eval rows
    save_every: int = 0  # 0: save only at the end
    resume: bool = False
    threads: int | None = None  # torch CPU threads; None: 1 for the tiny policy, else torch's default
    device: str | None = None  # None: cuda when available, else cpu
    bf16: bool | None = None  # None: on with a bf16-capable GPU
    verify_workers: int = 2
    verify_timeout_s: float = ROW_TIMEOUT_S
    verify_ray_address: str | None = None  # HOST:PORT of a Ray cluster to verify on (docs/scale.md); None: local pool
    progress: bool = True
    report_to: list[str] = field(default_factory=lambda: ["none"])  # TRL's: tensorboard (DIR/runs), wandb (DIR/wandb)
    log_completions: bool = True  # every step's rollouts in DIR/completions.jsonl (the table of `envsdk report`)
    tiny: TinyConfig = field(default_factory=TinyConfig)
