"""The web-QA rule layer against SQuAD EM and SQuAD token F1 >= 0.5 on every labelled set, in one run.

Accuracy is agreement with the set's label (correct / incorrect / not attempted); FP counts answers
credited that the label says are not correct, FN correct answers not credited. SQuAD EM / F1 have no "not
attempted": they predict correct when EM = 1 (or F1 >= 0.5), else incorrect. The peer cases are scored
twice: against our labels and against the peer's own verdicts (see `why_we_differ` in the data). Sets with
a `kind` column are also broken down by kind. A case marked `known_miss` counts as a miss.

`qa_figures()` returns the same figures for other benchmarks (benchmarks/verifier_accuracy.py).
Run: python benchmarks/webqa_grader.py [--show-errors]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

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
    ("issue 21 kinds, dev (written before grader v3)", "grading_kinds5.jsonl", "expected"),
    ("issue 21 kinds, held-out (written before grader v3)", "grading_kinds5_heldout.jsonl", "expected"),
    ("issue 21 probes (written after grader v3)", "grading_probes2.jsonl", "expected"),
    ("peer cases, our labels", "peer_cases.jsonl", "expected"),
    ("peer cases, the peers' labels", "peer_cases.jsonl", "peer_expected"),
]
Grader = Callable[[str, list[str]], str]
GRADERS: dict[str, Grader] = {
    "rule layer": lambda p, a: grade(p, a).outcome,
    "rule layer, strict": lambda p, a: grade(p, a, strict=True).outcome,
    "SQuAD EM": lambda p, a: CORRECT if squad_em(p, a) == 1 else INCORRECT,
    "SQuAD F1 >= 0.5": lambda p, a: CORRECT if squad_f1(p, a) >= 0.5 else INCORRECT,
}


@dataclass
class Figures:
    """Agreement with the labels on one set (or one kind of it)."""

    cases: int = 0
    right: int = 0
    false_passes: int = 0
    false_negatives: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.cases if self.cases else 0.0

    def add(self, got: str, expected: str) -> None:
        self.cases += 1
        self.right += got == expected
        self.false_passes += got == CORRECT and expected != CORRECT
        self.false_negatives += got != CORRECT and expected == CORRECT


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def score(cases: list[dict], label: str, grader: Grader, strict: bool = False) -> tuple[Figures, dict[str, Figures], list[str]]:
    """Figures for the whole set, per kind, and the disagreements."""
    total, kinds, errors = Figures(), {}, []
    for case in cases:
        expected = case.get(f"{label}_strict", case[label]) if strict else case[label]
        got = grader(case["prediction"], case["aliases"])
        total.add(got, expected)
        if "kind" in case:
            kinds.setdefault(case["kind"], Figures()).add(got, expected)
        if got != expected:
            errors.append(f"    {case['note']}: {case['prediction']!r} vs {case['aliases']} -> {got}, expected {expected}")
    return total, kinds, errors


def qa_figures() -> dict[str, dict[str, float | int]]:
    """The rule layer (default policy) on every labelled QA set: {set title: {cases, accuracy,
    false_passes, false_negatives}}, plus `title / kind` entries for the sets with kinds."""
    out: dict[str, dict[str, float | int]] = {}
    for title, name, label in SETS:
        total, kinds, _ = score(load(name), label, GRADERS["rule layer"])
        for key, figures in [(title, total)] + [(f"{title} / {k}", f) for k, f in sorted(kinds.items())]:
            out[key] = {"accuracy": figures.accuracy, **{k: v for k, v in asdict(figures).items() if k != "right"}}
    return out


def report(title: str, name: str, label: str, show_errors: bool) -> None:
    cases = load(name)
    print(f"\n{title}: {len(cases)} cases {dict(Counter(c[label] for c in cases))}")
    print(f"  {'grader':<20}{'accuracy':>10}{'FP':>5}{'FN':>5}")
    for grader_name, grader in GRADERS.items():
        started = time.perf_counter()
        total, kinds, errors = score(cases, label, grader, strict=grader_name.endswith("strict"))
        ms = 1000 * (time.perf_counter() - started) / len(cases)
        print(f"  {grader_name:<20}{total.accuracy:>10.3f}{total.false_passes:>5}{total.false_negatives:>5}   ({ms:.2f} ms/case)")
        if grader_name == "rule layer":
            for kind, figures in sorted(kinds.items()) if len(kinds) > 1 else []:
                print(f"    {kind:<18}{figures.accuracy:>10.3f}{figures.false_passes:>5}{figures.false_negatives:>5}"
                      f"   ({figures.cases} cases)")
            if show_errors and errors:
                print("\n".join(errors))


def main() -> None:
    for title, name, label in SETS:
        report(title, name, label, "--show-errors" in sys.argv)


if __name__ == "__main__":
    main()
