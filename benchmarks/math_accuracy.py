"""Accuracy on the frozen labelled equivalence set: envsdk's math verifier vs plain math-verify
(`verify(parse(gold), parse(completion))`), math-verify with the gold wrapped in `$…$`, and verl's rule.

Run: python benchmarks/math_accuracy.py [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from math_verl_rule import verl_math_reward  # noqa: E402

from envsdk_env_math.verifier import verify_answer  # noqa: E402

CASES = Path(__file__).parents[1] / "tests/math/equivalence_cases.jsonl"


def math_verify_plain(gold: str, completion: str) -> bool:
    from math_verify import parse, verify

    return verify(parse(gold), parse(completion))


def math_verify_wrapped(gold: str, completion: str) -> bool:
    from math_verify import parse, verify

    return verify(parse(f"${gold}$"), parse(completion))


GRADERS = {
    "envsdk": lambda c: verify_answer(c["gold"], c["completion"], c.get("question")).correct,
    "math-verify": lambda c: math_verify_plain(c["gold"], c["completion"]),
    "mv-$gold$": lambda c: math_verify_wrapped(c["gold"], c["completion"]),
    "verl": lambda c: verl_math_reward(c["gold"], c["completion"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-errors", action="store_true", help="print envsdk's misjudged cases")
    args = parser.parse_args()
    cases = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    right = defaultdict(lambda: defaultdict(int))
    fp, fn = defaultdict(int), defaultdict(int)
    total = defaultdict(int)
    for case in cases:
        total[case["category"]] += 1
        for name, grade in GRADERS.items():
            said = bool(grade(case))
            if said == case["label"]:
                right[name][case["category"]] += 1
            elif said:
                fp[name] += 1
            else:
                fn[name] += 1
            if args.show_errors and name == "envsdk" and said != case["label"]:
                print(f"  MISS {case['id']} [{case['category']}] gold={case['gold']!r} completion={case['completion']!r} label={case['label']}")
    names = list(GRADERS)
    print(f"{'category':<12}{'n':>5}" + "".join(f"{n:>13}" for n in names))
    for category in sorted(total):
        print(f"{category:<12}{total[category]:>5}" + "".join(f"{right[n][category]:>13}" for n in names))
    n_all = len(cases)
    print(f"{'TOTAL':<12}{n_all:>5}" + "".join(f"{sum(right[n].values()):>13}" for n in names))
    print(f"{'accuracy':<17}" + "".join(f"{100 * sum(right[n].values()) / n_all:>12.1f}%" for n in names))
    print(f"{'false pos.':<17}" + "".join(f"{fp[n]:>13}" for n in names))
    print(f"{'false neg.':<17}" + "".join(f"{fn[n]:>13}" for n in names))


if __name__ == "__main__":
    main()
