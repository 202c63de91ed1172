"""The processing register (UK GDPR Article 30): every column the service stores, why, on
what lawful basis, and for how long.

Every column of every table is listed, so that a new column cannot arrive unexamined:
tests/diversion/privacy/test_register.py fails when the models and this register differ. Columns
that are not personal data are marked so, with a short purpose.

Lawful bases, for a project running the court diversion scheme with the courts, the police
and the Crown Prosecution Service:
- Article 6(1)(e), public task, for all personal data;
- Article 9(2)(g), substantial public interest, with the Data Protection Act 2018 Schedule 1
  conditions, for special category data (her health, drug use and sexual life);
- Article 10 with DPA 2018 section 10(5) and Schedule 1, for criminal offence data (the
  charge, the court case and its outcome).
Retention follows diversion.privacy.retention; the periods are config keys with the defaults shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import diversion.models  # noqa: F401  (the models fill Base.metadata)
from diversion.db import Base


@dataclass(frozen=True)
class Entry:
    """One column: why it is held, on what basis, for how long, and whether it is personal."""

    purpose: str
    lawful_basis: str
    retention: str
    personal: bool


# --- lawful bases -------------------------------------------------------------------------

PUBLIC_TASK = "UK GDPR Article 6(1)(e) public task: running the court diversion scheme"
SPECIAL = (
    f"{PUBLIC_TASK}; special category data: Article 9(2)(g) substantial public interest, "
    "DPA 2018 Schedule 1 paragraphs 6 (statutory and government purposes) and 18 "
    "(safeguarding of individuals at risk)"
)
CRIMINAL = (
    f"{PUBLIC_TASK}; criminal offence data: Article 10, DPA 2018 section 10(5) and "
    "Schedule 1 paragraph 6 (statutory and government purposes)"
)
TEXTING = (
    f"{PUBLIC_TASK}; texts go only with her agreement, which she can withdraw at any time "
    "by replying STOP"
)
STAFF = (
    "UK GDPR Article 6(1)(e) public task: giving staff of the partnership secure access "
    "(Article 32 security of processing)"
)
ACCOUNTABILITY = (
    "UK GDPR Article 6(1)(e) public task, Article 5(2) accountability and Article 32 "
    "security of processing: a record of who did what"
)
NOT_PERSONAL = "Not personal data"

# --- retention ----------------------------------------------------------------------------

CLIENT_YEARS = "RETENTION_CLOSED_CASE_YEARS (default 6) years after her last case ended"
ANONYMISED = f"Cleared or erased when her record is anonymised: {CLIENT_YEARS}"
KEPT_ANONYMISED = (
    f"Kept when her record is anonymised ({CLIENT_YEARS}): it no longer identifies her, and "
    "monitoring counts need it"
)
MESSAGE_BODY = (
    "Erased RETENTION_MESSAGE_BODY_DAYS (default 90) days after the appointment or hearing "
    "the text is about (or after it was due to go); at once when her record is anonymised"
)
REPLY = (
    "Erased RETENTION_INBOUND_BODY_DAYS (default 90) days after it arrived; at once when her "
    "record is anonymised"
)
AUDIT = "Kept RETENTION_AUDIT_YEARS (default 6) years; append-only, ids only"
STAFF_ACCOUNT = "While the account exists; an account that leaves is disabled, not deleted"
SESSION = "While the session lasts; ended sessions are kept with the audit trail"
WITH_RECORD = "Kept with the record it belongs to"


def _client(purpose: str, basis: str = PUBLIC_TASK, retention: str = ANONYMISED) -> Entry:
    return Entry(purpose, basis, retention, True)


def _kept(purpose: str, basis: str = PUBLIC_TASK) -> Entry:
    """About her, but kept (no longer identifying) when her record is anonymised."""
    return Entry(purpose, basis, KEPT_ANONYMISED, True)


def _staff(purpose: str, basis: str = STAFF) -> Entry:
    return Entry(purpose, basis, STAFF_ACCOUNT, True)


def _system(purpose: str) -> Entry:
    return Entry(purpose, NOT_PERSONAL, WITH_RECORD, False)


def _key(purpose: str = "Row identifier") -> Entry:
    return _system(purpose)


REGISTER: dict[str, Entry] = {
    # --- organisations, courts, venues, requirement types: configuration ------------------
    "organisation.id": _key(),
    "organisation.name": _system("Which organisation: a project, CJIT, court or CPS"),
    "organisation.kind": _system("The kind of organisation"),
    "organisation.phone": _system("The organisation's switchboard, given in texts"),
    "organisation.email": _system("The organisation's shared mailbox"),
    "organisation.contact_name": _system(
        "Whom the partnership asks about a woman the caseload check found there: a role, "
        "such as the duty worker"
    ),
    "court.id": _key(),
    "court.name": _system("The court hearing these cases"),
    "court.sitting_weekdays": _system("The days the court hears these cases"),
    "court.report_lead_working_days": _system("When reports are due"),
    "court.report_due_time": _system("When reports are due"),
    "court.list_time": _system("When the court's list starts: a hearing's time by default"),
    "court.court_email": _system("The court's shared mailbox for reports"),
    "court.cps_email": _system("The CPS shared mailbox for reports"),
    "court.police_email": _system("The police shared mailbox for the reports they get"),
    "court.in_wales": _system("Whether the court is in Wales (texts in Welsh and English)"),
    "court.liaison_email": _system("The court liaison mailbox for sitting-day lists"),
    "court.organisation_id": _system("Which court users see the court's lists"),
    "court.cps_organisation_id": _system("Which CPS users see the court's lists"),
    "court.active": _system("Whether the court is offered"),
    "venue.id": _key(),
    "venue.organisation_id": _system("Whose venue"),
    "venue.name": _system("The venue's name"),
    "venue.neutral_name": _system("The discreet name used in texts"),
    "venue.address": _system("Where the venue is"),
    "venue.opening_hours": _system("When the venue can be booked"),
    "venue.active": _system("Whether the venue is offered"),
    "venue_closure.id": _key(),
    "venue_closure.venue_id": _system("Which venue is shut"),
    "venue_closure.first_day": _system("When the venue is shut"),
    "venue_closure.last_day": _system("When the venue is shut"),
    "venue_closure.reason": _system("Why the venue is shut"),
    "requirement_type.id": _key(),
    "requirement_type.code": _system("Short code of the order"),
    "requirement_type.name": _system("Name of the order"),
    "requirement_type.description": _system("What the order is"),
    "requirement_type.sessions": _system("The sessions the order requires"),
    "requirement_type.window_rule": _system("How the order's window is set"),
    "requirement_type.window_days": _system("How long the order's window is"),
    "requirement_type.max_window_days": _system("The longest window allowed"),
    "requirement_type.min_gap_days": _system("The gap between sessions"),
    "requirement_type.sessions_chosen_per_case": _system("Whether sessions vary by case"),
    "requirement_type.slot_minutes": _system("Booking grid"),
    "requirement_type.active": _system("Whether the order is offered"),
    "requirement_type.end_on_sitting_day": _system("Whether the order's end is a sitting day"),
    "requirement_type.max_window_months": _system("The furthest end a case may set"),
    "requirement_type.min_sessions": _system("The fewest sessions a case may choose"),
    "requirement_type.agreed_when": _system("When a case of the order counts as agreed"),
    "requirement_type.needs_partner": _system("Whether a partner agency shares the case"),
    "requirement_type.report_to": _system("Who the order's report goes to"),
    "requirement_type.report_variant": _system("The form the order's report takes"),
    "requirement_type.reminder_policy": _system("When texts about the order go"),
    "requirement_type.court_wordings": _system(
        "The wordings the court may be told about a missed or cancelled session"
    ),
    "message_template.id": _key(),
    "message_template.kind": _system("Which kind of text the wording is for"),
    "message_template.language": _system("The language of the wording: English or Welsh"),
    "message_template.plain": _system("Whether it is the plainer wording a woman may opt in to"),
    "message_template.body": _system("The wording of a kind of text (placeholders, no client)"),
    "message_template.updated_at": _system("When the wording changed"),
    "message_template.updated_by_id": _staff("Which administrator changed the wording"),
    # --- staff accounts -----------------------------------------------------------------------
    "user_account.id": _key(),
    "user_account.email": _staff("Signing in, and who to contact"),
    "user_account.name": _staff("Who did what, shown to colleagues and in reports"),
    "user_account.password_hash": _staff("Checking the password (Argon2id, never the password)"),
    "user_account.role": _staff("What the account may see and do"),
    "user_account.organisation_id": _staff("Which caseload the account sees"),
    "user_account.active": _staff("Whether the account may sign in"),
    "user_account.session_version": _staff("Ending every session of the account at once"),
    "user_account.created_at": _staff("When the account was made"),
    "user_account.last_login_at": _staff("Spotting unused accounts"),
    "user_account.schedule_version": _system("Preventing double booking (a counter)"),
    "user_account.calendar_token_hash": _staff(
        "Finding the worker's calendar feed by its secret address (a hash, never the address)"
    ),
    "user_account.calendar_token_created_at": _staff("When her calendar feed's address was made"),
    "user_account.totp_secret": _staff("Two-factor sign-in: the shared secret"),
    "user_account.totp_confirmed_at": _staff("Two-factor sign-in"),
    "user_account.totp_last_step": _staff("Accepting each two-factor code once only"),
    "user_account.password_changed_at": _staff("Password changes end other sessions"),
    "working_period.id": _key(),
    "working_period.user_id": _staff("Whose working hours"),
    "working_period.weekday": _staff("When the worker can be booked"),
    "working_period.starts": _staff("When the worker can be booked"),
    "working_period.ends": _staff("When the worker can be booked"),
    "working_period.is_break": _staff("When the worker can be booked"),
    "absence.id": _key(),
    "absence.user_id": _staff("Whose absence"),
    "absence.starts_at": _staff("When the worker cannot be booked"),
    "absence.ends_at": _staff("When the worker cannot be booked"),
    "absence.kind": _staff("Leave, training or other (no reason recorded)"),
    "recovery_code.id": _key(),
    "recovery_code.user_id": _staff("Whose recovery code"),
    "recovery_code.code_hash": _staff("Two-factor recovery (hashed, never the code)"),
    "recovery_code.created_at": _staff("Two-factor recovery"),
    "recovery_code.used_at": _staff("Accepting each recovery code once only"),
    "user_session.id": _key(),
    "user_session.token_hash": Entry(
        "Recognising a signed-in browser (hashed token)", STAFF, SESSION, True
    ),
    "user_session.user_id": Entry("Whose session", STAFF, SESSION, True),
    "user_session.created_at": Entry("The 12-hour session limit", STAFF, SESSION, True),
    "user_session.last_seen_at": Entry("The 30-minute inactivity limit", STAFF, SESSION, True),
    "user_session.verified_at": Entry("Both sign-in factors passed", STAFF, SESSION, True),
    "user_session.ended_at": Entry("Ending sessions on the server", STAFF, SESSION, True),
    "user_session.ended_reason": Entry("Why a session ended", STAFF, SESSION, True),
    "user_session.remote_addr": Entry(
        "Investigating misuse of an account", ACCOUNTABILITY, SESSION, True
    ),
    "user_session.invitation_id": Entry(
        "Which set-up link started the session (only such a session may set up two-factor)",
        STAFF,
        SESSION,
        True,
    ),
    "invitation.id": _key(),
    "invitation.user_id": _staff("Whose set-up link"),
    "invitation.token_hash": _staff("Recognising a set-up link (hashed, never the link)"),
    "invitation.purpose": _staff("Why the link was sent (new account, reset, new link)"),
    "invitation.created_at": _staff("When the link was sent"),
    "invitation.expires_at": _staff("A link works for INVITATION_HOURS (default 24)"),
    "invitation.used_at": _staff("Accepting each link once only"),
    "invitation.superseded_at": _staff("Only the newest link works"),
    "invitation.created_by_id": _staff("Which administrator sent it"),
    # --- the woman and her cases --------------------------------------------------------------
    "client.id": _kept("Row identifier"),
    "client.organisation_id": _kept("Which organisation's caseload she is on"),
    "client.first_name": _client("Identifying her, at court and to her worker"),
    "client.last_name": _client("Identifying her, at court and to her worker"),
    "client.date_of_birth": _client(
        "Identifying her, at court and in the caseload check",
        retention=f"Reduced to 1 January of her birth year when anonymised: {CLIENT_YEARS}",
    ),
    "client.mobile": _client("Sending her reminders (encrypted at rest)", TEXTING),
    "client.mobile_hash": _client("Recognising her replies without decrypting numbers", TEXTING),
    "client.housing": _client("Support planning: her housing situation (worker only)"),
    "client.health_notes": _client("Support planning: her health (worker only)", SPECIAL),
    "client.anonymised_at": _kept("When her record was anonymised"),
    "client.consent_to_texts": _client("Whether she agreed to texts", TEXTING),
    "client.safe_to_text_confirmed_on": _client("When her number was confirmed safe", TEXTING),
    "client.text_name": _client("The name or initial texts use", TEXTING),
    "client.texts_opted_out_at": _kept("Whether she stopped texts", TEXTING),
    "client.texts_opted_out_by": _client("Her reply that stopped texts, for her worker", TEXTING),
    "client.text_language": _client("The language she wants texts in", TEXTING),
    "client.plain_wording": _client("Whether she opted in to plainer wording", TEXTING),
    "client.safe_days": _client("The days a text may safely reach her", TEXTING),
    "client.safe_from": _client("From when in the day a text may safely reach her", TEXTING),
    "client.safe_until": _client("Until when in the day a text may safely reach her", TEXTING),
    "client.created_at": _kept("When she was referred"),
    "client.updated_at": _kept("When her record changed"),
    "client_alias.id": _client("Row identifier"),
    "client_alias.client_id": _client("Whose other name"),
    "client_alias.name": _client(
        "Other names she is known by, for the caseload check (deleted when anonymised)"
    ),
    "client_name_key.id": _client("Row identifier"),
    "client_name_key.client_id": _client("Whose names"),
    "client_name_key.key": _client(
        "A phonetic key of one word of her names, for the caseload check across the "
        "partnership (deleted when anonymised)"
    ),
    "diversion_case.id": _kept("Row identifier"),
    "diversion_case.reference": _kept("The service's own case reference"),
    "diversion_case.client_id": _kept("Whose case"),
    "diversion_case.organisation_id": _kept("Which organisation holds the case"),
    "diversion_case.worker_id": _kept("Her allocated worker"),
    "diversion_case.requirement_type_id": _kept("Which order she is on"),
    "diversion_case.arrest_date": _client("The arrest that led to the case", CRIMINAL),
    "diversion_case.charge": _client("The charge the court is hearing", CRIMINAL),
    "diversion_case.custody_drug_test": _kept(
        "Whether a Required Assessment applies; monitoring of drug use", SPECIAL
    ),
    "diversion_case.court_id": _kept("The court hearing her case", CRIMINAL),
    "diversion_case.first_court_date": _kept("Her first hearing", CRIMINAL),
    "diversion_case.first_court_time": _kept("When her first hearing starts", CRIMINAL),
    "diversion_case.court_reference": _client("Matching the court's own record", CRIMINAL),
    "diversion_case.adjourned_to": _kept("Her next hearing", CRIMINAL),
    "diversion_case.adjourned_to_time": _kept("When her next hearing starts", CRIMINAL),
    "diversion_case.court_outcome": _kept("What the court decided", CRIMINAL),
    "diversion_case.outcome_hearing_date": _kept("The hearing that decided", CRIMINAL),
    "diversion_case.return_date": _kept("When she returns to court", CRIMINAL),
    "diversion_case.return_time": _kept("What time she returns to court", CRIMINAL),
    "diversion_case.status": _kept("Where the case stands", CRIMINAL),
    "diversion_case.start_date": _kept(
        "The event that started her order (positive test, caution, order made)", CRIMINAL
    ),
    "diversion_case.end_date": _kept("The end her order set (deadline, order's date)", CRIMINAL),
    "diversion_case.sessions_required": _kept("How many sessions her caution set", CRIMINAL),
    "diversion_case.partner_organisation_id": _kept("The partner agency sharing her case"),
    "diversion_case.at_risk_reason": _client("Why her sessions may not fit before court"),
    "diversion_case.closed_at": _kept("When the case closed; starts the retention period"),
    "diversion_case.created_at": _kept("When the case was opened"),
    "case_agreement.id": _kept("Row identifier"),
    "case_agreement.case_id": _kept("Which case was agreed"),
    "case_agreement.organisation_id": _kept("Which agency agreed to her caution", CRIMINAL),
    "case_agreement.user_id": _kept("Who recorded the agency's agreement"),
    "case_agreement.agreed_at": _kept("When the agency agreed"),
    "lapsed_session.id": _kept("Row identifier"),
    "lapsed_session.case_id": _kept("Whose session was not needed"),
    "lapsed_session.session_number": _kept("Which session was not needed", CRIMINAL),
    "lapsed_session.user_id": _kept("The assessor who recorded it"),
    "lapsed_session.lapsed_at": _kept("When it was recorded"),
    "lapsed_session.reason": _client(
        "The assessor's reason the session was not needed, for the file only", SPECIAL
    ),
    "appointment.id": _kept("Row identifier"),
    "appointment.case_id": _kept("Which case"),
    "appointment.session_number": _kept("Which required session"),
    "appointment.kind": _kept("Assessment or session"),
    "appointment.starts_at": _kept("When she is expected; attendance for the court"),
    "appointment.ends_at": _kept("When she is expected"),
    "appointment.venue_id": _kept("Where she is expected"),
    "appointment.worker_id": _kept("Who sees her"),
    "appointment.status": _kept("Attendance, for the court and monitoring", CRIMINAL),
    "appointment.reason": _client(
        "The worker's reason for a missed or cancelled session, for her organisation only",
        CRIMINAL,
    ),
    "appointment.court_wording": _kept(
        "What the court is told about a missed or cancelled session (a fixed wording)",
        CRIMINAL,
    ),
    "appointment.successor_id": _kept("The booking that replaced a moved one"),
    "appointment.sequence": _system("Calendar update counter"),
    "appointment.outcome_recorded_at": _kept("When attendance was recorded"),
    "appointment.confirmed_at": _kept("When she confirmed by text"),
    "appointment.created_at": _kept("When it was booked"),
    "appointment.updated_at": _kept("When it changed"),
    "case_event.id": _kept("Row identifier"),
    "case_event.case_id": _kept("Which case"),
    "case_event.occurred_at": _kept("When it happened"),
    "case_event.actor_id": _kept("Who did it"),
    "case_event.kind": _kept("What kind of thing happened"),
    "case_event.summary": _client("The case's timeline in words", CRIMINAL),
    "case_note.id": _client("Row identifier"),
    "case_note.case_id": _client("Which case"),
    "case_note.author_id": _client("Who wrote the note"),
    "case_note.written_at": _client("When the note was written"),
    "case_note.body": _client(
        "Her worker's notes, for the project only (encrypted at rest; deleted when anonymised)",
        SPECIAL,
    ),
    # --- texts to and from her ----------------------------------------------------------------
    "outbox_message.id": _kept("Row identifier"),
    "outbox_message.client_id": _kept("To whom"),
    "outbox_message.case_id": _kept("About which case"),
    "outbox_message.appointment_id": _kept("About which appointment"),
    "outbox_message.kind": _kept("Which kind of reminder"),
    "outbox_message.send_at": _kept("When it goes"),
    "outbox_message.status": _kept("Whether it went; delivery monitoring"),
    "outbox_message.reason": _kept("Why it did not go (system words, no content)"),
    "outbox_message.body": Entry("The words sent to her", TEXTING, MESSAGE_BODY, True),
    "outbox_message.provider_id": _kept("Matching Twilio's receipts"),
    "outbox_message.attempts": _system("Retry counter"),
    "outbox_message.event_at": _kept("The hearing a court-date reminder is about"),
    "outbox_message.sent_at": _kept("When the text went (the next waits a gap)", TEXTING),
    "outbox_message.provider_status": _kept("What Twilio last said"),
    "outbox_message.error_code": _kept("Twilio's error code"),
    "outbox_message.status_updated_at": _kept("When Twilio last said"),
    "outbox_message.created_at": _kept("When it was planned"),
    "outbox_message.updated_at": _kept("When it changed"),
    "inbound_message.id": _kept("Row identifier"),
    "inbound_message.provider_id": _kept("Twilio's id, so that a reply counts once"),
    "inbound_message.received_at": _kept("When it arrived"),
    "inbound_message.from_number": Entry(
        "Matching a reply to her, or calling back an unknown number", TEXTING, REPLY, True
    ),
    "inbound_message.body": Entry("What she wrote, for her worker", TEXTING, REPLY, True),
    "inbound_message.client_id": _kept("Who sent it"),
    "inbound_message.case_id": _kept("About which case"),
    "inbound_message.organisation_id": _kept("Whose inbox"),
    "inbound_message.worker_id": _kept("Whose inbox"),
    "inbound_message.appointment_id": _kept("The appointment a Y confirmed"),
    "inbound_message.action": _kept("What the reply did (stop, start, confirm, inbox)"),
    "inbound_message.read_at": _kept("Whether someone read it"),
    "inbound_message.read_by_id": _kept("Who read it"),
    "inbound_message.to_number": _kept("Our number it was sent to: whose it is"),
    "inbound_message.shared_number": _kept("Her number is on more than one client's record"),
    "inbound_message_worker.inbound_message_id": _kept("A reply from a shared number"),
    "inbound_message_worker.worker_id": _kept("Whose inbox"),
    "receiving_number.id": _kept("Row identifier"),
    "receiving_number.organisation_id": _kept("Which organisation the number belongs to"),
    "receiving_number.kind": _kept("Phone number or messaging service"),
    "receiving_number.value": _kept("Our number or messaging service (not hers)"),
    "receiving_number.created_at": _kept("When it was added"),
    "receiving_number.created_by_id": _kept("Who added it"),
    # --- what went to the court and the CPS ---------------------------------------------------
    "compliance_report.id": _kept("Row identifier"),
    "compliance_report.case_id": _kept("Which case"),
    "compliance_report.variant": _kept("Which form of report"),
    "compliance_report.compliance_status": _kept("The outcome reported", CRIMINAL),
    "compliance_report.statement": _client("The worker's statement to the court", CRIMINAL),
    "compliance_report.html": _client(
        "The report exactly as signed off and sent (name, date of birth, attendance)",
        CRIMINAL,
    ),
    "compliance_report.content_sha256": _kept("Proof of what was sent (a hash)"),
    "compliance_report.signed_off_by_id": _kept("Who signed the report off"),
    "compliance_report.signed_off_at": _kept("When it was signed off"),
    "outgoing_mail.id": _kept("Row identifier"),
    "outgoing_mail.kind": _kept("Report, list or reminder"),
    "outgoing_mail.case_id": _kept("About which case"),
    "outgoing_mail.report_id": _kept("Which report"),
    "outgoing_mail.court_id": _kept("Which court"),
    "outgoing_mail.sitting_date": _kept("Which sitting day's list"),
    "outgoing_mail.recipient": _system("The court's or CPS shared mailbox"),
    "outgoing_mail.recipient_role": _system("Court or CPS"),
    "outgoing_mail.subject": _client("The subject line (the court reference)", CRIMINAL),
    "outgoing_mail.message": _client(
        "The email exactly as sent, with the report or list attached (encrypted at rest; a "
        "sitting-day list loses her row when she is anonymised)",
        CRIMINAL,
    ),
    "outgoing_mail.content_sha256": _kept("Proof of what was sent (a hash)"),
    "outgoing_mail.status": _kept("Whether it went"),
    "outgoing_mail.attempts": _system("Retry counter"),
    "outgoing_mail.last_error": _system("Why it did not go (system words)"),
    "outgoing_mail.next_attempt_at": _system("When it is tried again"),
    "outgoing_mail.requested_by_id": _kept("Who sent it"),
    "outgoing_mail.requested_by_job": _system("Which job sent it"),
    "outgoing_mail.created_at": _kept("When it was asked for"),
    "outgoing_mail.sent_at": _kept("When it went"),
    "outgoing_mail.eml_path": _client("Development only: the file the message was written to"),
    "outgoing_mail_case.id": _kept("Row identifier"),
    "outgoing_mail_case.outgoing_mail_id": _kept("Which sitting-day list"),
    "outgoing_mail_case.case_id": _kept("A case the list named", CRIMINAL),
    "outgoing_mail_case.list_row": _kept("Her row in the list, so that it can be erased"),
    # --- working as one partnership: flags, match notices, transfers ---------------------
    "client_flag.id": _kept("Row identifier"),
    "client_flag.client_id": _kept("Whose record the flag is on"),
    "client_flag.organisation_id": _kept("Which organisation set it"),
    "client_flag.text": _client("What to do if she reappears, for any organisation matching her"),
    "client_flag.contact": _client("Whom to contact about her (a member of staff)"),
    "client_flag.set_by_id": _kept("Who set the flag"),
    "client_flag.set_at": _kept("When the flag was set"),
    "client_flag.cleared_at": _kept("When the flag was cleared"),
    "client_flag.cleared_by_id": _kept("Who cleared the flag"),
    "worker_task.id": _kept("Row identifier"),
    "worker_task.key": _kept("What the task is about, so it is raised once (ids only)"),
    "worker_task.kind": _kept("Why her worker should call her"),
    "worker_task.organisation_id": _kept("Which organisation holds her record"),
    "worker_task.worker_id": _kept("Whose task: her allocated worker"),
    "worker_task.client_id": _kept("Whom to call"),
    "worker_task.case_id": _kept("Which case the task is about"),
    "worker_task.appointment_id": _kept("Which appointment the task is about"),
    "worker_task.outbox_message_id": _kept("Which text did not reach her"),
    "worker_task.event_at": _kept("When the appointment or hearing is"),
    "worker_task.detail": _kept("What to do and why (no message text, no number)"),
    "worker_task.created_at": _kept("When the task was raised"),
    "worker_task.done_at": _kept("When it was done"),
    "worker_task.done_by_id": _kept("Who marked it done"),
    "worker_task.done_reason": _kept("Why it closed"),
    "match_notice.id": _kept("Row identifier"),
    "match_notice.organisation_id": _kept("Whose inbox: the organisation holding her record"),
    "match_notice.worker_id": _kept("Whose inbox: her allocated worker"),
    "match_notice.client_id": _kept("Whose record was matched"),
    "match_notice.flag_id": _kept("The flag shown with the match"),
    "match_notice.matched_by_organisation_id": _kept("Which organisation matched her"),
    "match_notice.matched_by_id": _kept("Who matched her"),
    "match_notice.matched_at": _kept("When she was matched"),
    "match_notice.read_at": _kept("Whether someone read the notice"),
    "match_notice.read_by_id": _kept("Who read the notice"),
    "client_transfer.id": _kept("Row identifier"),
    "client_transfer.client_id": _kept("Whose record moves"),
    "client_transfer.from_organisation_id": _kept("The organisation that held her record"),
    "client_transfer.to_organisation_id": _kept("The organisation that asked to hold it"),
    "client_transfer.status": _kept("Whether the transfer is waiting, accepted or declined"),
    "client_transfer.reason": _client("Why the transfer was asked for"),
    "client_transfer.requested_by_id": _kept("Who asked"),
    "client_transfer.requested_at": _kept("When it was asked for"),
    "client_transfer.decided_by_id": _kept("Who accepted or declined it"),
    "client_transfer.decided_at": _kept("When it was accepted or declined"),
    # --- the audit trail ----------------------------------------------------------------------
    "audit_event.id": Entry("Row identifier", ACCOUNTABILITY, AUDIT, True),
    "audit_event.occurred_at": Entry("When", ACCOUNTABILITY, AUDIT, True),
    "audit_event.user_id": Entry("Who", ACCOUNTABILITY, AUDIT, True),
    "audit_event.action": Entry("What was done", ACCOUNTABILITY, AUDIT, True),
    "audit_event.object_type": Entry("To what kind of record", ACCOUNTABILITY, AUDIT, True),
    "audit_event.object_id": Entry("To which record", ACCOUNTABILITY, AUDIT, True),
    "audit_event.client_id": Entry("About which client", ACCOUNTABILITY, AUDIT, True),
    "audit_event.remote_addr": Entry("From where", ACCOUNTABILITY, AUDIT, True),
    "audit_event.detail": Entry(
        "Counts, codes and ids (never content)", ACCOUNTABILITY, AUDIT, True
    ),
}


def model_columns() -> set[str]:
    """Every column of every table in the models, as "table.column"."""
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
    }


def by_table() -> list[tuple[str, list[tuple[str, Entry]]]]:
    """The register grouped by table, in the models' order, for the register page."""
    grouped: dict[str, list[tuple[str, Entry]]] = {}
    for key, entry in REGISTER.items():
        table, column = key.split(".", 1)
        grouped.setdefault(table, []).append((column, entry))
    order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
    return sorted(grouped.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
