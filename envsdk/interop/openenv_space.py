"""An OpenEnv environment folder for an envsdk environment (`envsdk serve-openenv ENV --write-space DIR`).

The folder has the layout OpenEnv's tools read (`openenv.yaml`, `pyproject.toml` with a `server` script,
`server/app.py` with `main()`, `server/Dockerfile`) and a README that is a Hugging Face Space card, so
`uv lock && openenv push` (or a plain `docker build`) publishes the environment where OpenEnv users look. The
app is `create_openenv_app` over `load_environment(ENV, **kwargs)`: the same server `envsdk serve-openenv` runs.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points, version
from pathlib import Path
from string import Template

from ..errors import EnvsdkError
from ..registry import ENV_GROUP

PORT = 8000

MANIFEST = Template("""spec_version: 1
name: $name
version: 0.1.0
type: space
runtime: fastapi
app: server.app:app
port: $port
""")

PYPROJECT = Template("""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "openenv-$name"
version = "0.1.0"
description = "The envsdk environment $env as an OpenEnv server"
requires-python = ">=3.11"
dependencies = [$dependencies]

[project.scripts]
server = "server.app:main"

[tool.setuptools]
packages = ["server"]
""")

APP = Template('''"""OpenEnv server of the envsdk environment $env (written by `envsdk serve-openenv $env --write-space`)."""

import json
import os

from envsdk import load_environment
from envsdk.interop.openenv_cli import serve
from envsdk.interop.openenv_server import create_openenv_app

ENVIRONMENT = $env_literal
KWARGS = json.loads($kwargs_literal)
MAX_SESSIONS = int(os.environ.get("MAX_SESSIONS", "$max_sessions"))

app = create_openenv_app(load_environment(ENVIRONMENT, **KWARGS), max_sessions=MAX_SESSIONS)


def main() -> None:
    """Serve on HOST:PORT (default 0.0.0.0:$port, as a Space or container expects)."""
    serve(app, ENVIRONMENT, os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "$port")))


if __name__ == "__main__":
    main()
''')

DOCKERFILE = Template("""# The envsdk environment $env as an OpenEnv server (written by `envsdk serve-openenv --write-space`).
FROM python:3.11-slim
WORKDIR /app/env
COPY . /app/env
# wheels/ may hold packages no index your build reaches has (envsdk itself, the environment's package)
RUN pip install --no-cache-dir --find-links /app/env/wheels /app/env
ENV PYTHONPATH=/app/env
EXPOSE $port
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \\
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health')"
CMD ["python", "-m", "server.app"]
""")

README = Template("""---
title: $name
sdk: docker
app_port: $port
tags:
  - openenv
  - envsdk
---

# $name

The envsdk environment `$env` (kwargs `$kwargs`) as an OpenEnv environment server.

- Episodes live in WebSocket sessions at `/ws` (a reset message, then step messages), as OpenEnv's `EnvClient`
  plays them. Plain HTTP `/reset`, `/step` and `/state` are stateless: `/step` answers 409.
- Run it here: `pip install . && server` (or `python -m server.app`); `PORT` and `MAX_SESSIONS` are read from
  the environment.
- Publish: `uv lock`, then `openenv push` (a Hugging Face Space), or `docker build -f server/Dockerfile .`.
  Needs: $dependencies_text. If one of them is on no index the build can reach, put its wheel in `wheels/`.
""")


def _providers(env: str) -> list[str]:
    """Requirements that install `env`: envsdk with its interop extra, and the package registering the
    environment when that is another one (pinned to the installed versions)."""
    requirements = [f"envsdk[interop]=={version('envsdk')}", f"openenv=={version('openenv')}"]
    for ep in entry_points(group=ENV_GROUP):
        if ep.name == env and ep.dist is not None and ep.dist.metadata["Name"] != "envsdk":
            requirements.append(f"{ep.dist.metadata['Name']}=={ep.dist.version}")
    return requirements


def write_space(directory: Path, env: str, kwargs: dict, *, max_sessions: int = 8) -> list[Path]:
    """Write the OpenEnv folder for `env` into `directory` (which must not exist or be empty); returns the
    files written."""
    if directory.exists() and any(directory.iterdir()):
        raise EnvsdkError(f"--write-space {directory}: the folder is not empty; give a new one")
    requirements = _providers(env)
    name = env.replace("_", "-")
    values = {
        "name": name, "env": env, "port": PORT, "max_sessions": max_sessions,
        "env_literal": json.dumps(env), "kwargs_literal": repr(json.dumps(kwargs, sort_keys=True)),
        "kwargs": json.dumps(kwargs, sort_keys=True),
        "dependencies": ", ".join(json.dumps(r) for r in requirements),
        "dependencies_text": ", ".join(f"`{r}`" for r in requirements),
    }
    files = {
        "openenv.yaml": MANIFEST, "pyproject.toml": PYPROJECT, "server/app.py": APP, "server/Dockerfile": DOCKERFILE,
        "README.md": README,
    }
    written = []
    (directory / "server").mkdir(parents=True, exist_ok=True)
    (directory / "wheels").mkdir(exist_ok=True)
    (directory / "server" / "__init__.py").write_text("")
    for relative, template in files.items():
        path = directory / relative
        path.write_text(template.substitute(values))
        written.append(path)
    return written
