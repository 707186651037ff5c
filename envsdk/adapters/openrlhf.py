"""OpenRLHF adapter: the `--reward.remote_url my_reward.py` file hook.

OpenRLHF imports the file and calls `reward_func(queries, prompts, labels, **kw)`, one sample per call,
so a group transform cannot run here: serve the environment with `envsdk serve ENV --transform NAME
--group-size N` and pass its URL instead. A reward file is two lines:

    from envsdk.adapters.openrlhf import make_reward_func
    reward_func = make_reward_func("math")
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Sequence

from ..environment import Environment
from ._scoring import BatchScorer, batch_metrics
from .export import label_fields


def make_reward_func(env: Environment | str, **env_kwargs: Any) -> Callable[..., dict[str, Any]]:
    """A `reward_func(queries, prompts, labels, **kw) -> {"rewards", "scores", "extra_logs"}` for OpenRLHF.

    `queries[i]` is prompt + response (OpenRLHF keeps special tokens); the prompt prefix is stripped.
    Verifier failures score 0 (OpenRLHF cannot abstain) and show as `verify/error_rate`.
    """
    from ..server.app import response_text

    scorer = BatchScorer(env, on_error="zero", **env_kwargs)
    loop = asyncio.new_event_loop()  # OpenRLHF calls the hook via asyncio.to_thread: one private loop

    def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[str], **_: Any) -> dict:
        rows = [{"prompt": p, **label_fields(scorer.env, label)} for p, label in zip(prompts, labels)]
        completions = [response_text(q, p) for q, p in zip(queries, prompts)]
        scored = loop.run_until_complete(scorer.score(rows, list(prompts), completions))
        verdicts = scored.verdicts
        return {
            "rewards": [r or 0.0 for r in scored.rewards],
            "scores": [0.0 if v.failed else min(max(v.reward, 0.0), 1.0) for v in verdicts],
            "extra_logs": batch_metrics(verdicts, []),
        }

    return reward_func
