"""Key rotation for data encrypted at rest (`flask --app wsgi keys rotate`).

Rotating the encryption key: put the new Fernet key first in ENCRYPTION_KEYS (keep the old
one after it), run `keys rotate`, then remove the old key. Every EncryptedText and
EncryptedBytes value (emails to the court and the CPS included) is
re-encrypted under the newest key, a batch per transaction; a value already under it is
left alone, so the command can be stopped and run again.

Sealed monitoring answers (SealedChoice, diversion.sealed) are re-sealed under the AES-SIV
key derived from the newest key. Sealing is deterministic, so a column holds only a few
distinct values: each is opened once and every row holding it is updated in one statement
(where the column still holds it), a transaction per value. Until the command has run, the
monitoring report still counts both forms of an answer together (`sealed_forms`).

Rotating LOOKUP_HASH_KEY needs no old key: the same command recomputes every
Client.mobile_hash from her decrypted number. Until it has run, replies from her number are
not matched to her (they land in the managers' inbox), so run it straight after the change.

Each row is written only if it still holds the value read (compare-and-set), so a change
the web app makes meanwhile is never overwritten with an older value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnClause,
    Integer,
    Table,
    TableClause,
    Text,
    column,
    delete,
    func,
    select,
    table,
    update,
)

from diversion import audit
from diversion.crypto import CLEAR_MARKERS, ENCRYPTED_TYPES, DecryptionError, keyring
from diversion.db import Base, db
from diversion.models import Client, MonitoringSummary, MonitoringSummaryRun
from diversion.sealed import SealedChoice, open_sealed, seal

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did, in counts only."""

    reencrypted: int
    already_current: int
    hashes_recomputed: int


def encrypted_columns() -> Iterator[tuple[Table, Column[str]]]:
    """Every column of the model stored encrypted (EncryptedText, EncryptedBytes), with its
    table."""
    for model_table in Base.metadata.sorted_tables:
        for model_column in model_table.columns:
            if isinstance(model_column.type, ENCRYPTED_TYPES):
                yield model_table, model_column


def sealed_columns() -> Iterator[tuple[Table, Column[str], str]]:
    """Every column of the model holding sealed choices (SealedChoice), with its table and
    the question its answers are sealed to."""
    for model_table in Base.metadata.sorted_tables:
        for model_column in model_table.columns:
            if isinstance(model_column.type, SealedChoice):
                yield model_table, model_column, model_column.type.question


def _raw(table_name: str, column_name: str) -> TableClause:
    """The table's id and one column as stored (ciphertext), bypassing the column type."""
    return table(table_name, column("id", Integer), column(column_name, Text))


def _rows(
    id_column: ColumnClause[int], value: ColumnClause[str], *, batch_size: int
) -> Iterator[list[tuple[int, str]]]:
    """(id, stored value) of each row holding a value, a batch at a time, in id order."""
    last = 0
    while True:
        rows = [
            (row_id, stored)
            for row_id, stored in db.session.execute(
                select(id_column, value)
                .where(id_column > last, value.is_not(None))
                .order_by(id_column)
                .limit(batch_size)
            )
        ]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rotate_column(table_name: str, column_name: str, *, batch_size: int) -> tuple[int, int]:
    ring = keyring()
    raw = _raw(table_name, column_name)
    id_column, value = raw.c.id, raw.c[column_name]
    rotated = current = 0
    for rows in _rows(id_column, value, batch_size=batch_size):
        for row_id, token in rows:
            if token in CLEAR_MARKERS or ring.is_current(token):
                current += 1
                continue
            try:
                new_token = ring.rotate(token)
            except DecryptionError as error:
                db.session.rollback()
                where = f"{table_name}.{column_name} row {row_id}"
                raise DecryptionError(f"{where}: {error}") from error
            result = db.session.execute(
                update(raw)
                .where(id_column == row_id, value == token)
                .values({column_name: new_token})
            )
            rotated += result.rowcount  # type: ignore[attr-defined]
        db.session.commit()
    return rotated, current


def _reseal_column(table_name: str, column_name: str, question: str) -> tuple[int, int]:
    """Re-seal one column's values under the newest key: (rows re-sealed, rows current)."""
    raw = _raw(table_name, column_name)
    id_column, value = raw.c.id, raw.c[column_name]
    counts = db.session.execute(
        select(value, func.count(id_column)).where(value.is_not(None)).group_by(value)
    ).all()
    resealed = current = 0
    for stored, rows in counts:
        try:
            wanted = seal(question, open_sealed(question, stored))
        except DecryptionError as error:
            db.session.rollback()
            first = db.session.scalar(select(func.min(id_column)).where(value == stored))
            raise DecryptionError(f"{table_name}.{column_name} row {first}: {error}") from error
        if wanted == stored:
            current += rows
            continue
        result = db.session.execute(
            update(raw).where(value == stored).values({column_name: wanted})
        )
        resealed += result.rowcount  # type: ignore[attr-defined]
        db.session.commit()
    db.session.commit()
    return resealed, current


def _recompute_mobile_hashes(*, batch_size: int) -> int:
    ring = keyring()
    raw = table(
        Client.__tablename__,
        column("id", Integer),
        column("mobile", Text),
        column("mobile_hash", Text),
    )
    changed = 0
    for rows in _rows(raw.c.id, raw.c.mobile, batch_size=batch_size):
        ids = [row_id for row_id, _token in rows]
        hashes = dict(
            db.session.execute(select(raw.c.id, raw.c.mobile_hash).where(raw.c.id.in_(ids))).all()
        )
        for row_id, token in rows:
            if token in CLEAR_MARKERS:
                continue
            try:
                wanted = ring.lookup_hash(ring.decrypt(token))
            except DecryptionError as error:
                db.session.rollback()
                raise DecryptionError(f"client.mobile row {row_id}: {error}") from error
            if hashes.get(row_id) == wanted:
                continue
            result = db.session.execute(
                update(raw)
                .where(raw.c.id == row_id, raw.c.mobile == token)
                .values(mobile_hash=wanted)
            )
            changed += result.rowcount  # type: ignore[attr-defined]
        db.session.commit()
    return changed


def rotate_keys(*, batch_size: int = DEFAULT_BATCH_SIZE) -> RotationResult:
    """Re-encrypt every encrypted value (and re-seal every sealed one) under the newest key,
    and recompute number hashes."""
    rotated = current = 0
    for model_table, model_column in encrypted_columns():
        done, skipped = _rotate_column(model_table.name, model_column.name, batch_size=batch_size)
        rotated += done
        current += skipped
        log.info("key rotation: %s.%s done", model_table.name, model_column.name)
    for model_table, model_column, question in sealed_columns():
        done, skipped = _reseal_column(model_table.name, model_column.name, question)
        rotated += done
        current += skipped
        log.info("key rotation: %s.%s re-sealed", model_table.name, model_column.name)
    hashes = _recompute_mobile_hashes(batch_size=batch_size)
    # The monitoring summary's answers are sealed under the old key: the report counts live
    # until the scheduler counts it again (diversion.monitoring.summary).
    db.session.execute(delete(MonitoringSummary))
    db.session.execute(delete(MonitoringSummaryRun))
    result = RotationResult(reencrypted=rotated, already_current=current, hashes_recomputed=hashes)
    audit.add(
        "encryption_keys_rotated",
        detail=(
            f"{result.reencrypted} values re-encrypted, {result.already_current} already "
            f"current, {result.hashes_recomputed} number hashes recomputed"
        ),
    )
    db.session.commit()
    return result
