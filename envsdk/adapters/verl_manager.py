"""A verl (0.9.x reward loop) reward manager that gives group transforms such as DARLING whole groups.

verl scores samples one at a time (`run_single`), so the manager buffers each sample under its `uid`
until the `actor_rollout_ref.rollout.n` samples of the group are in, then verifies the group, applies
the transforms and answers every waiting sample. Configure (Hydra overrides):

    reward.reward_manager.source=importlib
    reward.reward_manager.module.path=pkg://envsdk.adapters.verl_manager
    reward.reward_manager.name=EnvsdkRewardManager
    reward.custom_reward_function.path=pkg://envsdk.adapters.verl     # verl requires a function here too
    +reward.custom_reward_function.reward_kwargs.transforms=[darling]
    algorithm.norm_adv_by_std_in_grpo=False                           # DARLING needs no std scaling
    reward.num_workers=1                                              # one worker sees every group whole

`reward_kwargs` also take `env`, `envs` (data_source → env), `env_kwargs`, `group_timeout_s` (a group
still partial then is scored without the transforms and flagged `envsdk_partial_group=1`).
"""

from __future__ import annotations

from typing import Any

from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from ..scoring import BatchScorer
from ..scoring.buffer import PARTIAL_GROUP, GroupBuffer
from ..transforms import check_scale
from .verl import env_name, row_for, score_dict


class EnvsdkRewardManager(RewardManagerBase):
    """Scores verl samples with an envsdk environment; group transforms run on whole `uid` groups."""

    def __init__(self, config, tokenizer, compute_score=None, reward_router_address=None, reward_model_tokenizer=None):
        super().__init__(config, tokenizer, compute_score)
        options = dict(config.reward.custom_reward_function.get("reward_kwargs") or {})
        self.env, self.envs = options.get("env"), dict(options.get("envs") or {})
        self.env_kwargs = dict(options.get("env_kwargs") or {})
        self.transforms = list(options.get("transforms") or [])
        self.group_timeout_s = float(options.get("group_timeout_s", 600.0))
        self.group_size = int(config.actor_rollout_ref.rollout.n)
        self.norm_by_std = bool(config.algorithm.get("norm_adv_by_std_in_grpo", True))
        self._scorers: dict[str, tuple[BatchScorer, GroupBuffer]] = {}

    def _scorer(self, data_source: str) -> tuple[BatchScorer, GroupBuffer]:
        name = env_name(data_source, self.env, self.envs)
        if name not in self._scorers:
            scorer = BatchScorer(
                name, transforms=self.transforms, on_error="abstain", group_size=self.group_size, **self.env_kwargs
            )
            # verl's GRPO step divides by the group std unless norm_adv_by_std_in_grpo=False
            check_scale(scorer.transforms, "group" if self.norm_by_std else "none", strict=True,
                        fix="set algorithm.norm_adv_by_std_in_grpo=False")
            self._scorers[name] = (scorer, GroupBuffer(scorer, self.group_size, self.group_timeout_s))
        return self._scorers[name]

    async def run_single(self, data: DataProto) -> dict:
        item = data[-1:][0]  # multi-sequence outputs: verl scores the last sequence
        responses = item.batch["responses"]
        length = int(item.batch["attention_mask"][-responses.shape[-1] :].sum())
        text = self.tokenizer.decode(responses[:length], skip_special_tokens=True)
        meta = item.non_tensor_batch
        scorer, buffer = self._scorer(str(meta["data_source"]))
        row = row_for(scorer, meta["reward_model"]["ground_truth"], meta.get("extra_info"))
        if meta.get("uid") is not None:  # verl's group id: the group key on every envsdk path
            row = {**row, "group_id": str(meta["uid"])}
        if scorer.needs_whole_groups:
            record = await buffer.submit(row, text)
        else:
            record = (await scorer.score([row], [row.get("prompt", "")], [text])).records[0]
        partial = record.group_metrics.get(PARTIAL_GROUP, 0.0)
        info: dict[str, Any] = {**score_dict(record.verdict, record.final_reward), "envsdk_partial_group": partial}
        return {"reward_score": info.pop("score"), "reward_extra_info": info}
