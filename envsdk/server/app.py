"""The reward server's FastAPI app: /health, OpenRLHF's /get_reward, and /verify (docs/reference.md, "Reward server").

With `log_rollouts`, every sample either endpoint scores is appended to that file as a `RolloutRecord` (source
"serve"): the server's rollouts read back like `verify`'s, `eval`'s and the trainer's (`envsdk report`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..record import RolloutRecord, summarize, write_records
from ..scoring import BatchScorer
from ..scoring.buffer import PARTIAL_GROUP, GroupBuffer, RowBatcher
from ..scoring.labels import openrlhf_response, openrlhf_samples
from ..scoring.saved import saved_records, verify_saved
from .models import RewardRequest, RewardResponse


@dataclass
class ServerLimits:
    """Caps that keep one client from exhausting the server."""

    max_body_bytes: int = 16 << 20
    max_batch: int = 4096
    group_timeout_s: float = 60.0


def create_app(
    scorer: BatchScorer,
    *,
    token: str | None = None,
    limits: ServerLimits | None = None,
    on_ready: Callable[[], None] | None = None,
    log_rollouts: Path | None = None,
) -> FastAPI:
    """An app scoring with `scorer`; group transforms buffer samples by prompt until a group is whole.
    `log_rollouts`: a JSONL file each scored sample's record is appended to."""
    limits = limits or ServerLimits()
    if scorer.needs_whole_groups:
        buffer: GroupBuffer | RowBatcher = GroupBuffer(scorer, scorer.group_size, limits.group_timeout_s)
    else:
        buffer = RowBatcher(scorer, slots=scorer.executor.config.workers)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        scorer.env  # build the environment before reporting ready
        if on_ready is not None:
            on_ready()
        yield
        if isinstance(buffer, RowBatcher):
            await buffer.aclose()
        await scorer.aclose()

    app = FastAPI(title="envsdk reward server", lifespan=lifespan)

    async def read_json(request: Request) -> Any:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise HTTPException(401, "missing or wrong bearer token")
        declared = request.headers.get("content-length")
        if declared is not None and int(declared) > limits.max_body_bytes:
            raise HTTPException(413, f"request body over {limits.max_body_bytes} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limits.max_body_bytes:
                raise HTTPException(413, f"request body over {limits.max_body_bytes} bytes")
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"body is not JSON: {exc.msg} at column {exc.colno}") from exc

    def log(records: Sequence[RolloutRecord]) -> None:
        if log_rollouts is not None:
            with log_rollouts.open("a", encoding="utf-8") as fh:
                write_records(fh, (r.model_copy(update={"source": "serve"}) for r in records))

    def check_batch(n: int) -> None:
        if n > limits.max_batch:
            raise HTTPException(413, f"batch of {n} items is over the limit of {limits.max_batch}")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "env": scorer.name}

    @app.post("/get_reward")
    async def get_reward(request: Request) -> JSONResponse:
        try:
            req = RewardRequest.model_validate(await read_json(request))
        except ValidationError as exc:
            raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from exc
        check_batch(len(req.query))
        rows, completions = openrlhf_samples(scorer.env, req.query, req.prompts, req.labels)
        records = await asyncio.gather(*(buffer.submit(r, c) for r, c in zip(rows, completions)))
        log(records)
        return JSONResponse(_reward_response(records).model_dump())

    @app.post("/verify")
    async def verify(request: Request) -> JSONResponse:
        items = await read_json(request)
        if not isinstance(items, list):
            raise HTTPException(422, "expected a JSON list of verify rows")
        check_batch(len(items))
        verdicts = await verify_saved(scorer.executor, items, whole_groups=scorer.env.has_group_funcs)
        log(saved_records(scorer.name, items, verdicts, on_error=scorer.on_error))
        # the answer stays the verdicts (with each row's id as sent): a client's rows are its records already
        out = [{"id": item.get("id") if isinstance(item, dict) else None, **v.model_dump()} for item, v in zip(items, verdicts)]
        return JSONResponse(out)

    return app


def _reward_response(records: list[RolloutRecord]) -> RewardResponse:
    """OpenRLHF's answer; its logs are `summarize(records)`, with `partial_group_rate`: the share of samples
    whose group timed out before it was whole."""
    partial = sum(r.group_metrics.get(PARTIAL_GROUP, 0.0) for r in records) / max(len(records), 1)
    logs = {**summarize(records), "partial_group_rate": partial}
    return RewardResponse(**openrlhf_response([r.final_reward for r in records], [r.verdict for r in records], logs))
