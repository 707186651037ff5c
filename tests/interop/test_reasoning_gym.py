"""reasoning-gym as envsdk environments: every family the installed version ships, scored by its own scorer."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from functools import lru_cache
from importlib.metadata import version

import pytest

import envsdk

reasoning_gym = pytest.importorskip("reasoning_gym")
from reasoning_gym.factory import DATASETS  # noqa: E402

FAMILIES = sorted(DATASETS)
# reasoning-gym gives no known-correct answer for these (its scorer checks a plan it cannot produce itself).
NO_REFERENCE = {"boxnet", "rush_hour"}
# Upstream scorer bug in reasoning-gym: `bool(answer) == bool(entry["answer"])` accepts any non-empty text.
ACCEPTS_ANY_TEXT = {"game_of_life_halting"}
COMPOSITE = {"datasets": [{"name": "chain_sum", "weight": 1, "config": {}}, {"name": "gcd", "weight": 1, "config": {}}]}


def build(task: str, **kwargs) -> envsdk.Environment:
    config = COMPOSITE if task == "composite" else None
    return envsdk.load_environment("reasoning-gym", task=task, config=config, **kwargs)


@lru_cache(maxsize=None)
def family_env(task: str) -> envsdk.Environment:
    """One single-row environment per family, shared by the per-family tests (generation is the cost)."""
    return build(task, size=1, seed=0)


def score(env: envsdk.Environment, row: dict, text: str) -> envsdk.Verdict:
    return asyncio.run(env.score(row, text))


def tagged(answer: str) -> str:
    return f"Thinking done.\n<answer>{answer}</answer>"


def envsdk_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "envsdk.cli.main", *args], capture_output=True, text=True, **kw)


def test_rows_are_the_same_for_a_seed_and_differ_across_seeds():
    first = build("basic_arithmetic", size=5, seed=3).rows()
    again = build("basic_arithmetic", size=5, seed=3).rows()
    other = build("basic_arithmetic", size=5, seed=4).rows()
    assert first == again
    assert [r["prompt"] for r in first] != [r["prompt"] for r in other]
    assert [r["id"] for r in first] == [f"rg-basic_arithmetic-3-{i}" for i in range(5)]


def test_a_row_carries_its_entry_and_coordinates_for_rescoring():
    row = build("chain_sum", size=2, seed=7).rows()[1]
    info = row["info"]
    assert {k: info[k] for k in ("task", "seed", "size", "index", "config")} == {
        "task": "chain_sum", "seed": 7, "size": 2, "index": 1, "config": {}}
    assert info["entry"]["question"] == row["prompt"]
    assert info["entry"]["answer"] == row["answer"]
    assert info["entry"]["metadata"]["source_dataset"] == "chain_sum"
    assert info["reasoning_gym"] == version("reasoning-gym")
    json.dumps(row)  # rows are JSON-safe as they are


@pytest.mark.parametrize("task", [t for t in FAMILIES if t not in NO_REFERENCE])
def test_every_family_scores_its_reference_answer_one(task):
    env = family_env(task)
    row = env.rows()[0]
    verdict = score(env, row, tagged(row["answer"]))
    assert verdict.reward == 1.0 and verdict.passed is True, (task, row["answer"], verdict)
    assert verdict.details["entry_source"] == "generated"


@pytest.mark.parametrize("task", [t for t in FAMILIES if t not in ACCEPTS_ANY_TEXT])
def test_every_family_scores_a_wrong_answer_below_one(task):
    env = family_env(task)
    verdict = score(env, env.rows()[0], tagged("definitely not the answer 123"))
    assert verdict.reward < 1.0 and not verdict.correct, (task, verdict)


def test_families_without_a_reference_answer_leave_answer_empty():
    assert [build(task, size=1).rows()[0]["answer"] for task in sorted(NO_REFERENCE)] == [None, None]


def test_a_reply_without_answer_tags_scores_zero():
    env = build("chain_sum", size=1, seed=0)
    row = env.rows()[0]
    verdict = score(env, row, row["answer"])
    assert verdict.reward == 0.0 and verdict.details["extracted"] is None


def test_a_row_from_another_generation_is_scored_against_its_stored_entry():
    env = build("chain_sum", size=1, seed=0)
    row = json.loads(json.dumps(env.rows()[0]))
    row["info"]["seed"] = 99  # these coordinates generate another question now
    verdict = score(env, row, tagged(row["answer"]))
    assert verdict.reward == 1.0 and verdict.details["entry_source"] == "stored"


def test_unknown_task_is_one_clear_error():
    with pytest.raises(envsdk.UnknownNameError, match="unknown reasoning-gym task 'no_such_task'"):
        build("no_such_task")
    with pytest.raises(envsdk.EnvsdkError, match="needs task=NAME"):
        envsdk.load_environment("reasoning-gym")


def test_verify_rescores_json_rows_in_worker_processes(tmp_path):
    # arc_agi compares tuple boards, which a JSON round trip turns into lists: rescoring must regenerate.
    rows = build("arc_agi", size=2, seed=0).rows()
    lines = [{**rows[0], "completion": tagged(rows[0]["answer"])}, {**rows[1], "completion": tagged("1 2\n3 4")}]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = envsdk_cli("verify", "reasoning-gym", "-a", '{"task": "arc_agi"}', "--input", str(src),
                        "--output", str(out), "--workers", "1")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [v["reward"] for v in verdicts] == [1.0, 0.05]


def test_envsdk_list_counts_every_family_and_lists_them(capsys):
    from envsdk.cli.main import main

    assert main(["list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("env reasoning-gym "))
    assert line.endswith(f"[{len(FAMILIES)} variants: envsdk list reasoning-gym]")
    assert main(["list", "reasoning-gym"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [x.split()[1] for x in listed[:-1]] == FAMILIES
    assert listed[-1] == f"{len(FAMILIES)} variants of reasoning-gym"
