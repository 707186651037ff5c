"""The scoring spine: rows → verdicts → Groups → group transforms → the one advantage step → batch metrics.

Every face scores through here: `envsdk verify` and `envsdk eval`, the built-in trainer, the reward
server, Ray and every trainer adapter. It owns the rules that must not differ between them:

- which rollouts form one group: `group_key` (a row's `group_id`, else its `id`, else its content);
- what a group's prompt is: the row's own `prompt` (a trainer's rendering of it only when the row has none);
- row validation: `Environment.score_group`, which every executor calls, flags a bad row (`bad row: ...`);
- whole groups: a transform, a group reward or an advantage step never sees a split group
  (`PartialGroupError`), except a server flushing a group that never completed (`transform=False`);
- the advantage step: `compute_advantages` with the scale the transforms declare (`check_scale`);
- batch metrics: `batch_metrics`, the same names on every path (TRL logs them under `envsdk/`).

Modules: `batch` (BatchScorer, group key, metrics), `buffer` (samples that arrive one by one, held until
their group is whole), `labels` (rows from a remote trainer's label strings), `saved` (saved rollouts: `verify`, `/verify`).
"""

from .batch import (
    BatchScorer,
    PartialGroupError,
    Scored,
    TransformLike,
    batch_metrics,
    check_rollout_row,
    group_key,
    resolve_env,
    resolve_transforms,
    transform_options,
    verdict_metrics,
)
from .buffer import GroupBuffer, Outcome, RowBatcher
from .labels import encode_label, label_fields, openrlhf_response, openrlhf_samples, response_text
from .saved import saved_tasks, verify_saved

__all__ = [
    "BatchScorer",
    "GroupBuffer",
    "Outcome",
    "PartialGroupError",
    "RowBatcher",
    "Scored",
    "TransformLike",
    "batch_metrics",
    "check_rollout_row",
    "encode_label",
    "group_key",
    "label_fields",
    "openrlhf_response",
    "openrlhf_samples",
    "resolve_env",
    "resolve_transforms",
    "response_text",
    "saved_tasks",
    "transform_options",
    "verdict_metrics",
    "verify_saved",
]
