"""`envsdk audit ENV`: what would a reward-hacking policy earn? Probes, report and exit status: docs/audit.md."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ..audit import AuditReport, audit, available_probes, select_probes
from .common import add_env_args, executor_config, load_env
from .main import parser


def _table(report: AuditReport) -> str:
    header = f"{'probe':<22} {'pack':<13} {'rows':>4} {'reward':>7} {'excess':>7} {'beats':>6} {'abstain':>7}  status"
    lines = [f"audit of {report.env} on {len(report.row_ids)} rows ({report.split}); plain wrong answer "
             f"{report.baseline.completion!r}: mean reward {report.baseline.mean_reward:.3f}", header]
    for title, results in (("", report.probes), ("gold-aware checks (they see the gold; not hacks):", report.gold_checks)):
        shown = [r for r in results if r.status != "not_applicable"]
        if title and shown:
            lines.append(title)
        lines += [f"{r.name:<22} {r.pack:<13} {r.rows:>4} {r.mean_reward:>7.3f} {r.excess_reward:>7.3f} "
                  f"{r.beats_wrong_rate:>6.2f} {r.abstain_rate:>7.2f}  {r.status}" for r in shown]
    skipped = [r.name for r in report.probes if r.status == "not_applicable"]
    if skipped:
        lines.append(f"not applicable here: {', '.join(skipped)}")
    verdict = "PASSED: no probe rewarded" if report.passed else f"FAILED: {', '.join(report.flagged)}"
    return "\n".join(lines + [verdict])


def main(argv: list[str]) -> int:
    p = parser("audit", "Score gold-blind reward hacks through the environment; exit 1 when one is rewarded.")
    add_env_args(p)
    p.add_argument("--limit", type=int, default=5, help="rows to audit (drawn with --seed)")
    p.add_argument("--probes", help="comma-separated probe or pack names (default: every installed probe)")
    p.add_argument("--gold-checks", action="store_true", help="also run the gold-aware normalisation checks")
    p.add_argument("--threshold", type=float, default=0.0,
                   help="flag a probe whose reward exceeds the wrong answer's, or whose abstain rate exceeds, this")
    p.add_argument("--split", default="eval", help="dataset split (eval falls back to train)")
    p.add_argument("--seed", type=int, default=0, help="seed of the row draw")
    p.add_argument("--output", type=Path, help="write the JSON report here")
    args = p.parse_args(argv)
    selection = [s.strip() for s in (args.probes or "").split(",") if s.strip()]
    probes = select_probes(available_probes(), selection, args.gold_checks)
    env = load_env(args)
    config = executor_config(args)
    report = asyncio.run(_audit(env, probes, args, config))
    if args.output:
        args.output.write_text(report.model_dump_json(indent=2) + "\n")
    print(_table(report), file=sys.stdout)
    return 0 if report.passed else 1


async def _audit(env, probes, args, config) -> AuditReport:
    try:
        return await audit(env, probes=probes, limit=args.limit, split=args.split, seed=args.seed,
                           threshold=args.threshold, executor=config)
    finally:
        await env.aclose()
