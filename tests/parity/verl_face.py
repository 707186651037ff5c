"""The parity rollouts through verl's reward loop with `EnvsdkRewardManager`, inside the verl venv.

Run by faces.verl_face: `VENV/bin/python tests/parity/verl_face.py` prints one JSON line
{set: {"rewards": [...], "acc": [...], "error": [...]}} for every set whose environment loads in that venv.
"""

import asyncio
import json
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
sys.path.insert(0, str(REPO))

import verl  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from verl.trainer.ppo.reward import load_reward_manager  # noqa: E402

import envsdk  # noqa: E402
from envsdk.adapters.export import ROW_COLUMN  # noqa: E402
from envsdk.scoring.labels import encode_label  # noqa: E402
from tests.adapters.verl_hooks import reward_loop_input  # noqa: E402
from tests.helpers.tokenizers import char_tokenizer  # noqa: E402
from tests.parity.envs import register  # noqa: E402
from tests.parity.rollouts import COMPLETIONS, ENVS, GROUP_SIZES, ROWS, TRANSFORMS, batch  # noqa: E402


def rollout_tokenizer(texts):
    """A character-level tokenizer over the characters the rollouts use (built locally, no download)."""
    return char_tokenizer(sorted({ch for t in texts for ch in t} | set("say")))


def config(name):
    base = OmegaConf.load(Path(verl.__file__).parent / "trainer/config/_generated_ppo_trainer.yaml")
    transforms = [[t, dict(options)] for t, options in TRANSFORMS[name]]
    overrides = OmegaConf.create({
        "actor_rollout_ref": {"rollout": {"n": GROUP_SIZES[name]}},
        "algorithm": {"norm_adv_by_std_in_grpo": not transforms},
        "reward": {
            "custom_reward_function": {"path": "pkg://envsdk.adapters.verl", "name": "compute_score",
                                       "reward_kwargs": {"transforms": transforms}},
            "reward_manager": {"source": "importlib", "name": "EnvsdkRewardManager",
                               "module": {"path": "pkg://envsdk.adapters.verl_manager"}},
        },
    })
    return OmegaConf.merge(base, overrides)


def data_proto(tokenizer, name):
    """The reward loop's input, as `to_verl_parquet` rows give it: one uid per group."""
    rows, completions = batch(name)
    return reward_loop_input(
        tokenizer,
        completions,
        data_source=[ENVS[name]] * len(rows),
        reward_model=[{"ground_truth": encode_label(r.get("answer", r.get("tests")))} for r in rows],
        extra_info=[{ROW_COLUMN: json.dumps(r)} for r in rows],
        uid=[r["id"] for r in rows],
    )


def run(name):
    """What verl's RewardLoopWorker does: run_single on each one-row slice, concurrently."""
    tokenizer = rollout_tokenizer([c for g in COMPLETIONS[name] for c in g])
    manager = load_reward_manager(config(name), tokenizer)
    data = data_proto(tokenizer, name)

    async def go():
        return await asyncio.gather(*(manager.run_single(data[i : i + 1]) for i in range(len(data))))

    out = asyncio.run(go())
    info = [o["reward_extra_info"] for o in out]
    return {"rewards": [o["reward_score"] for o in out], "acc": [i["acc"] for i in info],
            "error": [i["envsdk_error"] for i in info]}


def main():
    register()
    report = {}
    for name in ROWS:
        try:
            envsdk.load_environment(ENVS[name])
        except Exception as exc:  # reported, so the caller can say why a set is missing
            print(f"{name}: environment unavailable in this venv: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        report[name] = run(name)
    print(json.dumps(report))


main()
