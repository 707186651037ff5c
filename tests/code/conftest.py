"""One real sandbox-backed verifier per session (the embedded backend at the strongest tier available)."""

from __future__ import annotations

import pytest

from envsdk_env_code import CodeVerifier


@pytest.fixture(scope="session")
def verifier():
    verifier = CodeVerifier(timeout_s=5.0)
    yield verifier
    verifier.close()


@pytest.fixture(scope="session")
def fraction_verifier(verifier):
    """Same sandbox, partial credit and no early stop."""
    return CodeVerifier(timeout_s=5.0, reward_mode="fraction", sandbox=verifier.sandbox)
