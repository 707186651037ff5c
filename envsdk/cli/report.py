"""`envsdk report RUN [RUN2] [--output report.html]`: a static HTML page to look at one run or compare two."""

from __future__ import annotations

from pathlib import Path

from .main import parser


def main(argv: list[str]) -> int:
    p = parser("report", "Write one self-contained HTML page (curves, summary, rollout table) for a run, "
                         "or two side by side.")
    p.add_argument("run", type=Path, help="a trainer run directory, an eval/verify OUT.jsonl, or a file of rollout "
                                          "records (e.g. `envsdk serve --log-rollouts`)")
    p.add_argument("other", type=Path, nargs="?", help="a second run to compare with the first (e.g. GRPO vs DARLING)")
    p.add_argument("--output", type=Path, default=Path("report.html"),
                   help="the HTML file to write (default: report.html)")
    p.add_argument("--max-rollouts", type=int, default=2000,
                   help="rollouts per run in the table, the latest whole groups kept (default: 2000)")
    args = p.parse_args(argv)
    if args.max_rollouts < 0:
        p.error("--max-rollouts must be 0 or more")
    from ..report import load_run, write_report

    runs = [load_run(path, args.max_rollouts) for path in (args.run, args.other) if path is not None]
    written = write_report(runs, args.output)
    print(f"wrote {written} ({' vs '.join(run.label for run in runs)})")
    return 0
