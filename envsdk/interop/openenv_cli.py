"""`envsdk serve-openenv ENV`: serve an envsdk environment as an OpenEnv environment server, or write the
folder that publishes it as one (`--write-space DIR`: manifest, Dockerfile, app)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

from ..cli.common import add_env_args, env_kwargs, executor_config, load_env
from ..cli.main import parser
from ..errors import EnvsdkError, require


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def serve(app, name: str, host: str, port: int) -> None:
    """Run `app` on host:port (0 picks a free port), saying `ready on http://HOST:PORT` on stderr once it listens."""
    uvicorn = require("uvicorn", "interop")
    sock = socket.create_server((host, port))
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"envsdk serve-openenv: {name} ready on http://{bound_host}:{bound_port}", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def main(argv: list[str]) -> int:
    p = parser("serve-openenv", "Serve an environment over OpenEnv's protocol (/ws sessions keep episodes; plain "
                                "HTTP /reset, /step, /state are stateless; /health, /schema, /metadata), or write "
                                "the OpenEnv folder that publishes it (--write-space).")
    add_env_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    p.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    p.add_argument("--max-sessions", type=int, default=8, help="most concurrent WebSocket sessions")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a non-loopback --host (OpenEnv's protocol has no authentication)")
    p.add_argument("--write-space", type=Path, metavar="DIR",
                   help="serve nothing: write an OpenEnv environment folder for ENV into DIR (openenv.yaml, "
                        "pyproject.toml, server/app.py, server/Dockerfile, a Space README) for `openenv push` or "
                        "`docker build`")
    args = p.parse_args(argv)
    if args.max_sessions < 1:
        raise EnvsdkError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    if args.write_space is not None:
        return _write_space(args)
    if not (args.allow_remote or _is_loopback(args.host)):
        raise EnvsdkError(f"--host {args.host} exposes an unauthenticated OpenEnv server beyond this machine: "
                          "bind a loopback address, or pass --allow-remote on a trusted network")
    require("openenv", "interop")
    from .openenv_server import create_openenv_app

    env = load_env(args)
    serve(create_openenv_app(env, max_sessions=args.max_sessions, executor=executor_config(args)), env.name,
          args.host, args.port)
    return 0


def _write_space(args) -> int:
    from .openenv_space import write_space

    env = load_env(args)  # the environment must load here before it is published
    written = write_space(args.write_space, env.name, env_kwargs(args.env_args), max_sessions=args.max_sessions)
    print(f"envsdk serve-openenv: wrote {', '.join(str(p.relative_to(args.write_space)) for p in written)} in "
          f"{args.write_space}; publish with `uv lock && openenv push` there, or `docker build -f server/Dockerfile .`")
    return 0
