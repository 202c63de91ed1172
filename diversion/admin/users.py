"""Administration of user accounts: adding them (with a set-up link), changing them, and
resetting two-factor (with a new link). One transaction each, then the email.

Nobody types a password for someone else: each account gets its password, and its
two-factor, through her own set-up link (diversion.accounts.invitations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.accounts import invitations
from diversion.accounts import services as auth
from diversion.admin.services import flush_unique
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.mail.senders import Mailer
from diversion.models import (
    Case,
    CaseStatus,
    Invitation,
    InvitationPurpose,
    Organisation,
    OrganisationKind,
    Role,
    User,
)

OPEN_CASE_STATUSES = (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)

# Which kinds of organisation each role can belong to. Caseworkers hold caseloads, so they
# belong to a project or a CJIT; court and CPS staff to their own bodies (domain.md, "Who uses
# it"). An administrator may sit in any organisation.
ROLE_ORGANISATION_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.WORKER: frozenset({OrganisationKind.PROJECT, OrganisationKind.CJIT}),
    Role.MANAGER: frozenset({OrganisationKind.PROJECT, OrganisationKind.CJIT}),
    Role.COURT_LIAISON: frozenset({OrganisationKind.COURT}),
    Role.CPS: frozenset({OrganisationKind.CPS}),
    Role.ADMIN: frozenset(OrganisationKind),
}


def all_users() -> list[User]:
    """Every account with its organisation, by name; the page never shows password hashes."""
    return list(
        db.session.scalars(
            select(User).options(joinedload(User.organisation)).order_by(User.name, User.id)
        )
    )


def latest_invitation(user_id: int) -> Invitation | None:
    """The newest set-up link of an account, for its page (sent, used, or expired when)."""
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.user_id == user_id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )


def _open_cases_of(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Case.id)).where(
                Case.worker_id == user.id, Case.status.in_(OPEN_CASE_STATUSES)
            )
        )
        or 0
    )


@dataclass(frozen=True, kw_only=True)
class NewAccount:
    """A new account as the administrator typed it; already validated by the form."""

    name: str
    email: str
    role: Role
    organisation_id: int


@dataclass(frozen=True, kw_only=True)
class AccountChanges:
    """Changes to an account (never its password: she chooses that through a set-up link)."""

    name: str
    role: Role
    organisation_id: int
    active: bool


@dataclass(frozen=True)
class Invited:
    """An account and its set-up link: `not_sent` is why the email did not go, or None."""

    user: User
    not_sent: str | None


EMAIL_TAKEN = "There is already an account with this email address"


ROLE_ORGANISATION_MESSAGES = {
    Role.WORKER: "A diversion worker must belong to a specialist project or a CJIT",
    Role.MANAGER: "A team manager must belong to a specialist project or a CJIT",
    Role.COURT_LIAISON: "A court liaison officer must belong to a magistrates' court",
    Role.CPS: "A CPS user must belong to a Crown Prosecution Service organisation",
}


def _new_account(*, name: str, email: str, role: Role, organisation_id: int) -> User:
    """An account waiting for its set-up link: no password anybody knows, no two-factor."""
    user = User(
        name=name,
        email=email,
        role=role,
        organisation_id=organisation_id,
        password_hash=invitations.unusable_password_hash(),
        active=True,
        session_version=1,
    )
    db.session.add(user)
    flush_unique(field="email", message=EMAIL_TAKEN)
    return user


def _check_role_and_organisation(role: Role, organisation_id: int) -> None:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise RuleBroken("Select the organisation", field="organisation_id")
    if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        raise RuleBroken(ROLE_ORGANISATION_MESSAGES[role], field="organisation_id")


@transactional
def _open_account(
    *, details: NewAccount, actor: User, now: datetime
) -> tuple[User, invitations.Issued]:
    email = details.email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise RuleBroken(EMAIL_TAKEN, field="email")
    _check_role_and_organisation(details.role, details.organisation_id)
    user = _new_account(
        name=details.name, email=email, role=details.role, organisation_id=details.organisation_id
    )
    audit.add("user_created", object_type="user", object_id=user.id)
    issued = invitations.issue(
        user, purpose=InvitationPurpose.NEW_ACCOUNT, now=now, created_by=actor
    )
    return user, issued


def add_user(
    *, details: NewAccount, actor: User, now: datetime, mailer: Mailer | None = None
) -> Invited:
    """Open an account and email her a set-up link, where she chooses her own password and
    sets up two-factor. Until then the account has no password anyone knows.

    The account is committed first; if the email then fails to go, it stays, and the result
    says why, so that the administrator can send a new link once mail works."""
    user, issued = _open_account(details=details, actor=actor, now=now)
    return Invited(user, invitations.send(issued, now=now, mailer=mailer))


@transactional
def update_user(*, actor: User, user: User, changes: AccountChanges, now: datetime) -> User:
    """Change an account. Disabling it ends all of its sessions and its calendar feed."""
    is_self = actor.id == user.id
    if is_self and not changes.active:
        raise RuleBroken("You cannot disable your own account", field="active")
    if is_self and changes.role is not user.role:
        raise RuleBroken("You cannot change your own role", field="role")
    _check_role_and_organisation(changes.role, changes.organisation_id)
    moving = changes.organisation_id != user.organisation_id or (
        user.is_caseworker and changes.role not in (Role.WORKER, Role.MANAGER)
    )
    if moving:
        open_cases = _open_cases_of(user)
        if open_cases:
            raise RuleBroken(
                f"Give their {open_cases} open case{'s' if open_cases != 1 else ''} to another "
                "worker first: cases stay with their organisation",
                field="organisation_id"
                if changes.organisation_id != user.organisation_id
                else "role",
            )
    changed: list[str] = []
    if changes.name != user.name:
        changed.append("name")
    if changes.role is not user.role:
        changed.append(f"role:{changes.role.value}")
    if changes.organisation_id != user.organisation_id:
        changed.append(f"organisation:{changes.organisation_id}")
    end_reason: str | None = None
    if user.active and not changes.active:
        changed.append("disabled")
        end_reason = auth.DISABLED
    elif changes.active and not user.active:
        changed.append("enabled")
    user.name = changes.name
    user.role = changes.role
    user.organisation_id = changes.organisation_id
    user.active = changes.active
    if end_reason is not None:
        # Her sessions end on the server at once, wherever she is signed in. The version is
        # kept as a count of those endings; sessions no longer read it.
        auth.end_sessions(user_id=user.id, reason=end_reason, now=now)
        user.session_version = (user.session_version or 0) + 1
        # Her calendar feed's address goes too: enabling her again does not bring it back.
        auth.end_calendar_feed(user, reason=end_reason)
    db.session.flush()
    audit.add(
        "user_updated",
        object_type="user",
        object_id=user.id,
        detail=",".join(changed) or None,
    )
    return user


@transactional
def _reset_two_factor(*, actor: User, user: User, now: datetime) -> invitations.Issued:
    if actor.id == user.id:
        raise RuleBroken(
            "You cannot reset your own two-factor authentication: ask another administrator"
        )
    if not user.active:
        raise RuleBroken("This account is disabled: enable it first")
    auth.clear_two_factor(user, now=now)
    audit.add("two_factor_reset", object_type="user", object_id=user.id)
    return invitations.issue(
        user, purpose=InvitationPurpose.TWO_FACTOR_RESET, now=now, created_by=actor
    )


def reset_two_factor(
    *, actor: User, user: User, now: datetime, mailer: Mailer | None = None
) -> Invited:
    """Take two-factor authentication off an account, for someone who lost her phone, and
    email her a set-up link: only through it can she set up a new app (and, since it proves
    she holds the mailbox, choose a new password). Her password alone no longer can.

    Her recovery codes go and every session of hers ends. An administrator cannot reset her
    own: another must do it."""
    issued = _reset_two_factor(actor=actor, user=user, now=now)
    return Invited(user, invitations.send(issued, now=now, mailer=mailer))


@transactional
def _new_link(*, actor: User, user: User, now: datetime) -> invitations.Issued:
    if not user.active:
        raise RuleBroken("This account is disabled: enable it first")
    return invitations.issue(user, purpose=InvitationPurpose.NEW_LINK, now=now, created_by=actor)


def send_new_link(
    *, actor: User, user: User, now: datetime, mailer: Mailer | None = None
) -> Invited:
    """Email her a new set-up link (the last one expired, or she forgot her password); older
    links stop working. Her password and two-factor stay as they are until she uses it."""
    issued = _new_link(actor=actor, user=user, now=now)
    return Invited(user, invitations.send(issued, now=now, mailer=mailer))


# The first administrator (flask create-admin) -----------------------------------------------

DEFAULT_ORGANISATION = "Administration"


@dataclass(frozen=True)
class AdminCreated:
    """What create-admin made: the set-up link to print, and the organisation she is in."""

    issued: invitations.Issued
    organisation: str
    organisation_created: bool


def _organisation_for_admin(name: str | None, kind: OrganisationKind) -> tuple[Organisation, bool]:
    if name is None:
        existing = list(db.session.scalars(select(Organisation).limit(2)))
        if len(existing) == 1:
            return existing[0], False
        if existing:
            raise RuleBroken("There are several organisations: name one", field="organisation")
        name = DEFAULT_ORGANISATION
    found = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )
    if found is not None:
        return found, False
    organisation = Organisation(name=name.strip(), kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation, True


def _printed(issued: invitations.Issued) -> None:
    audit.add(
        "invitation_printed",
        object_type="user",
        object_id=issued.user_id,
        detail=issued.purpose.value,
    )


@transactional
def create_administrator(
    *,
    email: str,
    name: str,
    organisation: str | None,
    kind: OrganisationKind,
    another: bool,
    now: datetime,
) -> AdminCreated:
    """An administrator account with a set-up link (to print), in an organisation found by
    name or made. Refused when an active administrator exists, unless `another`; and for an
    email address that already has an account."""
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise RuleBroken(EMAIL_TAKEN, field="email")
    if not another and (
        db.session.scalar(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).limit(1)
        )
        is not None
    ):
        raise RuleBroken("An administrator already exists", field="another")
    home, created = _organisation_for_admin(organisation, kind)
    user = _new_account(name=name, email=email, role=Role.ADMIN, organisation_id=home.id)
    audit.add("user_created", object_type="user", object_id=user.id, detail="create-admin")
    issued = invitations.issue(user, purpose=InvitationPurpose.FIRST_ADMIN, now=now)
    _printed(issued)
    return AdminCreated(issued, home.name, created)


@transactional
def new_administrator_link(*, email: str, now: datetime) -> invitations.Issued:
    """A new set-up link (to print) for an existing, active administrator: her first one
    expired, or she is locked out. Older links stop working."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.role is not Role.ADMIN or not user.active:
        raise RuleBroken("There is no active administrator with this email address", field="email")
    issued = invitations.issue(user, purpose=InvitationPurpose.NEW_LINK, now=now)
    _printed(issued)
    return issued
