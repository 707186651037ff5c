"""`envsdk serve ENV`: an HTTP reward server for OpenRLHF and other remote-reward trainers (docs/reference.md, "Reward server")."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from ..scoring import BatchScorer
from ..scoring.batch import resolve_transforms, transform_options
from ..cli.common import add_env_args, executor_config, load_env, ray_executor
from ..cli.main import parser
from ..errors import EnvsdkError, require
from .app import ServerLimits, create_app
from .arrival import REQUEST_TIMEOUT_S, arrival_deadline


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token(args: argparse.Namespace) -> str | None:
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if not token:
            raise EnvsdkError(f"--token-env {args.token_env}: that environment variable is empty or unset")
    if token is None and not _is_loopback(args.host):
        raise EnvsdkError(
            f"binding {args.host} exposes the server beyond this machine: set a bearer token with "
            "--token-env VAR (clients send 'Authorization: Bearer <token>')"
        )
    return token


def build_parser() -> argparse.ArgumentParser:
    p = parser("serve", "HTTP reward server: GET /health, POST /get_reward (OpenRLHF), POST /verify")
    add_env_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (non-loopback needs --token-env)")
    p.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    p.add_argument("--transform", action="append", default=[], help="group transform name (repeatable)")
    p.add_argument("--transform-arg", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="a transform option, e.g. darling.classifier=final-answer (VALUE is JSON, else a string)")
    p.add_argument("--group-size", type=int, default=None, help="samples per prompt (needed by --transform)")
    p.add_argument("--group-timeout", type=float, default=60.0, help="seconds to wait for a group to fill")
    p.add_argument("--on-error", choices=("abstain", "zero"), default="abstain",
                   help="abstain: failed samples are left out of transform baselines (their reward is 0)")
    p.add_argument("--token-env", default=None, help="environment variable holding the bearer token")
    p.add_argument("--max-batch", type=int, default=4096, help="most items in one request")
    p.add_argument("--max-body-mb", type=float, default=16.0, help="largest request body in MiB")
    p.add_argument("--log-rollouts", type=Path, default=None, metavar="PATH",
                   help="append every scored sample (/get_reward and /verify) to PATH as a rollout record (JSONL)")
    p.add_argument("--request-timeout", type=float, default=REQUEST_TIMEOUT_S, metavar="SECONDS",
                   help="a request must arrive whole (headers and body) within this, else its connection is "
                        "closed (slow clients cannot hold connections)")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    uvicorn = require("uvicorn", "server")
    require("fastapi", "server")
    token = _token(args)
    if args.transform and not args.group_size:
        raise EnvsdkError("--transform needs --group-size N (the trainer's samples per prompt)")
    config = executor_config(args)
    options = transform_options(args.transform_arg)
    if unknown := sorted(set(options) - set(args.transform)):
        raise EnvsdkError(f"--transform-arg names {unknown}, which no --transform adds")
    if args.log_rollouts is not None:
        try:
            args.log_rollouts.open("a").close()  # a log that cannot be written stops the server before it listens
        except OSError as exc:
            raise EnvsdkError(f"--log-rollouts {args.log_rollouts}: {exc.strerror}") from None
    env = load_env(args)
    scorer = BatchScorer(
        env,
        transforms=resolve_transforms([(name, options.get(name, {})) for name in args.transform]),  # bad names: now
        on_error=args.on_error,
        group_size=args.group_size,
        executor=ray_executor(env, args) or vars(config),
    )
    limits = ServerLimits(int(args.max_body_mb * 2**20), args.max_batch, args.group_timeout)
    sock = socket.create_server((args.host, args.port))
    host, port = sock.getsockname()[:2]

    def ready() -> None:
        print(f"envsdk serve: {scorer.name} ready on http://{host}:{port}", file=sys.stderr, flush=True)

    app = create_app(scorer, token=token, limits=limits, on_ready=ready, log_rollouts=args.log_rollouts)
    if not args.request_timeout > 0:
        raise EnvsdkError(f"--request-timeout must be positive, not {args.request_timeout:g}")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=30,
                                           http=arrival_deadline(args.request_timeout)))
    server.run(sockets=[sock])
    return 0
