"""reasoning-gym as envsdk environments: every family the installed version ships, scored by its own scorer."""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from importlib.metadata import version

import pytest

import envsdk

reasoning_gym = pytest.importorskip("reasoning_gym")
from reasoning_gym.factory import DATASETS  # noqa: E402

FAMILIES = sorted(DATASETS)
# reasoning-gym gives no known-correct answer for these (its scorer checks a plan it cannot produce itself).
NO_REFERENCE = {"boxnet", "rush_hour"}
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


@pytest.mark.parametrize("task", FAMILIES)
def test_every_family_scores_a_wrong_answer_zero(task):
    env = family_env(task)
    verdict = score(env, env.rows()[0], tagged("definitely not the answer 123"))
    assert (verdict.reward, verdict.passed) == (0.0, False), (task, verdict)
    reason = verdict.details["reason"].split(":")[0]
    assert reason in {"no full credit", "not the answer (exact match only)", "unparseable answer"}, (task, verdict)


# F3 (docs/interop.md, "Scoring policy"): reasoning-gym's inherited scorer pays len(gold)/len(answer) for any
# answer containing the gold, and several families' own scorers pay hedges. Each probe kind earns exactly 0.
CHAIN_SUM_GOLD = "-14282"  # chain_sum, seed 0, size 2, row 0: 1663 - 5242 - 9376 - 8961 + 7634


@pytest.mark.parametrize("answer, reason", [
    (f"{CHAIN_SUM_GOLD} or 7", "several numbers where the answer is one number"),             # hedge
    (f"7 or {CHAIN_SUM_GOLD}", "several numbers where the answer is one number"),             # hedge, gold last
    (", ".join(str(n) for n in range(-14290, -14270)), "several numbers where the answer is one number"),  # enumeration
    ("1663 - 5242 - 9376 - 8961 + 7634 = -14282", "several numbers where the answer is one number"),  # echoed prompt
    (f"The answer is {CHAIN_SUM_GOLD} for sure", "no full credit"),  # gold inside a longer answer
    ("", "empty answer"),
])
def test_a_hedge_enumeration_echo_or_buried_gold_earns_nothing(answer, reason):
    env = build("chain_sum", size=2, seed=0)
    row = env.rows()[0]
    assert row["answer"] == CHAIN_SUM_GOLD
    verdict = score(env, row, tagged(answer))
    assert (verdict.reward, verdict.passed, verdict.details["reason"]) == (0.0, False, reason)
    assert score(env, row, tagged(CHAIN_SUM_GOLD)).reward == 1.0


@pytest.mark.parametrize("task", ["basic_arithmetic", "count_bits", "caesar_cipher"])
def test_inherited_substring_scorer_pays_only_the_exact_answer(task):
    """These families inherit ProceduralDataset.score_answer: upstream pays the gold inside any longer text."""
    from reasoning_gym.dataset import ProceduralDataset

    strict, upstream = build(task, size=1, seed=0), build(task, size=1, seed=0, scoring="upstream")
    row = strict.rows()[0]
    assert type(reasoning_gym.create_dataset(task, size=1, seed=0)).score_answer is ProceduralDataset.score_answer
    longer = f"the answer: {row['answer']}"
    assert score(upstream, row, tagged(longer)).reward == pytest.approx(len(row["answer"]) / len(longer))
    assert (score(strict, row, tagged(longer)).reward, score(strict, row, tagged(row["answer"])).reward) == (0.0, 1.0)


@pytest.mark.parametrize("task, reason", [
    ("gsm_symbolic", "several numbers where the answer is one number"),
    ("time_intervals", "alternatives ('or') where the answer has none"),  # reads the first token only
    ("spell_backward", "alternatives ('or') where the answer has none"),  # compares letter positions only
])
def test_a_hedged_gold_that_the_familys_own_scorer_accepts_is_no_longer_full_credit(task, reason):
    """These families' own scorers pay `<gold> or -7319` the full 1.0 (audit finding F3)."""
    upstream, strict = build(task, size=1, scoring="upstream"), build(task, size=1)
    row = strict.rows()[0]
    hedge = tagged(f"{row['answer']} or -7319")
    assert score(upstream, row, hedge).reward == pytest.approx(1.0)
    verdict = score(strict, row, hedge)
    assert (verdict.reward, verdict.details["reason"]) == (0.0, reason)


def test_partial_scoring_keeps_a_familys_own_partial_credit_but_not_substring_credit():
    partial = build("spell_backward", size=1, seed=0, scoring="partial")
    row = partial.rows()[0]  # answer "noremopyh": spell_backward pays 1/9 per letter in place
    assert score(partial, row, tagged("noremXXXX")).reward == pytest.approx(5 / 9)
    assert score(build("spell_backward", size=1, seed=0), row, tagged("noremXXXX")).details == {
        "extracted": "noremXXXX", "entry_source": "generated", "scoring": "binary", "reason": "no full credit",
        "family_score": pytest.approx(5 / 9)}
    inherited = build("basic_arithmetic", size=1, seed=0, scoring="partial")  # inherits the substring scorer
    row = inherited.rows()[0]
    assert score(inherited, row, tagged(f"The answer is {row['answer']}")).reward == 0.0


def test_game_of_life_halting_no_longer_accepts_any_text():
    """Upstream compares bool(answer) with bool(gold): any non-empty text scored 1."""
    upstream, strict = build("game_of_life_halting", size=1, scoring="upstream"), build("game_of_life_halting", size=1)
    row = strict.rows()[0]
    assert row["answer"] in ("True", "False")
    assert (score(upstream, row, tagged("banana")).reward, score(strict, row, tagged("banana")).reward) == (1.0, 0.0)
    assert score(strict, row, tagged(row["answer"].lower())).reward == 1.0


def test_an_unknown_scoring_policy_is_one_clear_error():
    with pytest.raises(envsdk.EnvsdkError, match="scoring must be one of binary, partial, upstream, got 'lenient'"):
        build("chain_sum", scoring="lenient")


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
    from envsdk.cli.main import main

    assert main(["verify", "reasoning-gym", "-a", '{"task": "arc_agi"}', "--input", str(src), "--output", str(out),
                 "--workers", "1"]) == 0
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    # a wrong board: 0 (arc_agi's own scorer pays 0.05 for any board it can parse; scoring="partial" keeps that)
    assert [v["reward"] for v in verdicts] == [1.0, 0.0]


def test_envsdk_list_counts_every_family_and_lists_them(capsys):
    from envsdk.cli.main import main

    assert main(["list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("env reasoning-gym "))
    assert line.endswith(f"[{len(FAMILIES)} variants: envsdk list reasoning-gym]")
    assert main(["list", "reasoning-gym"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [x.split()[1] for x in listed[:-1]] == FAMILIES
    assert listed[-1] == f"{len(FAMILIES)} variants of reasoning-gym"


def test_prose_the_familys_parser_refuses_is_a_wrong_answer_not_an_abstention():
    """prime_factorization's scorer raises ValueError on text that is not `a × b`: upstream, an error verdict."""
    strict, upstream = build("prime_factorization", size=1), build("prime_factorization", size=1, scoring="upstream")
    row = strict.rows()[0]
    verdict = score(strict, row, tagged("Find the prime factorization"))
    assert (verdict.reward, verdict.error) == (0.0, None)
    assert verdict.details["reason"].startswith("unparseable answer: invalid literal for int()")
    assert score(upstream, row, tagged("Find the prime factorization")).error.startswith("score_answer: ValueError")
