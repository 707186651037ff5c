"""OpenRLHF adapter: the `--reward.remote_url my_reward.py` file hook.

OpenRLHF imports the file and calls `reward_func(queries, prompts, labels, **kw)`, one sample per call,
so a group transform cannot run here: serve the environment with `envsdk serve ENV --transform NAME
--group-size N` and pass its URL instead. A reward file is two lines:

    from envsdk.adapters.openrlhf import make_reward_func
    reward_func = make_reward_func("math")
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..environment import Environment
from ..loop_thread import LoopThread
from ..scoring import BatchScorer
from ..scoring.labels import openrlhf_response, openrlhf_samples


def make_reward_func(env: Environment | str, **env_kwargs: Any) -> Callable[..., dict[str, Any]]:
    """A `reward_func(queries, prompts, labels, **kw) -> {"rewards", "scores", "extra_logs"}` for OpenRLHF.

    `queries[i]` is prompt + response (OpenRLHF keeps special tokens); the prompt prefix is stripped.
    Verifier failures score 0 (OpenRLHF cannot abstain) and show as `verify/error_rate`.
    """
    scorer = BatchScorer(env, on_error="zero", **env_kwargs)
    loop = LoopThread("envsdk-openrlhf")  # OpenRLHF calls the hook via asyncio.to_thread, maybe from several threads

    def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[str], **_: Any) -> dict:
        rows, completions = openrlhf_samples(scorer.env, queries, prompts, labels)
        scored = loop.run(scorer.score(rows, list(prompts), completions))
        return openrlhf_response(scored.rewards, scored.verdicts, scored.metrics)

    return reward_func
