"""From a model's completion to the program to run: the last fenced Python block, the prompt when needed."""

from __future__ import annotations

import re
from dataclasses import dataclass

# An opening fence with an optional language tag (matched against one line at a time, so the scan is
# linear in the completion's length); the block runs to the same fence alone on a line, or to the end
# (a completion cut off by the token limit still yields its code).
_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)")
_PYTHON_TAGS = {"", "python", "py", "python3", "py3"}


@dataclass(frozen=True)
class Program:
    """The code to run, or why there is none (`problem`), plus whether the prompt was prepended."""

    code: str
    problem: str | None = None
    with_prompt: bool = False


def _blocks(text: str) -> list[tuple[str, str]]:
    """(tag, body) of every fenced block, in order, in one pass over the lines."""
    blocks: list[tuple[str, str]] = []
    fence, tag, body = None, "", []
    for line in text.splitlines(keepends=True):
        if fence is None:
            opening = _OPEN.match(line)
            if opening and line.endswith("\n"):
                fence, tag, body = opening.group(1), opening.group(2).lower(), []
        elif line.strip(" \t\r\n") == fence and line.lstrip(" \t").startswith(fence):
            blocks.append((tag, "".join(body)))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        blocks.append((tag, "".join(body)))
    return blocks


# Fence tags that mark each language's code (an untagged block counts for any language).
LANGUAGE_TAGS = {
    "python": _PYTHON_TAGS,
    "cpp": {"", "cpp", "c++", "cc", "cxx"},
    "java": {"", "java"},
    "nodejs": {"", "javascript", "js", "node", "nodejs"},
    "go": {"", "go", "golang"},
    "rust": {"", "rust", "rs"},
}


def fenced_code(text: str, language: str = "python") -> str:
    """The last fenced block of `language` (or untagged), else the text itself."""
    tags = LANGUAGE_TAGS[language]
    blocks = [body for tag, body in _blocks(text) if tag in tags]
    if blocks:
        return blocks[-1]
    return text


def build_source(completion: str, language: str) -> Program:
    """The program for a completion in a compiled or non-Python language: its last fenced block of that
    language; the compiler (in the sandbox) reports syntax errors."""
    code = fenced_code(completion, language)
    if not code.strip():
        return Program("", problem="empty code: the completion holds no program")
    return Program(code)


def compile_problem(code: str) -> str | None:
    """None when `code` compiles, else the compiler's message with its line."""
    try:
        compile(code, "solution.py", "exec", optimize=0)
    except SyntaxError as exc:
        return f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return f"{type(exc).__name__}: {exc}"
    return None


def _is_body(code: str) -> bool:
    first = next((line for line in code.splitlines() if line.strip()), "")
    return first[:1] in (" ", "\t")


def build_program(completion: str, prompt: str = "") -> Program:
    """The program for a completion: its code, prefixed by `prompt` when it is a function body or when
    the prompt's helpers and imports are needed (a full program's own definitions override the stubs)."""
    code = fenced_code(completion)
    if not code.strip():
        return Program("", problem="empty code: the completion holds no program")
    if prompt and _is_body(code):
        joined = prompt + code
        return Program(joined, problem=compile_problem(joined), with_prompt=True)
    problem = compile_problem(code)
    if problem is not None:
        return Program(code, problem=problem)
    if prompt:
        joined = prompt.rstrip("\n") + "\n\n" + code
        if compile_problem(joined) is None:
            return Program(joined, with_prompt=True)
    return Program(code)
