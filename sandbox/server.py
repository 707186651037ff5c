"""`envsdk sandbox serve`: an HTTP front for a Sandbox. `POST /run_code` speaks SandboxFusion's
request/response (so verl's sandbox_fusion reward can point at it), `POST /run` returns our RunResult,
`GET /health` reports the backend and tier. Loopback by default; any other address needs a bearer
token; bodies and concurrency are capped. FastAPI/uvicorn are imported here only."""

from __future__ import annotations

import asyncio
import base64
import hmac
import os
import sys
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .models import Limits, RunResult

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_BODY_BYTES = 16 << 20
SUPPORTED = {"python", "python3"}


class RunCodeRequest(BaseModel):
    """SandboxFusion's /run_code request (fields we cannot honour are accepted and ignored)."""

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


def fusion_response(res: RunResult) -> dict[str, Any]:
    """Map a RunResult to SandboxFusion's response (Success iff the program exited 0 in time)."""
    run_status = {"ok": "Finished", "error": "Finished", "timeout": "TimeLimitExceeded"}.get(res.status, "Error")
    if res.status == "sandbox_error":
        status = "SandboxError"
    else:
        status = "Success" if res.status == "ok" else "Failed"
    return {"status": status, "message": "" if status != "SandboxError" else res.stderr,
            "compile_result": None, "executor_pod_name": None, "files": {},
            "run_result": {"status": run_status, "execution_time": res.duration_s, "return_code": res.exit_code,
                           "stdout": res.stdout, "stderr": res.stderr}}


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
               max_body_bytes: int = MAX_BODY_BYTES):
    """Build the ASGI app around an existing Sandbox (the caller owns and closes it)."""
    app = FastAPI(title="envsdk sandbox", version="1")
    slots = asyncio.Semaphore(max_concurrency or os.cpu_count() or 1)

    def authorised(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    async def execute(code: str, stdin: bytes, files: dict[str, bytes], argv: list[str], limits: Limits):
        async with slots:
            return await asyncio.to_thread(sandbox.run, code, stdin=stdin, files=files, argv=argv, limits=limits)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "backend": sandbox.backend, "tier": sandbox.tier}

    @app.post("/run_code", dependencies=[Depends(authorised)])
    async def run_code(req: RunCodeRequest):
        if req.language.lower() not in SUPPORTED:
            body = {"status": "SandboxError", "run_result": None, "compile_result": None, "files": {},
                    "message": f"unsupported language {req.language!r}: this sandbox runs python only"}
            return JSONResponse(body, status_code=400)
        limits = Limits(timeout_s=max(req.run_timeout, 0.1), **(
            {"memory_mb": req.memory_limit_MB} if req.memory_limit_MB > 0 else {}))
        try:
            files = {name: base64.b64decode(data or "") for name, data in req.files.items()}
        except ValueError:
            raise HTTPException(422, "files must map names to base64 content") from None
        return fusion_response(await execute(req.code, (req.stdin or "").encode(), files, [], limits))

    @app.post("/run", dependencies=[Depends(authorised)])
    async def run(req: RunRequest) -> RunResult:
        files: dict[str, bytes] = {name: text.encode() for name, text in req.files.items()}
        try:
            files.update({name: base64.b64decode(data) for name, data in req.files_b64.items()})
        except ValueError:
            raise HTTPException(422, "files_b64 must map names to base64 content") from None
        return await execute(req.code, req.stdin.encode(), files, req.argv, req.limits)

    return _BodyLimit(app, max_body_bytes)


def serve(*, host: str = "127.0.0.1", port: int = 8080, token_env: str = "ENVSDK_SANDBOX_TOKEN",
          backend: str = "embedded", tier: str | None = None, max_concurrency: int | None = None) -> int:
    """Run the server until interrupted; refuses a non-loopback address without a token."""
    import uvicorn

    from .sandbox import Sandbox

    token = os.environ.get(token_env) or None
    if host not in LOOPBACK and token is None:
        print(f"envsdk sandbox serve: binding {host} needs a bearer token in ${token_env}", file=sys.stderr)
        return 2
    with Sandbox(backend=backend, tier=tier) as sandbox:
        print(f"envsdk sandbox serve: backend={sandbox.backend} tier={sandbox.tier} on {host}:{port}",
              file=sys.stderr)
        app = create_app(sandbox, token=token, max_concurrency=max_concurrency)
        uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
