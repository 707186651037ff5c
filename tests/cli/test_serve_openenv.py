"""`envsdk serve-openenv`: a plain HTTP /step says where episodes live (a 409, not a bare 500), and
`--write-space DIR` writes an OpenEnv folder whose server plays an episode with OpenEnv's own client
(docs/reference.md, "envsdk serve-openenv")."""

from __future__ import annotations

import sys

import httpx
import pytest
import yaml
from openenv.cli._validation import validate_multi_mode_deployment
from openenv.core.generic_client import GenericEnvClient

from tests.helpers.asgi import serve_command
from tests.helpers.cli import envsdk

SERVE = (sys.executable, "-m", "envsdk.cli.main", "serve-openenv")


def play_one_episode(url: str) -> float:
    """reset, then the right answer for toy-echo (the prompt's last word) in one /ws session."""
    with GenericEnvClient(base_url=url).sync() as client:
        first = client.reset(index=0)
        result = client.step({"content": first.observation["messages"][-1]["content"].split()[-1]})
        assert result.done is True
        return result.reward


def test_plain_http_step_after_reset_is_a_409_that_points_to_ws_sessions():
    with serve_command(*SERVE, "toy-echo", "--port", "0", "--workers", "1") as url:
        reset = httpx.post(f"{url}/reset", json={"index": 0}, timeout=30)
        step = httpx.post(f"{url}/step", json={"action": {"content": "river"}}, timeout=30)
        reward = play_one_episode(url)  # the same server keeps an episode in a /ws session
    assert reset.status_code == 200 and reset.json()["done"] is False
    assert step.status_code == 409
    assert step.json()["detail"] == (
        "no episode to step (reset before step, in the same session): OpenEnv's plain HTTP /reset and /step are "
        "stateless (each request gets a fresh "
        "environment, so a /step never sees an earlier /reset); keep an episode in a WebSocket session at /ws (a "
        "reset message, then step messages), as OpenEnv's EnvClient does")
    assert reward == 1.0


@pytest.mark.slow
def test_write_space_makes_an_openenv_folder_whose_server_plays_an_episode(tmp_path):
    space = tmp_path / "space"
    result = envsdk("serve-openenv", "toy-echo", "-a", '{"size": 3}', "--write-space", str(space))
    assert result.returncode == 0, result.stderr
    assert sorted(str(p.relative_to(space)) for p in space.rglob("*") if p.is_file()) == [
        "README.md", "openenv.yaml", "pyproject.toml", "server/Dockerfile", "server/__init__.py", "server/app.py"]
    manifest = yaml.safe_load((space / "openenv.yaml").read_text())
    assert manifest == {"spec_version": 1, "name": "toy-echo", "version": "0.1.0", "type": "space",
                        "runtime": "fastapi", "app": "server.app:app", "port": 8000}
    # OpenEnv's own deployment check: everything but the lock file, which needs an index to resolve
    assert validate_multi_mode_deployment(space) == (False, ["Missing uv.lock - run 'uv lock' to generate it"])
    assert 'CMD ["python", "-m", "server.app"]' in (space / "server" / "Dockerfile").read_text()
    with serve_command("env", "HOST=127.0.0.1", "PORT=0", sys.executable, "-m", "server.app", cwd=space) as url:
        assert httpx.get(f"{url}/metadata", timeout=30).json()["name"] == "toy-echo"
        assert play_one_episode(url) == 1.0


def test_write_space_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = envsdk("serve-openenv", "toy-echo", "--write-space", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"envsdk serve-openenv: error: --write-space {tmp_path}: the folder is not "
                                     "empty; give a new one")
