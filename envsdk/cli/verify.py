"""`envsdk verify ENV --input IN.jsonl`: score saved rollouts offline (docs/reference.md, "envsdk verify")."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..environment import Environment
from ..executor import Executor
from ..jsonl import JsonlError, json_objects
from ..journal import Journal, row_hash
from ..record import RolloutRecord, summarize, write_records
from ..runmeta import check_resume, resume_key
from ..scoring.saved import saved_records, verify_saved
from ..verdict import Verdict
from .common import (add_env_args, add_output_options, executor_config, load_env, meta_path, print_summary, progress,
                     ray_executor, refuse_to_replace, show_progress, write_meta)
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
    """Rows up to the first line that is not a JSON object, and an error naming that line; blank lines
    are skipped (they get no output line)."""
    rows: list[_Row] = []
    try:
        for number, data in json_objects(path):
            rows.append(_Row(number, data))
    except JsonlError as exc:
        return rows, str(exc)
    return rows, None


async def _verify(env: Environment, rows: list[_Row], journal: Journal | None, args) -> dict[int, Verdict]:
    results: dict[int, Verdict] = {}
    todo: list[_Row] = []
    for row in rows:
        if journal is not None and row.key in journal.done:
            results[row.line] = Verdict.model_validate(journal.done[row.key])
        else:
            todo.append(row)
    bar = progress(len(todo), f"verify {env.name}", enabled=show_progress(args))

    def done(task: list[int], verdicts: list[Verdict]) -> None:
        if journal is not None:
            for i, verdict in zip(task, verdicts):
                journal.add(todo[i].key, verdict.model_dump())
        bar.update(len(task))

    async with ray_executor(env, args) or Executor(env, executor_config(args)) as executor:
        verdicts = await verify_saved(executor, [r.data for r in todo], whole_groups=env.has_group_funcs, on_task=done)
    bar.close()
    results.update((row.line, verdict) for row, verdict in zip(todo, verdicts))
    return results


def _key(env: Environment, args) -> dict:
    """What a resumed run must share with the journalled one: environment, its kwargs and the input file."""
    kwargs = env.spec.kwargs if env.spec else {}
    return resume_key(environment=env.name, env_kwargs=kwargs, input=str(args.input.resolve()))


def _journal(env: Environment, args) -> Journal:
    """The output's journal; `--resume` refuses one that another environment, kwargs or input produced, and
    an output an earlier run finished is replaced only with `--overwrite`. The metadata is written first, so
    a run killed mid-way can be resumed (and checked)."""
    path = Path(str(args.output) + ".journal")
    refuse_to_replace(args.output, path, args, f"an interrupted run's verdicts are journalled in {path}")
    resume = args.resume and check_resume(meta_path(args.output), _key(env, args), path)
    if args.resume and not resume:
        print(f"envsdk verify: nothing to resume ({path} does not exist); starting afresh", file=sys.stderr)
    write_meta(args.output, "verify", env, args, input=str(args.input), resume_key=_key(env, args))
    return Journal(path, resume=resume)


def main(argv: list[str]) -> int:
    p = parser("verify", "Score saved rollouts offline; one output line per input line, in order.")
    add_env_args(p)
    p.add_argument("--input", required=True, type=Path, help="JSONL rows with `completion` and the env's fields")
    add_output_options(p, "output JSONL (default: stdout)", "skip rows already journalled by an interrupted run")
    args = p.parse_args(argv)
    env = load_env(args)
    rows, bad_line = read_rows(args.input)
    journal = _journal(env, args) if args.output else None
    results = asyncio.run(_verify(env, rows, journal, args))
    records = saved_records(env.name, [r.data for r in rows], [results[r.line] for r in rows], source="verify")
    if args.output:
        with args.output.open("w", encoding="utf-8") as fh:
            write_records(fh, records)
        write_meta(args.output, "verify", env, args, input=str(args.input), rows=len(rows), resume_key=_key(env, args),
                   records=records)
        journal.close(remove=bad_line is None)
    else:
        write_records(sys.stdout, records)
    # the summary goes where the records do not: stdout when they went to a file, else stderr
    print_summary(summarize(records), sys.stdout if args.output else sys.stderr)
    if bad_line:
        print(f"envsdk verify: error: {bad_line}; the {len(rows)} rows before it were written", file=sys.stderr)
        return 2
    return _all_errors(records)


def _all_errors(records: list[RolloutRecord]) -> int:
    """Exit status: 1 when every row's verdict is an error (nothing was really scored), as `eval` does when
    every request failed; else 0."""
    if not records or any(r.verdict.error is None for r in records):
        return 0
    print(f"envsdk verify: error: every row's verdict is an error (first: {records[0].verdict.error}); check the "
          "input's fields against the environment's (`envsdk list`) and the -a arguments", file=sys.stderr)
    return 1
