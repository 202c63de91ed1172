"""Administration of text messages: the wording of each kind, and reminder policies.

Administrators only. Each kind of text has four wordings, English and Welsh, discreet and
plainer (notifications.wording). Wording is checked by notifications.templates.lint against
its language's limit (and, for court reminders, no venue; {times} only in the booking
confirmation; and the text in both languages within its limit) before it is stored; a
policy is checked by building it (notifications.policy). Senders read both through
notifications.store, so a change applies to the next text planned or sent. The preview
measures the wording with the worst of the real clients' names, never showing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion.access import allow
from diversion.admin import services as admin_service
from diversion.models import RequirementType, Role
from notifications import names, settings, store
from notifications.forms import (
    KIND_DESCRIPTIONS,
    KIND_NAMES,
    PLACEHOLDER_MEANINGS,
    POLICY_KINDS,
    PolicyForm,
    RestorePolicyForm,
    RestoreTemplateForm,
    TemplateForm,
    describe_policy,
    policy_form_data,
)
from notifications.store import policy_for
from notifications.templates import (
    LANGUAGE_NAMES,
    LONG_SAMPLE_VALUES,
    SEGMENT_LIMITS,
    Measure,
    TemplateError,
    combine_languages,
    measure,
    render,
    ucs2_characters,
)
from notifications.wording import (
    DEFAULT_TEMPLATES,
    TRANSLATION_TO_REVIEW,
    VARIANT_NAMES,
    VARIANTS,
    placeholders_for,
    template_problems,
)

bp = Blueprint("message_admin", __name__, url_prefix="/admin/messages")

# Ordinary values, to show what she would usually read.
SAMPLE_VALUES: Mapping[str, str] = {
    "name": "Sam",
    "time": "10:30",
    "day": "Wed 3 Dec",
    "venue": "High Street office",
    "phone": "020 7946 0000",
    "times": "Tue 8 Dec 10:00 and Tue 15 Dec 10:30",
}
LONG_SAMPLE_LABEL = "With a long name and venue"
BOTH_LABEL = "In Welsh and English together, with a long name and venue"


def describe_measure(size: Measure) -> str:
    """'134 characters, GSM-7, 1 text message' (sms-counter.mjs says it the same way)."""
    characters = "character" if size.characters == 1 else "characters"
    texts = "text message" if size.segments == 1 else "text messages"
    return f"{size.characters} {characters}, {size.encoding}, {size.segments} {texts}"


def describe_against_limit(size: Measure, language: str) -> str:
    """'134 characters, GSM-7, 1 text message (the most is 1)'."""
    return f"{describe_measure(size)} (the most is {SEGMENT_LIMITS[language]})"


def long_sample_measure(template: str) -> Measure:
    """The size that counts against the limit: with the longest plausible values. Wording
    that cannot be filled in is measured as it stands."""
    try:
        return measure(render(template, LONG_SAMPLE_VALUES))
    except TemplateError:
        return measure(template)


def wording_hint(language: str) -> str:
    """The hint under the wording box: the limit of this language, and what makes it UCS-2."""
    limit = SEGMENT_LIMITS[language]
    most = "1 text (160 characters)" if limit == 1 else f"{limit} texts"
    return (
        f"In {LANGUAGE_NAMES[language]} the most is {most}; sent with the other language to "
        f"a woman who reads both, the most is {SEGMENT_LIMITS['both']}. A curly apostrophe "
        "or quotation mark, or a letter not on a phone keypad (such as \u0175, \u0177, "
        "\u00e2 or \u00eb), makes every text hold 70 characters instead of 160."
    )


@dataclass(frozen=True)
class Sample:
    """The wording filled in with one set of values, and its size."""

    heading: str
    text: str
    size: Measure
    ucs2_because: tuple[str, ...]
    limit: int | None = None


def samples(template: str, *, language: str = "en", both: str | None = None) -> list[Sample]:
    """The preview: with ordinary values and with long ones, and, given the combined
    template (``both``), the text in both languages; none if it cannot be filled."""
    found = []
    sets: list[tuple[str, str, Mapping[str, str], int | None]] = [
        ("With ordinary values", template, SAMPLE_VALUES, None),
        (LONG_SAMPLE_LABEL, template, LONG_SAMPLE_VALUES, SEGMENT_LIMITS[language]),
    ]
    if both is not None:
        sets.append((BOTH_LABEL, both, LONG_SAMPLE_VALUES, SEGMENT_LIMITS["both"]))
    for heading, wording, values, limit in sets:
        try:
            text = render(wording, values)
        except TemplateError:
            return []
        found.append(
            Sample(heading, text, measure(text), tuple(ucs2_characters(text)), limit=limit)
        )
    return found


def _known(kind: str, variant: str) -> tuple[str, str, bool]:
    """The kind, language and register an address names; 404 for any other."""
    if kind not in DEFAULT_TEMPLATES or variant not in VARIANTS:
        abort(404)
    language, plain = VARIANTS[variant]
    return kind, language, plain


def _title(kind: str, variant: str) -> str:
    return f"{KIND_NAMES[kind]}: {VARIANT_NAMES[variant]}"


# Wording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordingRow:
    """One wording of a kind of text in the list."""

    variant: str
    name: str
    body: str
    edited: bool
    to_review: bool
    size: str


@dataclass(frozen=True)
class KindRow:
    """A kind of text with its four wordings and the size of each text in both languages."""

    kind: str
    name: str
    wordings: list[WordingRow]
    both: list[tuple[str, str]]


@bp.route("")
@allow(Role.ADMIN)
def templates() -> str:
    stored = store.stored_templates()
    wordings = store.all_wordings()
    rows = []
    for kind in DEFAULT_TEMPLATES:
        entries = []
        for variant, (language, plain) in VARIANTS.items():
            row = stored.get((kind, language, plain))
            edited = row is not None and bool(row.body)
            body = wordings[kind, language, plain]
            entries.append(
                WordingRow(
                    variant=variant,
                    name=VARIANT_NAMES[variant],
                    body=body,
                    edited=edited,
                    to_review=not edited and (kind, language, plain) in TRANSLATION_TO_REVIEW,
                    size=describe_against_limit(long_sample_measure(body), language),
                )
            )
        both = [
            (
                "Plainer wording" if plain else "Discreet wording",
                describe_against_limit(long_sample_measure(wordings[kind, "both", plain]), "both"),
            )
            for plain in (False, True)
        ]
        rows.append(KindRow(kind=kind, name=KIND_NAMES[kind], wordings=entries, both=both))
    return render_template(
        "notifications/admin_templates.html",
        title="Text message wording",
        rows=rows,
        long_label=LONG_SAMPLE_LABEL,
    )


@dataclass(frozen=True)
class WorstName:
    """How the wording fares with the worst of the real clients' names, without the name."""

    alone: str | None
    both: str | None


