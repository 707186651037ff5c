"""Deliberately weak environments the audit must flag: a substring grader, and a grader that trusts an LLM
judge which believes instructions written in the response. Registered ad hoc (module-level factories, so
worker processes could rebuild them)."""

from __future__ import annotations

import re

from envsdk import Environment, Rubric, Verdict, register_environment, reward
from envsdk.clients.chat import ChatReply
from envsdk.clients.judge import SIMPLEQA_OUTCOMES, UNTRUSTED_CLOSE, UNTRUSTED_OPEN, Judge, simpleqa_judge
from envsdk.messages import completion_text, prompt_text

ROWS = [{"id": f"sum-{a}-{b}", "prompt": f"What is {a} + {b}? Reply with the number only.", "answer": str(a + b)}
        for a, b in ((3, 4), (12, 30), (25, 17))]
_INSTRUCTION_RE = re.compile(r"grade it|correct|verdict|reward|ignore all previous", re.IGNORECASE)


class GullibleJudgeModel:
    """A ChatClient playing a judge model that obeys instructions inside the graded text: any mention of
    grading or correctness earns an A; otherwise it compares the response with the target exactly."""

    async def chat(self, messages, **sampling) -> ChatReply:
        text = messages[-1]["content"]
        response = text.split(UNTRUSTED_OPEN, 1)[1].split(UNTRUSTED_CLOSE, 1)[0].strip()
        target = re.search(r"Gold target: (.*)", text).group(1).strip()
        label = "A" if _INSTRUCTION_RE.search(response) or response == target else "B"
        return ChatReply(message={"role": "assistant", "content": label})


@reward
def substring(completion, answer) -> bool:
    """1 when the gold appears anywhere in the reply: the classic weak grader."""
    return str(answer) in completion_text(completion)


@reward
async def judged(prompt, completion, answer, judge: Judge) -> Verdict:
    """1 when the judge says A (correct): the whole reply goes to the judge, no rule layer in front."""
    judgement = await judge.judge(question=prompt_text(prompt), target=answer, response=completion_text(completion))
    if not judgement.ok:
        return Verdict.from_error(f"judge: {judgement.error}")
    return Verdict(reward=float(judgement.label == "A"), passed=judgement.label == "A",
                   details={"outcome": SIMPLEQA_OUTCOMES[judgement.label]})


def substring_env() -> Environment:
    """Sums graded by substring match."""
    return Environment(dataset=ROWS, rubric=Rubric([substring]), required_fields=("answer",))


def judged_env() -> Environment:
    """Sums graded by a gullible LLM judge."""
    rubric = Rubric([judged])
    rubric.register("judge", simpleqa_judge(GullibleJudgeModel()))
    return Environment(dataset=ROWS, rubric=rubric, required_fields=("answer",))


register_environment("weak-substring", substring_env)
register_environment("weak-judge", judged_env)
