"""The `tests` field of a code row (docs/reference.md, "Verify rows"): humaneval, asserts or stdio, validated at the boundary."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from envsdk import RowError


@functools.lru_cache(maxsize=4096)
def _compile_error(source: str) -> str | None:
    """Why `source` does not compile, or None; cached because every rollout of a problem repeats it."""
    try:
        compile(source, "test.py", "exec", optimize=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _compiles(source: str, what: str) -> str:
    error = _compile_error(source)
    if error is not None:
        raise ValueError(f"{what} does not compile: {error}")
    return source


class _Spec(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class HumanEvalTests(_Spec):
    """`check(candidate)` must return normally after at least one call to the candidate."""

    kind: Literal["humaneval"]
    test: str
    entry_point: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    prompt: str = ""

    @field_validator("test")
    @classmethod
    def _test_compiles(cls, value: str) -> str:
        return _compiles(value, "tests.test")

    @property
    def count(self) -> int:
        return 1


class AssertsTests(_Spec):
    """Each statement is one test; each must call the candidate and finish without raising."""

    kind: Literal["asserts"]
    asserts: list[str] = Field(min_length=1)
    setup: str = ""
    prompt: str = ""

    @field_validator("asserts")
    @classmethod
    def _asserts_compile(cls, value: list[str]) -> list[str]:
        return [_compiles(src, f"tests.asserts[{i}]") for i, src in enumerate(value)]

    @field_validator("setup")
    @classmethod
    def _setup_compiles(cls, value: str) -> str:
        return _compiles(value, "tests.setup")

    @property
    def count(self) -> int:
        return len(self.asserts)


class StdioCase(_Spec):
    input: str = ""
    output: str


class StdioTests(_Spec):
    """Whole programs: each case feeds `input` on stdin; stdout is compared on the host."""

    kind: Literal["stdio"]
    cases: list[StdioCase] = Field(min_length=1)
    language: str = Field("python", description="SandboxFusion's name: python, cpp, java, nodejs, go, rust")

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from envsdk_sandbox.languages import language

        lang = language(value)  # ValueError names the known ones
        return "python" if lang is None else lang.name

    @property
    def count(self) -> int:
        return len(self.cases)


Tests = Annotated[Union[HumanEvalTests, AssertsTests, StdioTests], Field(discriminator="kind")]
_ADAPTER: TypeAdapter[Tests] = TypeAdapter(Tests)


def parse_tests(raw: Any) -> HumanEvalTests | AssertsTests | StdioTests:
    """Validate a row's `tests` (a dict, or its JSON text); RowError names the bad field."""
    if raw is None:
        raise RowError("missing field 'tests' (code rows need {'kind': 'humaneval'|'asserts'|'stdio', ...})")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise RowError(f"field 'tests' is a string but not JSON: {exc}") from None
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"tests.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise RowError(f"bad field 'tests': {problems}") from None
