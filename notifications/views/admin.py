"""Administration of text messages: the wording of each kind, and reminder policies.

Administrators only. Wording is checked by notifications.templates.lint (and, for court
reminders, no venue) before it is stored; a policy is checked by building it
(notifications.policy). Senders read both through notifications.store, so a change applies
to the next text planned or sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion.access import allow
from diversion.admin import services as admin_service
from diversion.models import RequirementType, Role
from notifications import settings, store
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
    placeholders_for,
    policy_form_data,
    template_problems,
)
from notifications.store import policy_for, template_for
from notifications.templates import (
    DEFAULT_TEMPLATES,
    GSM_BASIC,
    GSM_EXTENSION,
    LONG_SAMPLE_VALUES,
    Measure,
    TemplateError,
    measure,
    render,
)

bp = Blueprint("message_admin", __name__, url_prefix="/admin/messages")

# Ordinary values, to show what she would usually read.
SAMPLE_VALUES: Mapping[str, str] = {
    "name": "Sam",
    "time": "10:30",
    "day": "Wed 3 Dec",
    "venue": "High Street office",
    "phone": "020 7946 0000",
}
LONG_SAMPLE_LABEL = "With a long name and venue"


def describe_measure(size: Measure) -> str:
    """'134 characters, GSM-7, 1 text message' (sms-counter.mjs says it the same way)."""
    characters = "character" if size.characters == 1 else "characters"
    texts = "text message" if size.segments == 1 else "text messages"
    return f"{size.characters} {characters}, {size.encoding}, {size.segments} {texts}"


def long_sample_measure(template: str) -> Measure:
    """The size that counts against the limit: with the longest plausible values. Wording
    that cannot be filled in is measured as it stands."""
    try:
        return measure(render(template, LONG_SAMPLE_VALUES))
    except TemplateError:
        return measure(template)


def ucs2_characters(text: str) -> list[str]:
    """The characters that make a text UCS-2, each once, with their Unicode names, like
    "\u2019 (right single quotation mark)"."""
    found: list[str] = []
    for ch in text:
        if ch in GSM_BASIC or ch in GSM_EXTENSION:
            continue
        name = unicodedata.name(ch, "").lower() or f"character U+{ord(ch):04X}"
        shown = ch if ch.isprintable() and not ch.isspace() else ""
        entry = f"{shown} ({name})" if shown else name
        if entry not in found:
            found.append(entry)
    return found


@dataclass(frozen=True)
class Sample:
    """The wording filled in with one set of values, and its size."""

    heading: str
    text: str
    size: Measure
    ucs2_because: tuple[str, ...]


def samples(template: str) -> list[Sample]:
    """The preview: with ordinary values and with long ones; none if it cannot be filled."""
    found = []
    for heading, values in (
        ("With ordinary values", SAMPLE_VALUES),
        (LONG_SAMPLE_LABEL, LONG_SAMPLE_VALUES),
    ):
        try:
            text = render(template, values)
        except TemplateError:
            return []
        found.append(Sample(heading, text, measure(text), tuple(ucs2_characters(text))))
    return found


def _known_kind(kind: str) -> str:
    if kind not in DEFAULT_TEMPLATES:
        abort(404)
    return kind


# Wording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    name: str
    body: str
    edited: bool
    size: str


@bp.route("")
@allow(Role.ADMIN)
def templates() -> str:
    stored = store.stored_templates()
    rows = []
    for kind in DEFAULT_TEMPLATES:
        body = stored[kind].body if kind in stored and stored[kind].body else None
        wording = body or DEFAULT_TEMPLATES[kind]
        rows.append(
            TemplateRow(
                kind=kind,
                name=KIND_NAMES[kind],
                body=wording,
                edited=body is not None,
                size=describe_measure(long_sample_measure(wording)),
            )
        )
    return render_template(
        "notifications/admin_templates.html",
        title="Text message wording",
        rows=rows,
        long_label=LONG_SAMPLE_LABEL,
    )


@bp.route("/<kind>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_template(kind: str) -> Response | str:
    kind = _known_kind(kind)
    editor = TemplateForm(data={"body": template_for(kind)} if request.method == "GET" else None)
    preview: list[Sample] = []
    previewed = False
    if editor.validate_on_submit():
        body = editor.body.data or ""
        problems = template_problems(kind, body)
        if editor.save.data and not problems:
            settings.save_template(kind=kind, body=body, user_id=g.user.id)
            flash(f"Wording saved: {KIND_NAMES[kind]}.", "success")
            return redirect(url_for(".templates"))
        editor.body.errors = [*editor.body.errors, *problems]
        preview = samples(body)
        previewed = True
    return render_template(
        "notifications/admin_template_form.html",
        title=KIND_NAMES[kind],
        editor=editor,
        kind=kind,
        description=KIND_DESCRIPTIONS[kind],
        placeholders=[(p, PLACEHOLDER_MEANINGS[p]) for p in placeholders_for(kind)],
        edited=store.stored_template(kind) is not None,
        restore=RestoreTemplateForm(),
        preview=preview,
        previewed=previewed,
        live_size=describe_measure(long_sample_measure(editor.body.data or "")),
        long_label=LONG_SAMPLE_LABEL,
        long_values=dict(LONG_SAMPLE_VALUES),
    )


@bp.route("/<kind>/restore", methods=["POST"])
@allow(Role.ADMIN)
def restore_template(kind: str) -> Response:
    kind = _known_kind(kind)
    if RestoreTemplateForm().validate_on_submit() and settings.restore_template_default(kind):
        flash(f"Default wording restored: {KIND_NAMES[kind]}.", "success")
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
