"""Which program a completion stands for: last fenced Python block, prompt prepended to bodies."""

from __future__ import annotations

import pytest

from envsdk_env_code import build_program, fenced_code

PROMPT = 'import math\n\n\ndef helper(x):\n    return x + 1\n\n\ndef f(x):\n    """Doc."""\n'


def test_the_last_python_block_wins_over_earlier_and_other_language_blocks():
    text = "First try:\n```python\nx = 1\n```\nShell:\n```bash\nls\n```\nFinal:\n```py\nx = 2\n```\nDone."
    assert fenced_code(text) == "x = 2\n"


def test_an_untagged_block_counts_as_python():
    assert fenced_code("Here:\n```\nprint(1)\n```") == "print(1)\n"


def test_a_block_cut_off_by_the_token_limit_still_yields_its_code():
    assert fenced_code("```python\ndef f():\n    return 1\n") == "def f():\n    return 1\n"


def test_raw_code_without_fences_is_used_as_is():
    assert fenced_code("def f(x):\n    return x\n") == "def f(x):\n    return x\n"


def test_a_function_body_gets_the_prompt_prepended():
    program = build_program("    return helper(x)\n", PROMPT)
    assert program.with_prompt and program.problem is None and program.code.startswith(PROMPT)


def test_a_full_program_keeps_the_prompt_helpers_and_overrides_the_stub():
    program = build_program("def f(x):\n    return helper(x) * 2\n", PROMPT)
    namespace: dict = {}
    exec(program.code, namespace)
    assert namespace["f"](1) == 4


def test_empty_code_is_reported_as_such():
    program = build_program("I don't know.\n```python\n\n```", "")
    assert program.problem and "empty" in program.problem


def test_a_syntax_error_is_reported_with_its_line():
    program = build_program("def f(:\n    pass\n", "")
    assert program.problem.startswith("SyntaxError") and "line 1" in program.problem


def test_a_fence_closes_only_on_the_same_fence_alone_on_its_line():
    text = "```python\nx = '```'\n ```` \ny = 1\n```\n"
    assert fenced_code(text) == "x = '```'\n ```` \ny = 1\n"


# Shapes that made the old single-regex scan quadratic (an opener followed by a long run the lazy body
# and the tag pattern both try to take); the line scan reads each character once, so 1 MiB stays cheap.
PATHOLOGICAL = {
    "opener_then_spaces_without_newline": "```" + " " * (1 << 20),
    "opener_then_one_long_line": "```python\n" + " " * (1 << 20) + "x",
    "many_unclosed_openers": "```\n" + "```python x\n" * (1 << 16),
    "near_miss_closers": "```\n" + " ````x\n" * (1 << 17),
}


@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_pathological_fences_are_scanned_once(shape):
    text = PATHOLOGICAL[shape]
    code = fenced_code(text)
    assert isinstance(code, str) and len(code) <= len(text)
