"""Loaders on local fixtures imitating each hub set (fixtures/fixtures.json names dataset and revision),
on the shared real rows when present, and seeded reasoning-gym tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import envsdk
from envsdk_env_math import verify_answer
from envsdk_env_math.datasets import SOURCES
from tests.helpers.shared_data import shared_file

FIXTURES = Path(__file__).parent / "fixtures"
MANIFEST = json.loads((FIXTURES / "fixtures.json").read_text())
EXPECTED_GOLDS = {
    "gsm8k.jsonl": ["31", "8750"],
    "math.jsonl": [r"\frac{5}{6}", r"\sqrt{2}"],
    "math500.jsonl": [r"\left( 3, \frac{\pi}{2} \right)"],
    "aime24.jsonl": ["024"],
    "aime25.jsonl": ["1001"],
    "amc23.jsonl": ["27"],
    "olympiadbench.jsonl": ["2, -2"],
}


def rows_of(dataset: str, path: Path, **kwargs) -> list[dict]:
    return envsdk.load_environment("math", dataset=dataset, path=str(path), **kwargs).rows()


def test_every_fixture_names_the_hub_set_and_revision_it_imitates():
    for name, meta in MANIFEST.items():
        source = SOURCES[name.removesuffix(".jsonl")]
        assert (meta["imitates"], meta["config"], meta["split"]) == (source.hub_id, source.config, source.split)
        assert meta["revision"] == source.revision


@pytest.mark.parametrize("fixture", sorted(EXPECTED_GOLDS))
def test_loader_extracts_gold_answers_from_fixture(fixture):
    rows = rows_of(fixture.removesuffix(".jsonl"), FIXTURES / fixture)
    assert [r["answer"] for r in rows] == EXPECTED_GOLDS[fixture]


def test_rows_carry_boxed_prompt_source_and_stable_id():
    (row, _) = rows_of("gsm8k", FIXTURES / "gsm8k.jsonl")
    assert "\\boxed{}" in row["prompt"] and row["info"]["source"] == "gsm8k" and row["id"] == "gsm8k-0"


def test_limit_caps_rows():
    assert len(rows_of("gsm8k", FIXTURES / "gsm8k.jsonl", limit=1)) == 1


@pytest.mark.parametrize(
    "dataset, file", [("gsm8k", "gsm8k"), ("aime24", "aime24"), ("aime25", "aime25"), ("amc23", "amc23"),
                      ("olympiadbench", "olympiadbench"), ("local", "minerva_math"), ("local", "hmmt")]
)
def test_loader_reads_real_published_rows(dataset, file):
    path = shared_file(f"math/{file}.jsonl")
    rows = rows_of(dataset, path, limit=5)
    assert len(rows) == 5 and all(isinstance(r["answer"], str) and r["answer"] for r in rows)


def test_reasoning_gym_rows_are_seeded_and_offline():
    first = envsdk.load_environment("math", tasks=["basic_arithmetic"], size=3, seed=7).rows()
    again = envsdk.load_environment("math", tasks=["basic_arithmetic"], size=3, seed=7).rows()
    other = envsdk.load_environment("math", tasks=["basic_arithmetic"], size=3, seed=8).rows()
    assert first == again and first != other and first[0]["info"]["source"] == "reasoning_gym/basic_arithmetic"


def test_reasoning_gym_gold_verifies_its_own_boxed_answer():
    for row in envsdk.load_environment("math", size=2).rows():
        assert verify_answer(row["answer"], f"\\boxed{{{row['answer']}}}").correct, row


def test_unknown_dataset_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown math dataset"):
        envsdk.load_environment("math", dataset="nope").rows()
