"""Run an audit: sample rows, play every probe's attempts through the environment's own rollout, score them
through the scoring spine (same executor and rubric as training), and compare with a plain wrong answer.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any, Sequence

from ..scoring import BatchScorer
from ..clients.chat import ChatReply
from ..env_group import EnvGroup
from ..environment import Environment, RolloutResult
from ..errors import EnvsdkError
from ..executor import ExecutorChoice
from ..messages import Messages
from ..multiturn import ToolEnv
from ..registry import load_environment, names, resolve
from ..verdict import Verdict
from .candidates import DECOY
from .carriers import carried
from .probe import AnyProbe, Attempt, GoldCheck, GoldContext, ProbeContext, as_probes
from .report import AuditReport, Baseline, Example, ProbeResult

PROBE_GROUP = "envsdk.probes"
BASELINE = "plain-wrong-answer"
_EXAMPLE_CHARS = 600


class ScriptedClient:
    """A ChatClient that plays one attempt: its fixed turns in order (then empty replies), or its policy."""

    def __init__(self, attempt: Attempt):
        self.attempt = attempt
        self.turn = 0

    async def chat(self, messages: Messages, **sampling: Any) -> ChatReply:
        if self.attempt.policy is not None:
            message = self.attempt.policy(messages)
        elif self.turn < len(self.attempt.turns):
            turn = self.attempt.turns[self.turn]
            message = {"role": "assistant", "content": turn} if isinstance(turn, str) else turn
        else:
            message = {"role": "assistant", "content": ""}
        self.turn += 1
        return ChatReply(message=dict(message), finish_reason="stop")


def available_probes() -> list[AnyProbe]:
    """Every installed probe and gold check, from all packs of the `envsdk.probes` entry-point group.

    Two probes with one name would merge in the report, so a clash is an error naming both packs."""
    probes = [p for pack in names(PROBE_GROUP) for p in as_probes(resolve(PROBE_GROUP, pack, "probe pack"), pack)]
    seen: dict[str, str] = {}
    for p in probes:
        if seen.setdefault(p.name, p.pack) != p.pack:
            raise EnvsdkError(f"probe {p.name!r} is defined by packs {seen[p.name]!r} and {p.pack!r}; rename one")
    return probes


def select_probes(available: Sequence[AnyProbe], selection: Sequence[str] | None, gold_checks: bool) -> list[AnyProbe]:
    """The probes named (by probe or pack name), else every probe plus, with `gold_checks`, the gold checks."""
    if not selection:
        return [p for p in available if gold_checks or not isinstance(p, GoldCheck)]
    known = {p.name for p in available} | {p.pack for p in available}
    unknown = [s for s in selection if s not in known]
    if unknown:
        raise EnvsdkError(f"unknown probe or pack {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}")
    return [p for p in available if p.name in selection or p.pack in selection]


def sample_rows(env: Environment, split: str, limit: int, seed: int) -> list[dict]:
    """`limit` rows drawn with `seed`; rows of a mixture (with an `env` field) are drawn from each member in turn."""
    rows = env.rows(split)
    if not rows:
        raise EnvsdkError(f"environment {env.name!r} has no rows in split {split!r}")
    rng = random.Random(seed)
    by_member: dict[Any, list[dict]] = {}
    for row in rng.sample(rows, len(rows)):
        by_member.setdefault(row.get("env"), []).append(row)
    queues = list(by_member.values())
    picked: list[dict] = []
    while len(picked) < min(limit, len(rows)):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop())
    return picked


def _member(env: Environment, row: dict) -> Environment:
    return env.member(row) if isinstance(env, EnvGroup) else env


def context(env: Environment, row: dict) -> ProbeContext:
    """What a probe may see of a row: the prompt as formatted for the model, and the tools. No gold."""
    member = _member(env, row)
    tools = tuple(member.tool_schemas) if isinstance(member, ToolEnv) else ()
    fmt = member.tool_format if isinstance(member, ToolEnv) else None
    return ProbeContext(row_id=str(row["id"]), prompt=env.format_prompt(row), tools=tools, tool_format=fmt)


@dataclass
class _Outcome:
    """One attempt after rollout and scoring."""

    probe: str
    row_id: str
    attempt: Attempt
    completion: Any = None
    reward: float | None = None
    verdict: Verdict | None = None


def _build(probe: AnyProbe, ctx: ProbeContext) -> list[Attempt]:
    """A probe's attempts for one row; a probe that raises is a broken plugin, named in one error line."""
    try:
        return list(probe.build(ctx))
    except Exception as exc:
        raise EnvsdkError(f"probe {probe.name!r} (pack {probe.pack!r}) failed on row {ctx.row_id!r}: "
                          f"{type(exc).__name__}: {exc}") from exc


