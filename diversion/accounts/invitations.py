"""Set-up links (invitations): how every account gets its password and its two-factor.

Nobody types a password for someone else. A new account, a two-factor reset and an
administrator's "send a new set-up link" each issue an invitation: a random token, emailed
to her as a link (the first administrator's is printed by `flask create-admin` instead).
Only the token's SHA-256 is stored. The link works once, for INVITATION_HOURS (24), and only
while it is the newest for her account: issuing one supersedes the older ones.

Opening the link lets her choose a password (the link proves she holds the mailbox). That
ends every other session of hers and starts a half-signed-in session marked with the
invitation, the only kind of session that may enrol an authenticator app; she then enrols
(or, if her two-factor is still set up, enters a code) as at any sign-in.

The email goes straight to the mailer, never through the OutgoingMail queue: the queue keeps
message bodies at rest, and a live link must not be kept. If sending fails the account
stays as it is, the failure is audited with its short reason, and a new link can be sent.
Audit rows name the account by id; neither the token nor the address is ever logged.
"""

from __future__ import annotations

import email.policy
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.accounts import services as auth
from diversion.accounts.passwords import hash_password
from diversion.db import db, transactional
from diversion.formatting import format_date, format_time
from diversion.mail.senders import Mailer, MailError, mail_from, make_mailer
from diversion.models import Invitation, InvitationPurpose, User

# The path of a link; the view's route is the same (tests check that the emailed link works).
LINK_PATH = "/invitation?token="
# Tokens are 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100

# Why a link was refused (the audit row's detail; she sees one message for them all).
UNKNOWN = "unknown"
USED = "used"
EXPIRED = "expired"
SUPERSEDED = "superseded"
DISABLED = "account disabled"


class LinkRefused(Exception):
    """The link cannot be used: unknown, used, expired, superseded, or her account disabled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Issued:
    """A new invitation and its token: the token exists only here, on its way to her."""

    invitation_id: int
    user_id: int
    purpose: InvitationPurpose
    token: str
    expires_at: datetime


def valid_hours() -> int:
    """How long a link works (config: INVITATION_HOURS)."""
    return int(current_app.config.get("INVITATION_HOURS", 24))


def unusable_password_hash() -> str:
    """What a new account holds until she chooses her password: the Argon2id hash of a random
    secret nobody ever sees. A real hash, so that signing in to an account still waiting for
    its set-up fails exactly as slowly, and as generically, as any wrong password."""
    return hash_password(secrets.token_urlsafe(32))


def link_for(token: str) -> str:
    """The set-up link, on the service's public address (PUBLIC_BASE_URL)."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{LINK_PATH}{token}"


