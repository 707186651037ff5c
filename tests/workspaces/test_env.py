"""The workspace environment end to end: scripted episodes (no model) through its own rollout and rubric,
the reference patches of every built-in task, native tool calls and the text-tag fallback."""

from __future__ import annotations

import asyncio

import pytest

from envsdk_env_workspace import WorkspaceEnv, builtin_tasks, load_environment
from envsdk_env_workspace.env import check
from envsdk_sandbox import WorkspaceLimits
from tests.workspaces.conftest import Script, call, tag

TASKS = builtin_tasks()


def play(env, client, task_id):
    row = next(r for r in env.rows() if r["id"] == task_id)

    async def go():
        result = await env.rollout(client, row)
        verdict = await env.score(row, result.completion, result.state)
        return result, verdict

    return asyncio.run(go())


@pytest.fixture(scope="module")
def env():
    environment = load_environment()
    yield environment
    asyncio.run(environment.aclose())


def test_a_scripted_episode_solves_a_task_and_gets_1(env):
    task = TASKS[0]
    client = Script(call("bash", command="cat textkit/slug.py"), call("apply_patch", patch=task.reference_patch()),
                    call("python", code="from textkit import slugify; print(slugify('a  b'))"), call("submit"))
    result, verdict = play(env, client, task.id)
    tool_msgs = [m for m in result.completion if m["role"] == "tool"]
    assert "re.sub(r'\\s', '-', text)" in tool_msgs[0]["content"]
    assert tool_msgs[2]["content"].endswith("a-b\n")
    assert result.state["stop_reason"] == "done"
    assert (verdict.reward, verdict.passed, verdict.details["checks_passed"]) == (1.0, True, 1.0)


def test_a_wrong_patch_gets_0(env):
    task = TASKS[0]
    wrong = task.reference_patch().replace("r'\\s+'", "r'\\s\\s'")
    result, verdict = play(env, Script(call("apply_patch", patch=wrong), call("submit")), task.id)
    assert (verdict.reward, verdict.passed) == (0.0, False)
    assert 0 < verdict.details["checks_passed"] < 1
    assert verdict.details["failures"]


def test_the_text_tag_fallback_solves_a_task():
    env = load_environment(tool_format="text", limit=3)
    task = TASKS[2]
    fixed = task.fixed_files()
    client = Script(tag("write_file", path="stats.py", content=fixed["stats.py"]), tag("submit"))
    try:
        result, verdict = play(env, client, task.id)
    finally:
        asyncio.run(env.aclose())
    assert "<tool_call>" in client.seen[0][0]["content"]  # the system prompt explains the tags
    assert result.completion[1]["role"] == "user" and "wrote" in result.completion[1]["content"]
    assert verdict.reward == 1.0


def test_per_turn_rewards_are_measured_on_a_fork():
    env = load_environment(per_turn_reward=True, limit=1)
    task = TASKS[0]
    client = Script(call("bash", command="echo untouched"), call("apply_patch", patch=task.reference_patch()),
                    call("submit"))
    try:
        result, verdict = play(env, client, task.id)
    finally:
        asyncio.run(env.aclose())
    assert result.state["turn_rewards"] == [0.5, 1.0, 1.0]
    assert verdict.reward == 1.0


def test_a_workspace_gone_before_the_end_is_the_agents_0_not_an_abstention():
    env = WorkspaceEnv(TASKS[:1], limits=WorkspaceLimits(wall_s=1.0, timeout_s=10))
    client = Script(call("apply_patch", patch=TASKS[0].reference_patch()), call("bash", command="sleep 2"),
                    call("bash", command="echo after"), call("submit"))
    try:
        result, verdict = play(env, client, TASKS[0].id)
    finally:
        asyncio.run(env.aclose())
    tool_results = [m["content"] for m in result.completion if m["role"] == "tool"]
    assert "WorkspaceClosed" in tool_results[2]  # the command after the lifetime ran out
    assert (verdict.reward, verdict.passed, verdict.error) == (0.0, False, None)
    assert "gone" in verdict.details["checks_error"]


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_reference_patch_passes_and_the_unpatched_repo_fails(tier1, task):
    with tier1.workspace(task.files) as ws:
        for path, data in task.hidden().items():
            ws.put(path, data, hidden=True)
        before = check(ws, task)
        assert before.error is None and not before.solved and before.passed < before.total
        applied = ws.run("patch -p1 --forward", stdin=task.reference_patch())
        assert applied.status == "ok", applied.stderr
        after = check(ws, task)
        assert after.solved, after
