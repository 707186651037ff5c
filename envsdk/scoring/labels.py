"""Rows from what a remote trainer sends: a gold label string and a query that still holds the prompt.

OpenRLHF (`/get_reward`, the reward-file hook) and verl (`ground_truth`) hand the reward side one label
string per sample; `encode_label` writes it and `label_fields` reads it back into row fields, so every
path builds the same row from the same label. `openrlhf_samples`/`openrlhf_response` are OpenRLHF's
request and answer shapes, shared by the reward-file hook and the reward server.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..environment import Environment
from ..verdict import Verdict


def encode_label(answer: Any) -> str:
    """A gold answer as one string: itself when it is one, else JSON (code tests, alias lists)."""
    return answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)


def label_fields(env: Environment, label: str) -> dict[str, Any]:
    """Row fields from a trainer's gold label (OpenRLHF `labels`, verl `ground_truth`).

    A JSON object naming the environment's required fields is merged as is; another JSON object goes to
    the first required field (code: `tests`); anything else is the `answer` string. An empty label gives
    an empty `answer`, which the environment's row validation flags (`field 'answer' is empty`).
    """
    required = list(env.required_fields) or ["answer"]
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            decoded = json.loads(label)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict):
            return decoded if any(k in decoded for k in required) else {required[0]: decoded}
    return {"answer": label}


def response_text(query: str, prompt: str | None) -> str:
    """The model's response: the query with its prompt prefix stripped (OpenRLHF sends prompt + response)."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    return query


def openrlhf_samples(
    env: Environment, queries: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[str] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows and responses from OpenRLHF's `(queries, prompts, labels)`; missing lists count as empty strings."""
    prompts = list(prompts) if prompts is not None else [""] * len(queries)
    labels = list(labels) if labels is not None else [""] * len(queries)
    rows = [{"prompt": p, **label_fields(env, label)} for p, label in zip(prompts, labels)]
    return rows, [response_text(q, p) for q, p in zip(queries, prompts)]


def openrlhf_response(
    rewards: Sequence[float | None], verdicts: Sequence[Verdict], extra_logs: dict[str, float]
) -> dict[str, Any]:
    """OpenRLHF's answer: failed verdicts score 0 (it cannot abstain) and show in `extra_logs`;
    `scores` are rewards clipped to [0, 1] for its dynamic filtering."""
    return {
        "rewards": [r if r is not None else 0.0 for r in rewards],
        "scores": [0.0 if v.failed else min(max(v.reward, 0.0), 1.0) for v in verdicts],
        "extra_logs": extra_logs,
    }
