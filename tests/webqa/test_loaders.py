"""Public QA sets load through `datasets` (tested on local files laid out like the Hub sets)."""

import json

import pytest

import envsdk
from envsdk_env_webqa.tasks import builtin_rows, public_rows


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_nq_style_rows_keep_every_alias(tmp_path):
    path = write_jsonl(tmp_path / "nq.jsonl", [{"question": "who wrote x", "answer": ["A. Author", "Author"]}])
    [row] = public_rows("nq", path=path)
    assert row["prompt"] == "who wrote x" and row["answer"] == ["A. Author", "Author"]
    assert row["id"] == "nq-validation-0" and row["info"]["source"] == "nq"


def test_hotpotqa_style_rows_carry_the_question_type(tmp_path):
    records = [{"id": "5a8", "question": "q1", "answer": "yes", "type": "comparison"}, {"id": "5a9", "question": "q2", "answer": "Paris", "type": "bridge"}]
    rows = public_rows("hotpotqa", path=write_jsonl(tmp_path / "h.jsonl", records), limit=1)
    assert rows == [{"id": "5a8", "prompt": "q1", "answer": ["yes"], "info": {"source": "hotpotqa", "type": "comparison"}}]


def test_simpleqa_style_rows_read_parquet(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "simpleqa.parquet"
    datasets.Dataset.from_list([{"problem": "When?", "answer": "14 March 1879", "metadata": "{}"}]).to_parquet(str(path))
    [row] = public_rows("simpleqa", path=str(path), split="test")
    assert row["prompt"] == "When?" and row["answer"] == ["14 March 1879"]


def test_an_unknown_set_names_the_known_ones():
    with pytest.raises(ValueError, match="hotpotqa"):
        public_rows("triviaqa-x")


def test_builtin_questions_have_multi_hop_items_and_aliases():
    rows = builtin_rows()
    assert len(rows) >= 20 and sum(r["info"]["hops"] >= 2 for r in rows) >= 8
    assert all(isinstance(r["answer"], list) and r["answer"] for r in rows)


def test_load_environment_uses_a_public_set_when_asked(tmp_path):
    path = write_jsonl(tmp_path / "nq.jsonl", [{"question": "q", "answer": ["a"]}])
    env = envsdk.load_environment("webqa", qa_set="nq", qa_path=path)
    assert [r["prompt"] for r in env.rows("eval")] == ["q"]
