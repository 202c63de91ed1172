"""The caseload check's matching rule: scores, order and plain reasons (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from diversion.partnership.matching import (
    Person,
    Query,
    date_of_birth_variants,
    name_keys,
    query_keys,
    rank,
    words_of,
)

BORN = date(1990, 3, 4)
ELIZABETH = Person(1, "Elizabeth", "Smith-Jones", ("Elizabeth Brown",), BORN)
KAYLEIGH = Person(2, "Kayleigh", "Smythe", (), date(1985, 11, 20))
JOANNE = Person(3, "Joanne", "O'Brien", ("Roxy",), date(1979, 1, 2))
PEOPLE = [ELIZABETH, KAYLEIGH, JOANNE]


def best(text: str, born: date | None = None):
    [first, *_] = rank(Query.from_text(text, born), PEOPLE)
    return first


@pytest.mark.parametrize(
    ("text", "born", "ref", "reason"),
    [
        ("Elizabeth Smith-Jones", BORN, 1, "exact name and date of birth"),
        ("Beth Smith", BORN, 1, "same date of birth, nickname of Elizabeth, one part of a "
         "double-barrelled surname"),
        ("Elizabeth Brown", date(1990, 4, 3), 1, "date of birth with day and month swapped, "
         "same as another name she uses"),
        ("Kaylee Smith", None, 2, "name sounds alike"),
        ("Smythe Kayleigh", date(1985, 11, 28), 2, "date of birth one digit different, "
         "first and last names swapped"),
        ("Jo OBrien", date(1979, 1, 2), 3, "same date of birth, nickname of Joanne"),
        ("Roxy O'Brian", None, 3, "another name she uses, name sounds alike"),
    ],
)  # fmt: skip
def test_each_tolerance_finds_her_with_a_plain_reason(
    text: str, born: date | None, ref: int, reason: str
) -> None:
    match = best(text, born)

    assert (match.ref, match.reason) == (ref, reason)


def test_an_exact_match_comes_first_even_when_another_scores_as_high() -> None:
    twin = Person(9, "Elizabeth", "Smith", ("Elizabeth Smith-Jones",), BORN)
    ranked = rank(Query.from_text("Elizabeth Smith-Jones", BORN), [twin, ELIZABETH])

    assert [m.exact for m in ranked] == [True, True]
    ranked = rank(Query.from_text("Elizabeth Smith", BORN), [ELIZABETH, twin])
    assert ranked[0].ref == 9 and ranked[0].exact
    assert not ranked[1].exact


def test_a_date_of_birth_far_from_hers_is_another_woman() -> None:
    assert rank(Query.from_text("Elizabeth Smith-Jones", date(1972, 8, 30)), PEOPLE) == []


def test_a_name_unlike_hers_is_not_shown_even_with_her_birthday() -> None:
    assert rank(Query.from_text("Gertrude Winterbottom", BORN), PEOPLE) == []


def test_a_date_of_birth_alone_or_no_letters_checks_nothing() -> None:
    assert rank(Query.from_text("", BORN), PEOPLE) == []
    assert rank(Query.from_text("%_", None), PEOPLE) == []


def test_words_drop_accents_and_apostrophes_and_split_hyphens() -> None:
    assert words_of("Zoë O'Brien-Lévy") == ["zoe", "obrien", "levy"]


def test_the_keys_of_a_nickname_reach_the_full_name_stored() -> None:
    stored = name_keys("Elizabeth", "Smith", ())
    [beth, _] = query_keys(Query.from_text("Beth Smyth"))

    assert beth & stored


def test_date_of_birth_variants_hold_the_swap_and_every_one_digit_slip() -> None:
    variants = date_of_birth_variants(date(1990, 3, 4))

    assert {date(1990, 3, 4), date(1990, 4, 3), date(1980, 3, 4), date(1990, 3, 7)} <= variants
    assert date(1991, 4, 3) not in variants
    assert all(
        sum(a != b for a, b in zip(str(v), "1990-03-04", strict=True)) <= 2 for v in variants
    )


def test_dates_at_the_ends_of_the_calendar_are_compared_digit_by_digit() -> None:
    [match] = rank(
        Query.from_text("Ann Smith", date(1, 1, 1)),
        [Person(1, "Ann", "Smith", (), date(1001, 1, 1))],
    )

    assert match.reason == "date of birth one digit different, same name"
    assert date(9999, 12, 31) in date_of_birth_variants(date(9999, 12, 31))
