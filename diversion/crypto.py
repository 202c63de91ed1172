"""Encryption at rest for phone numbers, free-text notes and emails, and a keyed hash to find
a number.

security.md 15: phone numbers, notes and what was emailed to the court and the CPS are
encrypted with keys held outside the database. `EncryptedText` holds text; `EncryptedBytes`
holds bytes (a whole email with its attachments, `OutgoingMail.message`). Both store a Fernet
token as text, so key rotation treats them alike.

- `ENCRYPTION_KEYS`: Fernet keys (AES-128-CBC with HMAC-SHA256), comma-separated, newest
  first. New values are encrypted with the first; any of them decrypts. To rotate, put a
  new key in front, run `flask --app wsgi keys rotate` (every value re-encrypted with the
  new key), then drop the old key from the list.
- `LOOKUP_HASH_KEY`: the HMAC-SHA256 key of `lookup_hash`, which finds a client by number
  (a text from her) without decrypting every number. Changing it needs no old key: `keys
  rotate` recomputes every hash from the decrypted number.

Development and tests use fixed development keys (config.py); production refuses to start
without real ones. `configure` (called by create_app) sets the module-level keyring that
`EncryptedText` uses: column types run outside any app context (factories, scripts), so the
keyring cannot live on the app. One process serves one app, so the last app built wins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from diversion.config import ConfigError


class DecryptionError(RuntimeError):
    """A stored value that none of the configured keys decrypts: altered, or its key is gone."""


@dataclass(frozen=True)
class Keyring:
    """The configured keys: Fernet keys newest first, and the look-up hash key."""

    fernets: tuple[Fernet, ...]
    hash_key: bytes
    # AES-SIV keys for sealed choices (diversion.sealed), one derived from each Fernet key,
    # newest first.
    seal_keys: tuple[bytes, ...] = ()

    @cached_property
    def _multi(self) -> MultiFernet:
        return MultiFernet(list(self.fernets))

    def encrypt(self, plaintext: str) -> str:
        """A token for the text, under the newest key."""
        return self.encrypt_bytes(plaintext.encode("utf-8"))

    def decrypt(self, token: str) -> str:
        """The text a token holds, under whichever configured key wrote it."""
        try:
            return self.decrypt_bytes(token).decode("utf-8")
        except UnicodeError as error:
            raise _undecryptable() from error

    def encrypt_bytes(self, plaintext: bytes) -> str:
        """A token for the bytes, under the newest key."""
        return self.fernets[0].encrypt(plaintext).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        """The bytes a token holds, under whichever configured key wrote it."""
        try:
            return self._multi.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError) as error:
            raise _undecryptable() from error

    def is_token(self, value: str) -> bool:
        """Whether a stored value is a token these keys decrypt (not plaintext)."""
        try:
            self.decrypt(value)
        except DecryptionError:
            return False
        return True

    def is_current(self, token: str) -> bool:
        """Whether a token was written with the newest key (rotation can skip it)."""
        try:
            self.fernets[0].decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same text re-encrypted under the newest key."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise DecryptionError(
                "A stored encrypted value could not be re-encrypted: no key in "
                "ENCRYPTION_KEYS decrypts it."
            ) from error

    def lookup_hash(self, e164_number: str) -> str:
        """The keyed hash (hex) of a number in E.164, for finding her by number."""
        return hmac.new(self.hash_key, e164_number.encode("utf-8"), hashlib.sha256).hexdigest()


def _undecryptable() -> DecryptionError:
    return DecryptionError(
        "A stored encrypted value could not be decrypted with any key in "
        "ENCRYPTION_KEYS: it was altered, or the key that wrote it was removed."
    )


_FERNET_VERSION = 0x80
_FERNET_MIN_BYTES = 1 + 8 + 16 + 32  # version, timestamp, IV, HMAC (and no ciphertext)


def looks_like_token(value: str) -> bool:
    """Whether a stored value has the shape of a Fernet token, whichever key wrote it."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeError):
        return False
    return len(raw) >= _FERNET_MIN_BYTES and raw[0] == _FERNET_VERSION


def _split_keys(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip() for part in parts if part and part.strip()]


def keyring_from(config: Mapping[str, Any]) -> Keyring:
    """Build a keyring from config; ConfigError (naming the setting, never a key) if unusable."""
    keys = _split_keys(config.get("ENCRYPTION_KEYS"))
    if not keys:
        raise ConfigError("ENCRYPTION_KEYS must list at least one Fernet key.")
    fernets: list[Fernet] = []
    for position, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeError) as error:
            raise ConfigError(
                f"ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe "
                "base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)."
            ) from error
    hash_key = config.get("LOOKUP_HASH_KEY")
    if not hash_key:
        raise ConfigError("LOOKUP_HASH_KEY must be set.")
    return Keyring(
        fernets=tuple(fernets),
        hash_key=hash_key.encode("utf-8") if isinstance(hash_key, str) else bytes(hash_key),
        seal_keys=tuple(_seal_key(key) for key in keys),
    )


