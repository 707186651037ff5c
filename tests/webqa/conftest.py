"""Shared fixtures: one BM25 search service over the built-in corpus for the whole folder."""

import pytest

from envsdk_env_webqa.corpus import BUILTIN_CORPUS
from envsdk_env_webqa.search_service import LoopbackService


@pytest.fixture(scope="session")
def search_service():
    with LoopbackService(BUILTIN_CORPUS) as service:
        yield service
