"""The scoring spine: rows → verdicts → Groups → group transforms → the one advantage step → rollout records.

Every face scores through here: `envsdk verify` and `envsdk eval`, the built-in trainer, the reward
server, Ray and every trainer adapter. It owns the rules that must not differ between them:

- which rollouts form one group: `group_key` (its docstring states the rule);
- what a group's prompt is: the row's own `prompt` (a trainer's rendering of it only when the row has none);
- row validation: `Environment.score_group`, which every executor calls, flags a bad row (`bad row: ...`);
- whole groups: a transform, a group reward or an advantage step never sees a split group
  (`PartialGroupError`), except a server flushing a group that never completed (`transform=False`);
- the advantage step: `compute_advantages` with the scale the transforms declare (`check_scale`);
- what comes out: one `envsdk.record.RolloutRecord` per rollout, and `envsdk.record.summarize` of them as the
  batch's metrics (the same names on every path; TRL logs them under `envsdk/`).

The public names are the handful below. The faces also use the modules: `batch` (the scorer and its
helpers), `buffer` (samples that arrive one by one, held until their group is whole), `labels` (rows from a
remote trainer's label strings), `saved` (saved rollouts: `verify`, `/verify`).
"""

from .batch import BatchScorer, PartialGroupError, Scored, TransformLike, group_key

__all__ = ["BatchScorer", "PartialGroupError", "Scored", "TransformLike", "group_key"]
