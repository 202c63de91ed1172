"""Tests for notifications.templates and the default wording (notifications.wording):
design/domain.md, "Text messages".

Sizes follow GSM 03.38 (160 septets, 153 per concatenated part; extension characters
count 2) and UCS-2 (70 UTF-16 code units, 67 per part).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.templates import (
    ALLOWED_PLACEHOLDERS,
    EMPTY_MESSAGE,
    GSM_BASIC,
    GSM_EXTENSION,
    LONG_SAMPLE_VALUES,
    MALFORMED_MESSAGE,
    Measure,
    TemplateError,
    character_problems,
    encoding,
    forbidden_words,
    lint,
    measure,
    placeholders,
    render,
    segments,
)
from notifications.wording import DEFAULT_TEMPLATES

# Every default wording, one string each (four per kind of text).
ALL_DEFAULTS = [body for wordings in DEFAULT_TEMPLATES.values() for body in wordings.values()]

SNAPSHOTS = Path(__file__).parent / "snapshots"
SAMPLE_VALUES = {
    "name": "Sam",
    "time": "10:30",
    "day": "Wed 3 Dec",
    "venue": "The Orchard Centre",
    "phone": "020 7946 0000",
    "times": "Tue 8 Dec 10:00 and Tue 15 Dec 10:30",
}
UNKNOWN = (
    "Remove {}: messages can only use {{name}}, {{time}}, {{day}}, {{venue}}, {{phone}} "
    "and {{times}}"
)
EMOJI = "\N{SMILING FACE WITH SMILING EYES}"  # outside the BMP: 2 UTF-16 code units


# --- Encoding and segments ------------------------------------------------------------


def test_gsm_tables_have_the_standard_sizes() -> None:
    assert len(GSM_BASIC) == 127  # 128 codes less ESC
    assert sorted(GSM_EXTENSION) == sorted("\f^{}\\[~]|€")
    assert not GSM_BASIC & GSM_EXTENSION


@pytest.mark.parametrize(
    "text",
    ["", "Hi Sam, see you at 10:30.", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "{€}"],
)
def test_gsm_text_is_gsm7(text: str) -> None:
    assert encoding(text) == "GSM-7"


@pytest.mark.parametrize("text", [EMOJI, "you\u2019re", "ç", "Ą", "\u00a0", "中"])
def test_other_characters_force_ucs2(text: str) -> None:
    assert encoding(text) == "UCS-2"
    assert encoding("Hi Sam " + text) == "UCS-2"


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segment_boundaries(length: int, expected: int) -> None:
    assert segments("a" * length) == expected
    assert measure("a" * length) == Measure(length, "GSM-7", expected)


def test_extension_characters_count_two_septets() -> None:
    assert measure("€" * 80) == Measure(160, "GSM-7", 1)
    assert measure("a" + "€" * 80) == Measure(161, "GSM-7", 2)
    assert measure("a" * 158 + "{") == Measure(160, "GSM-7", 1)
    assert measure("a" * 159 + "{") == Measure(161, "GSM-7", 2)
    for ch in "^{}\\[~]|€\f":
        assert measure(ch).characters == 2


def test_escape_pair_is_not_split_across_parts() -> None:
    # 152 septets then "€": the pair cannot straddle parts, so part one ends at 152.
    assert segments("a" * 152 + "€" + "a" * 151) == 2  # 152 | 2 + 151 = 153
    assert segments("a" * 152 + "€" + "a" * 152) == 3  # 152 | 153 | 1
    assert segments("a" * 153 + "€" + "a" * 151) == 2  # 153 | 153


@pytest.mark.parametrize(
    ("length", "expected"),
    [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_segment_boundaries(length: int, expected: int) -> None:
    text = "中" * length
    assert measure(text) == Measure(length, "UCS-2", expected)


def test_emoji_counts_two_code_units() -> None:
    assert measure(EMOJI * 35) == Measure(70, "UCS-2", 1)
    assert measure("a" + EMOJI * 35) == Measure(71, "UCS-2", 2)
    assert measure("a" * 68 + EMOJI) == Measure(70, "UCS-2", 1)
    assert measure("a" * 69 + EMOJI) == Measure(71, "UCS-2", 2)
    # One emoji turns a 160-character GSM text into a 3-part UCS-2 text.
    assert measure("a" * 158 + EMOJI) == Measure(160, "UCS-2", 3)


def test_surrogate_pair_is_not_split_across_parts() -> None:
    assert segments("a" * 66 + EMOJI + "a" * 65) == 2  # 66 | 2 + 65 = 67
    assert segments("a" * 66 + EMOJI + "a" * 66) == 3  # 66 | 67 | 1 (134 units)
    assert segments("a" * 65 + EMOJI + "a" * 67) == 2  # 65 + 2 = 67 | 67


@given(st.text(alphabet=sorted(GSM_BASIC), max_size=160))
def test_up_to_160_basic_gsm_characters_is_one_segment(text: str) -> None:
    m = measure(text)
    assert m.encoding == "GSM-7"
    assert m.characters == len(text)
    assert m.segments == (1 if text else 0)


@given(st.text(max_size=500))
def test_segments_cover_the_text(text: str) -> None:
    m = measure(text)
    part = 153 if m.encoding == "GSM-7" else 67
    single = 160 if m.encoding == "GSM-7" else 70
    if m.characters <= single:
        assert m.segments == (1 if text else 0)
    else:
        # At least enough parts for the units; at most one extra per split pair.
        assert -(-m.characters // part) <= m.segments <= -(-m.characters // (part - 1))


# --- Forbidden words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See you at court", ["court"]),
        ("COURT", ["court"]),
        ("Courts and the court", ["courts", "court"]),
        ("Your Bail date", ["bail"]),
        ("police, CPS or the Crown  Prosecution Service", ["police", "cps", "crown prosecution"]),
        ("drugs drug", ["drugs", "drug"]),
        ("prostitution", ["prostitution"]),
        ("sex work, sex-workers, Sex Worker", ["sex work", "sex workers", "sex worker"]),
        ("Diversion", ["diversion"]),
        ("offence offences", ["offence", "offences"]),
        (
            "arrest, charges, soliciting, loitering",
            ["arrest", "charges", "soliciting", "loitering"],
        ),
        ("probation magistrates' magistrate", ["probation", "magistrates", "magistrate"]),
        ("the court's date", ["court"]),
    ],
)
def test_forbidden_words_are_found(text: str, expected: list[str]) -> None:
    assert forbidden_words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hi Courtney, see you at the Courtyard Cafe",
        "Bailey Street",
        "drugstore, policeman? no: Sussex works",
        "discharge, chargeable, judgement? crackers, not plurals",
        "Hearingford Road, Crackington",
        "Hi Sam, see you Wed 3 Dec at 10:30",
        "",
    ],
)
def test_parts_of_other_words_are_fine(text: str) -> None:
    assert forbidden_words(text) == []


# Disguised spellings (issue 12): each is read as the word she would read on her phone.
@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("See you at co\u200burt", "court"),  # zero-width space
        ("See you at cour\u00adt", "court"),  # soft hyphen
        ("See you at c\u2060ourt", "court"),  # word joiner
        ("See you at \ufeffcourt", "court"),  # byte order mark
        ("See you at c\u043eurt", "court"),  # Cyrillic small o
        ("See you at \u0421ourt", "court"),  # Cyrillic capital es
        ("See you at \uff43\uff4f\uff55\uff52\uff54", "court"),  # fullwidth letters
        ("See you at C0urt", "court"),
        ("Your B41L date", "bail"),
        ("Your ba1l date", "bail"),
        ("pr0bati0n", "probation"),
        ("$ex work", "sex work"),
        ("b@iled", "bailed"),
        ("c o u r t", "court"),
        ("c.o.u.r.t", "court"),
        ("C. O. U. R. T.", "court"),
        ("c-o-u-r-t", "court"),
        ("c 0 u r t", "court"),
        ("c\u00f3urt", "court"),  # an accent
    ],
)
def test_disguised_forbidden_words_are_found(text: str, word: str) -> None:
    assert forbidden_words(text) == [word]
    assert any(f"'{word}'" in problem for problem in lint(text))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("He was bailed", "bailed"),
        ("She was arrested", "arrested"),
        ("She was charged", "charged"),
        ("The hearing is on {day}", "hearing"),
        ("The judge", "judge"),
        ("The magistrate", "magistrate"),
        ("Probation office", "probation"),
        ("heroin", "heroin"),
        ("crack", "crack"),
        ("methadone script", "methadone"),
        ("sex work", "sex work"),
        ("sexwork", "sexwork"),
        ("sex-work", "sex work"),
        ("SexWork support", "sexwork"),
    ],
)
def test_the_words_that_give_the_game_away_are_forbidden(text: str, word: str) -> None:
    assert forbidden_words(text) == [word]
    assert lint(text) == [_forbidden(word)]


def _forbidden(word: str) -> str:
    noun = "words" if " " in word else "word"
    return f"Remove the {noun} '{word}': texts must not say what the appointment is about"


def test_charge_is_refused_even_in_an_ordinary_phrase() -> None:
    # A decision: "in charge" or "free of charge" costs the administrator a rewording;
    # "the charge" beside anything else could out her.
    assert forbidden_words("Ask the person in charge") == ["charge"]
    assert forbidden_words("Free of charge") == ["charge"]
    assert forbidden_words("discharge, chargeable") == []


@pytest.mark.parametrize(
    "text",
    [
        "Hi Sam, see you Wed 3 Dec at 10:30. Call 020 7946 0000",
        "Hi S, room 4 at 11:15, 1st floor, text 07700 900123",
        "Hi Sam & Jo, it's a 5 min walk from the 37 bus",
        "Crackers and tea at the Courtyard, Essex Road",
        "Hi {name}, see you at {venue}: I will be there",
        "Dw i'n edrych ymlaen, Si\u00e2n",
    ],
)
def test_ordinary_wording_is_not_read_as_forbidden(text: str) -> None:
    assert forbidden_words(text) == []
    assert lint(text) == []


# --- Characters a text can show -------------------------------------------------------


def test_an_emoji_is_refused_naming_it_and_where_it_is() -> None:
    assert lint("Hi {name} " + EMOJI) == [
        "Character 11, " + EMOJI + " (smiling face with smiling eyes), cannot be shown in "
        "a text message: remove it"
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi\u200b {name}", "zero width space"),
        ("Hi\u00ad {name}", "soft hyphen"),
        ("Hi\u200d {name}", "zero width joiner"),
        ("Hi\u200c {name}", "zero width non-joiner"),
        ("Hi\u2060 {name}", "word joiner"),
        ("Hi\ufeff {name}", "zero width no-break space"),
        ("Hi\u3164 {name}", "hangul filler"),
    ],
)
def test_an_invisible_character_is_refused_by_position_without_showing_it(
    text: str, name: str
) -> None:
    problem = f"Character 3 is an invisible character ({name}) that texts cannot show: remove it"
    assert lint(text) == [problem]
    assert text[2] not in problem


def test_a_look_alike_letter_is_refused_naming_the_letter_to_type() -> None:
    assert character_problems("Hi \u0421am") == [
        "Character 4, \u0421 (cyrillic capital letter es), only looks like the letter C: "
        "type C on the keyboard instead"
    ]


def test_a_tab_or_private_use_character_is_refused() -> None:
    assert character_problems("Hi\tSam\ue000") == [
        "Character 3 is a special character (tab) that texts cannot show: remove it",
        "Character 7 is a special character (character U+E000) that texts cannot show: remove it",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà{€}^~[]|\\\n",
        # Outside GSM 03.38 but shown by UCS-2: allowed, and the editor explains the cost.
        "you\u2019re \u201cfine\u201d \u2013 Si\u00e2n, \u0175, Zo\u00eb",
    ],
)
def test_characters_a_text_can_show_are_allowed(text: str) -> None:
    assert character_problems(text) == []


def test_each_character_is_reported_once_at_its_first_position() -> None:
    assert character_problems(EMOJI + "a" + EMOJI) == [
        "Character 1, " + EMOJI + " (smiling face with smiling eyes), cannot be shown in "
        "a text message: remove it"
    ]


# --- Rendering ------------------------------------------------------------------------


def test_render_fills_placeholders() -> None:
    assert render("Hi {name}, {day} at {time}", SAMPLE_VALUES) == "Hi Sam, Wed 3 Dec at 10:30"
    assert render("{name}{name}", {"name": "A"}) == "AA"
    assert render("No placeholders", {}) == "No placeholders"
    assert render("Braces {{like this}}", {}) == "Braces {like this}"


def test_placeholders_lists_names_once_in_order() -> None:
    assert placeholders("{time} {name} {time}") == ["time", "name"]


@pytest.mark.parametrize(
    "template",
    [
        "{name.__class__}",
        "{name.__class__.__mro__}",
        "{name[0]}",
        "{name!r}",
        "{name!s}",
        "{name:>20}",
        "{name:{time}}",
        "{0}",
        "{}",
        "{foo}",
        "{ name }",
        "{NAME}",
    ],
)
def test_render_refuses_anything_but_plain_placeholders(template: str) -> None:
    with pytest.raises(TemplateError, match=r"^Remove \{"):
        render("Hi " + template, SAMPLE_VALUES)


@pytest.mark.parametrize("template", ["{", "}", "Hi {name", "Hi name}", "{name!}", "{name!rx}"])
def test_render_refuses_malformed_braces(template: str) -> None:
    with pytest.raises(TemplateError, match="curly brackets"):
        render(template, SAMPLE_VALUES)


def test_render_refuses_missing_or_non_string_values() -> None:
    with pytest.raises(TemplateError, match=r"No value for \{venue\}"):
        render("at {venue}", {"name": "Sam"})
    with pytest.raises(TemplateError):
        render("at {venue}", {"venue": 3})  # type: ignore[dict-item]


placeholder_names = st.sampled_from(ALLOWED_PLACEHOLDERS)
literals = st.text().map(lambda s: s.replace("{", "{{").replace("}", "}}"))
templates = st.lists(st.tuples(literals, placeholder_names)).map(
    lambda parts: "".join(lit + "{" + name + "}" for lit, name in parts)
)
values = st.fixed_dictionaries({name: st.text() for name in ALLOWED_PLACEHOLDERS})


@given(st.lists(st.tuples(st.text(), placeholder_names)), values)
def test_render_inserts_values_verbatim(parts: list[tuple[str, str]], vals: dict[str, str]) -> None:
    template = "".join(
        lit.replace("{", "{{").replace("}", "}}") + "{" + name + "}" for lit, name in parts
    )
    expected = "".join(lit + vals[name] for lit, name in parts)
    assert render(template, vals) == expected


@given(st.sampled_from(sorted(ALL_DEFAULTS)), values)
def test_defaults_render_for_any_values(template: str, vals: dict[str, str]) -> None:
    assert isinstance(render(template, vals), str)


hostile_values = st.sampled_from(
    ["{name}", "{0}", "{name.__class__}", "{name!r}", "{", "}", "%s", "${name}", "{{name}}"]
)


@given(templates, st.fixed_dictionaries({n: hostile_values for n in ALLOWED_PLACEHOLDERS}))
def test_values_are_never_expanded(template: str, vals: dict[str, str]) -> None:
    rendered = render(template, vals)
    # Rendering again with the same values would only be equal if nothing was re-parsed.
    names = placeholders(template)
    for name in names:
        assert vals[name] in rendered
    assert "<class" not in rendered


class Tripwire(str):
    """A value that fails the test if anything formats or inspects it."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        raise AssertionError("value was formatted")

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"attribute {name} was read")

    def __getitem__(self, key: object) -> str:
        raise AssertionError("value was indexed")