async def _play(env: Environment, row: dict, attempt: Attempt, gate: asyncio.Semaphore) -> RolloutResult | Exception:
    async with gate:
        try:
            return await env.rollout(ScriptedClient(attempt), row)
        except Exception as exc:  # a rollout the probe breaks is reported, never fatal to the audit
            return exc


async def _run(env: Environment, rows: list[dict], probes: list[AnyProbe], scorer: BatchScorer,
               concurrency: int) -> list[_Outcome]:
    planned: list[tuple[dict, _Outcome]] = []
    for row in rows:
        ctx = context(env, row)
        member = _member(env, row)
        planned += [(row, _Outcome(BASELINE, ctx.row_id, a)) for a in carried(ctx, DECOY)]
        for probe in probes:
            if not probe.applies(member):
                continue
            probe_ctx = GoldContext(**vars(ctx), answer=row.get("answer")) if isinstance(probe, GoldCheck) else ctx
            planned += [(row, _Outcome(probe.name, ctx.row_id, a)) for a in _build(probe, probe_ctx)]
    gate = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(*(_play(env, row, o.attempt, gate) for row, o in planned))
    scored = [(row, o, r) for (row, o), r in zip(planned, results) if not isinstance(r, Exception)]
    for (_, o), r in zip(planned, results):
        if isinstance(r, Exception):
            o.verdict = Verdict.from_error(f"rollout failed: {type(r).__name__}: {r}")
    if scored:
        states = [r.state for _, _, r in scored]
        batch = await scorer.score(  # each attempt its own group: attempts are not samples of one policy
            [{**row, "group_id": f"{row['id']}::audit::{i}"} for i, (row, _, _) in enumerate(scored)],
            [row["prompt"] for row, _, _ in scored],
            [r.completion for _, _, r in scored],
            group_size=1,
            states=states if any(states) else None,
        )
        for (_, o, r), reward, verdict in zip(scored, batch.rewards, batch.verdicts):
            o.completion, o.reward, o.verdict = r.completion, reward, verdict
    return [o for _, o in planned]


def _short(value: Any) -> Any:
    """Long strings cut in the middle; message lists and dicts shortened field by field."""
    if isinstance(value, str):
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates from hostile probes
        if len(value) <= _EXAMPLE_CHARS:
            return value
        half = _EXAMPLE_CHARS // 2
        return f"{value[:half]} …[{len(value) - 2 * half} chars]… {value[-half:]}"
    if isinstance(value, list):
        return [_short(v) for v in value[:20]] + ([f"…[{len(value) - 20} more]"] if len(value) > 20 else [])
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    return value if isinstance(value, (int, float, bool, type(None))) else _short(str(value))


def _example(o: _Outcome) -> Example:
    verdict = o.verdict or Verdict()
    completion = o.completion if o.completion is not None else list(o.attempt.turns)
    return Example(row_id=o.row_id, label=o.attempt.label, completion=_short(completion), reward=o.reward,
                   error=_short(verdict.error), details=_short(json.loads(json.dumps(verdict.details, default=str))))


def _row_scores(outcomes: list[_Outcome]) -> dict[str, tuple[float, bool]]:
    """Per row: the best attempt's reward (an abstention counts 0) and whether any attempt abstained."""
    rows: dict[str, tuple[float, bool]] = {}
    for o in outcomes:
        best, abstained = rows.get(o.row_id, (0.0, False))
        rows[o.row_id] = (max(best, o.reward or 0.0), abstained or o.reward is None)
    return rows


