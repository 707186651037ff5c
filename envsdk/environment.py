"""Environments: a dataset, how to prompt from a row, how to roll out, and a rubric to score."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, runtime_checkable

from .errors import RowError
from .messages import Messages, Text, as_messages
from .rubric import Rubric
from .verdict import Verdict

if TYPE_CHECKING:
    from .clients.chat import ChatClient


@dataclass(frozen=True)
class EnvSpec:
    """How to rebuild an environment in another process: its registered name and kwargs."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class RolloutResult:
    """One sampled episode: the completion (text or messages), its state and token usage."""

    completion: Text
    state: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)


def row_id(row: dict[str, Any], index: int) -> str:
    """A stable example id: the row's own `id`, else a hash of its prompt, else its index."""
    if row.get("id") is not None:
        return str(row["id"])
    if row.get("prompt") is not None:
        blob = json.dumps(row["prompt"], sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]
    return str(index)


class Environment:
    """A single-turn environment; subclass MultiTurnEnv for conversations and tools.

    The same object serves `envsdk eval`, `envsdk verify`, the built-in trainer and every adapter.
    `dataset` rows carry `prompt` (text or messages) and whatever the rubric needs (`answer`, `info`...).
    """

    row_budget_s: float = 0.0
    """The longest scoring one row takes when the environment bounds it itself (code: its per-row test
    budget plus clean-up). The executor's per-row deadline is never shorter, so a row the environment
    would finish (e.g. as a failed, timed-out test) is never cut off as a verifier timeout."""

    def __init__(
        self,
        *,
        dataset: Iterable[dict] | Callable[[], Iterable[dict]] | None = None,
        eval_dataset: Iterable[dict] | Callable[[], Iterable[dict]] | None = None,
        rubric: Rubric | None = None,
        system_prompt: str | None = None,
        required_fields: tuple[str, ...] = (),
        sampling_args: dict[str, Any] | None = None,
        description: str = "",
    ):
        self._dataset_src = dataset
        self._eval_src = eval_dataset
        self._cache: dict[str, list[dict]] = {}
        self.rubric = rubric or Rubric()
        self.system_prompt = system_prompt
        self.required_fields = required_fields
        self.sampling_args = dict(sampling_args or {})
        self.description = description
        self.spec: EnvSpec | None = None  # set by the registry; needed to rebuild in workers

    @property
    def name(self) -> str:
        return self.spec.name if self.spec else type(self).__name__

    @property
    def cpu_heavy(self) -> bool:
        """True when scoring should run in the executor's process pool."""
        return self.rubric.cpu_heavy

    @property
    def has_group_funcs(self) -> bool:
        """True when scoring needs a whole group at once."""
        return self.rubric.has_group_funcs

    # ---- data -------------------------------------------------------------------------------
    def rows(self, split: str = "train") -> list[dict]:
        """The dataset rows of a split ("train" or "eval"), each with a stable `id`."""
        if split not in self._cache:
            src = self._eval_src if split == "eval" and self._eval_src is not None else self._dataset_src
            raw = src() if callable(src) else (src or [])
            self._cache[split] = [{**r, "id": row_id(r, i)} for i, r in enumerate(raw)]
        return self._cache[split]

    def validate_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Check a row has what the rubric needs; raise RowError naming the field (missing, None or "")."""
        for name in self.required_fields:
            value = row.get(name)
            if value is None:
                raise RowError(f"missing field {name!r} (environment {self.name!r} needs {list(self.required_fields)})")
            if isinstance(value, str) and not value.strip():
                raise RowError(f"field {name!r} is empty")
        return row

    def format_prompt(self, row: dict[str, Any]) -> Messages:
        """The chat messages sent to the model for a row."""
        if "prompt" not in row:
            raise RowError("missing field 'prompt'")
        return as_messages(row["prompt"], self.system_prompt)

    # ---- rollouts ---------------------------------------------------------------------------
    async def rollout(self, client: "ChatClient", row: dict[str, Any], **sampling: Any) -> RolloutResult:
        """One single-turn episode: a single model call."""
        reply = await client.chat(self.format_prompt(row), **{**self.sampling_args, **sampling})
        state = {"finish_reason": reply.finish_reason}  # "length": cut at the token limit (eval's `truncated`)
        return RolloutResult(completion=reply.message.get("content") or "", state=state, usage=reply.usage)

    # ---- scoring ----------------------------------------------------------------------------
    async def score_group(
        self, rows: list[dict], completions: list[Text], states: list[dict] | None = None
    ) -> list[Verdict]:
        """Score the rollouts of one group (all rows share a prompt instance).

        Every path (inline, pool worker, Ray actor) scores through here, so this is where rows are
        validated: a row `validate_row` rejects gets a flagged verdict (`bad row: ...`), never a silent 0,
        and the others are scored by `score_checked` without it.
        """
        states = states if states is not None else [{} for _ in rows]
        verdicts: list[Verdict | None] = [None] * len(rows)
        valid: list[int] = []
        checked: list[dict] = []
        for i, row in enumerate(rows):
            try:
                checked.append(self.validate_row(row))
                valid.append(i)
            except RowError as exc:
                verdicts[i] = Verdict.from_error(f"bad row: {exc}")
        if valid:
            scored = await self.score_checked(checked, [completions[i] for i in valid], [states[i] for i in valid])
            for i, verdict in zip(valid, scored):
                verdicts[i] = verdict
        return verdicts  # type: ignore[return-value]

    async def score_checked(self, rows: list[dict], completions: list[Text], states: list[dict]) -> list[Verdict]:
        """Score rows that passed `validate_row` (override this, not `score_group`, to score differently)."""
        return await self.rubric.score_group(rows, completions, states)

    async def score(self, row: dict, completion: Text, state: dict | None = None) -> Verdict:
        """Score one rollout."""
        return (await self.score_group([row], [completion], [state or {}]))[0]

    def metadata(self) -> dict[str, Any]:
        """Facts for run records (e.g. the sandbox tier and backend a code environment got)."""
        return {}

    async def aclose(self) -> None:
        """Release resources (servers, sandboxes); called once at shutdown."""


@runtime_checkable
class SupportsWarmStart(Protocol):
    """An optional environment hook the built-in trainer reads: `warm_start(rng)` draws one supervised
    (prompt, completion) pair; the tiny local policy is fitted on such pairs before RL."""

    def warm_start(self, rng: random.Random) -> tuple[str, str]: ...


@runtime_checkable
class SupportsAnswerSpace(Protocol):
    """An optional environment hook the built-in trainer's evaluation reads: `answer_space(row)` lists
    every correct answer of a row, for coverage@k."""

    def answer_space(self, row: dict[str, Any]) -> list[str]: ...
