"""`envsdk sandbox serve`: an HTTP front for a Sandbox. `POST /run_code` speaks SandboxFusion's
request/response (so verl's sandbox_fusion reward can point at it), `POST /run` returns our RunResult,
`GET /health` reports the backend and tier. Loopback by default; any other address needs a bearer
token. The server, not the client, bounds the cost of a request: every limit is cut at the server's
ceiling (`Ceilings`), bodies are capped, at most `max_concurrency` runs execute and `max_queue` wait
(more get 429), and a request whose Host or Origin is not the server's own is refused (DNS rebinding
of a loopback server). FastAPI/uvicorn are imported here only."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import os
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from . import languages
from .models import Limits, RunResult

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_BODY_BYTES = 16 << 20


@dataclass(frozen=True)
class Ceilings:
    """The most any one request may ask for; a larger limit is cut to this (docs/sandbox.md)."""

    timeout_s: float = 60.0
    memory_mb: int = 2048
    cpu_s: float = 60.0
    pids: int = 256
    output_bytes: int = 4 << 20
    file_size_mb: int = 64
    tmpfs_mb: int = 256

    def apply(self, limits: Limits) -> Limits:
        capped = {name: min(value, getattr(self, name)) for name, value in limits.model_dump().items()
                  if value is not None}
        return Limits(**capped)


class RunCodeRequest(BaseModel):
    """SandboxFusion's /run_code request (fields we cannot honour are accepted and ignored)."""

    model_config = ConfigDict(allow_inf_nan=False)

    code: str
    language: str = "python"
    compile_timeout: float = 10
    run_timeout: float = 10
    memory_limit_MB: int = -1
    stdin: str | None = ""
    files: dict[str, str | None] = Field(default_factory=dict, description="name -> base64 content")
    fetch_files: list[str] = Field(default_factory=list)


class RunRequest(BaseModel):
    """Our richer request: the Sandbox.run arguments plus full limits."""

    code: str
    stdin: str = ""
    files: dict[str, str] = Field(default_factory=dict, description="name -> text content")
    files_b64: dict[str, str] = Field(default_factory=dict, description="name -> base64 content")
    argv: list[str] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)


def _fusion_step(res: RunResult) -> dict[str, Any]:
    status = {"ok": "Finished", "error": "Finished", "compile_error": "Finished",
              "timeout": "TimeLimitExceeded"}.get(res.status, "Error")
    return {"status": status, "execution_time": res.duration_s, "return_code": res.exit_code,
            "stdout": res.stdout, "stderr": res.stderr}


def fusion_response(res: RunResult) -> dict[str, Any]:
    """Map a RunResult to SandboxFusion's response (Success iff the program compiled and exited 0 in
    time; a failed compile has a compile_result and no run_result)."""
    if res.status == "sandbox_error":
        status = "SandboxError"
    else:
        status = "Success" if res.status == "ok" else "Failed"
    compiled = res.compile_result
    failed_compile = compiled is not None and compiled.status != "ok"
    return {"status": status, "message": "" if status != "SandboxError" else res.stderr,
            "compile_result": _fusion_step(compiled) if compiled is not None else None,
            "executor_pod_name": None, "files": {},
            "run_result": None if failed_compile else _fusion_step(res)}


