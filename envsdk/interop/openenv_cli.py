"""`envsdk serve-openenv ENV`: serve an envsdk environment as an OpenEnv environment server."""

from __future__ import annotations

import ipaddress
import socket
import sys

from ..cli.common import add_env_args, executor_config, load_env
from ..cli.main import parser
from ..errors import EnvsdkError, require


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def main(argv: list[str]) -> int:
    p = parser("serve-openenv", "Serve an environment over OpenEnv's protocol (/ws sessions, /reset, /step, "
                                "/state, /health, /schema, /metadata).")
    add_env_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    p.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    p.add_argument("--max-sessions", type=int, default=8, help="most concurrent WebSocket sessions")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a non-loopback --host (OpenEnv's protocol has no authentication)")
    args = p.parse_args(argv)
    if not (args.allow_remote or _is_loopback(args.host)):
        raise EnvsdkError(f"--host {args.host} exposes an unauthenticated OpenEnv server beyond this machine: "
                          "bind a loopback address, or pass --allow-remote on a trusted network")
    require("openenv", "interop")
    uvicorn = require("uvicorn", "interop")
    if args.max_sessions < 1:
        raise EnvsdkError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    from .openenv_server import create_openenv_app

    env = load_env(args)
    app = create_openenv_app(env, max_sessions=args.max_sessions, executor=executor_config(args))
    sock = socket.create_server((args.host, args.port))
    host, port = sock.getsockname()[:2]
    print(f"envsdk serve-openenv: {env.name} ready on http://{host}:{port}", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    return 0
