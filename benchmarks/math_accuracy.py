"""Math verifier accuracy on every labelled set, plus the throughput ratio, in one run.

Sets: the frozen equivalence set (tests/math/equivalence_cases.jsonl), our cases by kind
(tests/math/conformance/own_kinds.jsonl and issue 21's kinds_issue21.jsonl, whose tolerance cases carry their
options) and the peer cases whose settings match ours
(tests/math/conformance/math_verify_test_all.jsonl, verl_numeric_canonicalization.jsonl; labels as the peer
wrote them, and as our policy expects where docs/math.md lists a deliberate difference). Graders: envsdk's
verifier (default and `require_commit=True`), math-verify called the fair way
(`verify(parse("$" + gold + "$"), parse(pred))`, the gold wrapped only when it has no delimiters of its own)
and verl's `math_reward` rule (benchmarks/math_verl_rule.py). Then benchmarks/math_throughput.py's
whole-command comparison.

Run: python benchmarks/math_accuracy.py [--show-errors] [--no-throughput]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from math_throughput import compare_commands  # noqa: E402
from math_verl_rule import verl_math_reward  # noqa: E402

from envsdk_env_math.verifier import verify_answer  # noqa: E402

TESTS = Path(__file__).parents[1] / "tests/math"


def _cases(path: Path, completion_key: str) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    cases = []
    for r in rows:
        if r.get("selected", True):
            label = r.get("label", r.get("expected"))
            cases.append({"id": r["id"], "gold": r["gold"], "completion": r[completion_key],
                          "question": r.get("question"), "label": label, "policy": r.get("expected_envsdk", label),
                          "require_commit": r.get("require_commit", False), "options": r.get("options", {})})
    return cases


def math_verify_fair(gold: str, completion: str) -> bool:
    from math_verify import parse, verify

    delimited = any(mark in gold for mark in ("$", "\\boxed", "\\(", "\\["))
    return bool(verify(parse(gold if delimited else f"${gold}$"), parse(completion)))


def envsdk_grade(case: dict, require_commit: bool) -> bool:
    return verify_answer(case["gold"], case["completion"], case["question"], require_commit=require_commit,
                         **case["options"]).correct


GRADERS = {
    "envsdk": lambda c: envsdk_grade(c, c["require_commit"]),
    "envsdk-strict": lambda c: envsdk_grade(c, True),
    "math-verify": lambda c: math_verify_fair(c["gold"], c["completion"]),
    "verl": lambda c: verl_math_reward(c["gold"], c["completion"]),
}
SETS = {
    "frozen 374 (equivalence_cases)": (TESTS / "equivalence_cases.jsonl", "completion"),
    "own cases by kind": (TESTS / "conformance/own_kinds.jsonl", "completion"),
    "issue 21 cases by kind": (TESTS / "conformance/kinds_issue21.jsonl", "completion"),
    "Math-Verify test_all (selected)": (TESTS / "conformance/math_verify_test_all.jsonl", "pred"),
    "verl numeric canonicalization": (TESTS / "conformance/verl_numeric_canonicalization.jsonl", "pred"),
}


def score(cases: list[dict], label_key: str, show_errors: bool) -> dict[str, tuple[int, int, int]]:
    """(right, false positives, false negatives) per grader against `label_key`."""
    out = {}
    for name, grade in GRADERS.items():
        right = fp = fn = 0
        for case in cases:
            said, truth = bool(grade(case)), case[label_key]
            right += said == truth
            fp += said and not truth
            fn += truth and not said
            if show_errors and name == "envsdk" and said != truth:
                print(f"  MISS {case['id']} gold={case['gold'][:60]!r} completion={case['completion'][-80:]!r}")
        out[name] = (right, fp, fn)
    return out


def print_table(show_errors: bool = False) -> None:
    """One line per set and labelling: accuracy, false positives and false negatives of every grader."""
    print(f"{'set (labels)':<46}{'n':>5}" + "".join(f"{name:>22}" for name in GRADERS))
    for title, (path, key) in SETS.items():
        cases = _cases(path, key)
        labels = [("label", "labels")]
        if any(c["policy"] != c["label"] for c in cases):
            labels.append(("policy", "our policy"))
        for label_key, label_name in labels:
            results = score(cases, label_key, show_errors and label_key == labels[-1][0])
            cells = "".join(f"{f'{100 * r / len(cases):.1f}% FP{fp} FN{fn}':>22}" for r, fp, fn in results.values())
            print(f"{f'{title} ({label_name})':<46}{len(cases):>5}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-errors", action="store_true", help="print envsdk's misjudged cases")
    parser.add_argument("--no-throughput", action="store_true", help="skip the whole-command throughput run")
    args = parser.parse_args()
    print_table(args.show_errors)
    if not args.no_throughput:
        print()
        compare_commands()


if __name__ == "__main__":
    main()