def _seal_key(fernet_key: str) -> bytes:
    """A 512-bit AES-SIV key derived from a Fernet key (HKDF-SHA256), for sealed choices."""
    return HKDF(
        algorithm=SHA256(), length=64, salt=None, info=b"diversion sealed choice v1"
    ).derive(base64.urlsafe_b64decode(fernet_key.encode("ascii")))


_keyring: Keyring | None = None


def configure(config: Mapping[str, Any]) -> Keyring:
    """Set the process's keyring from app config (create_app calls this)."""
    global _keyring  # one keyring per process: see the module docstring
    _keyring = keyring_from(config)
    return _keyring


def keyring() -> Keyring:
    """The configured keyring; an error saying so if create_app has not run."""
    if _keyring is None:
        raise RuntimeError("Encryption keys are not configured: build the app with create_app().")
    return _keyring


def lookup_hash(e164_number: str) -> str:
    """The keyed hash (hex) of a number in E.164: how a number is found without decrypting."""
    return keyring().lookup_hash(e164_number)


# Values that say something was removed and carry no personal data: stored as they are, so
# that SQL can find (or skip) them. "[erased]" is the retention job's marker
# (diversion.privacy.retention.ERASED).
CLEAR_MARKERS: frozenset[str] = frozenset({"[erased]"})
CLEAR_MARKER_BYTES: frozenset[bytes] = frozenset(marker.encode("ascii") for marker in CLEAR_MARKERS)

# SQL comparisons that would silently match nothing (or everything) against ciphertext.
_COMPARISONS = frozenset(
    {
        operators.eq,
        operators.ne,
        operators.lt,
        operators.le,
        operators.gt,
        operators.ge,
        operators.in_op,
        operators.not_in_op,
        operators.like_op,
        operators.not_like_op,
        operators.ilike_op,
        operators.not_ilike_op,
        operators.contains_op,
        operators.not_contains_op,
        operators.startswith_op,
        operators.not_startswith_op,
        operators.endswith_op,
        operators.not_endswith_op,
        operators.between_op,
        operators.not_between_op,
        operators.regexp_match_op,
        operators.not_regexp_match_op,
    }
)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest: encrypted when written, decrypted when read; None stays None.

    Encryption is not deterministic, so SQL cannot compare or search these values: comparing
    one with anything but None or a clear marker is refused when the query is built, rather
    than silently matching nothing. Find a number by `Client.mobile_hash` instead.
    """

    impl = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(self.expr, op, other)
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(self.expr, op, (other,))
            return super().reverse_operate(op, other, **kwargs)

    comparator_factory = Comparator

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value in CLEAR_MARKERS:
            return value
        if not isinstance(value, str):
            raise TypeError("an encrypted column holds text")
        return keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value in CLEAR_MARKERS:
            return value
        return keyring().decrypt(value)


class EncryptedBytes(TypeDecorator[bytes]):
    """Bytes encrypted at rest, stored as a Fernet token in a text column (as EncryptedText
    stores its tokens, so that key rotation re-encrypts both alike); None stays None.

    A clear marker is stored as its text (b"[erased]" as "[erased]"), so that the retention
    job's work can be found by SQL; nothing else can be compared (see EncryptedText).
    """

    impl = Text
    cache_ok = True
    comparator_factory = EncryptedText.Comparator  # type: ignore[assignment]

    def process_bind_param(self, value: bytes | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, bytes):
            raise TypeError("an encrypted bytes column holds bytes")
        if value in CLEAR_MARKER_BYTES:
            return value.decode("ascii")
        return keyring().encrypt_bytes(value)

    def process_result_value(self, value: str | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        if value in CLEAR_MARKERS:
            return value.encode("ascii")
        return keyring().decrypt_bytes(value)


# The column types whose stored values are Fernet tokens (or clear markers): key rotation
# re-encrypts every column of these types.
ENCRYPTED_TYPES: tuple[type[TypeDecorator[Any]], ...] = (EncryptedText, EncryptedBytes)


def _refuse_comparison(expr: Any, op: Any, other: tuple[Any, ...]) -> None:
    if op not in _COMPARISONS:
        return
    if op in (operators.eq, operators.ne) and other and (other[0] is None or _is_marker(other[0])):
        return
    name = getattr(expr, "key", None) or "an encrypted column"
    raise TypeError(
        f"{name} is encrypted at rest: SQL cannot compare its values (only IS NULL or a clear "
        "marker such as '[erased]'). Compare a keyed hash instead (Client.mobile_hash)."
    )


def _is_marker(value: Any) -> bool:
    if isinstance(value, bytes):
        return value in CLEAR_MARKER_BYTES
    return isinstance(value, str) and value in CLEAR_MARKERS
