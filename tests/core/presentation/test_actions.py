"""Action ids round-trip, stay within Discord's 100 characters and refuse tampering politely."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import StudyError
from bot.core.presentation.actions import ARITY, Verb, decode, encode


def test_round_trip_keeps_colons_in_the_last_argument() -> None:
    action = decode(encode(Verb.EXCERPT, "clark-1988", 3, "a:b c"))
    assert action.verb is Verb.EXCERPT and action.args == ("clark-1988", "3", "a:b c")
    assert action.optional(0) == "clark-1988" and action.number(1) == 3
    assert decode(encode(Verb.EXCERPT, None, 0, "q")).optional(0) is None


def test_only_the_last_argument_may_contain_a_colon() -> None:
    with pytest.raises(ValueError, match="only the last"):
        encode(Verb.ANSWER, "a:b", 0, 1, "v")
    with pytest.raises(ValueError, match="takes 4 arguments"):
        encode(Verb.ANSWER, "s", 0, 1)


@given(st.text(max_size=120))
def test_any_string_decodes_or_is_a_polite_error(text: str) -> None:
    try:
        action = decode(text)
    except StudyError as exc:
        assert exc.message == "That button is no longer valid."
    else:
        assert len(action.args) == ARITY[action.verb]


def test_numbers_must_be_plain_digits() -> None:
    for bad in ("-1", "1e9", "١", "9999999999"):
        with pytest.raises(StudyError):
            decode(f"sb:ans:s:{bad}:0:v").number(1)
