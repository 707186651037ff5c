"""A verifiers (0.4, `verifiers.v1`) taskset written with verifiers' own API, as an environment author would:
sums to answer, an exact-match reward and a length metric. Imported by id inside the verifiers venv."""

from collections.abc import Iterator

import verifiers.v1 as vf

__all__ = ["ArithTaskset"]


class ArithData(vf.TaskData):
    answer: str


class ArithTask(vf.Task[ArithData]):
    @vf.reward
    async def correct(self, task: ArithData, trace) -> float:
        return float(trace.last_reply == task.answer)

    @vf.metric
    async def reply_length(self, trace) -> float:
        return float(len(trace.last_reply))


class ArithTaskset(vf.Taskset[ArithTask, vf.TasksetConfig]):
    def load(self) -> Iterator[ArithTask]:
        for a, b in [(2, 3), (10, 7), (4, 4)]:
            yield ArithTask(ArithData(id=f"{a}+{b}", prompt=f"What is {a}+{b}?", answer=str(a + b)), self.config.task)
