"""The caseload check's search keys, kept in step with every woman's names.

Whatever writes her names through a session (adding or editing a client, the demo, the
retention job anonymising her) flushes through `keep_name_keys`, which writes her keys
again from her first name, last name and other names, and deletes them once she is
anonymised: an anonymised woman is never found. Bulk writers that bypass the session
(devtools/generate.py, the migration that brought the table) write `key_rows` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from diversion.models import Client, ClientAlias, ClientNameKey
from diversion.partnership.matching import name_keys

# A change to any of these is a change to what she is found by.
_WATCHED = ("first_name", "last_name", "aliases", "anonymised_at")


def keys_of(client: Client) -> set[str]:
    """The keys she is found by now: none once anonymised."""
    if client.anonymised_at is not None:
        return set()
    return name_keys(client.first_name, client.last_name, [a.name for a in client.aliases])


def key_rows(
    client_id: int, first_name: str, last_name: str, aliases: Iterable[str]
) -> list[dict[str, Any]]:
    """Rows of client_name_key for a bulk INSERT of one woman."""
    return [
        {"client_id": client_id, "key": key}
        for key in sorted(name_keys(first_name, last_name, aliases))
    ]


def _names_changed(session: Session, client: Client) -> bool:
    if client in session.new:
        return True
    attrs = inspect(client).attrs
    return any(attrs[name].history.has_changes() for name in _WATCHED)


def keep_name_keys(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Before each flush: write again the keys of every woman whose names changed."""
    changed: set[Client] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ClientAlias) and obj.client is not None:
            changed.add(obj.client)
        elif (
            isinstance(obj, Client) and obj not in session.deleted and _names_changed(session, obj)
        ):
            changed.add(obj)
    for client in changed:
        if client in session.deleted:
            continue
        wanted = keys_of(client)
        current = {row.key: row for row in client.name_keys}
        if set(current) == wanted:
            continue
        client.name_keys = [current.get(key) or ClientNameKey(key=key) for key in sorted(wanted)]


event.listen(Session, "before_flush", keep_name_keys)
