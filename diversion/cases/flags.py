"""Flags on a woman and the notices a match sends her holder (domain.md, "Working across
agencies": a flag such as "contact the project if she reappears" shows whenever her record
is matched).

The organisation holding her record sets a flag, with whom to contact. Whoever matches her
record, in any organisation, is shown the flag's text and contact, and nothing else of it;
when that is another organisation, the holder finds a notice in her inbox saying who matched
her and when. The notice holds no text: never why she was matched, nor what was searched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, func, select
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.models import (
    Case,
    CaseStatus,
    Client,
    ClientFlag,
    MatchNotice,
    Role,
    User,
)
from diversion.partnership.services import CaseloadCheck

FLAG_TEXT_MAX_LENGTH = 500
CONTACT_MAX_LENGTH = 200
NOTICE_LIMIT = 100
_RUNNING = (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)


def plain_text(value: str, *, field: str, noun: str, limit: int) -> str:
    """A short text typed on a form: required, at most `limit` characters, one line or a few."""
    value = value.strip()
    if not value:
        raise RuleBroken(f"Enter {noun}", field=field)
    if len(value) > limit:
        raise RuleBroken(f"{noun.capitalize()} must be {limit} characters or fewer", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value) or "\x7f" in value:
        raise RuleBroken(f"{noun.capitalize()} must not contain special characters", field=field)
    return value


def check_holder(actor: User, client: Client, *, doing: str) -> None:
    """Only a worker or manager of the organisation holding her record may do this."""
    if not actor.is_caseworker or actor.organisation_id != client.organisation_id:
        raise RuleBroken(f"Only a worker or manager of the organisation holding her record {doing}")


def active_flag(client_id: int) -> ClientFlag | None:
    """Her flag still standing, if any (one at a time: a new flag replaces the old)."""
    return db.session.scalar(
        select(ClientFlag)
        .where(ClientFlag.client_id == client_id, ClientFlag.cleared_at.is_(None))
        .order_by(ClientFlag.id.desc())
        .limit(1)
    )


@transactional
def set_flag(*, actor: User, client: Client, text: str, contact: str, now: datetime) -> ClientFlag:
    """Set a flag on her record (replacing any standing one); audited without its words."""
    check_holder(actor, client, doing="can flag her")
    text = plain_text(
        text, field="text", noun="what to do if she reappears", limit=FLAG_TEXT_MAX_LENGTH
    )
    contact = plain_text(contact, field="contact", noun="whom to contact", limit=CONTACT_MAX_LENGTH)
    standing = active_flag(client.id)
    if standing is not None:
        standing.cleared_at, standing.cleared_by_id = now, actor.id
    flag = ClientFlag(
        client_id=client.id,
        organisation_id=client.organisation_id,
        text=text,
        contact=contact,
        set_by_id=actor.id,
        set_at=now,
    )
    db.session.add(flag)
    db.session.flush()
    audit.add(
        "client_flag_set",
        object_type="client_flag",
        object_id=flag.id,
        client_id=client.id,
        user_id=actor.id,
    )
    return flag


@transactional
def clear_flag(*, actor: User, client: Client, now: datetime) -> bool:
    """Clear her standing flag; False when there was none. The row is kept, cleared."""
    check_holder(actor, client, doing="can clear her flag")
    flag = active_flag(client.id)
    if flag is None:
        return False
    flag.cleared_at, flag.cleared_by_id = now, actor.id
    audit.add(
        "client_flag_cleared",
        object_type="client_flag",
        object_id=flag.id,
        client_id=client.id,
        user_id=actor.id,
    )
    return True


@dataclass(frozen=True)
class ShownFlag:
    """What a match shows of a flag: its words and whom to contact, nothing else."""

    client_id: int
    text: str
    contact: str


def _allocated_worker(client: Client) -> int | None:
    """The worker of her newest running case in the holding organisation, if allocated."""
    return db.session.scalar(
        select(Case.worker_id)
        .where(Case.client_id == client.id, Case.organisation_id == client.organisation_id)
        .where(Case.status.in_(_RUNNING), Case.worker_id.is_not(None))
        .order_by(Case.id.desc())
        .limit(1)
    )


@transactional
def flags_for_match(client_ids: Iterable[int], *, seen_by: User, now: datetime) -> list[ShownFlag]:
    """The standing flags on the records a search or caseload check matched, to show with
    the match (text and contact only), in the order of `client_ids`.

    When the one who matched her works for another organisation than the one holding her
    record, the holder is told: a notice in her inbox (her allocated worker's, else the
    managers') saying which organisation and who matched her, and when. Never why, never
    what was searched. Each flag shown is audited against her record.
    """
    wanted = list(dict.fromkeys(client_ids))
    if not wanted:
        return []
    rows = db.session.execute(
        select(ClientFlag, Client)
        .join(Client, ClientFlag.client_id == Client.id)
        .where(ClientFlag.client_id.in_(wanted), ClientFlag.cleared_at.is_(None))
        .where(ClientFlag.organisation_id == Client.organisation_id)
        .order_by(ClientFlag.id.desc())
    ).all()
    newest: dict[int, tuple[ClientFlag, Client]] = {}
    for flag, client in rows:
        newest.setdefault(client.id, (flag, client))
    shown = []
    for client_id in wanted:
        if client_id not in newest:
            continue
        flag, client = newest[client_id]
        shown.append(ShownFlag(client_id=client_id, text=flag.text, contact=flag.contact))
        if client.organisation_id != seen_by.organisation_id:
            db.session.add(
                MatchNotice(
                    organisation_id=client.organisation_id,
                    worker_id=_allocated_worker(client),
                    client_id=client.id,
                    flag_id=flag.id,
                    matched_by_organisation_id=seen_by.organisation_id,
                    matched_by_id=seen_by.id,
                    matched_at=now,
                )
            )
        audit.add(
            "client_flag_shown",
            object_type="client_flag",
            object_id=flag.id,
            client_id=client.id,
            user_id=seen_by.id,
        )
    return shown


# --- the holder's inbox ---------------------------------------------------------------------


def _notices_of(user: User) -> ColumnElement[bool]:
    """Notices a user may see, as with replies: a worker those addressed to her, a manager her
    organisation's; court, CPS and administrators none."""
    own = MatchNotice.organisation_id == user.organisation_id
    if user.role is Role.WORKER:
        return and_(own, MatchNotice.worker_id == user.id)
    if user.role is Role.MANAGER:
        return own
    return false()


def notices_for(user: User, *, limit: int = NOTICE_LIMIT) -> list[MatchNotice]:
    """The match notices in a user's inbox, newest first, with who matched her loaded."""
    return list(
        db.session.scalars(
            select(MatchNotice)
            .where(_notices_of(user))
            .options(
                joinedload(MatchNotice.client),
                joinedload(MatchNotice.matched_by),
                joinedload(MatchNotice.matched_by_organisation),
            )
            .order_by(MatchNotice.matched_at.desc(), MatchNotice.id.desc())
            .limit(limit)
        )
    )


def unread_notices(user: User) -> Select[tuple[int]]:
    """How many match notices in the user's inbox nobody has read yet: the statement, for the
    menu (diversion.cases.menu)."""
    return (
        select(func.count(MatchNotice.id))
        .where(_notices_of(user))
        .where(MatchNotice.read_at.is_(None))
    )


def notice_for(user: User, notice_id: int) -> MatchNotice | None:
    """One notice in the user's inbox; None when it is not hers to see."""
    return db.session.scalar(
        select(MatchNotice).where(_notices_of(user), MatchNotice.id == notice_id)
    )


@transactional
def mark_notice_read(*, actor: User, notice: MatchNotice, now: datetime) -> None:
    """Mark a match notice as read (once; the first reader is kept)."""
    if notice.read_at is None:
        notice.read_at, notice.read_by_id = now, actor.id
        audit.add(
            "match_notice_read",
            object_type="match_notice",
            object_id=notice.id,
            client_id=notice.client_id,
            user_id=actor.id,
        )


def flagged(check: CaseloadCheck, *, seen_by: User, now: datetime) -> CaseloadCheck:
    """The caseload check with the standing flags on the women it matched, in any
    organisation; each holder whose client another organisation matched is told."""
    if not check.matched:
        return check
    return replace(check, flags=tuple(flags_for_match(check.matched, seen_by=seen_by, now=now)))
