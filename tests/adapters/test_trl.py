"""The TRL adapter called the way GRPOTrainer calls reward functions."""

import asyncio
import pickle
import subprocess
import sys

import pytest
from envsdk.adapters.trl import check_config, reward_funcs, to_trl_dataset
from envsdk.scoring import PartialGroupError
from trl import GRPOConfig


def _batch(env, completions_per_row, n=2):
    """A flat TRL batch: each dataset row repeated n times consecutively, as RepeatSampler does."""
    ds = to_trl_dataset(env)
    prompts, completions, rows = [], [], []
    for row, outs in zip(ds, completions_per_row):
        for out in outs[:n]:
            prompts.append(row["prompt"])
            completions.append([{"role": "assistant", "content": out}])
            rows.append(row)
    columns = {k: [r[k] for r in rows] for k in rows[0] if k != "prompt"}
    return prompts, completions, columns


def test_rewards_match_the_environment_verdicts():
    (fn,) = reward_funcs("toy-echo", size=2, seed=0)
    ds = to_trl_dataset("toy-echo")
    answers = [r["answer"] for r in ds][:2]
    prompts, completions, columns = _batch("toy-echo", [[answers[0], "nope"], ["nope", answers[1]]])
    assert fn(prompts, completions, None, **columns) == [1.0, 0.0, 0.0, 1.0]


def test_dataset_columns_without_envsdk_row_are_used_as_the_row():
    (fn,) = reward_funcs("toy-echo")
    assert fn(["Say x", "Say x"], ["apple", "pear"], None, answer=["apple", "apple"]) == [1.0, 0.0]


def test_verifier_error_abstains_with_none():
    (fn,) = reward_funcs("adapters-flaky")
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "raise"]])
    assert fn(prompts, completions, None, **columns) == [1.0, None]


def test_verifier_error_is_zero_when_on_error_zero():
    (fn,) = reward_funcs("adapters-flaky", on_error="zero")
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "raise"]])
    assert fn(prompts, completions, None, **columns) == [1.0, 0.0]


def test_group_transform_sees_whole_groups(rank_sizes):
    (fn,) = reward_funcs("adapters-flaky", transforms=["rank"], num_generations=3)
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "x", "yy"], ["no", "river", "z"]], n=3)
    assert fn(prompts, completions, None, **columns) == [2.0, 0.0, 1.0, 1.0, 2.0, 0.0]
    assert rank_sizes == [3, 3]


def test_partial_group_fails_loudly():
    (fn,) = reward_funcs("adapters-flaky", transforms=["rank"], num_generations=3)
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "x"]], n=2)
    with pytest.raises(PartialGroupError, match="not a multiple of the group size 3"):
        fn(prompts, completions, None, **columns)


def test_group_transform_without_group_size_fails_loudly():
    (fn,) = reward_funcs("adapters-flaky", transforms=["rank"])
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "x"]])
    with pytest.raises(PartialGroupError, match="num_generations"):
        fn(prompts, completions, None, **columns)


def _config(scale):
    return GRPOConfig(output_dir="/tmp/unused", scale_rewards=scale, use_cpu=True, bf16=False)


def test_scale_rewards_mismatch_is_refused():
    funcs = reward_funcs("adapters-flaky", transforms=["rank"], num_generations=2)
    with pytest.raises(ValueError, match="scale_rewards='none'"):
        check_config(_config("group"), funcs)
    check_config(_config("none"), funcs)


def test_async_reward_func_gives_the_same_rewards():
    (fn,) = reward_funcs("adapters-flaky", asynchronous=True)
    prompts, completions, columns = _batch("adapters-flaky", [["apple", "raise"]])
    assert asyncio.run(fn(prompts, completions, None, **columns)) == [1.0, None]


def test_reward_func_survives_pickling_into_a_fresh_process():
    (fn,) = reward_funcs("toy-echo", size=3, seed=1)
    fn(["Say x"], ["x"], None, answer=["x"])  # builds the env and loop, which must not be pickled
    blob = pickle.dumps(fn)
    script = (
        "import pickle, sys; fn = pickle.loads(sys.stdin.buffer.read()); "
        "print(fn(['p', 'p'], ['maple', 'x'], None, answer=['maple', 'maple']))"
    )
    out = subprocess.run([sys.executable, "-c", script], input=blob, capture_output=True, check=True)
    assert out.stdout.decode().strip() == "[1.0, 0.0]"


def test_a_batch_without_an_answer_column_is_flagged_not_scored_zero():
    (fn,) = reward_funcs("toy-echo")
    logged = {}
    rewards = fn(["Say x", "Say x"], ["apple", "pear"], None, id=["a", "a"],
                 log_extra=lambda name, values: logged.update({name: values}))
    assert rewards == [None, None]
    assert all(e.startswith("bad row: missing field 'answer'") for e in logged["verify_error"])
