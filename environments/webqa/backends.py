"""Where the tools get results and pages, always over HTTP with httpx.

Search: a Search-R1 `/retrieve` server (the local BM25 service or any compatible one), or any HTTP search
API described by configuration. Pages: the corpus service (`/document`; unknown pages are "not in corpus",
never the live web) or, online, the web itself with private, loopback and link-local addresses refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel

from envsdk.tools import ToolError

from .corpus import Document, parse_document

SNIPPET_CHARS = 240
MAX_PAGE_BYTES = 2_000_000
MAX_REDIRECTS = 5


class Hit(BaseModel):
    """One ranked search result."""

    id: str
    url: str
    title: str
    snippet: str
    score: float | None = None


class SearchBackend(Protocol):
    async def search(self, http: httpx.AsyncClient, query: str, k: int) -> list[Hit]: ...


class PageSource(Protocol):
    async def fetch(self, http: httpx.AsyncClient, id_or_url: str) -> Document: ...


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


class RetrieveSearch:
    """A Search-R1-compatible `POST {url}/retrieve` server."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    async def search(self, http: httpx.AsyncClient, query: str, k: int) -> list[Hit]:
        response = await http.post(f"{self.url}/retrieve", json={"queries": [query], "topk": k, "return_scores": True})
        response.raise_for_status()
        hits = []
        for item in response.json()["result"][0]:
            raw, score = (item["document"], item.get("score")) if "document" in item else (item, None)
            doc = parse_document(raw, 0)
            hits.append(Hit(id=doc.id, url=doc.url, title=doc.title, snippet=_snippet(doc.text), score=score))
        return hits


class HttpSearchConfig(BaseModel):
    """How to call an arbitrary HTTP search API and where the results sit in its JSON reply.

    Paths are dotted (`data.items`); fields map our names to the API's (`{"url": "link"}`). The key is read
    from the environment variable `api_key_env` and sent in `key_header` (or as query parameter `key_param`).
    """

    url: str
    method: str = "GET"
    query_param: str = "q"
    k_param: str | None = "num"
    api_key_env: str | None = None
    key_header: str | None = "Authorization"
    key_prefix: str = "Bearer "
    key_param: str | None = None
    extra_params: dict[str, Any] = {}
    results_path: str = "results"
    fields: dict[str, str] = {"url": "url", "title": "title", "snippet": "snippet"}


def _dig(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        value = value[int(part)] if isinstance(value, list) else value.get(part) if isinstance(value, dict) else None
    return value


class HttpSearch:
    """Any HTTP search API, through an HttpSearchConfig. Result ids are the result URLs."""

    def __init__(self, config: HttpSearchConfig | dict):
        self.config = config if isinstance(config, HttpSearchConfig) else HttpSearchConfig(**config)

    async def search(self, http: httpx.AsyncClient, query: str, k: int) -> list[Hit]:
        c = self.config
        params: dict[str, Any] = {**c.extra_params, c.query_param: query}
        if c.k_param:
            params[c.k_param] = k
        headers = {}
        key = os.environ.get(c.api_key_env) if c.api_key_env else None
        if key and c.key_param:
            params[c.key_param] = key
        elif key and c.key_header:
            headers[c.key_header] = c.key_prefix + key
        if c.method.upper() == "GET":
            response = await http.get(c.url, params=params, headers=headers)
        else:
            response = await http.request(c.method.upper(), c.url, json=params, headers=headers)
        response.raise_for_status()
        hits = []
        for item in (_dig(response.json(), c.results_path) or [])[:k]:
            url = str(_dig(item, c.fields.get("url", "url")) or "")
            title = str(_dig(item, c.fields.get("title", "title")) or url)
            snippet = str(_dig(item, c.fields.get("snippet", "snippet")) or "")
            hits.append(Hit(id=url, url=url, title=title, snippet=_snippet(snippet)))
        return hits


class CorpusPages:
    """Pages from the corpus service; anything else is "not in corpus"."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    async def fetch(self, http: httpx.AsyncClient, id_or_url: str) -> Document:
        key = "url" if "://" in id_or_url else "id"
        response = await http.post(f"{self.url}/document", json={key: id_or_url})
        if response.status_code == 404:
            raise ToolError(f"not in corpus: {id_or_url}")
        response.raise_for_status()
        return Document(**response.json())


async def check_public_url(url: str) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolError(f"refused: only http(s) URLs can be opened ({url})")
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, parts.hostname, parts.port or 443, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ToolError(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ToolError(f"refused: {parts.hostname} resolves to a private, loopback or link-local address")


class _TextExtractor(HTMLParser):
    """Visible text and title of an HTML page (scripts and styles skipped)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style", "noscript")
        self._in_title = tag == "title"
        if tag in ("p", "br", "div", "li", "h1", "h2", "h3", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "noscript") and self._skip > 0
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        elif not self._skip:
            self.parts.append(data)


class WebPages:
    """Live pages, online only: each hop of a redirect chain is checked; bodies are capped."""

    async def fetch(self, http: httpx.AsyncClient, id_or_url: str) -> Document:
        url = id_or_url
        for _ in range(MAX_REDIRECTS + 1):
            await check_public_url(url)
            async with http.stream("GET", url, follow_redirects=False) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                response.raise_for_status()
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES:
                        break
                text = body[:MAX_PAGE_BYTES].decode(response.encoding or "utf-8", errors="replace")
                if "html" in response.headers.get("content-type", "html"):
                    parser = _TextExtractor()
                    parser.feed(text)
                    title, text = parser.title or url, "".join(parser.parts)
                else:
                    title = url
                lines = [" ".join(line.split()) for line in text.splitlines()]
                return Document(id=url, url=url, title=title, text="\n".join(line for line in lines if line))
        raise ToolError(f"too many redirects: {id_or_url}")
