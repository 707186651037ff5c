"""Numerals in any script and their signs (`numerals.py`), read into the grader's canonical form."""

import pytest

from envsdk_env_webqa.canonical import canon
from envsdk_env_webqa.numerals import mark_signs, to_ascii


@pytest.mark.parametrize("text,value", [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("三十五", 35), ("一百零五", 105), ("二千零二十", 2020),
    ("一万", 10000), ("三万五千", 35000), ("一九六九", 1969), ("二〇二〇", 2020),
])
def test_cjk_numerals_read_as_numbers(text, value):
    assert canon(text).numbers == (value,)


def test_a_cjk_numeral_inside_a_word_or_a_name_is_left_alone():
    assert canon("三菱").numbers == canon("统一").numbers == canon("一些").numbers == ()


def test_a_cjk_numeral_before_a_counter_or_after_an_ordinal_mark_is_a_number():
    assert canon("一九六九年").numbers == (1969,)
    assert canon("第三").tokens == canon("3rd").tokens == ("3",)


@pytest.mark.parametrize("text", ["３", "٣", "۳", "३", "৩", "๓"])
def test_a_digit_of_any_script_is_its_ascii_digit(text):
    assert to_ascii(text) == "3" and canon(text).numbers == (3,)


@pytest.mark.parametrize("text,value", [("½", 0.5), ("2½", 2.5), ("2 ½", 2.5), ("¾", 0.75), ("7⅞", 7.875),
                                        ("⅓", 1 / 3), ("2¹⁄₂", 2.5), ("3⁄4", 0.75)])
def test_vulgar_fractions_keep_the_whole_part_apart(text, value):
    assert canon(text).numbers == pytest.approx((value,))


def test_a_mixed_vulgar_fraction_is_never_read_as_one_numerator():
    assert canon("2½").numbers != canon("21/2").numbers


@pytest.mark.parametrize("text", ["-5", "−5", "minus 5", "negative five", "Minus Five", "(-5)", "**-5**",
                                  "5 below zero", "－5"])
def test_every_way_of_writing_minus_five_keeps_the_sign(text):
    assert canon(text).numbers == (-5,)


@pytest.mark.parametrize("text,numbers", [
    ("10 - 3", (10, 3)), ("10 minus 3", (10, 3)), ("5-3", (5, 3)), ("1990-1995", (1990, 1995)),
    ("COVID-19", (19,)), ("pages 10 -20", (10, 20)),
])
def test_a_hyphen_that_joins_or_subtracts_is_no_sign(text, numbers):
    assert canon(text).numbers == numbers


def test_a_sign_before_a_currency_or_a_unit_stays_with_its_number():
    assert canon("-$300").tokens == ("-300", "usd")
    assert canon("−40 °F").quantities == ((0, "f"),) and canon("−40 °F").numbers == (-40,)


def test_an_offset_from_utc_keeps_its_sign():
    assert canon("UTC-5").tokens != canon("UTC+5").tokens
    assert canon("UTC−5").tokens == canon("UTC-5").tokens


def test_minus_zero_is_zero():
    assert canon("-0").tokens == canon("0").tokens


def test_signs_are_marked_as_words_before_punctuation_is_dropped():
    assert mark_signs("it is -5").split() == ["it", "is", "minus", "5"]


def test_arabic_separators_roman_numeral_characters_and_spelled_numbers_below_zero():
    assert canon("٣٫٥").numbers == (3.5,) and canon("٥٠٪").tokens == ("50", "%")
    assert canon("Ⅻ").numbers == (12,) and canon("Henry Ⅷ").tokens == canon("Henry VIII").tokens
    assert canon("five below zero").numbers == (-5,)


@pytest.mark.parametrize("text", ["2-1/2", "2 and 1/2", "2 1/2"])
def test_a_mixed_number_joined_by_a_hyphen_or_and_is_one_value(text):
    assert canon(text).numbers == (2.5,)