def _result(probe: AnyProbe, outcomes: list[_Outcome], baseline: dict[str, tuple[float, bool]],
            threshold: float) -> ProbeResult:
    rows = _row_scores(outcomes)
    n = max(len(rows), 1)
    mean = sum(r for r, _ in rows.values()) / n
    excess = sum(max(0.0, r - baseline[row][0]) for row, (r, _) in rows.items()) / n
    beats = sum(r > baseline[row][0] + 1e-9 for row, (r, _) in rows.items()) / n
    abstain = sum(a for _, a in rows.values()) / n
    gold = isinstance(probe, GoldCheck)
    expect = probe.expect if gold else "reject"
    if not rows:
        status = "not_applicable"
    elif expect == "info":
        status = "info"
    elif excess > threshold:
        status = "rewarded"
    elif abstain > threshold:
        status = "abstained"
    else:
        status = "clean"
    shown = None
    if outcomes:
        key = (lambda o: o.reward is None) if status == "abstained" else (lambda o: o.reward or 0.0)
        shown = _example(max(outcomes, key=key))
    return ProbeResult(name=probe.name, pack=probe.pack, category=probe.category, description=probe.description,
                       gold_aware=gold, expect=expect, rows=len(rows), attempts=len(outcomes), mean_reward=mean,
                       excess_reward=excess, beats_wrong_rate=beats, abstain_rate=abstain, status=status,
                       example=shown)


async def audit(
    env: Environment,
    *,
    probes: Sequence[AnyProbe],
    limit: int = 5,
    split: str = "eval",
    seed: int = 0,
    threshold: float = 0.0,
    executor: ExecutorChoice | None = None,
    concurrency: int = 16,
) -> AuditReport:
    """Audit `env` with `probes` on `limit` sampled rows; see docs/audit.md for the report. `executor`: the
    verification executor (an executor object, an `ExecutorConfig` or a dict of its fields)."""
    if limit < 1:
        raise EnvsdkError(f"limit must be at least 1, got {limit}")
    if threshold < 0:
        raise EnvsdkError(f"threshold must be 0 or more, got {threshold}")
    rows = sample_rows(env, split, limit, seed)
    scorer = BatchScorer(env, executor=executor)
    try:
        outcomes = await _run(env, rows, list(probes), scorer, concurrency)
    finally:
        await scorer.aclose()
    by_probe: dict[str, list[_Outcome]] = {}
    for o in outcomes:
        by_probe.setdefault(o.probe, []).append(o)
    base_outcomes = by_probe.get(BASELINE, [])
    baseline = _row_scores(base_outcomes)
    results = [_result(p, by_probe.get(p.name, []), baseline, threshold) for p in probes]
    flagged = [r.name for r in results if r.status in ("rewarded", "abstained")]
    n = max(len(baseline), 1)
    return AuditReport(
        env=env.name,
        env_kwargs=env.spec.kwargs if env.spec else {},
        split=split,
        seed=seed,
        row_ids=[str(r["id"]) for r in rows],
        threshold=threshold,
        baseline=Baseline(completion=DECOY, mean_reward=sum(r for r, _ in baseline.values()) / n,
                          abstain_rate=sum(a for _, a in baseline.values()) / n),
        probes=[r for r in results if not r.gold_aware],
        gold_checks=[r for r in results if r.gold_aware],
        flagged=flagged,
        passed=not flagged,
    )


def run_audit(env: Environment | str, *, env_kwargs: dict[str, Any] | None = None,
              probes: Sequence[str | AnyProbe] | None = None, gold_checks: bool = False, **options: Any) -> AuditReport:
    """Synchronous entry point: an environment (or a registered name, built here and closed after), probes by
    name or as objects (default: every installed probe), and the options of `audit`."""
    built = load_environment(env, **(env_kwargs or {})) if isinstance(env, str) else env
    named = [p for p in probes or () if isinstance(p, str)]
    objects = [p for p in probes or () if not isinstance(p, str)]
    chosen = select_probes(available_probes(), named, gold_checks) if named or not objects else []

    async def run() -> AuditReport:
        try:
            return await audit(built, probes=chosen + objects, **options)
        finally:
            if built is not env:
                await built.aclose()

    return asyncio.run(run())
