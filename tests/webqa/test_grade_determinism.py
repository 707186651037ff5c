"""A rule-layer grade is a function of (prediction, aliases, strict) alone: not of the order pairs are graded
in, of what the process graded before, or of its caches. The grader has no time budget to overrun."""

import json
import random
import subprocess
import sys
from pathlib import Path

from envsdk_env_webqa import canonical, quantities
from envsdk_env_webqa.grader import grade

HERE = Path(__file__).parent
SCRIPT = """
import json, random, sys
from envsdk_env_webqa.grader import grade
pairs = json.load(sys.stdin)
order = list(range(len(pairs)))
random.Random(int(sys.argv[1])).shuffle(order)
out = {}
for i in order:
    g = grade(pairs[i][0], pairs[i][1], strict=pairs[i][2])
    out[i] = [g.outcome.value, g.reason.value, g.hedged, g.matched]
json.dump([out[i] for i in range(len(pairs))], sys.stdout)
"""


def _pairs() -> list:
    pairs = []
    for path in sorted(HERE.glob("grading_*.jsonl")) + [HERE / "peer_cases.jsonl"]:
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                pairs += [[row["prediction"], row["aliases"], strict] for strict in (False, True)]
    return pairs


def _in_a_fresh_process(pairs: list, seed: int) -> list:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(seed)], input=json.dumps(pairs), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def _here(pairs: list) -> list:
    return [[g.outcome.value, g.reason.value, g.hedged, g.matched]
            for g in (grade(p, a, strict=s) for p, a, s in pairs)]


def test_grades_do_not_depend_on_order_process_or_caches():
    pairs = _pairs()
    assert len(pairs) >= 500
    reference = _here(pairs)
    canonical.canon.cache_clear(), canonical._parse_date.cache_clear(), quantities.convert.cache_clear()
    reversed_here = _here(pairs[::-1])[::-1]
    assert reversed_here == reference
    for seed in (1, 2):
        fresh = _in_a_fresh_process(pairs, seed)
        assert fresh == reference, [(pairs[i], a, b) for i, (a, b) in enumerate(zip(fresh, reference)) if a != b][:5]


def test_one_pair_graded_alone_in_a_fresh_process_agrees_with_a_warm_one():
    pairs = random.Random(0).sample(_pairs(), 4)
    assert [_in_a_fresh_process([pair], 0)[0] for pair in pairs] == _here(pairs)
