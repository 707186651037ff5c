"""Other backends: an arbitrary HTTP search API by configuration, and the guard on live fetching."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request

from envsdk.tools import ToolError
from envsdk_env_webqa.backends import HttpSearch, WebPages, check_public_url
from envsdk_env_webqa.search_service import LoopbackServer


def fake_search_api():
    """A search API with its own shape: GET /s?term=..&count=.., results under data.items."""
    app = FastAPI()
    app.state.seen = []

    @app.get("/s")
    def s(request: Request):
        app.state.seen.append((dict(request.query_params), request.headers.get("x-api-key")))
        n = int(request.query_params["count"])
        items = [{"link": f"https://site/{i}", "name": f"Result {i}", "blurb": "text"} for i in range(5)][:n]
        return {"data": {"items": items}}

    return app


def test_any_http_search_api_maps_by_configuration(monkeypatch):
    monkeypatch.setenv("FAKE_SEARCH_KEY", "k123")
    app = fake_search_api()
    with LoopbackServer(app) as server:
        backend = HttpSearch(
            {
                "url": f"{server.url}/s",
                "query_param": "term",
                "k_param": "count",
                "api_key_env": "FAKE_SEARCH_KEY",
                "key_header": "X-Api-Key",
                "key_prefix": "",
                "results_path": "data.items",
                "fields": {"url": "link", "title": "name", "snippet": "blurb"},
            }
        )

        async def go():
            async with httpx.AsyncClient() as http:
                return await backend.search(http, "comet", 2)

        hits = asyncio.run(go())
    assert [(h.id, h.title, h.snippet) for h in hits] == [("https://site/0", "Result 0", "text"), ("https://site/1", "Result 1", "text")]
    assert app.state.seen == [({"term": "comet", "count": "2"}, "k123")]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/admin",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "file:///etc/passwd",
    ],
)
def test_live_fetching_refuses_private_loopback_and_link_local(url):
    with pytest.raises(ToolError, match="refused"):
        asyncio.run(check_public_url(url))


def test_a_refused_url_is_never_requested():
    app = fake_search_api()
    with LoopbackServer(app) as server:

        async def go():
            async with httpx.AsyncClient() as http:
                await WebPages().fetch(http, f"{server.url}/s?term=x&count=1")

        with pytest.raises(ToolError, match="refused"):
            asyncio.run(go())
    assert app.state.seen == []
