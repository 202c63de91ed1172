"""The lawful bases, retention periods and kinds of entry the processing register uses
(diversion.privacy.register lists every column with one of them)."""

from __future__ import annotations

from dataclasses import dataclass


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