class _BodyLimit:
    """ASGI middleware: 413 once a request body exceeds `limit` bytes (declared or streamed)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and int(declared) > self.limit:
            return await _reply(send, 413, b'{"detail":"request body too large"}')
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _reply(send, 413, b'{"detail":"request body too large"}')


class _TooLarge(Exception):
    pass


async def _reply(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def create_app(sandbox, *, token: str | None = None, max_concurrency: int | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, max_queue: int | None = None,
               ceilings: Ceilings = Ceilings(), allowed_hosts: set[str] | None = None):
    """Build the ASGI app around an existing Sandbox (the caller owns and closes it).

    `max_queue`: requests that may wait for a slot (default 4 x max_concurrency; more get 429).
    `allowed_hosts`: host names the Host/Origin headers may carry (default: the loopback names; any
    host when a token is set, since the token is then what keeps other origins out)."""
    app = FastAPI(title="envsdk sandbox", version="1")
    concurrency = max_concurrency or os.cpu_count() or 1
    slots = asyncio.Semaphore(concurrency)
    waiting_cap = 4 * concurrency if max_queue is None else max_queue
    load = {"admitted": 0}
    hosts = {h.lower() for h in (allowed_hosts if allowed_hosts is not None else LOOPBACK)}

    def authorised(request: Request) -> None:
        _check_origin(request, hosts, any_host=token is not None and allowed_hosts is None)
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    async def execute(code: str, stdin: bytes, files: dict[str, bytes], argv: list[str], limits: Limits,
                      language: str = "python", compile_limits: Limits | None = None):
        if load["admitted"] >= concurrency + waiting_cap:
            raise HTTPException(429, f"busy: {concurrency} runs executing and {waiting_cap} waiting",
                                headers={"Retry-After": "1"})
        load["admitted"] += 1
        try:
            async with slots:
                return await asyncio.to_thread(
                    sandbox.run, code, stdin=stdin, files=files, argv=argv, limits=ceilings.apply(limits),
                    language=language, compile_limits=compile_limits)
        finally:
            load["admitted"] -= 1

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 naming each bad field, without echoing its value (a NaN or infinite number sent by the
        client would make FastAPI's own error response unserialisable: a 500)."""
        detail = [{"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg")),
                   "type": str(err.get("type"))} for err in exc.errors()[:20]]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.get("/health")
    async def health(request: Request) -> dict:
        _check_origin(request, hosts, any_host=token is not None and allowed_hosts is None)
        return {"status": "ok", "backend": sandbox.backend, "tier": sandbox.tier}

    @app.post("/run_code", dependencies=[Depends(authorised)])
    async def run_code(req: RunCodeRequest):
        try:
            languages.language(req.language)
        except ValueError as exc:
            body = {"status": "SandboxError", "run_result": None, "compile_result": None, "files": {},
                    "message": str(exc)}
            return JSONResponse(body, status_code=400)
        if req.run_timeout <= 0 or req.compile_timeout <= 0:
            raise HTTPException(400, "run_timeout and compile_timeout must be positive")
        # The server's own compile limits cut at its ceilings (the compiler's kept output included); the
        # client chooses only the time.
        compile_limits = ceilings.apply(languages.COMPILE_LIMITS.model_copy(update={"timeout_s": req.compile_timeout}))
        limits = Limits(timeout_s=min(req.run_timeout, ceilings.timeout_s), **(
            {"memory_mb": min(req.memory_limit_MB, ceilings.memory_mb)} if req.memory_limit_MB > 0 else {}))
        files = _files({name: data or "" for name, data in req.files.items()}, b64=True)
        try:
            result = await execute(req.code, (req.stdin or "").encode(), files, [], limits, req.language,
                                   compile_limits)
        except ValueError as exc:  # a language whose toolchain this host lacks
            body = {"status": "SandboxError", "run_result": None, "compile_result": None, "files": {},
                    "message": str(exc)}
            return JSONResponse(body, status_code=400)
        return fusion_response(result)

    @app.post("/run", dependencies=[Depends(authorised)])
    async def run(req: RunRequest) -> RunResult:
        files = _files(req.files, b64=False)
        files.update(_files(req.files_b64, b64=True))
        return await execute(req.code, req.stdin.encode(), files, req.argv, req.limits)

    return _BodyLimit(app, max_body_bytes)


def _check_origin(request: Request, hosts: set[str], any_host: bool) -> None:
    """403 unless Host (and Origin, when sent) name this server: a web page that rebinds a DNS name
    to 127.0.0.1 sends its own name there."""
    if any_host:
        return
    host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
    if host.lower() not in hosts:
        raise HTTPException(403, f"Host {request.headers.get('host', '')!r} is not this server's")
    origin = request.headers.get("origin")
    if origin is not None and (urlsplit(origin).hostname or "").lower() not in hosts:
        raise HTTPException(403, f"Origin {origin!r} is not allowed")


def _files(given: dict[str, str], b64: bool) -> dict[str, bytes]:
    """Decode request files; 400 for a name that leaves the work dir or content that is not base64."""
    out = {}
    for name, data in given.items():
        rel = os.path.normpath(name)
        if not name or rel.startswith(("/", "..")) or rel == "." or "\0" in name:
            raise HTTPException(400, f"file name {name!r} must stay inside the work dir")
        try:
            out[name] = base64.b64decode(data, validate=True) if b64 else data.encode()
        except (binascii.Error, ValueError):
            raise HTTPException(400, f"file {name!r}: content is not valid base64") from None
    return out


def serve(*, host: str = "127.0.0.1", port: int = 8080, token_env: str = "ENVSDK_SANDBOX_TOKEN",
          backend: str = "embedded", tier: str | None = None, max_concurrency: int | None = None,
          max_queue: int | None = None, packages: list[str] | None = None) -> int:
    """Run the server until interrupted; refuses a non-loopback address without a token."""
    import uvicorn

    from .sandbox import Sandbox

    token = os.environ.get(token_env) or None
    if host not in LOOPBACK and token is None:
        print(f"envsdk sandbox serve: binding {host} needs a bearer token in ${token_env}", file=sys.stderr)
        return 2
    with Sandbox(backend=backend, tier=tier, packages=packages or ()) as sandbox:
        print(f"envsdk sandbox serve: backend={sandbox.backend} tier={sandbox.tier} on {host}:{port}",
              file=sys.stderr)
        app = create_app(sandbox, token=token, max_concurrency=max_concurrency, max_queue=max_queue)
        uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
