"""Saving and loading a fine-tuned classifier: the tensors training changed (fp16 safetensors) beside its spec
(JSON). One home for the pair classifiers that fine-tune an encoder (`minilm-pair`, `cross-encoder`)."""

from __future__ import annotations

from pathlib import Path

import torch
from pydantic import BaseModel
from safetensors.torch import load_file, save_file


def save_finetuned(directory: Path, weights_file: str, spec_file: str, tensors: dict[str, torch.Tensor],
                   spec: BaseModel) -> None:
    """Write `tensors` as fp16 to `weights_file` and `spec` as JSON to `spec_file`, both in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.half().contiguous() for k, v in tensors.items()}, str(directory / weights_file))
    (directory / spec_file).write_text(spec.model_dump_json(indent=1) + "\n")


def load_finetuned(path: Path, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors in `path` as float32; a ValueError when any of `expected`'s names is missing (a file from
    another model or an older format would otherwise load silently as the untrained base)."""
    tensors = {k: v.float() for k, v in load_file(str(path)).items()}
    missing = [k for k in expected if k not in tensors]
    if missing:
        raise ValueError(f"{path} lacks {len(missing)} tensors, e.g. {missing[0]}")
    return tensors
