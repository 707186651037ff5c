"""Reading other frameworks' rollout files (the formats without a package here to write them)."""

from __future__ import annotations

import json

import pytest

import envsdk
from envsdk.errors import EnvsdkError
from envsdk.interop.rollout_logs import attach_rows, read_rollouts

from .cli import envsdk_cli


def test_verifiers_legacy_results_map_fields_and_keep_scores_under_source(tmp_path):
    # verifiers <= 0.3 `results.jsonl`: example_id, prompt, completion, answer, info, task, reward, per-function columns
    line = {"example_id": 3, "prompt": [{"role": "user", "content": "Repeat exactly this word: river"}],
            "completion": [{"role": "assistant", "content": "river"}], "answer": "river", "info": {}, "task": "echo",
            "reward": 1.0, "exact_match": 1.0}
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(line) + "\n")
    [record] = list(read_rollouts("verifiers", path))
    assert record == {"prompt": line["prompt"], "completion": line["completion"], "answer": "river", "info": {},
                      "task": "echo", "id": 3, "source": {"framework": "verifiers", "reward": 1.0, "exact_match": 1.0}}


def test_missing_fields_come_from_the_env_row_with_the_same_prompt():
    env = envsdk.load_environment("toy-echo", size=3)
    row = env.rows()[2]
    records = [{"prompt": [{"role": "user", "content": row["prompt"]}], "completion": "x"},
               {"prompt": "not in the dataset", "completion": "y"}]
    filled, alone = attach_rows(records, env)
    assert (filled["id"], filled["answer"], filled["completion"]) == (row["id"], row["answer"], "x")
    assert alone == records[1]


def test_convert_then_verify_rescores_legacy_verifiers_results(tmp_path):
    env = envsdk.load_environment("toy-echo", size=2)
    lines = [{"prompt": r["prompt"], "completion": c} for r, c in zip(env.rows(), [env.rows()[0]["answer"], "no"])]
    src, rows, out = tmp_path / "results.jsonl", tmp_path / "rows.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ["-a", '{"size": 2}']
    assert envsdk_cli("convert-rollouts", "toy-echo", *args, "--from", "verifiers", "--input", str(src),
                      "--output", str(rows)) == 0
    assert envsdk_cli("verify", "toy-echo", *args, "--input", str(rows), "--output", str(out), "--workers", "1") == 0
    assert [json.loads(x)["reward"] for x in out.read_text().splitlines()] == [1.0, 0.0]


def test_a_bad_line_or_an_empty_trl_folder_is_one_clear_error(tmp_path):
    bad = tmp_path / "traces.jsonl"
    bad.write_text('{"prompt": "a"}\n{oops\n')
    with pytest.raises(EnvsdkError, match="traces.jsonl:2: not valid JSON"):
        list(read_rollouts("verifiers", bad))
    with pytest.raises(EnvsdkError, match="no completions_\\*.parquet files"):
        list(read_rollouts("trl", tmp_path))
