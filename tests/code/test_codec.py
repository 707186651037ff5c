"""The closed encoding: built-in data round-trips exactly; anything user-defined is refused."""

from __future__ import annotations

import math

import pytest

from envsdk_env_code import DecodeError, EncodeError, decode, encode
from envsdk_env_code.codec import dumps, loads

ROUND_TRIP = [
    None, True, False, 0, -7, 2**200, -(2**90), 1.5, -0.0, "text", b"\x00\xff", 3 + 4j,
    [1, [2, (3, 4)]], (1, "a", None), {1, 2}, frozenset({"x"}), {"k": [1], 2: (3,), (1, 2): {"n": None}},
    [], (), {}, "",
]


@pytest.mark.parametrize("value", ROUND_TRIP, ids=repr)
def test_built_in_values_round_trip_with_their_exact_types(value):
    back = decode(loads(dumps({"v": encode(value)}))["v"])
    assert back == value and type(back) is type(value)


def test_non_finite_floats_round_trip():
    back = decode(loads(dumps({"v": encode([math.inf, -math.inf, math.nan])}))["v"])
    assert back[0] == math.inf and back[1] == -math.inf and math.isnan(back[2])


def test_tuples_and_lists_stay_distinct():
    assert decode(encode((1, 2))) != decode(encode([1, 2]))


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyInt(int):
    def __eq__(self, other):
        return True


class SneakyStr(str):
    pass


class Masquerade:
    __class__ = int  # isinstance() lies; type() does not


@pytest.mark.parametrize("value", [AlwaysEqual(), SneakyInt(3), SneakyStr("x"), Masquerade(), [AlwaysEqual()],
                                   {AlwaysEqual(): 1}, lambda: 1, iter([1]), object()], ids=repr)
def test_user_defined_objects_and_subclasses_are_refused(value):
    with pytest.raises(EncodeError):
        encode(value)


def test_cycles_are_refused():
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(EncodeError):
        encode(cyclic)


@pytest.mark.parametrize("bad", [{"$": "object", "v": []}, {"$": "set", "v": [[1]]}, {"x": 1},
                                 {"$": "complex", "v": ["a", 1]}, {"$": "bytes", "v": "***"}])
def test_malformed_encodings_are_rejected(bad):
    with pytest.raises(DecodeError):
        decode(bad)


@pytest.mark.parametrize("line", [b'{"v":NaN}', b'{"v":Infinity}', b'{"v":[-Infinity]}', b'{"v":1', b"[1]",
                                  b"\xff", b'{"v":' + b"[" * 50000 + b"]" * 50000 + b"}"])
def test_protocol_lines_must_be_standard_json_objects(line):
    with pytest.raises(DecodeError):
        loads(line)


@pytest.mark.parametrize("text", ["NaN", "[1,", "3 4", '{"$":"object","v":[]}', '["\\ud800"'])
def test_value_text_that_is_not_a_closed_encoding_is_refused(text):
    from envsdk_env_code.codec import text_value

    with pytest.raises(DecodeError):
        text_value(text)


def test_value_text_round_trips():
    from envsdk_env_code.codec import text_value, value_text

    value = {"k": (1, 2.5, math.inf), "b": b"\x00"}
    assert text_value(value_text(value)) == value
