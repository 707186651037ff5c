"""The web-QA environment: tools over HTTP backends, a rule-layer grader, an optional SimpleQA-style judge."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

from envsdk import RowError, Rubric, Verdict, reward
from envsdk.clients.judge import SIMPLEQA_OUTCOMES, Judge
from envsdk.messages import Text, prompt_text
from envsdk.multiturn import ToolEnv

from .answer import final_answer
from .backends import CorpusPages, HttpSearch, PageSource, RetrieveSearch, SearchBackend, WebPages
from .browser import HIDDEN, TOOLS, Browser
from . import grader
from .grader import CORRECT, NOT_ATTEMPTED, alias_list, grade
from .search_service import LoopbackService

SYSTEM_PROMPT = (
    "You answer questions by searching a document collection and reading its pages. The answers are not in "
    "your memory: look them up. Tools: search(query, k) lists ranked pages; open(id_or_url, offset) reads a "
    "window of a page; find(pattern) shows where a phrase occurs in the open page. Some questions need "
    "several pages (find one fact, then search for the next). When you know the answer, call "
    "submit(answer) with only the answer: a name, number or date, no explanation."
)
TEXT_FALLBACK = "You may also give the final answer as <answer>...</answer> instead of calling submit."


class WebQAEnv(ToolEnv):
    """Search-and-read QA. Offline by default: a BM25 service over the corpus is started on loopback at
    the first rollout (unless `search_url` or `search_api` points elsewhere) and pages come from it."""

    def __init__(
        self,
        *,
        corpus: str | Path,
        search_url: str | None = None,
        search_api: dict | None = None,
        online: bool = False,
        window_chars: int = 1500,
        judge: Judge | None = None,
        strict_grading: bool = False,
        tool_format: Literal["native", "text"] = "native",
        max_turns: int = 12,
        max_tool_calls: int | None = 16,
        **kwargs: Any,
    ):
        prompt = SYSTEM_PROMPT + ("\n" + TEXT_FALLBACK if tool_format == "text" else "")
        super().__init__(
            tools=TOOLS,
            tool_format=tool_format,
            max_turns=max_turns,
            max_tool_calls=max_tool_calls,
            hidden_args=HIDDEN,
            system_prompt=prompt,
            required_fields=("answer",),
            rubric=_rubric(judge, strict_grading),
            **kwargs,
        )
        self.corpus = corpus
        self.search_url, self.search_api, self.online = search_url, search_api, online
        self.window_chars = window_chars
        self.judge = judge
        self._service: LoopbackService | None = None
        self._service_lock = threading.Lock()

    # ---- backends ------------------------------------------------------------------------------
    def service_url(self) -> str:
        """The URL of the search service: the configured one, else the local one (started once)."""
        if self.search_url:
            return self.search_url
        with self._service_lock:
            if self._service is None:
                self._service = LoopbackService(self.corpus)
            return self._service.url

    def backends(self) -> tuple[SearchBackend, PageSource]:
        """The search backend and page source this configuration asks for."""
        search = HttpSearch(self.search_api) if self.search_api else RetrieveSearch(self.service_url())
        if self.online:
            return search, WebPages()
        return search, CorpusPages(self.service_url())

    async def setup_state(self, state: dict, row: dict) -> None:
        import asyncio

        search, pages = await asyncio.to_thread(self.backends)
        state["_browser"] = Browser(search, pages, window_chars=self.window_chars)

    async def cleanup(self, state: dict) -> None:
        browser = state.get("_browser")
        if browser is not None:
            await browser.aclose()

    async def aclose(self) -> None:
        """Stop the local search service and the judge's client."""
        if self._service is not None:
            self._service.close()
            self._service = None
        close = getattr(self.judge.client, "aclose", None) if self.judge else None
        if close is not None:
            await close()

    # ---- rows ----------------------------------------------------------------------------------
    def validate_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """`answer` must be a non-empty string or a non-empty list of strings (aliases)."""
        row = super().validate_row(row)
        answer = row["answer"]
        ok = (isinstance(answer, str) and answer.strip()) or (
            isinstance(answer, list) and answer and all(isinstance(a, str) and a.strip() for a in answer)
        )
        if not ok:
            raise RowError(f"field 'answer' must be a string or a list of alias strings, got {answer!r}")
        return row


def _rubric(judge: Judge | None, strict_grading: bool = False) -> Rubric:
    rubric = Rubric([correct])
    rubric.register("judge", judge)
    rubric.register("strict_grading", strict_grading)  # hedged answers incorrect (docs/webqa.md, Policy choices)
    rubric.add_metric(squad_em)
    rubric.add_metric(token_f1)
    rubric.add_metric(tool_calls)
    return rubric


def _answer_text(completion: Text, state: dict) -> str | None:
    return final_answer(completion, state or None)


@reward
async def correct(
    prompt: Text, completion: Text, answer: Any, state: dict, judge: Judge | None, strict_grading: bool = False
) -> Verdict:
    """1 for a correct committed answer; rule layer first, then the judge (if any) on the answers the rules
    could not match (`Grade.judgeable`: hedges, candidate lists, refusals and notes to the grader never go)."""
    prediction = _answer_text(completion, state)
    question = prompt_text(prompt)
    result = grade(prediction, answer, strict=strict_grading, question=question)
    details: dict[str, Any] = {
        "outcome": result.outcome.value,
        "reason": result.description,
        "final_answer": prediction,
        "matched": result.matched,
        "grader": "rules",
    }
    if prediction is not None and judge is not None and result.judgeable:
        aliases = alias_list(answer)
        judgement = await judge.judge(
            question=question or "(question not given)", target=" / ".join(aliases), response=prediction
        )
        details.update(grader="judge", judge_reply=judgement.raw)
        if not judgement.ok:
            return Verdict.from_error(f"judge: {judgement.error}", **details)
        details["outcome"] = SIMPLEQA_OUTCOMES[judgement.label]
    outcome = details["outcome"]
    passed = None if outcome == NOT_ATTEMPTED else outcome == CORRECT
    return Verdict(reward=float(outcome == CORRECT), passed=passed, details=details)


def _squad(metric, completion: Text, answer: Any, state: dict) -> float:
    aliases = alias_list(answer)
    return metric((_answer_text(completion, state) or "").strip(), aliases) if aliases else 0.0


def squad_em(completion: Text, answer: Any, state: dict) -> float:
    """SQuAD exact match of the final answer (a zero-weight metric; the rule layer is not run again)."""
    return _squad(grader.squad_em, completion, answer, state)


def token_f1(completion: Text, answer: Any, state: dict) -> float:
    """SQuAD token F1 of the final answer (a zero-weight metric; the rule layer is not run again)."""
    return _squad(grader.squad_f1, completion, answer, state)


def tool_calls(state: dict) -> float:
    """How many tool calls the rollout made (a zero-weight metric; 0 for saved rows without state)."""
    return float(len(state.get("tool_calls", [])))