def _worst_name(body: str, *, language: str, both: str | None) -> WorstName | None:
    clients = store.text_names()
    if not clients:
        return None
    alone = names.worst_name(body, clients)
    together = names.worst_name(both, clients) if both is not None else None
    return WorstName(
        alone=names.describe_worst_name(alone, language=language) if alone else None,
        both=(
            names.describe_worst_name(
                together, language="both", subject="this text in Welsh and English together"
            )
            if together
            else None
        ),
    )


@bp.route("/<kind>/edit", methods=["GET", "POST"], defaults={"variant": "en"})
@bp.route("/<kind>/<variant>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_template(kind: str, variant: str) -> Response | str:
    kind, language, plain = _known(kind, variant)
    other = "en" if language == "cy" else "cy"
    current = store.wording_for(kind, language=language, plain=plain)
    editor = TemplateForm(data={"body": current} if request.method == "GET" else None)
    editor.body.description = wording_hint(language)
    other_wording = store.wording_for(kind, language=other, plain=plain)
    preview: list[Sample] = []
    previewed = False
    if editor.validate_on_submit():
        body = editor.body.data or ""
        problems = template_problems(
            kind, body, language=language, plain=plain, other_language=other_wording
        )
        if editor.save.data and not problems:
            settings.save_template(
                kind=kind, body=body, user_id=g.user.id, language=language, plain=plain
            )
            flash(f"Wording saved: {_title(kind, variant)}.", "success")
            return redirect(url_for(".templates"))
        editor.body.errors = [*editor.body.errors, *problems]
        preview = samples(body, language=language, both=_both(body, language, other_wording))
        previewed = True
    body = editor.body.data or ""
    return render_template(
        "notifications/admin_template_form.html",
        title=_title(kind, variant),
        editor=editor,
        kind=kind,
        variant=variant,
        description=KIND_DESCRIPTIONS[kind],
        plain=plain,
        to_review=(kind, language, plain) in TRANSLATION_TO_REVIEW
        and store.stored_template(kind, language=language, plain=plain) is None,
        placeholders=[(p, PLACEHOLDER_MEANINGS[p]) for p in placeholders_for(kind)],
        edited=store.stored_template(kind, language=language, plain=plain) is not None,
        restore=RestoreTemplateForm(),
        preview=preview,
        previewed=previewed,
        live_size=describe_measure(long_sample_measure(body)),
        long_label=LONG_SAMPLE_LABEL,
        long_values=dict(LONG_SAMPLE_VALUES),
        worst_name=_worst_name(body, language=language, both=_both(body, language, other_wording)),
    )


def _both(body: str, language: str, other_wording: str) -> str:
    """The text in both languages this wording would make with the other language's."""
    if language == "cy":
        return combine_languages(body, other_wording)
    return combine_languages(other_wording, body)


@bp.route("/<kind>/restore", methods=["POST"], defaults={"variant": "en"})
@bp.route("/<kind>/<variant>/restore", methods=["POST"])
@allow(Role.ADMIN)
def restore_template(kind: str, variant: str) -> Response:
    kind, language, plain = _known(kind, variant)
    if RestoreTemplateForm().validate_on_submit() and settings.restore_template_default(
        kind, language=language, plain=plain
    ):
        flash(f"Default wording restored: {_title(kind, variant)}.", "success")
    return redirect(url_for(".templates"))


# Reminder policies --------------------------------------------------------------------------


def _requirement_type(requirement_type_id: int) -> RequirementType:
    found = store.requirement_type(requirement_type_id)
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class PolicyRow:
    requirement_type: RequirementType
    edited: bool
    lines: list[tuple[str, str]]


@bp.route("/policies")
@allow(Role.ADMIN)
def policies() -> str:
    rows = [
        PolicyRow(
            requirement_type=kind,
            edited=bool(kind.reminder_policy),
            lines=describe_policy(policy_for(kind)),
        )
        for kind in admin_service.all_requirement_types()
    ]
    return render_template(
        "notifications/admin_policies.html", title="Reminder policies", rows=rows
    )


@bp.route("/policies/<int:requirement_type_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_policy(requirement_type_id: int) -> Response | str:
    kind = _requirement_type(requirement_type_id)
    form = PolicyForm(data=policy_form_data(policy_for(kind)) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            policy = form.policy()
        except ValueError as error:
            # The form checks everything the rules do; this only shows if the two disagree.
            form.quiet_start.errors = [f"The policy cannot be used: {error}"]
        else:
            settings.save_policy(kind, policy)
            flash(f"Reminder policy saved: {kind.name}.", "success")
            return redirect(url_for(".policies"))
    return render_template(
        "notifications/admin_policy_form.html",
        title=f"Reminder policy: {kind.name}",
        form=form,
        requirement_type=kind,
        kinds=POLICY_KINDS,
        edited=bool(kind.reminder_policy),
        restore=RestorePolicyForm(),
    )


@bp.route("/policies/<int:requirement_type_id>/restore", methods=["POST"])
@allow(Role.ADMIN)
def restore_policy(requirement_type_id: int) -> Response:
    kind = _requirement_type(requirement_type_id)
    if RestorePolicyForm().validate_on_submit() and settings.restore_policy_default(kind):
        flash(f"Default reminder policy restored: {kind.name}.", "success")
    return redirect(url_for(".policies"))
