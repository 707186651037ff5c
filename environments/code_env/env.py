"""The `code` environment: a dataset of programming tasks scored by unit tests in the sandbox."""

from __future__ import annotations

from typing import Any

from envsdk import Environment, Rubric, Verdict, reward
from envsdk.messages import Text

from .loaders import load_rows
from .specs import parse_tests
from .verifier import CodeVerifier, RewardMode

ROW_OVERHEAD_S = 5.0
SYSTEM_PROMPT = "You are an expert Python programmer. Think briefly, then give your final code in one ```python block."


@reward(cpu_heavy=True)
def unit_tests(completion: Text, example: dict, code_verifier: CodeVerifier) -> Verdict:
    """1 when every test passes (or the share passed, with reward_mode='fraction')."""
    return code_verifier.verify(example.get("tests"), completion)


class CodeEnv(Environment):
    """Rows carry `tests` (docs/reference.md, "Verify rows"); the verdict never depends on anything the candidate prints."""

    def __init__(self, verifier: CodeVerifier, **kwargs: Any):
        rubric = Rubric([unit_tests])
        rubric.register("code_verifier", verifier)
        super().__init__(rubric=rubric, required_fields=("tests",), **kwargs)
        self.verifier = verifier
        # Longest a row's verification takes (the tests' budget plus the checker's grace and clean-up);
        # an executor row deadline below this would turn slow candidates into abstentions.
        self.row_budget_s = verifier.settings.row_budget_s + ROW_OVERHEAD_S + verifier.remote_grace_s

    def validate_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Check `tests` is one of the three kinds, parsing JSON text into a dict."""
        super().validate_row(row)
        return {**row, "tests": parse_tests(row["tests"]).model_dump()}

    async def aclose(self) -> None:
        self.verifier.close()


def load_environment(dataset: str = "humaneval", *, split: str | None = None, revision: str | None = None,
                     data_files: Any = None, limit: int | None = None, backend: str = "embedded",
                     tier: int | str | None = None, fast: bool = True, timeout_s: float = 10.0,
                     memory_mb: int = 512, reward_mode: RewardMode = "all",
                     stop_on_first_failure: bool = False, system_prompt: str | None = SYSTEM_PROMPT,
                     row_budget_s: float = 20.0, packages: tuple[str, ...] = (),
                     sandbox_urls: tuple[str, ...] = (), resident: bool | None = None) -> CodeEnv:
    """Python programming tasks (HumanEval, MBPP, APPS, CodeContests, LiveCodeBench) scored by sandboxed unit tests."""
    verifier = CodeVerifier(backend=backend, tier=tier, fast=fast, timeout_s=timeout_s, memory_mb=memory_mb,
                            reward_mode=reward_mode, stop_on_first_failure=stop_on_first_failure,
                            row_budget_s=row_budget_s, packages=tuple(packages), sandbox_urls=tuple(sandbox_urls),
                            resident=resident)
    return CodeEnv(
        verifier,
        dataset=lambda: load_rows(dataset, split=split, revision=revision, data_files=data_files, limit=limit),
        system_prompt=system_prompt,
        description="Python programming tasks scored by sandboxed unit tests",
    )
