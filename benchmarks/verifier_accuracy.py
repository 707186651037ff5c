"""Math and QA verifier accuracy in one run: accuracy, false passes (FP) and false negatives (FN) per set.

Math: benchmarks/math_accuracy.py's table (the frozen set, our cases by kind, issue 21's cases by kind, and the
peer cases in the repo: Math-Verify's test_all and verl's numeric canonicalisation, by the peer's labels and by
our documented policy), envsdk beside math-verify and verl. QA: benchmarks/webqa_grader.py's report (its
by-kind sets, probes and peer cases), the rule layer beside SQuAD EM and F1.

Run: python benchmarks/verifier_accuracy.py [--show-errors]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import math_accuracy  # noqa: E402
import webqa_grader  # noqa: E402


def main() -> None:
    show_errors = "--show-errors" in sys.argv
    print("== math (docs/math.md) ==")
    math_accuracy.print_table(show_errors)
    print("\n== QA (docs/webqa.md) ==")
    webqa_grader.main()  # reads --show-errors from sys.argv itself


if __name__ == "__main__":
    main()
