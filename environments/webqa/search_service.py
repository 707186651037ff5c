"""A local search service over a JSONL corpus: BM25 (bm25s) behind a Search-R1-compatible HTTP API.

`POST /retrieve {"queries": [...], "topk": 3, "return_scores": true}` →
`{"result": [[{"document": {"id", "contents", "title", "url"}, "score"}, ...]]}` (Search-R1's shape, plus
title and url); `POST /document {"id"} or {"url"}` → the whole page, 404 "not in corpus" otherwise;
`GET /health`. Binds loopback unless told otherwise.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from envsdk.errors import require

from .corpus import Document, load_corpus

MAX_QUERIES = 256
MAX_TOPK = 50


class RetrieveRequest(BaseModel):
    queries: list[str] = Field(max_length=MAX_QUERIES)
    topk: int = Field(default=3, ge=1, le=MAX_TOPK)
    return_scores: bool = True


class DocumentRequest(BaseModel):
    id: str | None = None
    url: str | None = None


class BM25Index:
    """BM25 over title + text; results with score 0 (no query word in common) are dropped."""

    def __init__(self, docs: list[Document]):
        self._bm25s = require("bm25s", "webqa")
        self.docs = docs
        self.by_id = {d.id: d for d in docs}
        self.by_url = {d.url: d for d in docs}
        self.retriever = self._bm25s.BM25()
        corpus_tokens = self._bm25s.tokenize([f"{d.title}\n{d.text}" for d in docs], stopwords="en", show_progress=False)
        self.retriever.index(corpus_tokens, show_progress=False)

    def search(self, queries: list[str], k: int) -> list[list[tuple[Document, float]]]:
        """Top-k documents per query, best first (ties broken by corpus order, so runs repeat)."""
        k = min(k, len(self.docs))
        tokens = self._bm25s.tokenize(queries, stopwords="en", show_progress=False, return_ids=False)
        out: list[list[tuple[Document, float]]] = []
        for query_tokens in tokens:
            if not query_tokens:
                out.append([])
                continue
            ids, scores = self.retriever.retrieve([query_tokens], k=k, show_progress=False, n_threads=1)
            ranked = sorted(zip(ids[0].tolist(), scores[0].tolist()), key=lambda p: (-round(p[1], 6), p[0]))
            out.append([(self.docs[i], float(s)) for i, s in ranked if s > 0])
        return out

    def lookup(self, id_or_url: str) -> Document | None:
        return self.by_id.get(id_or_url) or self.by_url.get(id_or_url)


def create_app(docs: list[Document]) -> FastAPI:
    """The FastAPI app serving one corpus."""
    index = BM25Index(docs)
    app = FastAPI(title="envsdk webqa search", docs_url=None, redoc_url=None)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "documents": len(index.docs)}

    @app.post("/retrieve")
    def retrieve(request: RetrieveRequest) -> dict:
        result = []
        for hits in index.search(request.queries, request.topk):
            docs = [{"id": d.id, "contents": d.contents, "title": d.title, "url": d.url} for d, _ in hits]
            if request.return_scores:
                result.append([{"document": doc, "score": score} for doc, (_, score) in zip(docs, hits)])
            else:
                result.append(docs)
        return {"result": result}

    @app.post("/document")
    def document(request: DocumentRequest) -> dict:
        key = request.id or request.url
        doc = index.lookup(key) if key else None
        if doc is None:
            raise HTTPException(status_code=404, detail=f"not in corpus: {key}")
        return doc.model_dump()

    return app


class LoopbackServer:
    """Runs an ASGI app with uvicorn in a background thread on a port chosen by the OS (loopback by default).

    The socket is bound and listening before the thread starts, so clients can connect at once."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0):
        uvicorn = require("uvicorn", "webqa")
        self._sock = socket.create_server((host, port))
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        host, port = self._sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        """Stop the server and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoopbackService(LoopbackServer):
    """The search service over a corpus (a JSONL path or documents), on loopback."""

    def __init__(self, corpus: str | Path | list[Document], host: str = "127.0.0.1", port: int = 0):
        docs = corpus if isinstance(corpus, list) else load_corpus(corpus)
        super().__init__(create_app(docs), host, port)


def serve(corpus: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a corpus in the foreground until interrupted (the CLI's `serve-corpus`)."""
    uvicorn = require("uvicorn", "webqa")
    uvicorn.run(create_app(load_corpus(corpus)), host=host, port=port, log_level="info")
