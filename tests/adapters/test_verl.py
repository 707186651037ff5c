"""verl: the per-sample hook in this environment, and verl's own objects in the verl venv.

verl 0.9.1 pins transformers and antlr versions that clash with this environment, so its hooks are
tested by `verl_hooks.py` inside the venv built by `verl_env_setup.sh` ($ENVSDK_VERL_VENV, default
/tmp/verl-venv). Without that venv the test skips, unless ENVSDK_VERL_VENV is set (CI), where it fails.
"""


import pyarrow.parquet as pq
from envsdk.adapters.verl import compute_score, compute_score_batch, to_verl_parquet
from tests.helpers.verl_venv import run_in_verl_venv



def test_compute_score_returns_the_environment_reward_by_data_source():
    assert compute_score("adapters-flaky", "apple", "apple")["score"] == 1.0
    assert compute_score("adapters-flaky", "river", "apple")["score"] == 0.0


def test_compute_score_maps_data_sources_to_environments():
    result = compute_score("openai/gsm8k", "apple", "apple", None, envs={"openai/gsm8k": "adapters-flaky"})
    assert result["score"] == 1.0


def test_compute_score_flags_a_verifier_error_with_zero():
    result = compute_score("adapters-flaky", "raise", "apple")
    assert (result["score"], result["envsdk_error"]) == (0.0, 1.0)


def test_an_empty_ground_truth_is_flagged_not_scored_zero():
    result = compute_score("adapters-flaky", "apple", "")
    assert (result["score"], result["envsdk_error"], result["acc"]) == (0.0, 1.0, 0.0)


def test_batch_form_scores_each_sample():
    out = compute_score_batch(["adapters-flaky"] * 3, ["apple", "x", "raise"], ["apple"] * 3, [None] * 3)
    assert [o["score"] for o in out] == [1.0, 0.0, 0.0]


def test_exported_parquet_rows_score_through_their_extra_info(tmp_path):
    path = to_verl_parquet("adapters-flaky", tmp_path / "train.parquet")
    rows = pq.read_table(path).to_pylist()
    assert rows[0]["data_source"] == "adapters-flaky"
    assert rows[0]["prompt"] == [{"role": "user", "content": "Say apple"}]
    first = rows[0]
    result = compute_score(first["data_source"], "apple", first["reward_model"]["ground_truth"], first["extra_info"])
    assert result["score"] == 1.0


def test_verl_hooks_pass_inside_the_verl_venv():
    run_in_verl_venv("tests/adapters/verl_hooks.py")