def test_render_never_formats_or_inspects_values() -> None:
    vals = {name: Tripwire(name.upper()) for name in ALLOWED_PLACEHOLDERS}
    for template in ALL_DEFAULTS:
        render(template, vals)
    with pytest.raises(TemplateError):
        render("{name.upper}", vals)
    with pytest.raises(TemplateError):
        render("{name[0]}", vals)
    with pytest.raises(TemplateError):
        render("{name:>5}", vals)


@given(st.text(), values)
def test_render_and_lint_only_ever_raise_template_error(
    template: str, vals: dict[str, str]
) -> None:
    try:
        rendered = render(template, vals)
    except TemplateError:
        pass
    else:
        assert isinstance(rendered, str)
    assert all(isinstance(problem, str) for problem in lint(template))


# --- Lint -----------------------------------------------------------------------------


def test_lint_passes_a_good_template() -> None:
    assert lint("Hi {name}, see you at {venue} on {day} at {time}. Call {phone}") == []


def test_lint_empty_template() -> None:
    assert lint("") == [EMPTY_MESSAGE]
    assert lint("  \n ") == [EMPTY_MESSAGE]


def test_lint_unknown_placeholders_once_each() -> None:
    assert lint("Hi {foo} {foo} {name!r} {0}") == [
        UNKNOWN.format("{foo}"),
        UNKNOWN.format("{name!r}"),
        UNKNOWN.format("{0}"),
    ]


