"""Harbor task directories run in Docker and scored by their own tests/test.sh."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

import envsdk

TASKS = Path(__file__).parent / "harbor_tasks"
pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def env():
    try:
        import docker

        docker.from_env(timeout=10).images.get("envsdk-sandbox-python:local")
    except Exception as exc:  # no engine, or no base image (.ci/sandbox-setup builds it)
        if os.environ.get("CI") == "true":
            pytest.fail(f"Docker engine or sandbox image not available under CI=true: {exc}")
        pytest.skip(f"Docker engine or sandbox image not available: {exc}")
    return envsdk.load_environment("harbor", tasks=str(TASKS))


def score(env, text: str) -> envsdk.Verdict:
    return asyncio.run(env.score(env.rows()[0], text))


def test_rows_are_the_task_instructions_with_the_oracle_solution_as_answer(env):
    [row] = env.rows()
    assert row["id"] == "hello-file"
    assert row["prompt"].startswith("Create the file /app/hello.txt containing the single word hello.")
    assert row["answer"] == "```sh\n#!/bin/sh\necho hello > /app/hello.txt\n```"


def test_the_oracle_solution_passes_the_tasks_own_tests(env):
    verdict = score(env, env.rows()[0]["answer"])
    assert (verdict.reward, verdict.passed, verdict.details["exit_code"]) == (1.0, True, 0)


def test_a_script_that_misses_the_goal_scores_zero(env):
    verdict = score(env, "Here you go:\n```sh\necho goodbye > /app/hello.txt\n```")
    assert (verdict.reward, verdict.passed, verdict.error) == (0.0, False, None)


def test_a_script_that_hangs_is_flagged_timed_out(env):
    verdict = score(env, "```sh\nwhile :; do :; done\n```")
    assert verdict.timed_out is True and "timeouts" in verdict.error


def test_a_folder_without_task_toml_is_one_clear_error(tmp_path):
    with pytest.raises(envsdk.EnvsdkError, match="no Harbor task directories"):
        envsdk.load_environment("harbor", tasks=str(tmp_path))
