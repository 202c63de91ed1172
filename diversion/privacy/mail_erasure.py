"""What anonymising a woman does to the emails that named her beyond her own cases' emails:
the sitting-day lists, and the development .eml files of any of them.

A sitting-day list names several women, so it is not erased: her row of it is (every cell
replaced by "[erased]", diversion.mail.emailed_lists), through the OutgoingMailCase links,
inside the anonymising transaction. Files are changed only once that transaction has
committed, and only inside the configured mail folder: her reports' .eml files are
deleted, a list's .eml file is written again with the redacted message.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from diversion.db import db
from diversion.mail.emailed_lists import redact_emailed_list
from diversion.mail.senders import mail_folder
from diversion.models import OutgoingMail, OutgoingMailCase
from diversion.privacy.retention import ERASED

log = logging.getLogger(__name__)

ERASED_BYTES = ERASED.encode("ascii")


@dataclass
class MailFiles:
    """Development .eml files to change once the transaction commits: some to delete, some
    to write again with the redacted message. Each names its mail row's id, which is all a
    log line about it may say."""

    delete: list[tuple[int, str]] = field(default_factory=list)
    rewrite: list[tuple[int, str, bytes]] = field(default_factory=list)

    def __iadd__(self, other: MailFiles) -> MailFiles:
        self.delete += other.delete
        self.rewrite += other.rewrite
        return self


def redact_lists_naming(case_ids: Sequence[int]) -> list[tuple[int, str, bytes]]:
    """Erase her rows from every stored sitting-day list that named one of her cases; the
    .eml files to write again with the redacted message."""
    rows: dict[int, set[int]] = {}
    for mail_id, row in db.session.execute(
        select(OutgoingMailCase.outgoing_mail_id, OutgoingMailCase.list_row).where(
            OutgoingMailCase.case_id.in_(case_ids)
        )
    ):
        rows.setdefault(mail_id, set()).add(row)
    rewrite = []
    for mail_id, her_rows in sorted(rows.items()):
        mail = db.session.get(OutgoingMail, mail_id)
        if mail is None or mail.message == ERASED_BYTES:
            continue
        mail.message = redact_emailed_list(mail.message, her_rows, marker=ERASED)
        if mail.eml_path:
            rewrite.append((mail.id, mail.eml_path, mail.message))
    return rewrite


def _in_mail_folder(name: str) -> Path | None:
    """The file, if it is inside the configured mail folder (nothing else is touched)."""
    folder = mail_folder(current_app.config, current_app.instance_path).resolve()
    path = Path(name).resolve()
    if not path.is_relative_to(folder):
        log.warning("retention: a mail file outside the mail folder was left alone")
        return None
    return path


def delete_mail_files(paths: Iterable[tuple[int, str]]) -> None:
    """Delete development .eml files (mail id, path), only inside the configured mail folder."""
    for mail_id, name in paths:
        path = _in_mail_folder(name)
        if path is None:
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.warning(
                "retention: the file of mail %d could not be deleted (%s)", mail_id, error.errno
            )


def rewrite_mail_files(files: Iterable[tuple[int, str, bytes]]) -> None:
    """Write development .eml files again with their redacted message (only files that are
    still there, inside the configured mail folder): a new file (mode 600) replaces each."""
    for mail_id, name, message in files:
        path = _in_mail_folder(name)
        if path is None or not path.exists():
            continue
        spare = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message)
            os.replace(spare, path)
        except OSError as error:
            spare.unlink(missing_ok=True)
            log.warning(
                "retention: the file of mail %d could not be rewritten (%s)", mail_id, error.errno
            )
