"""`envsdk verify ENV --input IN.jsonl`: score saved rollouts offline (docs/reference.md, "envsdk verify")."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..environment import Environment
from ..executor import Executor
from ..journal import Journal, row_hash
from ..scoring import verify_saved
from ..verdict import Verdict
from .common import add_env_args, executor_config, load_env, progress, verdict_line, write_meta
from .main import parser


@dataclass
class _Row:
    line: int
    data: dict

    @cached_property
    def key(self) -> str:
        """The journal key: line number and content hash (hashing a long completion is not free)."""
        return f"{self.line}:{row_hash(self.data)}"


def read_rows(path: Path) -> tuple[list[_Row], str | None]:
    """Rows up to the first line that is not a JSON object, and an error naming that line."""
    rows: list[_Row] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                return rows, f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})"
            if not isinstance(data, dict):
                return rows, f"{path}:{number}: expected a JSON object, got {type(data).__name__}"
            rows.append(_Row(number, data))
    return rows, None


async def _verify(env: Environment, rows: list[_Row], journal: Journal | None, args) -> dict[int, Verdict]:
    results: dict[int, Verdict] = {}
    todo: list[_Row] = []
    for row in rows:
        if journal is not None and row.key in journal.done:
            results[row.line] = Verdict.model_validate(journal.done[row.key])
        else:
            todo.append(row)
    bar = progress(len(todo), f"verify {env.name}")

    def done(task: list[int], verdicts: list[Verdict]) -> None:
        if journal is not None:
            for i, verdict in zip(task, verdicts):
                journal.add(todo[i].key, verdict.model_dump())
        bar.update(len(task))

    async with Executor(env, executor_config(args)) as executor:
        verdicts = await verify_saved(executor, [r.data for r in todo], on_task=done)
    bar.close()
    results.update((row.line, verdict) for row, verdict in zip(todo, verdicts))
    return results


def main(argv: list[str]) -> int:
    p = parser("verify", "Score saved rollouts offline; one output line per input line, in order.")
    add_env_args(p)
    p.add_argument("--input", required=True, type=Path, help="JSONL rows with `completion` and the env's fields")
    p.add_argument("--output", type=Path, help="output JSONL (default: stdout)")
    p.add_argument("--resume", action="store_true", help="skip rows already journalled by an interrupted run")
    args = p.parse_args(argv)
    env = load_env(args)
    rows, bad_line = read_rows(args.input)
    journal = Journal(Path(str(args.output) + ".journal"), resume=args.resume) if args.output else None
    results = asyncio.run(_verify(env, rows, journal, args))
    lines = [json.dumps(verdict_line(results[r.line], id=r.data.get("id")), ensure_ascii=False) for r in rows]
    if args.output:
        args.output.write_text("".join(line + "\n" for line in lines))
        write_meta(args.output, "verify", env, args, input=str(args.input), rows=len(rows))
        journal.close(remove=bad_line is None)
    else:
        sys.stdout.write("".join(line + "\n" for line in lines))
    if bad_line:
        print(f"envsdk verify: error: {bad_line}; the {len(rows)} rows before it were written", file=sys.stderr)
        return 2
    return 0
