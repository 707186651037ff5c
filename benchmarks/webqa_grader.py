"""The web-QA rule layer against SQuAD EM and SQuAD token F1 >= 0.5 on every labelled set, in one run.

Accuracy is agreement with the set's label (correct / incorrect / not attempted); FP counts answers
credited that the label says are not correct, FN correct answers not credited. SQuAD EM / F1 have no "not
attempted": they predict correct when EM = 1 (or F1 >= 0.5), else incorrect. The peer cases are scored
twice: against our labels and against the peer's own verdicts (see `why_we_differ` in the data).
Run: python benchmarks/webqa_grader.py [--show-errors]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from envsdk_env_webqa.grader import CORRECT, INCORRECT, grade, squad_em, squad_f1

DATA = Path(__file__).parents[1] / "tests/webqa"
SETS = [
    ("frozen set (written before the first grader)", "grading_set.jsonl", "expected"),
    ("second set (after the first grader)", "grading_heldout.jsonl", "expected"),
    ("kinds, dev (written before grader v2)", "grading_kinds.jsonl", "expected"),
    ("kinds, held-out (written before grader v2)", "grading_kinds_heldout.jsonl", "expected"),
    ("kinds, second held-out (written at 10:10, after most of v2)", "grading_kinds_heldout2.jsonl", "expected"),
    ("kinds, third held-out (written at 10:27, near the end of v2)", "grading_kinds_heldout3.jsonl", "expected"),
    ("answers as sentences, fourth held-out (written at 10:33)", "grading_kinds_heldout4.jsonl", "expected"),
    ("probes (written after grader v2: regressions, not an estimate)", "grading_probes.jsonl", "expected"),
    ("peer cases, our labels", "peer_cases.jsonl", "expected"),
    ("peer cases, the peers' labels", "peer_cases.jsonl", "peer_expected"),
]
GRADERS = {
    "rule layer": lambda p, a: grade(p, a).outcome,
    "rule layer, strict": lambda p, a: grade(p, a, strict=True).outcome,
    "SQuAD EM": lambda p, a: CORRECT if squad_em(p, a) == 1 else INCORRECT,
    "SQuAD F1 >= 0.5": lambda p, a: CORRECT if squad_f1(p, a) >= 0.5 else INCORRECT,
}


def report(title: str, path: Path, label: str, show_errors: bool) -> None:
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    print(f"\n{title}: {len(cases)} cases {dict(Counter(c[label] for c in cases))}")
    print(f"  {'grader':<20}{'accuracy':>10}{'FP':>5}{'FN':>5}")
    for name, judge in GRADERS.items():
        started = time.perf_counter()
        tally, errors = Counter(), []
        for case in cases:
            expected = case.get(f"{label}_strict", case[label]) if name.endswith("strict") else case[label]
            got = judge(case["prediction"], case["aliases"])
            tally["right"] += got == expected
            tally["fp"] += got == CORRECT and expected != CORRECT
            tally["fn"] += got != CORRECT and expected == CORRECT
            if got != expected and name == "rule layer":
                errors.append(f"    {case['note']}: {case['prediction']!r} vs {case['aliases']} -> {got}, expected {expected}")
        ms = 1000 * (time.perf_counter() - started) / len(cases)
        print(f"  {name:<20}{tally['right'] / len(cases):>10.3f}{tally['fp']:>5}{tally['fn']:>5}   ({ms:.2f} ms/case)")
        if show_errors and errors:
            print("\n".join(errors))


def main() -> None:
    for title, name, label in SETS:
        report(title, DATA / name, label, "--show-errors" in sys.argv)


if __name__ == "__main__":
    main()
