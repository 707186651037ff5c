"""sympy and the parsers are warmed up lazily (environments/math_env/warm.py): only a comparison that needs them
pays for them, and never out of its CPU budget; a command whose answers are all plain never imports them
(docs/math.md, "Determinism" and "Throughput")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Records each of the comparison's libraries that is loaded while a comparison budget is armed (the CPU timer
# running): that load (most of the ~0.7 s warm-up) would be charged to the answer that came first in its process.
# sympy's own lazy loads of a submodule on first use (milliseconds, e.g. `sympy.sets.setexpr`) are not counted.
_CHARGED_IMPORTS = """
import json, signal, sys
from envsdk_env_math import verify_answer

charged = []

def audit(event, args):
    if event == "import" and args[0] in ("sympy", "latex2sympy2_extended", "math_verify", "antlr4"):
        if signal.getitimer(signal.ITIMER_PROF)[0] > 0:
            charged.append(args[0])

sys.addaudithook(audit)
gold, pred, rel_tol = json.loads(sys.argv[1])
result = verify_answer(gold, pred, rel_tol=rel_tol)
print(json.dumps({"correct": result.correct, "sympy": "sympy" in sys.modules, "charged": charged}))
"""


@pytest.mark.parametrize(
    ("gold", "pred", "rel_tol"),
    [
        (r"\frac{x^2-1}{x-1}", "x+1", 0.0),  # math-verify's parse and verify
        ("y = 2x + 1", "2y = 4x + 2", 0.0),  # equations up to a factor
        (r"(2, \infty)", "x > 2", 0.0),  # an inequality against an interval
        (r"\frac12", "0.50001", 1e-3),  # a tolerance against a gold the cheap reader declines
    ],
    ids=["sympy_of", "equations", "sets", "tolerance"],
)
def test_a_fresh_process_loads_sympy_only_outside_the_budget(gold, pred, rel_tol):
    out = subprocess.run([sys.executable, "-c", _CHARGED_IMPORTS, json.dumps([gold, pred, rel_tol])],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"correct": True, "sympy": True, "charged": []}


_VERIFY_IN_PROCESS = """
import sys
from envsdk.cli.main import main

code = main(["verify", "math", "--input", sys.argv[1], "--output", sys.argv[2], "--workers", "2"])
print(code, "sympy" in sys.modules)
"""


def _verify(tmp_path: Path, pairs: list[tuple[str, str]]) -> tuple[str, list[float]]:
    """`envsdk verify math --workers 2` (forked workers) run in a fresh interpreter: its last stdout line
    (exit code, whether the parent imported sympy) and the rewards in order."""
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps({"id": str(i), "answer": g, "completion": c}) + "\n"
                              for i, (g, c) in enumerate(pairs)))
    proc = subprocess.run([sys.executable, "-c", _VERIFY_IN_PROCESS, str(source), str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()[-1], [json.loads(line)["reward"] for line in out.read_text().splitlines()]


def test_a_command_with_plain_answers_never_imports_sympy(tmp_path):
    pairs = [("12", r"So $\boxed{12}$."), (r"\frac{1}{9}", r"$\boxed{\frac19}$"), ("0.5", "50\\%"),
             ("28", r"$\boxed{\sqrt{34}+3\sqrt{10}}$")] * 4
    assert _verify(tmp_path, pairs) == ("0 False", [1.0, 1.0, 1.0, 0.0] * 4)


def test_forked_workers_warm_up_themselves_when_an_answer_needs_sympy(tmp_path):
    pairs = [("12", r"So $\boxed{12}$."), (r"\frac{x^2-1}{x-1}", r"$\boxed{x+1}$"), ("y = 2x + 1", "2y = 4x + 2"),
             ("28", r"$\boxed{27}$")] * 3
    assert _verify(tmp_path, pairs) == ("0 False", [1.0, 1.0, 1.0, 0.0] * 3)
