"""The one fixed set of rollouts every path scores, and the values they must get, worked out by hand.

Three sets, each a list of groups (one prompt, its n completions):

* `math`: the shipped `math` environment with DARLING (`final-answer` classifier: two long responses are
  the same strategy iff their final answers match; responses of at most 5 words use the paper's
  short-answer rule). The advantage step is the one DARLING needs: scale "none", A = r - mean(group).
* `code`: the shipped `code` environment, one HumanEval-style task, one passing and one failing solution;
  no transform, the default advantage step (scale "group").
* `partial`: `parity-partial` (tests/parity/envs.py), a partial-credit rubric that returns a float and never
  sets `passed`, and raises on an empty completion (a verifier bug: the rollout must be flagged, left out
  of the baseline where the face can abstain, and never count as correct); no transform, scale "group".

Definitions (docs/reference.md, "Group transforms" and "Verdicts"; DARLING: docs/darling.md):
  Div_i = (n - |C(i)|) / (n - 1);  r_darling,i = r_i * max(Div_i, 0.1)
  scale none:  A_i = r_i - mean(r);  scale group: A_i = (r_i - mean(r)) / (std(r, ddof=1) + 1e-4)
  correct: `passed` when the verifier sets it, else full credit (reward >= 1) without a verifier failure
  pass@k = 1 - C(n - c, k) / C(n, k) per group (c correct of n), averaged over groups
"""

from __future__ import annotations

import math

KS = (1, 2)

# ---- math -------------------------------------------------------------------------------------------
MATH_ROWS = [
    {"id": "m1", "prompt": "What is 5 + 7?", "answer": "12"},
    {"id": "m2", "prompt": "What is the square root of 49?", "answer": "7"},
]
MATH_COMPLETIONS = [
    [  # two correct (final answer 12), two wrong (final answer 13): classes {0, 1}, {2, 3}
        "Adding five and seven gives twelve, so the answer is \\boxed{12}.",
        "Seven plus five: count up from seven five times and reach \\boxed{12}.",
        "Adding five and seven carefully, I get \\boxed{13}.",
        "I counted on my fingers and ended at \\boxed{13}.",
    ],
    [  # all correct and all one class: 0 ~ 1 by the short-answer rule, the rest by the final answer
        "\\boxed{7}",
        "\\boxed{7}",
        "The answer is clearly seven, namely \\boxed{7}.",
        "Since 7 times 7 is 49, the root is \\boxed{7}.",
    ],
]

# ---- code -------------------------------------------------------------------------------------------
ADD_TESTS = {
    "kind": "humaneval",
    "entry_point": "add",
    "prompt": "def add(a, b):\n",
    "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n",
}
CODE_ROWS = [{"id": "c1", "prompt": "Complete `def add(a, b):` so it returns a + b.", "tests": ADD_TESTS}]
CODE_COMPLETIONS = [
    [
        "```python\ndef add(a, b):\n    return a + b\n```",
        "```python\ndef add(a, b):\n    return a - b\n```",
    ]
]

# ---- partial credit without `passed` ----------------------------------------------------------------
PARTIAL_ROWS = [{"id": "p1", "prompt": "Name the four colours of the flag.", "answer": "red,green,blue,white"}]
PARTIAL_COMPLETIONS = [["red green blue white", "red and green", "only red", "no idea", ""]]

ROWS = {"math": MATH_ROWS, "code": CODE_ROWS, "partial": PARTIAL_ROWS}
COMPLETIONS = {"math": MATH_COMPLETIONS, "code": CODE_COMPLETIONS, "partial": PARTIAL_COMPLETIONS}
ENVS = {"math": "math", "code": "code", "partial": "parity-partial"}
DARLING = ("darling", {"classifier": "final-answer"})
TRANSFORMS = {"math": [DARLING], "code": [], "partial": []}
SCALES = {"math": "none", "code": "group", "partial": "group"}
GROUP_SIZES = {name: len(groups[0]) for name, groups in COMPLETIONS.items()}


def _group_scaled(rewards: list[float]) -> list[float]:
    mean = sum(rewards) / len(rewards)
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / (len(rewards) - 1))
    return [(r - mean) / (std + 1e-4) for r in rewards]


# ---- expected values, from the definitions above -------------------------------------------------------
# What the verifiers say (before any transform), one list per group.
RAW_REWARDS = {
    "math": [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]],
    "code": [[1.0, 0.0]],
    "partial": [[1.0, 0.5, 0.25, 0.0, 0.0]],  # share of the 4 colours named; the failed verifier gives 0.0
}
# Which rollouts the face reports as verifier failures (an `error`, an error flag, or an abstained reward).
FLAGGED = {
    "math": [[False] * 4, [False] * 4],
    "code": [[False, False]],
    "partial": [[False, False, False, False, True]],
}
CORRECT = {
    "math": [[True, True, False, False], [True, True, True, True]],  # passed
    "code": [[True, False]],  # passed
    "partial": [[True, False, False, False, False]],  # no `passed`: only full credit; a failure never counts
}
# The reward a trainer receives. math: m1 has classes of 2 and 2, Div = (4 - 2)/3 = 2/3 for everyone, so the
# correct pair gets 1 * 2/3 and the wrong pair 0; m2 is one class, Div = 0, floored to 0.1. The failed
# verifier abstains (None) where the face can abstain; a face that cannot (OpenRLHF, verl) gets 0.0.
FINAL_REWARDS = {
    "math": [[2 / 3, 2 / 3, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1]],
    "code": RAW_REWARDS["code"],
    "partial": [[1.0, 0.5, 0.25, 0.0, None]],
}
ADVANTAGES = {
    # scale none: mean(m1) = 1/3; m2 is constant
    "math": [[1 / 3, 1 / 3, -1 / 3, -1 / 3], [0.0, 0.0, 0.0, 0.0]],
    # scale group: mean 0.5, std (ddof 1) = sqrt(0.5): A = ±0.5 / (sqrt(0.5) + 1e-4)
    "code": [_group_scaled([1.0, 0.0])],
    # the failed rollout is out of the baseline (advantage 0); over the 4 kept: mean 0.4375, deviations
    # 0.5625, 0.0625, -0.1875, -0.4375, std = sqrt(0.546875 / 3)
    "partial": [_group_scaled([1.0, 0.5, 0.25, 0.0]) + [0.0]],
}
# pass@k with c correct of n: math (c=2, n=4) and (4, 4): pass@1 = (0.5 + 1)/2, pass@2 = (1 - 1/6 + 1)/2;
# code (1, 2): 0.5 and 1; partial (1, 5): 0.2 and 1 - C(4,2)/C(5,2) = 0.4 (the failed rollout is one of n).
PASS_AT_K = {
    "math": {"pass@1": 0.75, "pass@2": 11 / 12},
    "code": {"pass@1": 0.5, "pass@2": 1.0},
    "partial": {"pass@1": 0.2, "pass@2": 0.4},
}


def flat(groups: list[list]) -> list:
    """A set's values in batch order (group after group)."""
    return [x for g in groups for x in g]


def batch(name: str) -> tuple[list[dict], list[str]]:
    """A set as a trainer's flat batch: each row repeated once per completion, groups contiguous."""
    rows = [row for row, comps in zip(ROWS[name], COMPLETIONS[name]) for _ in comps]
    return rows, flat(COMPLETIONS[name])
