"""Rule-layer accuracy of the web-QA grader on the frozen labelled set, next to SQuAD EM and token F1.

SQuAD EM / F1 have no "not attempted": they predict correct when EM = 1 (or F1 >= 0.5), else incorrect.
Run: python benchmarks/webqa_grader.py [--show-errors]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from envsdk_env_webqa.grader import CORRECT, INCORRECT, grade, squad_em, squad_f1

SETS = {
    "frozen set (written before the grader)": Path(__file__).parents[1] / "tests/webqa/grading_set.jsonl",
    "second set (written after the grader; 41/44 before its 3 misses were fixed)": Path(__file__).parents[1] / "tests/webqa/grading_heldout.jsonl",
}


def report(title: str, path: Path, show_errors: bool) -> None:
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    hits = Counter()
    errors = []
    started = time.perf_counter()
    for case in cases:
        aliases, pred, expected = case["aliases"], case["prediction"], case["expected"]
        got = grade(pred, aliases)
        hits["rules"] += got.outcome == expected
        hits["squad_em"] += (CORRECT if squad_em(pred, aliases) == 1 else INCORRECT) == expected
        hits["squad_f1"] += (CORRECT if squad_f1(pred, aliases) >= 0.5 else INCORRECT) == expected
        if got.outcome != expected:
            errors.append(f"  {case['note']}: {pred!r} vs {aliases} -> {got.outcome} ({got.reason}), expected {expected}")
    elapsed = time.perf_counter() - started
    n = len(cases)
    print(f"\n{title}: {n} labelled cases ({dict(Counter(c['expected'] for c in cases))})")
    print(f"{'grader':<22}{'accuracy':>10}{'vs SQuAD EM':>14}")
    for name, label in (("rules", "rule layer"), ("squad_em", "SQuAD EM"), ("squad_f1", "SQuAD F1 >= 0.5")):
        print(f"{label:<22}{hits[name] / n:>10.3f}{hits[name] / max(hits['squad_em'], 1):>13.2f}x")
    print(f"rule layer: {1000 * elapsed / n:.2f} ms per case (first call loads dateparser)")
    if show_errors and errors:
        print("rule-layer errors:\n" + "\n".join(errors))


def main() -> None:
    for title, path in SETS.items():
        report(title, path, "--show-errors" in sys.argv)


if __name__ == "__main__":
    main()
