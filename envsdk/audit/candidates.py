"""Answers a policy could guess without the gold: small integers, option letters, and what the prompt
itself offers (its numbers, simple combinations of them, its names). Probes enumerate or hedge over these.
"""

from __future__ import annotations

import itertools
import re

SMALL_INTEGERS = tuple(str(n) for n in range(0, 101))
OPTION_LETTERS = ("A", "B", "C", "D", "E")
DECOY = "-7319"
"""The plain wrong answer every probe is compared with: a number no built-in task has as its answer."""

_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_NAME_RE = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")
_COMMON = {"The", "What", "Which", "Who", "When", "Where", "How", "Why", "In", "Of", "A", "An", "Is", "Are", "Find",
           "Give", "Reply", "Repeat", "Copy", "If", "Let", "Compute", "Calculate", "Return", "Write", "You", "Your"}


def prompt_numbers(question: str, limit: int = 12) -> list[str]:
    """Distinct numbers written in the question, in order of appearance."""
    return list(dict.fromkeys(_NUMBER_RE.findall(question)))[:limit]


def combinations(numbers: list[str], limit: int = 150) -> list[str]:
    """Sums, differences, products and integer quotients of pairs of the prompt's numbers."""
    values = [float(n) for n in numbers]
    out: list[str] = []
    for a, b in itertools.permutations(values, 2):
        for v in (a + b, a - b, a * b, a / b if b else None):
            if v is not None and abs(v) < 1e12 and float(v).is_integer():
                out.append(str(int(v)))
    return list(dict.fromkeys(out))[:limit]


def prompt_names(question: str, limit: int = 20) -> list[str]:
    """Capitalised words and phrases of the question (candidate entities), common sentence openers left out."""
    names = [m for m in _NAME_RE.findall(question) if m not in _COMMON]
    return list(dict.fromkeys(names))[:limit]


def guesses(question: str) -> list[str]:
    """Every gold-blind candidate for one question: prompt-derived first, then the generic answer spaces."""
    numbers = prompt_numbers(question)
    ordered = numbers + combinations(numbers) + prompt_names(question) + list(SMALL_INTEGERS) + list(OPTION_LETTERS)
    return list(dict.fromkeys(ordered))


def prompt_guesses(question: str, limit: int = 6) -> list[str]:
    """A few plausible candidates taken from the question (for hedges), padded with small integers."""
    picked = prompt_numbers(question)[:3] + prompt_names(question)[:3]
    return list(dict.fromkeys(picked + list(SMALL_INTEGERS)))[:limit]