def test_lint_unknown_placeholder_message_wording() -> None:
    assert lint("Hi {foo}") == [
        "Remove {foo}: messages can only use {name}, {time}, {day}, {venue}, {phone} and {times}"
    ]


def test_lint_malformed_braces() -> None:
    assert lint("Hi {name") == [MALFORMED_MESSAGE]
    # Wording is still checked when the braces are wrong.
    assert lint("Hi {name at court") == [
        MALFORMED_MESSAGE,
        "Remove the word 'court': texts must not say what the appointment is about",
    ]


def test_lint_forbidden_words() -> None:
    assert lint("Your court date is {day}") == [
        "Remove the word 'court': texts must not say what the appointment is about"
    ]
    assert lint("Sex work support on {day}") == [
        "Remove the words 'sex work': texts must not say what the appointment is about"
    ]
    assert lint("Hi Courtney") == []


def test_lint_plain_wording_still_refuses_offence_words() -> None:
    template = "Your court and bail date, about the soliciting charge"
    assert lint(template, plain_wording=True) == [
        "Remove the word 'soliciting': texts must not say what the appointment is about",
        "Remove the word 'charge': texts must not say what the appointment is about",
    ]
    assert len(lint(template)) == 4


def test_lint_ignores_placeholder_names_and_split_words() -> None:
    assert lint("cou{name}rt") == []


