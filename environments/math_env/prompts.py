"""The boxed-answer prompt: the verifier credits only a committed final answer, so the prompt asks for one."""

from __future__ import annotations

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
SYSTEM_PROMPT = "You are a careful mathematician. Show your reasoning, then commit to exactly one final answer."


def boxed_prompt(question: str, instruction: str = BOXED_INSTRUCTION) -> str:
    """The user message for one problem: the question, a blank line, the boxed-answer instruction."""
    return f"{question.strip()}\n\n{instruction}"
