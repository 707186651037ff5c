"""`envsdk eval ENV --model M [--base-url URL]`: sample r completions per example from an OpenAI-compatible server,
or from a local transformers model without `--base-url`; verify, summarise (docs/reference.md, "envsdk eval")."""

from __future__ import annotations

import asyncio
import json
import sys
from itertools import count
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..clients.openai import OpenAIChatClient
from ..environment import Environment
from ..errors import OptionError, validation_message
from ..record import RECORD_VERSION, RecordError, RolloutRecord, summarize, write_records
from ..runmeta import check_resume, resume_key
from ..scoring import BatchScorer
from ..scoring.batch import group_id
from ..verdict import Verdict
from .common import (add_env_args, add_output_options, executor_config, load_env, meta_path, print_summary, progress,
                     ray_executor, refuse_to_replace, show_progress, write_meta)
from .main import parser


SAMPLING_FAILED = "sampling failed"  # the error of a rollout whose request failed (what --resume redoes)


def _failed(record: RolloutRecord) -> bool:
    return (record.verdict.error or "").startswith(SAMPLING_FAILED)


def _done_groups(path: Path, env: Environment, rows: list[dict], n: int) -> dict[str, list[RolloutRecord]]:
    """Groups already complete in an interrupted run's output, read as records of any version (partial groups
    and groups with a failed request are redone; a line the kill cut off is skipped). They are written back as
    this run's records of the current version, with their row's prompt when they lack one (version 1)."""
    prompts = {group_id(env.name, row): row.get("prompt") for row in rows}
    groups: dict[str, list[RolloutRecord]] = {}
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(data, dict):
                    raise RecordError(f"{path}:{number}: expected a JSON object, got {type(data).__name__}; "
                                      "--overwrite starts afresh")
                try:
                    record = RolloutRecord.from_line(data)
                except ValidationError as exc:
                    raise RecordError(f"{path}:{number}: {validation_message(exc)}; --overwrite starts afresh") from None
                stamp = {"version": RECORD_VERSION, "source": "eval", "env": record.env or env.name,
                         "prompt": record.prompt if record.prompt is not None else prompts.get(record.group_id)}
                groups.setdefault(record.group_id, []).append(record.model_copy(update=stamp))
    return {
        gid: recs
        for gid, recs in groups.items()
        if len({r.rollout_index for r in recs}) >= n and not any(map(_failed, recs))
    }


async def _sample_group(env: Environment, client, row: dict, n: int, sampling: dict) -> list:
    async def one():
        try:
            return await env.rollout(client, row, **sampling)
        except Exception as exc:  # a failed request is a flagged rollout, not a dead run
            return exc

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _records(scorer: BatchScorer, row: dict, results: list) -> list[RolloutRecord]:
    """The group's records, in sampling order: the spine's for the answered requests (stamped with the
    sample's index, truncation and token usage), a `sampling failed` error for each failed one."""
    ok = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
    scored = await scorer.score([row] * len(ok), [None] * len(ok), [results[i].completion for i in ok],
                                states=[results[i].state for i in ok]) if ok else None
    spine = dict(zip(ok, scored.records)) if scored else {}
    gid = group_id(scorer.name, row)
    records = []
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            records.append(RolloutRecord.of(
                Verdict.from_error(f"{SAMPLING_FAILED}: {result}"), on_error=scorer.on_error, source="eval",
                env=scorer.name, id=row.get("id"), group_id=gid, rollout_index=i, prompt=row.get("prompt")))
        else:
            truncated = result.state.get("finish_reason") == "length"
            records.append(spine[i].model_copy(update={
                "source": "eval", "rollout_index": i, "truncated": truncated, "usage": result.usage}))
    return records


async def _run(env: Environment, args, out: Path, remote: Any = None) -> list[RolloutRecord]:
    """Sample and score every row's group, appending each group's records to `out` as it finishes; returns
    all of them (the resumed ones included) in the rows' order."""
    rows = env.rows(args.split)[: args.limit] if args.limit else env.rows(args.split)
    done = _done_groups(out, env, rows, args.n) if args.resume else {}
    records: list[RolloutRecord] = [r for recs in done.values() for r in recs]
    with out.open("w", encoding="utf-8") as fh:
        write_records(fh, records)
    client = _client(args)
    sampling = {"temperature": args.temperature, "max_tokens": args.max_tokens}
    order = {group_id(env.name, r): i for i, r in reversed(list(enumerate(rows)))}  # each group's first row
    todo = [r for r in rows if group_id(env.name, r) not in done]
    bar = progress(len(todo) * args.n, f"eval {env.name}", enabled=show_progress(args))
    lock = asyncio.Lock()
    scorer = BatchScorer(env, executor=remote or executor_config(args))

    async def group(row: dict) -> None:
        scored = await _records(scorer, row, await _sample_group(env, client, row, args.n, sampling))
        async with lock:
            with out.open("a", encoding="utf-8") as fh:
                write_records(fh, scored)
            records.extend(scored)
            bar.update(args.n)

    try:
        await asyncio.gather(*(group(r) for r in todo))
    finally:
        await scorer.aclose()
        if remote is not None:
            await remote.aclose()
        await client.aclose()
    bar.close()
    return sorted(records, key=lambda r: (order.get(r.group_id, len(order)), r.rollout_index))


