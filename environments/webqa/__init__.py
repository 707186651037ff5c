"""webqa: multi-turn search-and-read question answering over an offline corpus (or any search API)."""

from __future__ import annotations

from typing import Any, Literal

from .corpus import BUILTIN_CORPUS
from .env import WebQAEnv
from .grader import grade
from .tasks import builtin_rows, public_rows

__all__ = ["WebQAEnv", "builtin_rows", "grade", "load_environment", "public_rows"]


def load_environment(
    *,
    corpus: str | None = None,
    questions: str | None = None,
    qa_set: str | None = None,
    qa_path: str | None = None,
    split: str = "validation",
    limit: int | None = None,
    search_url: str | None = None,
    search_api: dict | None = None,
    online: bool = False,
    tool_format: Literal["native", "text"] = "native",
    max_turns: int = 12,
    max_tool_calls: int | None = 16,
    window_chars: int = 1500,
    judge_base_url: str | None = None,
    judge_model: str | None = None,
    judge_api_key_env: str | None = "OPENAI_API_KEY",
    **kwargs: Any,
) -> WebQAEnv:
    """Web QA: search/open/find tools over an offline BM25 corpus, graded by rules and an optional LLM judge.

    Defaults: the built-in fictional encyclopedia and its questions. `qa_set` ("nq", "hotpotqa", "simpleqa")
    loads a public set through `datasets` (from `qa_path` when given); pair it with `search_url` (a
    Search-R1 `/retrieve` server over your corpus) or `search_api`. `judge_base_url` + `judge_model` add a
    SimpleQA-style LLM judge for answers the rules do not match.
    """
    if qa_set:
        dataset = lambda: public_rows(qa_set, path=qa_path, split=split, limit=limit)  # noqa: E731
    else:
        dataset = lambda: builtin_rows(questions)[:limit] if questions else builtin_rows()[:limit]  # noqa: E731
    judge = None
    if judge_base_url:
        from envsdk.clients.judge import simpleqa_judge
        from envsdk.clients.openai import OpenAIChatClient

        if not judge_model:
            raise ValueError("judge_base_url needs judge_model")
        judge = simpleqa_judge(OpenAIChatClient(judge_base_url, judge_model, api_key_env=judge_api_key_env))
    return WebQAEnv(
        dataset=dataset,
        corpus=corpus or BUILTIN_CORPUS,
        search_url=search_url,
        search_api=search_api,
        online=online,
        tool_format=tool_format,
        max_turns=max_turns,
        max_tool_calls=max_tool_calls,
        window_chars=window_chars,
        judge=judge,
        description="Web QA over an offline corpus with search/open/find tools",
        **kwargs,
    )
