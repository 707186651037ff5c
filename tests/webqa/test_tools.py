"""The search service's HTTP API and the tools over it: ranked results, windows, find, not-in-corpus."""

import asyncio

import httpx
import pytest

from envsdk.tools import ToolError
from envsdk_env_webqa.backends import CorpusPages, RetrieveSearch
from envsdk_env_webqa.browser import Browser, find, open_page, search


def test_retrieve_speaks_search_r1(search_service):
    body = {"queries": ["Grey Needle lighthouse", "comet period"], "topk": 2, "return_scores": True}
    result = httpx.post(f"{search_service.url}/retrieve", json=body).json()["result"]
    assert len(result) == 2 and len(result[0]) == 2
    top = result[0][0]
    assert top["document"]["id"] == "grey-needle" and top["score"] > 0
    assert top["document"]["contents"].startswith('"Grey Needle"\n')


def test_retrieve_without_scores_lists_documents(search_service):
    body = {"queries": ["Grey Needle"], "topk": 1, "return_scores": False}
    [[doc]] = httpx.post(f"{search_service.url}/retrieve", json=body).json()["result"]
    assert doc["id"] == "grey-needle"


def test_a_query_sharing_no_word_with_the_corpus_finds_nothing(search_service):
    body = {"queries": ["xylophone zeppelin"], "topk": 3}
    assert httpx.post(f"{search_service.url}/retrieve", json=body).json()["result"] == [[]]


def browse(search_service, *calls, window_chars=1500):
    """Run tool calls in order on one browser; return their outputs (or the ToolError messages)."""

    async def go():
        browser = Browser(RetrieveSearch(search_service.url), CorpusPages(search_service.url), window_chars)
        outputs = []
        try:
            for fn, kwargs in calls:
                try:
                    outputs.append(await fn(browser=browser, **kwargs))
                except ToolError as exc:
                    outputs.append(f"ToolError: {exc}")
        finally:
            await browser.aclose()
        return outputs

    return asyncio.run(go())


def test_search_lists_id_url_title_and_snippet(search_service):
    [out] = browse(search_service, (search, {"query": "Brun Reflector telescope", "k": 2}))
    first = out.splitlines()[0]
    assert first == "[1] id: brun-reflector | title: Brun Reflector | url: https://ardessa.example/wiki/Brun_Reflector"
    assert out.count("\n[") == 1  # two results


def test_open_reads_a_bounded_window_and_says_where_to_continue(search_service):
    first, second = browse(
        search_service, (open_page, {"id_or_url": "velmora"}), (open_page, {"id_or_url": "velmora", "offset": 100}),
        window_chars=120,
    )
    assert "[characters 0-" in first and "call open with offset=" in first
    body = first.split("\n", 4)[4]
    assert len(body) <= 120
    assert "[characters 100-" in second


def test_open_by_url_works_and_unknown_pages_are_not_in_corpus(search_service):
    by_url, unknown = browse(
        search_service,
        (open_page, {"id_or_url": "https://ardessa.example/wiki/Grey_Needle"}),
        (open_page, {"id_or_url": "https://example.com/secret"}),
    )
    assert "47 metres" in by_url
    assert unknown == "ToolError: not in corpus: https://example.com/secret"


def test_find_shows_matches_in_the_open_page(search_service):
    before, _, found, missing = browse(
        search_service,
        (find, {"pattern": "born"}),
        (open_page, {"id_or_url": "dunmere"}),
        (find, {"pattern": "COPPER"}),
        (find, {"pattern": "zinc"}),
    )
    assert before == "ToolError: no page is open; call open first"
    assert found.startswith("2 match(es) of 'COPPER' in Dunmere:")
    assert "does not occur" in missing


@pytest.mark.parametrize("offset", [-1, 10_000])
def test_an_offset_outside_the_page_is_an_error(search_service, offset):
    [out] = browse(search_service, (open_page, {"id_or_url": "dunmere", "offset": offset}))
    assert out.startswith("ToolError: offset")