def _client(args):
    """The server's client with `--base-url`, else the local model `--model` names (a path or a Hugging Face id)."""
    if args.base_url:
        return OpenAIChatClient(args.base_url, args.model, api_key_env=args.api_key_env,
                                max_concurrency=args.concurrency, max_retries=args.retries)
    from ..clients.hf_generator import HFChatClient

    print(f"envsdk eval: no --base-url: sampling from the local model {args.model} (transformers)", file=sys.stderr)
    return HFChatClient.from_pretrained(args.model, seed=args.seed)


def main(argv: list[str]) -> int:
    p = parser("eval", "Sample completions from an OpenAI-compatible endpoint, or a local transformers model, verify "
                       "them and report pass@k.")
    add_env_args(p)
    p.add_argument("--model", required=True,
                   help="with --base-url: the model name sent with each request; without: a local model folder "
                        "or Hugging Face id, run with transformers on this machine (GPU when there is one)")
    p.add_argument("--base-url", help="the server's OpenAI API root, e.g. http://127.0.0.1:8000/v1 "
                                      "(default: no server, the local --model)")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    p.add_argument("-r", "--rollouts-per-example", "-n", dest="n", type=int, default=1,
                   help="completions sampled per example (vf-eval's -r; its -n counts examples: that is --limit "
                        "here)")
    p.add_argument("--k", default="1", help="comma-separated k for pass@k (k <= -r)")
    p.add_argument("--limit", type=int, help="evaluate the first L examples")
    p.add_argument("--split", default="eval", help="dataset split (eval falls back to train)")
    p.add_argument("--temperature", type=float, default=None, help="sampling temperature (default: the server's; "
                                                                   "1.0 for a local model)")
    p.add_argument("--max-tokens", type=int, default=None, help="completion token limit (default: the server's; for "
                                                                "a local model, its context's room)")
    p.add_argument("--seed", type=int, default=0, help="seed of a local model's sampling")
    p.add_argument("--concurrency", type=int, default=32, help="simultaneous requests")
    p.add_argument("--retries", type=int, default=4,
                   help="retries per request on transient failures (a refused connection before any answer "
                        "is not retried)")
    add_output_options(p, "output JSONL (default: ENV.eval.jsonl, or ENV.eval.N.jsonl if taken)",
                       "keep the complete groups of an interrupted run")
    args = p.parse_args(argv)
    ks = parse_ks(args.k, args.n)
    env = load_env(args)
    remote = ray_executor(env, args)  # a cluster that cannot be joined stops the command before it writes
    out = _output(env, args)
    key = resume_key(environment=env.name, env_kwargs=env.spec.kwargs if env.spec else {}, model=args.model,
                     split=args.split, n=args.n, temperature=args.temperature, max_tokens=args.max_tokens)
    if args.resume and not check_resume(meta_path(out), key, out):
        print(f"envsdk eval: nothing to resume ({out} does not exist); starting afresh", file=sys.stderr)
        args.resume = False
    source = {"base_url": args.base_url} if args.base_url else {"local_model": True, "seed": args.seed}
    write_meta(out, "eval", env, args, model=args.model, n=args.n, resume_key=key, **source)
    records = asyncio.run(_run(env, args, out, remote))
    summary = summarize(records, ks)
    out.with_name(out.name.removesuffix(".jsonl") + ".summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    write_meta(out, "eval", env, args, model=args.model, n=args.n, resume_key=key, records=records, **source)
    print_summary(summary, sys.stdout)
    return _failures(records, args.base_url)


def parse_ks(text: str, n: int) -> list[int]:
    """The k of `--k 1,4,16`: positive integers no larger than `-n`."""
    try:
        ks = sorted({int(k) for k in text.split(",") if k.strip()})
    except ValueError:
        raise OptionError(f"--k expects comma-separated integers, got {text!r}") from None
    if not ks or ks[0] < 1 or ks[-1] > n:
        raise OptionError(f"--k {text}: each k must be between 1 and -r ({n}); sample more with -r {max(ks or [1])}")
    return ks


def _output(env: Environment, args) -> Path:
    """`--output`, else `ENV.eval.jsonl` (`ENV.eval.N.jsonl` when an earlier run holds that name; `--resume`
    takes the newest); the path is printed. An explicit `--output` an earlier run wrote needs `--resume` or
    `--overwrite`."""
    if args.output:
        out = args.output
        refuse_to_replace(out, out, args, "an earlier run's rollouts are there")
    else:
        numbered = (Path(f"{env.name}.eval.jsonl" if i == 1 else f"{env.name}.eval.{i}.jsonl") for i in count(1))
        taken: list[Path] = []
        for out in numbered:
            if not out.exists():
                break
            taken.append(out)
        if args.resume and taken:
            out = taken[-1]
    print(f"envsdk eval: writing {out}", file=sys.stderr)
    return out


def _failures(records: list[RolloutRecord], base_url: str | None) -> int:
    """Exit status: 0 when every request was answered, else 1 with one line saying what to check."""
    failed = [r for r in records if _failed(r)]
    if not failed:
        return 0
    first = failed[0].verdict.error.removeprefix(f"{SAMPLING_FAILED}: ")
    if len(failed) == len(records) and base_url:
        hint = (f"is the server up, and does --base-url end in /v1 (requests go to {base_url.rstrip('/')}"
                "/chat/completions)?")
        print(f"envsdk eval: error: every request failed ({first}); {hint}", file=sys.stderr)
    else:
        print(f"envsdk eval: error: {len(failed)} of {len(records)} requests failed (first: {first}); they count as "
              "incorrect in the summary; --resume retries their groups", file=sys.stderr)
    return 1
