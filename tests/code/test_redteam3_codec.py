"""Red team 3, item 8: a candidate's reply line is bounded by what it decodes into, not by its bytes. A 4 MiB
line of `{}` items would become ~1.4 million dicts (~110 MB) in the verifier; it must be refused before
anything is built, and fail the candidate's test (a plain 0), while honest large replies still decode."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from envsdk_env_code import codec
from envsdk_env_code.functional import CANDIDATE_MAX_LINE, MAX_BATCH

from .test_hacks import ASSERTS, CHANNEL_WRITER, HUMANEVAL

FILL = CANDIDATE_MAX_LINE - 64
FLOODS = {
    "empty_objects": b'{"id":ID,"ok":"3","x":[' + b"{}," * (FILL // 3) + b"{}]}",
    "empty_lists": b'{"id":ID,"ok":"3","x":[' + b"[]," * (FILL // 3) + b"[]]}",
    "short_strings": b'{"id":ID,"ok":"3","x":[' + b'"ab",' * (FILL // 5) + b'"ab"]}',
    "numbers_as_keys_and_values": b'{"id":ID,"ok":"3","x":{' + b'"k":0.5,' * (FILL // 8) + b'"k":0}}',
    "batch_of_empty_answers": b'{"id":ID,"batch":[' + b"{}," * (FILL // 3) + b"{}]}",
}


@pytest.mark.parametrize("flood", sorted(FLOODS))
def test_a_line_that_would_decode_into_millions_of_objects_is_refused_unbuilt(flood):
    line = FLOODS[flood].replace(b"ID", b"1")
    tracemalloc.start()
    try:
        with pytest.raises(codec.DecodeError, match="more than"):
            codec.loads(line)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak  # nothing decoded: the line itself is the only copy


def test_honest_large_lines_still_decode():
    answers = [{"raised": "ValueError", "msg": "x" * 40, "base": False, "t": 0.001}] * MAX_BATCH
    batch = json.dumps({"id": 1, "batch": answers}).encode()
    assert len(codec.loads(batch)["batch"]) == MAX_BATCH
    big_value = json.dumps({"id": 2, "ok": codec.value_text(list(range(400_000)))}).encode()  # commas inside a string
    assert len(big_value) < CANDIDATE_MAX_LINE and codec.text_value(codec.loads(big_value)["ok"]) == list(range(400_000))
    nested = json.dumps({"id": 3, "ok": codec.value_text([[[[1]]]] * 1000)}).encode()
    assert codec.loads(nested)["id"] == 3


def test_nesting_is_bounded_before_decoding():
    with pytest.raises(codec.DecodeError, match="nested deeper"):
        codec.loads(b'{"id":1,"x":' + b"[" * 70_000 + b"]" * 70_000 + b"}")


@pytest.mark.parametrize("tests", [ASSERTS, HUMANEVAL], ids=["asserts", "humaneval"])
@pytest.mark.parametrize("flood", ["empty_objects", "batch_of_empty_answers"])
def test_a_flooding_reply_fails_the_candidates_test(verifier, tests, flood):
    verdict = verifier.verify(tests, CHANNEL_WRITER.format(line=FLOODS[flood] + b"\n"))
    assert verdict.passed is False and verdict.reward == 0.0 and verdict.error is None, verdict.details


def test_a_large_honest_return_value_still_passes(verifier):
    tests = {"kind": "asserts", "asserts": ["assert f(300_000) == list(range(300_000))"]}
    assert verifier.verify(tests, "def f(n):\n    return list(range(n))\n").passed
