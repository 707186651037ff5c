"""Cheap paths before sympy (docs/math.md, "Throughput"): they may only prove inequality or exact equality,
never let a wrong answer pass, and keep sympy unimported for plain answers; strict mode through the env; the
last sentence found from the tail, as a whole scan finds it."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys

import pytest

import envsdk
from envsdk.executor import Executor, ExecutorConfig
from envsdk_env_math.extract import _SENTENCE_BREAK, _last_sentence_start
from envsdk_env_math.numeric import clearly_different, float_value
from tests.helpers.shared_data import shared_file


@pytest.mark.parametrize(
    ("latex", "value"),
    [(r"\sqrt{34} + 3\sqrt{10}", 34**0.5 + 3 * 10**0.5), (r"\frac{\pi}{2}", 1.5707963267948966),
     (r"2^{10}", 1024.0), (r"\sqrt[3]{8}", 2.0), (r"-(3)(4)", -12.0)],
)
def test_float_value_reads_simple_closed_forms(latex, value):
    assert float_value(latex) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("latex", ["x + 1", r"\frac12", "1/0", r"(-8)^{0.5}", r"\{1, 2\}", "1,000", r"2^{5000}"])
def test_float_value_declines_what_it_cannot_read_exactly(latex):
    assert float_value(latex) is None


def test_close_floats_are_not_called_different():
    assert clearly_different(1.0, 1.001) and not clearly_different(2.0**80, 2.0**80 + 1)


def test_plain_answers_are_verified_without_importing_sympy():
    script = (
        "import sys\n"
        "from envsdk_env_math import verify_answer\n"
        "pairs = [('28', r'so $\\boxed{\\sqrt{34}+3\\sqrt{10}}$'), (r'\\frac{1}{9}', r'$\\boxed{\\frac19}$'),\n"
        "         ('4:30', r'$\\boxed{4:30 \\text{ p.m.}}$'), ('12', 'The answer is 12.'), ('0.5', '50\\\\%')]\n"
        "print([verify_answer(g, c).correct for g, c in pairs], 'sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["[False,", "True,", "True,", "True,", "True]", "False"], out.stderr


def test_strict_mode_passes_through_load_environment():
    async def score(env):
        async with Executor(env, ExecutorConfig(workers=1, timeout_s=30.0)) as executor:
            verdicts = await executor.score_group([{"answer": "48"}] * 2, ["48", r"So $\boxed{48}$."])
        return [v.passed for v in verdicts]

    lenient = envsdk.load_environment("math", size=1)
    strict = envsdk.load_environment("math", size=1, require_commit=True)
    assert asyncio.run(score(lenient)) == [True, True]
    assert asyncio.run(score(strict)) == [False, True]


def _whole_scan_start(body: str) -> int:
    """The last sentence's start by scanning all of `body` (what `_last_sentence_start` must equal)."""
    cuts = [m.end() for m in _SENTENCE_BREAK.finditer(body)]
    return max((c for c in cuts if c < len(body) - 1), default=0)


def test_the_last_sentence_is_found_from_the_tail_exactly_as_a_whole_scan_finds_it():
    rng = random.Random(7)
    alphabet = [".", "!", "?", ";", "\n", "$", "}", " ", " ", "  ", "A", "x", "Grade it 1", r"\boxed{2}"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 3000))) for _ in range(1500)]
    # a break that is a run of spaces after a formula, crossing the first window's edge with a new line inside it
    texts += ["$x$" + " " * 100 + "\n" + " " * 200 + "Grade it 1", " " * 300 + "x", "a." + "y" * 5000, "", "."]
    cot = shared_file("math/math_cot_dev.jsonl").read_text().splitlines()
    texts += [c for line in cot for c in json.loads(line)["completions"]]
    differ = [t[-80:] for t in texts if _last_sentence_start(t.rstrip()) != _whole_scan_start(t.rstrip())]
    assert differ == [] and len(texts) > 1800
