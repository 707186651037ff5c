"""Checkpoints: the policy in `save_pretrained` format plus optimizer, scheduler, RNG and step state."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import torch

STATE = "trainer_state.pt"


def save(directory: Path, step: int, model, tokenizer, optimizer, scheduler, rng: dict[str, Any],
         transforms: list[dict[str, Any]] | None = None) -> Path:
    """Write `directory/checkpoint-<step>/` (model, tokenizer, trainer state, the group transforms'
    `state_dict()`s in order); returns its path."""
    path = directory / f"checkpoint-{step}"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    torch.save(
        {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": {**rng, "torch": torch.get_rng_state(), "python": random.getstate()},
            "transforms": transforms or [],
        },
        path / STATE,
    )
    return path


def latest(directory: Path) -> Path | None:
    """The checkpoint with the highest step under `directory`, if any."""
    found = [(int(m.group(1)), p) for p in directory.glob("checkpoint-*") if (m := re.fullmatch(r"checkpoint-(\d+)", p.name))]
    found = [(s, p) for s, p in found if (p / STATE).exists()]
    return max(found)[1] if found else None


def load(path: Path, model, optimizer, scheduler) -> dict[str, Any]:
    """Restore weights, optimizer and scheduler in place; returns the state (step, rng)."""
    from transformers import AutoModelForCausalLM

    saved = AutoModelForCausalLM.from_pretrained(path)
    model.load_state_dict(saved.state_dict())
    state = torch.load(path / STATE, weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"]["torch"])
    random.setstate(state["rng"]["python"])
    return state
