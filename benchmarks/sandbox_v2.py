"""Sandbox v2 in one run: per-language compile+run overhead, the HumanEval ratio, and the tier table.

Each part is its own benchmark's function (sandbox_languages, code_humaneval, sandbox_overhead); this
prints them one after the other. The default run takes a few minutes on a 2-core machine; raise
`--n`, `--lang-n` or `--copies` for steadier figures.

    python benchmarks/sandbox_v2.py [--n 20] [--lang-n 3] [--copies 3] [--workers 2] [--skip docker]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from code_humaneval import humaneval_report  # noqa: E402
from sandbox_languages import language_table  # noqa: E402
from sandbox_overhead import tier_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="runs per tier-table cell")
    parser.add_argument("--lang-n", type=int, default=3, help="compiles and runs per language")
    parser.add_argument("--tier", default="1-fast", help="tier of the language table")
    parser.add_argument("--copies", type=int, default=3, help="HumanEval copies (164 samples each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], help="tier-table modes to skip, e.g. docker tier3")
    args = parser.parse_args()
    started = time.perf_counter()
    parts = [("Per-language compile + run overhead (p50 ms, sandboxed vs host)",
              language_table(args.lang_n, args.tier)),
             ("HumanEval canonical: whole commands", humaneval_report(args.copies, args.workers)),
             ("Tier table (trivial program vs a plain `python -c pass` of the same interpreter)",
              tier_table(args.n, args.skip))]
    for title, lines in parts:
        print(f"\n## {title}\n", flush=True)
        for line in lines:
            print(line, flush=True)
    print(f"\n# whole benchmark: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
