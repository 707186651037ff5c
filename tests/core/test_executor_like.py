"""`ExecutorLike`: an executor object of one's own (no subclass of `Executor`) scores through the spine."""

import asyncio

import envsdk
from envsdk.executor import Executor, ExecutorConfig, ExecutorLike
from envsdk.scoring import BatchScorer
from envsdk.scoring.saved import verify_saved


class RecordingExecutor:
    """Scores on the event loop through the environment, as the protocol asks, and records each call."""

    def __init__(self, env: envsdk.Environment):
        self.env = env
        self.config = ExecutorConfig(workers=3)
        self.calls: list[tuple[str, int]] = []
        self.closed = False

    def chunk_size(self, n_rows: int) -> int:
        return 2

    async def score_group(self, rows, completions, states=None):
        self.calls.append(("group", len(rows)))
        return await self.env.score_group(list(rows), list(completions), list(states) if states else None)

    async def score_rows(self, rows, completions):
        self.calls.append(("rows", len(rows)))
        return await self.env.score_group(list(rows), list(completions))

    async def aclose(self) -> None:
        self.closed = True


def _rows(n: int) -> list[dict]:
    return [{"id": f"r{i}", "prompt": "Say a", "answer": "a"} for i in range(n)]


def test_the_local_executor_and_an_own_object_satisfy_the_protocol_and_settings_do_not():
    env = envsdk.load_environment("toy-echo")
    assert isinstance(Executor(env), ExecutorLike)
    assert isinstance(RecordingExecutor(env), ExecutorLike)
    assert not isinstance(ExecutorConfig(), ExecutorLike)
    assert not isinstance({"workers": 2}, ExecutorLike)


def test_batch_scorer_scores_through_an_own_executor_and_leaves_closing_it_to_its_owner():
    env = envsdk.load_environment("toy-echo")
    mine = RecordingExecutor(env)
    scorer = BatchScorer(env, executor=mine)

    async def go():
        scored = await scorer.score(_rows(2), ["Say a"] * 2, ["a", "b"])
        await scorer.aclose()
        return scored

    scored = asyncio.run(go())
    assert scored.rewards == [1.0, 0.0]
    assert mine.calls == [("rows", 2)]
    assert scorer.executor_config is mine.config
    assert not mine.closed


def test_saved_rollouts_go_to_an_own_executor_in_its_chunks():
    mine = RecordingExecutor(envsdk.load_environment("toy-echo"))
    rows = [{**row, "completion": "a" if i % 2 == 0 else "x"} for i, row in enumerate(_rows(5))]
    verdicts = asyncio.run(verify_saved(mine, rows, whole_groups=False))
    assert [v.reward for v in verdicts] == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert sorted(mine.calls) == [("group", 1), ("group", 2), ("group", 2)]
