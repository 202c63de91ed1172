"""notifications.names: what the name texts use does to her texts, and its plain spelling
(issue 16: "Zoë" makes every text UCS-2); and diversion/static/text-name.mjs, which says
the same in the browser as the name is typed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from notifications.names import (
    describe_worst_name,
    name_warning,
    non_gsm_characters,
    plain_spelling,
    spelling_table,
    worst_name,
)
from notifications.templates import LONG_SAMPLE_VALUES, SEGMENT_LIMITS
from notifications.wording import DEFAULT_TEMPLATES

SCRIPT = Path(__file__).parents[2] / "diversion" / "static" / "text-name.mjs"


def texts(language: str, plain: bool = False) -> list[str]:
    """Every default text a woman with this language and register gets."""
    found = []
    for wordings in DEFAULT_TEMPLATES.values():
        if language == "both":
            found.append(f"{wordings['cy', plain]}\n\n{wordings['en', plain]}")
        else:
            found.append(wordings[language, plain])
    return found


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Zoë", "Zoe"),
        ("Siân", "Sian"),
        ("Ŵyn", "Wyn"),
        ("Łucja", "Lucja"),
        ("O\u2019Neill", "O'Neill"),  # a phone's curly apostrophe
        ("Zoe\u0308", "Zoe"),  # e and a combining diaeresis
        ("Мария", "Mariya"),
        ("Renée Zoë", "Renée Zoe"),  # é is in GSM-7, so it stays
    ],
)
def test_the_plain_spelling_changes_only_what_texts_cannot_send(name: str, plain: str) -> None:
    assert plain_spelling(name) == plain
    assert non_gsm_characters(plain) == ()


@pytest.mark.parametrize("name", ["Sam", "Renée", "Ñuria", "", "Ann-Marie"])
def test_a_name_texts_can_send_has_no_other_spelling(name: str) -> None:
    assert plain_spelling(name) is None


def test_a_plain_short_name_needs_no_warning() -> None:
    for language in ("en", "cy", "both"):
        assert name_warning("Ann", texts(language), language=language) is None
    assert name_warning("", texts("en"), language="en") is None


def test_zoe_with_a_diaeresis_makes_her_english_texts_three_parts() -> None:
    warning = name_warning("Zoë", texts("en"), language="en")
    assert warning is not None
    # The booking confirmation with three sessions is the longest: 150 characters, UCS-2.
    assert warning.message == "Texts to her will use 3 parts because of ë"
    assert (warning.parts, warning.limit, warning.because) == (3, 1, ("ë",))
    assert warning.plain_spelling == "Zoe"
    assert name_warning("Zoe", texts("en"), language="en") is None


def test_a_welsh_name_with_a_circumflex_is_measured_in_her_language() -> None:
    for language in ("cy", "both"):
        warning = name_warning("Siân", texts(language, plain=True), language=language)
        assert warning is not None
        assert warning.parts > SEGMENT_LIMITS[language]
        assert warning.because == ("â",)
        assert warning.plain_spelling == "Sian"


def test_a_long_plain_name_may_push_a_text_past_its_limit() -> None:
    # 12 characters is the longest the defaults are measured with; the tightest English
    # default (plainer, 2 hours before) has one character to spare.
    assert name_warning("Christabelle", texts("en", plain=True), language="en") is None
    assert name_warning("Christabellea", texts("en", plain=True), language="en") is None
    warning = name_warning("Christabelle Jo", texts("en", plain=True), language="en")
    assert warning is not None
    assert (
        warning.message == "Texts to her may use 2 parts because her name is long (15 characters)"
    )
    assert warning.plain_spelling is None


def test_the_worst_name_is_the_one_that_makes_the_text_longest() -> None:
    template = DEFAULT_TEMPLATES["reply_confirmed"]["en", False]
    worst = worst_name(template, ["Ann", "Christabelle", "Zoë", "Jo"])
    assert worst is not None
    assert (worst.length, worst.because, worst.segments, worst.encoding) == (3, ("ë",), 2, "UCS-2")
    assert describe_worst_name(worst, language="en") == (
        "With the longest or least plain name among your clients' (3 characters, includes ë) "
        "this text takes 2 parts, over the limit of 1"
    )
    plain = worst_name(template, ["Ann", "Christabelle", "Jo"])
    assert plain is not None and plain.length == 12 and plain.segments == 1
    assert worst_name(template, []) is None
    assert worst_name("Hi {nme}", ["Ann"]) is None


# The same in the browser (diversion/static/text-name.mjs) -----------------------------------


def _run_script(payload: dict[str, Any]) -> Any:
    script = (
        f"import * as check from {json.dumps(SCRIPT.as_uri())};\n"
        "let data = '';\n"
        "process.stdin.on('data', (chunk) => (data += chunk));\n"
        "process.stdin.on('end', () => {\n"
        "  const input = JSON.parse(data);\n"
        "  console.log(JSON.stringify({\n"
        "    spelt: input.names.map((n) => check.plainSpelling(n, input.spelling)),\n"
        "    warned: input.cases.map(([name, language]) => check.nameWarning(\n"
        "      name, input.texts[language],\n"
        "      { limit: input.limits[language], values: input.values, spelling: input.spelling },\n"
        "    )),\n"
        "  }));\n"
        "});\n"
    )
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


NAMES = [
    "Zoë",
    "Siân",
    "Ŵyn",
    "Ẃyn",
    "Łucja",
    "O\u2019Neill",
    "Zoe\u0308",
    "Мария",
    "Ἀλεξάνδρα",
    "Renée Zoë",
    "Þóra",
    "Sam",
    "Renée",
    "Christabellea",
    "Christabelle Jo",
    "Ann\u00a0Marie",
]


def test_the_browser_says_what_the_server_says() -> None:
    cases = [(name, language) for name in NAMES for language in ("en", "cy", "both")]
    out = _run_script(
        {
            "names": NAMES,
            "spelling": spelling_table(),
            "cases": cases,
            "texts": {language: texts(language) for language in ("en", "cy", "both")},
            "limits": dict(SEGMENT_LIMITS),
            "values": {k: v for k, v in LONG_SAMPLE_VALUES.items() if k != "name"},
        }
    )
    assert out["spelt"] == [plain_spelling(name) for name in NAMES]
    for (name, language), said in zip(cases, out["warned"], strict=True):
        expected = name_warning(name, texts(language), language=language)
        if expected is None:
            assert said is None, (name, language)
        else:
            assert said == {
                "message": expected.message,
                "plainSpelling": expected.plain_spelling,
            }, (name, language)