def issue(
    user: User, *, purpose: InvitationPurpose, now: datetime, created_by: User | None = None
) -> Issued:
    """A new invitation for her account, superseding any older one still unused.

    Part of the caller's transaction, which audits why it was issued."""
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.superseded_at.is_(None),
        )
        .values(superseded_at=now)
        .execution_options(synchronize_session="fetch")
    )
    token = secrets.token_urlsafe(32)
    row = Invitation(
        user_id=user.id,
        token_hash=auth.token_hash(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + timedelta(hours=valid_hours()),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    return Issued(
        invitation_id=row.id,
        user_id=user.id,
        purpose=purpose,
        token=token,
        expires_at=row.expires_at,
    )


# The email ------------------------------------------------------------------------------------

_OPENING = {
    InvitationPurpose.FIRST_ADMIN: "An account has been made for you on {service}.",
    InvitationPurpose.NEW_ACCOUNT: "An account has been made for you on {service}.",
    InvitationPurpose.TWO_FACTOR_RESET: (
        "An administrator has reset the two-factor authentication of your account on "
        "{service}, so that you can set it up again (for example on a new phone)."
    ),
    InvitationPurpose.NEW_LINK: (
        "An administrator has sent you a new link to set up how you sign in to {service}."
    ),
}


def invitation_text(*, purpose: InvitationPurpose, link: str, service: str, expires: str) -> str:
    """The body: plain, and saying nothing about the work beyond the service's name."""
    lines = [
        "Hello,",
        "",
        _OPENING[purpose].format(service=service),
        "",
        "To choose your password and set up two-factor authentication, open this link:",
        "",
        link,
        "",
        f"The link works once, until {expires}. If it has stopped working, ask your "
        "administrator to send you a new one.",
        "",
        "If you were not expecting this email, you can ignore it. Do not forward it: anyone "
        "with the link could set up the account.",
    ]
    return "\n".join(lines) + "\n"


def build_message(issued: Issued, *, sender: str, recipient: str, now: datetime) -> bytes:
    """The invitation email as RFC 822 bytes with CRLF line ends."""
    service = str(current_app.config["SERVICE_NAME"])
    expires = f"{format_time(issued.expires_at)} on {format_date(issued.expires_at, 'long')}"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"Set up your account: {service}"
    message["Date"] = email_date(now)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(
        idstring=f"invitation{issued.invitation_id}", domain=domain or "localhost"
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        invitation_text(
            purpose=issued.purpose, link=link_for(issued.token), service=service, expires=expires
        )
    )
    return message.as_bytes(policy=email.policy.SMTP)


def send(issued: Issued, *, now: datetime, mailer: Mailer | None = None) -> str | None:
    """Email her the link, now. None when the mail server took it (or, in development, the
    file was written); otherwise the short reason it did not go (never an address).

    Audited either way, in a transaction of its own after the one that issued the link."""
    user = db.session.get(User, issued.user_id)
    assert user is not None
    reason: str | None = None
    try:
        sender = mail_from(current_app.config)
        message = build_message(issued, sender=sender, recipient=user.email, now=now)
        (mailer or make_mailer(current_app.config, current_app.instance_path)).send(
            message,
            sender=sender,
            recipients=[user.email],
            reference=f"invitation-{issued.invitation_id}",
        )
    except MailError as error:
        reason = error.reason
    audit.record(
        "invitation_sent" if reason is None else "invitation_not_sent",
        object_type="user",
        object_id=user.id,
        detail=issued.purpose.value if reason is None else f"{issued.purpose.value}: {reason}",
    )
    return reason


# Opening and accepting the link ------------------------------------------------------------


def _find(token: str) -> Invitation | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.user))
        .where(Invitation.token_hash == auth.token_hash(token))
    )


def problem_with(row: Invitation | None, *, now: datetime) -> str | None:
    """Why this invitation cannot be used now, or None while it can."""
    if row is None:
        return UNKNOWN
    if row.used_at is not None:
        return USED
    if row.superseded_at is not None:
        return SUPERSEDED
    if now >= row.expires_at:
        return EXPIRED
    if not row.user.active:
        return DISABLED
    return None


def _refused(row: Invitation | None, reason: str) -> LinkRefused:
    audit.record(
        "invitation_refused",
        object_type="user" if row is not None else None,
        object_id=row.user_id if row is not None else None,
        detail=reason,
    )
    return LinkRefused(reason)


def open_link(token: str, *, now: datetime) -> User:
    """The account a link sets up, while the link can be used; LinkRefused (audited) if not."""
    row = _find(token)
    reason = problem_with(row, now=now)
    if reason is not None:
        raise _refused(row, reason)
    assert row is not None
    return row.user


@transactional
def _accept(token: str, *, password: str, now: datetime) -> User:
    row = _find(token)
    reason = problem_with(row, now=now)
    if reason is not None:
        raise LinkRefused(reason)
    assert row is not None
    user = row.user
    auth.check_new_password(password, name=user.name, email=user.email)
    # Claimed with one statement, so that two tabs posting at once cannot both use it.
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == row.id,
            Invitation.used_at.is_(None),
            Invitation.superseded_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused(USED)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    auth.end_sessions(user_id=user.id, reason=auth.INVITATION_USED, now=now)
    auth.end_calendar_feed(user, reason=auth.INVITATION_USED, actor_id=user.id)
    auth.start_invited_session(user, invitation_id=row.id, now=now)
    audit.add(
        "invitation_used",
        user_id=user.id,
        object_type="user",
        object_id=user.id,
        detail=row.purpose.value,
    )
    return user


def accept(token: str, *, password: str, now: datetime) -> User:
    """She chooses her password through the link: it is used up, every other session of hers
    ends, and this browser is half signed in, ready to enrol two-factor (or enter a code).

    RuleBroken (field "password") for a password the rules refuse: the link still works.
    LinkRefused (audited) when the link cannot be used."""
    try:
        return _accept(token, password=password, now=now)
    except LinkRefused as refused:
        raise _refused(_find(token), refused.reason) from None
