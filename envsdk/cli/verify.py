"""`envsdk verify ENV --input IN.jsonl`: score saved rollouts offline (CONTRACT §4)."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..environment import Environment
from ..errors import RowError
from ..executor import Executor
from ..journal import Journal, row_hash
from ..messages import is_messages
from ..verdict import Verdict
from .common import add_env_args, executor_config, load_env, progress, verdict_line, write_meta
from .main import parser


@dataclass
class _Row:
    line: int
    data: dict

    @property
    def key(self) -> str:
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


def check_row(env: Environment, data: dict) -> dict:
    """Common fields first (`completion`), then the environment's own (`answer`, `tests`...)."""
    completion = data.get("completion")
    if completion is None:
        raise RowError("missing field 'completion'")
    if not isinstance(completion, str) and not is_messages(completion):
        raise RowError("field 'completion' must be a string or a list of chat messages")
    return env.validate_row(data)


def _tasks(rows: list[_Row], chunk: int) -> list[list[_Row]]:
    """Rows sharing a group_id go together; the others in chunks of consecutive rows."""
    grouped: dict[str, list[_Row]] = {}
    loose: list[_Row] = []
    for row in rows:
        gid = row.data.get("group_id")
        (grouped.setdefault(str(gid), []) if gid is not None else loose).append(row)
    return list(grouped.values()) + [loose[i : i + chunk] for i in range(0, len(loose), chunk)]


async def _verify(env: Environment, rows: list[_Row], journal: Journal | None, args) -> dict[int, Verdict]:
    results: dict[int, Verdict] = {}
    todo: list[_Row] = []
    for row in rows:
        if journal is not None and row.key in journal.done:
            results[row.line] = Verdict.model_validate(journal.done[row.key])
            continue
        try:
            row.data = check_row(env, row.data)
        except RowError as exc:
            results[row.line] = Verdict.from_error(f"bad row (line {row.line}): {exc}")
            continue
        todo.append(row)
    bar = progress(len(todo), f"verify {env.name}")
    async with Executor(env, executor_config(args)) as executor:
        chunk = 1 if env.has_group_funcs else executor.config.rows_per_task

        async def run(task: list[_Row]) -> None:
            verdicts = await executor.score_group([r.data for r in task], [r.data["completion"] for r in task])
            for row, verdict in zip(task, verdicts):
                results[row.line] = verdict
                if journal is not None:
                    journal.add(row.key, verdict.model_dump())
            bar.update(len(task))

        await asyncio.gather(*(run(t) for t in _tasks(todo, chunk)))
    bar.close()
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
