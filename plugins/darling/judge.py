"""LLM-judge classifier with the paper's "different strategies?" question, over an OpenAI-style API.

Orientation (the paper's released judge code has it backwards): `[[yes]]` means the two responses use
*different* strategies, so P(same) = 0; `[[no]]` means the same strategy, P(same) = 1. A reply without
a verdict counts as different (it cannot lower anyone's diversity).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import httpx

from .classifier import PairClassifier
from .http_post import post_json

JUDGE_PROMPT = """You are comparing two responses to the same problem.

Problem:
{prompt}

Generation 0:
{a}

Generation 1:
{b}

Do Generation 0 and Generation 1 use different strategies? Count them as different when they use \
different methods (for example algebraic versus geometric), when their reasoning diverges at a critical \
point even if they reach the same answer, when they rest on different concepts, or when they follow the \
same approach with meaningfully different crucial intermediate steps. Reason briefly, then finish with \
[[yes]] if the strategies are different or [[no]] if they are the same."""

_VERDICT = re.compile(r"\[\[\s*(yes|no)\s*\]\]", re.IGNORECASE)


def same_from_reply(text: str) -> float:
    """1.0 when the judge's last verdict is [[no]] (same strategy), else 0.0."""
    found = _VERDICT.findall(text or "")
    return 1.0 if found and found[-1].lower() == "no" else 0.0


class JudgeClassifier(PairClassifier):
    """Asks a chat model (`POST {base_url}/chat/completions`) about each pair, concurrently."""

    name = "judge"
    threshold = 0.5

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str | None = "OPENAI_API_KEY",
        temperature: float = 0.0,
        max_tokens: int = 512,
        concurrency: int = 8,
        timeout_s: float = 120.0,
        tries: int = 3,
        backoff_s: float = 1.0,
        cache_size: int = 16384,
    ):
        super().__init__(cache_size)
        key = os.environ.get(api_key_env) if api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers)
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.temperature, self.max_tokens = model, temperature, max_tokens
        self.concurrency, self.tries, self.backoff_s = concurrency, tries, backoff_s

    def _judge(self, prompt: str, a: str, b: str) -> float:
        payload = {
            "model": self.model,
            "messages": [{"role": "user", "content": JUDGE_PROMPT.format(prompt=prompt, a=a, b=b)}],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        reply = post_json(self.client, self.url, payload, tries=self.tries, backoff_s=self.backoff_s)
        return same_from_reply(reply["choices"][0]["message"].get("content") or "")

    def score_pairs(self, prompt: str, pairs: Sequence[tuple[str, str]]) -> list[float]:
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(pairs) or 1)) as pool:
            return list(pool.map(lambda p: self._judge(prompt, *p), pairs))

    def describe(self) -> dict:
        return {**super().describe(), "url": self.url, "model": self.model}