def test_lint_measures_english_against_one_text() -> None:
    # One GSM-7 text is 160 septets; the long name is 12 characters.
    assert lint("{name}" + "a" * 148) == []
    assert lint("{name}" + "a" * 149) == [
        "Shorten the message: with a long name and venue it would take 2 texts, "
        "and the most in English is 1"
    ]


def test_lint_measures_welsh_against_two_texts() -> None:
    # Two GSM-7 parts are 306 septets.
    assert lint("{name}" + "a" * 294, language="cy") == []
    assert lint("{name}" + "a" * 295, language="cy") == [
        "Shorten the message: with a long name and venue it would take 3 texts, "
        "and the most in Welsh is 2"
    ]


def test_lint_measures_both_languages_against_three_texts() -> None:
    # Three GSM-7 parts are 459 septets.
    assert lint("{name}" + "a" * 447, language="both") == []
    assert lint("{name}" + "a" * 448, language="both") == [
        "Shorten the message: with a long name and venue it would take 4 texts, "
        "and the most for Welsh and English together is 3"
    ]


def test_lint_says_which_character_made_a_welsh_text_ucs2() -> None:
    # "Dŵr": the w with a circumflex is not in GSM 03.38, so each part holds 67.
    template = "Helo {name}, mae'r dŵr yn oer. " + "a" * 120
    assert lint(template, language="cy") == [
        "Shorten the message: with a long name and venue it would take 3 texts, and the most "
        "in Welsh is 2. Each text holds 70 characters instead of 160 because of ŵ (latin "
        "small letter w with circumflex)"
    ]
    assert lint("Helo {name}, mae'r dŵr yn oer", language="cy") == []


