"""envsdk_env_code: the `code` environment, whose verdicts are computed outside the candidate's process."""

from .codec import DecodeError, EncodeError, decode, encode
from .env import CodeEnv, load_environment, unit_tests
from .extract import build_program, fenced_code
from .loaders import DATASETS, load_rows
from .specs import AssertsTests, HumanEvalTests, StdioTests, parse_tests
from .stdio import normalise
from .verifier import CodeVerifier

__all__ = [
    "AssertsTests",
    "CodeEnv",
    "CodeVerifier",
    "DATASETS",
    "DecodeError",
    "EncodeError",
    "HumanEvalTests",
    "StdioTests",
    "build_program",
    "decode",
    "encode",
    "fenced_code",
    "load_environment",
    "load_rows",
    "normalise",
    "parse_tests",
    "unit_tests",
]
