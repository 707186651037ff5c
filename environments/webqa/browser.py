"""The model's tools: search, open a page in windows, find text in it, submit the final answer.

Each rollout has its own Browser (HTTP client, open page); the tools receive it as a hidden argument.
"""

from __future__ import annotations

import ssl
from functools import lru_cache

import httpx

from envsdk.tools import Tool, ToolError

from .backends import PageSource, SearchBackend
from .corpus import Document

MAX_K = 10
MAX_FIND_MATCHES = 8
FIND_CONTEXT = 80


class Browser:
    """Per-rollout browsing state: the backends, one HTTP client, and the page currently open."""

    def __init__(self, search: SearchBackend, pages: PageSource, window_chars: int = 1500, timeout_s: float = 30.0):
        self.search_backend, self.pages = search, pages
        self.window_chars = window_chars
        self.http = httpx.AsyncClient(timeout=timeout_s, verify=_tls())
        self.page: Document | None = None

    async def aclose(self) -> None:
        await self.http.aclose()


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context (system defaults, certifi's CA bundle) shared by every rollout's client: building it
    loads the CA bundle, about 0.2 s of CPU, which every rollout used to pay."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _window(doc: Document, offset: int, size: int) -> str:
    """A window of a page starting at `offset`, ending at a word boundary, with a header saying where."""
    text = doc.text
    if offset < 0 or (offset >= len(text) and text):
        raise ToolError(f"offset {offset} is outside the page (0..{max(len(text) - 1, 0)})")
    end = min(offset + size, len(text))
    if end < len(text) and " " in text[offset:end]:
        end = text.rindex(" ", offset, end) + 1
    more = f"; call open with offset={end} for more" if end < len(text) else "; end of page"
    header = f"Title: {doc.title}\nURL: {doc.url}\nid: {doc.id}\n[characters {offset}-{end} of {len(text)}{more}]"
    return f"{header}\n{text[offset:end]}"


async def search(query: str, k: int = 5, browser: Browser | None = None) -> str:
    """Search the corpus and list ranked results (id, url, title, snippet).

    Args:
        query: what to look for, in keywords.
        k: how many results to return (1-10).
    """
    if not query.strip():
        raise ToolError("the query is empty")
    try:
        hits = await browser.search_backend.search(browser.http, query, max(1, min(k, MAX_K)))
    except httpx.HTTPError as exc:
        raise ToolError(f"search failed: {type(exc).__name__}: {exc}") from None
    if not hits:
        return f"No results for {query!r}."
    return "\n".join(f"[{n}] id: {h.id} | title: {h.title} | url: {h.url}\n    {h.snippet}" for n, h in enumerate(hits, 1))


async def open_page(id_or_url: str, offset: int = 0, browser: Browser | None = None) -> str:
    """Open a page by its id or URL and read a window of it.

    Args:
        id_or_url: a result id or URL from search.
        offset: the character to start reading from (0 = the top).
    """
    if browser.page is None or id_or_url not in (browser.page.id, browser.page.url):
        try:
            browser.page = await browser.pages.fetch(browser.http, id_or_url.strip())
        except httpx.HTTPError as exc:
            raise ToolError(f"could not open {id_or_url}: {type(exc).__name__}: {exc}") from None
    return _window(browser.page, offset, browser.window_chars)


async def find(pattern: str, browser: Browser | None = None) -> str:
    """Find a phrase (case-insensitive, literal) in the open page and show where it occurs.

    Args:
        pattern: the text to look for.
    """
    if browser.page is None:
        raise ToolError("no page is open; call open first")
    if not pattern.strip():
        raise ToolError("the pattern is empty")
    text, needle = browser.page.text, pattern.lower()
    lowered, found, start = text.lower(), [], 0
    while len(found) < MAX_FIND_MATCHES and (at := lowered.find(needle, start)) >= 0:
        left, right = max(0, at - FIND_CONTEXT), min(len(text), at + len(needle) + FIND_CONTEXT)
        found.append(f"offset {at}: …{' '.join(text[left:right].split())}…")
        start = at + len(needle)
    if not found:
        return f"{pattern!r} does not occur in {browser.page.title}."
    return f"{len(found)} match(es) of {pattern!r} in {browser.page.title}:\n" + "\n".join(found)


async def submit(answer: str, state: dict) -> str:
    """Submit your final answer (a short name, number or date). This ends the episode.

    Args:
        answer: the final answer, as short as possible.
    """
    state["final_answer"] = answer
    state["done"] = True
    return "Answer submitted."


HIDDEN = ("state", "browser")
TOOLS = [
    Tool(search, hidden=HIDDEN),
    Tool(open_page, hidden=HIDDEN, name="open"),
    Tool(find, hidden=HIDDEN),
    Tool(submit, hidden=HIDDEN),
]