def test_long_sample_values_are_the_longest_plausible() -> None:
    assert {k: len(v) for k, v in LONG_SAMPLE_VALUES.items()} == {
        "name": 12,
        "venue": 30,
        "phone": 13,
        "day": 10,
        "time": 5,
        "times": 54,
    }
    assert LONG_SAMPLE_VALUES["phone"] == "020 7946 0000"
    assert LONG_SAMPLE_VALUES["day"] == "Wed 30 Dec"
    assert LONG_SAMPLE_VALUES["time"] == "10:30"
    # Three sessions, the most one booking names.
    assert LONG_SAMPLE_VALUES["times"] == "Wed 30 Dec 10:30, Wed 6 Jan 10:30 and Wed 13 Jan 10:30"


# --- Welsh words ----------------------------------------------------------------------


def _refused(word: str) -> str:
    noun = "words" if " " in word else "word"
    return f"Remove the {noun} '{word}': texts must not say what the appointment is about"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Helo {name}, welwn ni chi yn y llys ar {day}", "llys"),  # court
        ("Helo {name}, ewch i'r Llys Ynadon", "llys"),
        ("Helo {name}, ei lys hi ar {day}", "lys"),  # soft mutation
        ("Helo {name}, amodau eich mechnïaeth", "mechniaeth"),  # bail, read without accent
        ("Helo {name}, ei fechnïaeth hi", "fechniaeth"),
        ("Helo {name}, ffoniwch yr heddlu", "heddlu"),  # police
        ("Helo {name}, gwelodd y plismon chi", "plismon"),
        ("Helo {name}, am y cyffuriau", "cyffuriau"),  # drugs
        ("Helo {name}, fy nghyffuriau", "nghyffuriau"),  # nasal mutation
        ("Helo {name}, ei chyffuriau hi", "chyffuriau"),  # aspirate mutation
        ("Helo {name}, eich gwrandawiad ar {day}", "gwrandawiad"),  # hearing
        ("Helo {name}, y barnwr", "barnwr"),  # judge
        ("Helo {name}, cymorth gwaith rhyw", "gwaith rhyw"),  # sex work
        ("Helo {name}, y cynllun dargyfeirio", "dargyfeirio"),  # diversion
        ("Helo {name}, Gwasanaeth Erlyn y Goron", "erlyn"),  # CPS
        ("Helo {name}, l-l-y-s ar {day}", "llys"),  # disguised
        ("Helo {name}, LL\u200bYS ar {day}", "llys"),
    ],
)
def test_welsh_words_that_say_what_the_appointment_is_about_are_forbidden(
    text: str, word: str
) -> None:
    assert _refused(word) in lint(text, language="cy")
    # Plainer wording may name the court in Welsh, as in English.
    assert _refused(word) not in lint(text, language="cy", plain_wording=True)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Helo {name}, y drosedd", "drosedd"),  # offence, soft mutation
        ("Helo {name}, eich trosedd", "trosedd"),
        ("Helo {name}, pan gawsoch eich arestio", "arestio"),  # arrest
        ("Helo {name}, ei harestio hi", "harestio"),
        ("Helo {name}, y cyhuddiad", "cyhuddiad"),  # charge
        ("Helo {name}, ei chyhuddo hi", "chyhuddo"),
        ("Helo {name}, yr ynadon", "ynadon"),  # magistrates
        ("Helo {name}, y swyddog prawf", "swyddog prawf"),  # probation
    ],
)
def test_welsh_offence_words_are_refused_even_in_plainer_wording(text: str, word: str) -> None:
    assert _refused(word) in lint(text, language="cy")
    assert _refused(word) in lint(text, language="cy", plain_wording=True)


@pytest.mark.parametrize(
    "text",
    [
        "Helo {name}, welwn ni chi yn {venue} ar {day} am {time}",
        "Diolch {name}, mae hynny wedi'i gadarnhau",
        "Helo {name}, mae eich apwyntiad cymorth heddiw",
        "Helo {name}, help gyda gofal plant neu deithio",
        "Helo {name}, prawf llygaid ar {day}",  # "prawf" alone is a test, not probation
    ],
)
def test_ordinary_welsh_is_not_read_as_forbidden(text: str) -> None:
    assert lint(text, language="cy") == []


def test_a_welsh_word_in_english_wording_is_refused_too() -> None:
    assert lint("Hi {name}, see you at the Llys on {day}") == [_refused("llys")]
