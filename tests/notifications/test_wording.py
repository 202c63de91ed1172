"""The default wording of every kind of text (notifications.wording): English and Welsh,
discreet and plainer, each within its language's limit and free of forbidden words
(design/domain.md, "Text messages"; issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications.templates import (
    LONG_SAMPLE_VALUES,
    SEGMENT_LIMITS,
    forbidden_words,
    is_offence_word,
    lint,
    measure,
    placeholders,
    render,
)
from notifications.wording import (
    COURT_KINDS,
    DEFAULT_TEMPLATES,
    TIMES_KINDS,
    TRANSLATION_TO_REVIEW,
    VARIANTS,
    default_wording,
    template_problems,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
SAMPLE_VALUES = {
    "name": "Sam",
    "time": "10:30",
    "day": "Wed 3 Dec",
    "venue": "The Orchard Centre",
    "phone": "020 7946 0000",
    "times": "Tue 8 Dec 10:00 and Tue 15 Dec 10:30",
}
KINDS = (
    "court_two_days_before",
    "court_day_before",
    "booking_confirmation",
    "appointment_day_before",
    "appointment_two_hours_before",
    "reply_confirmed",
)
EVERY_DEFAULT = [
    pytest.param(kind, variant, id=f"{kind}-{variant}") for kind in KINDS for variant in VARIANTS
]
EVERY_REGISTER = [
    pytest.param(kind, plain, id=f"{kind}-{'plain' if plain else 'discreet'}")
    for kind in KINDS
    for plain in (False, True)
]


def test_every_kind_has_four_wordings() -> None:
    assert tuple(DEFAULT_TEMPLATES) == KINDS
    for wordings in DEFAULT_TEMPLATES.values():
        assert set(wordings) == {("en", False), ("en", True), ("cy", False), ("cy", True)}


@pytest.mark.parametrize(("kind", "variant"), EVERY_DEFAULT)
def test_every_default_is_within_its_languages_limit_in_gsm7(kind: str, variant: str) -> None:
    language, plain = VARIANTS[variant]
    template = DEFAULT_TEMPLATES[kind][language, plain]
    size = measure(render(template, LONG_SAMPLE_VALUES))
    assert size.encoding == "GSM-7", "a UCS-2 default would hold 70 characters a part"
    assert size.segments <= SEGMENT_LIMITS[language]
    assert lint(template, language=language, plain_wording=plain) == []


@pytest.mark.parametrize(("kind", "plain"), EVERY_REGISTER)
def test_every_default_in_both_languages_is_within_three_texts(kind: str, plain: bool) -> None:
    both = default_wording(kind, language="both", plain=plain)
    size = measure(render(both, LONG_SAMPLE_VALUES))
    assert size.encoding == "GSM-7"
    assert size.segments <= 3
    assert lint(both, language="both", plain_wording=plain) == []


@pytest.mark.parametrize(("kind", "variant"), EVERY_DEFAULT)
def test_every_default_passes_the_editors_own_checks(kind: str, variant: str) -> None:
    language, plain = VARIANTS[variant]
    other = DEFAULT_TEMPLATES[kind]["en" if language == "cy" else "cy", plain]
    template = DEFAULT_TEMPLATES[kind][language, plain]
    problems = template_problems(
        kind, template, language=language, plain=plain, other_language=other
    )
    assert problems == []


@pytest.mark.parametrize(("kind", "variant"), [p for p in EVERY_DEFAULT if "plain" not in p.id])
def test_discreet_defaults_name_no_forbidden_word_in_either_language(
    kind: str, variant: str
) -> None:
    language, _ = VARIANTS[variant]
    assert forbidden_words(DEFAULT_TEMPLATES[kind][language, False]) == []


@pytest.mark.parametrize(("kind", "variant"), [p for p in EVERY_DEFAULT if "plain" in p.id])
def test_plainer_defaults_never_name_an_offence(kind: str, variant: str) -> None:
    language, _ = VARIANTS[variant]
    found = forbidden_words(DEFAULT_TEMPLATES[kind][language, True])
    assert not [word for word in found if is_offence_word(word)]


def test_plainer_wording_names_the_appointment_plainly() -> None:
    wordings = DEFAULT_TEMPLATES
    assert "court date" in wordings["court_day_before"]["en", True]
    assert "yn y llys" in wordings["court_day_before"]["cy", True]
    assert "support appointment" in wordings["appointment_day_before"]["en", True]
    assert "apwyntiad cymorth" in wordings["appointment_day_before"]["cy", True]
    # The discreet ones do not.
    assert forbidden_words(wordings["court_day_before"]["en", True]) == ["court"]
    assert forbidden_words(wordings["court_day_before"]["cy", True]) == ["llys"]


@pytest.mark.parametrize(("kind", "variant"), EVERY_DEFAULT)
def test_every_default_greets_her_by_name(kind: str, variant: str) -> None:
    assert "{name}" in DEFAULT_TEMPLATES[kind][VARIANTS[variant]]


@pytest.mark.parametrize(("kind", "variant"), EVERY_DEFAULT)
def test_court_reminders_name_no_place_and_only_the_booking_names_every_session(
    kind: str, variant: str
) -> None:
    used = placeholders(DEFAULT_TEMPLATES[kind][VARIANTS[variant]])
    if kind in COURT_KINDS:
        assert "venue" not in used
    if kind in TIMES_KINDS:
        assert {"times", "venue"} <= set(used)
        assert not {"day", "time"} & set(used)
    else:
        assert "times" not in used


def test_court_reminders_ask_for_no_y_reply() -> None:
    for kind in COURT_KINDS:
        for body in DEFAULT_TEMPLATES[kind].values():
            assert "Reply Y" not in body and "Atebwch Y" not in body


def test_both_languages_are_the_welsh_then_a_blank_line_then_the_english() -> None:
    welsh = DEFAULT_TEMPLATES["reply_confirmed"]["cy", False]
    english = DEFAULT_TEMPLATES["reply_confirmed"]["en", False]
    assert default_wording("reply_confirmed", language="both", plain=False) == (
        f"{welsh}\n\n{english}"
    )


def test_every_welsh_default_awaits_a_translation_review() -> None:
    welsh = {(kind, "cy", plain) for kind in KINDS for plain in (False, True)}
    assert welsh == TRANSLATION_TO_REVIEW


@pytest.mark.parametrize(("kind", "variant"), EVERY_DEFAULT)
def test_default_matches_snapshot(kind: str, variant: str) -> None:
    path = SNAPSHOTS / f"{kind}.{variant}.txt"
    assert path.exists(), f"missing snapshot {path}"
    text = render(DEFAULT_TEMPLATES[kind][VARIANTS[variant]], SAMPLE_VALUES)
    assert text + "\n" == path.read_text("utf-8")


def test_no_stale_snapshots() -> None:
    expected = sorted(f"{kind}.{variant}" for kind in KINDS for variant in VARIANTS)
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt")) == expected
