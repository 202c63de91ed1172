"""Passwords: Argon2id hashes, and a strength check that refuses common and guessable ones.

argon2-cffi's defaults are the RFC 9106 low-memory profile. When they change (a new release,
or stronger settings here), hashes made with the old ones are replaced at the next sign-in.
The strength check is zxcvbn, which ships its own lists of common passwords, words and names:
it never calls out to the network.
"""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()

# zxcvbn's score runs from 0 (a top-10 password) to 4; 3 is "safely unguessable" online.
MIN_STRENGTH = 3
# zxcvbn refuses longer input; the first 72 characters are what it scores.
STRENGTH_CHECKED_LENGTH = 72

TOO_EASY_TO_GUESS = (
    "Password is too easy to guess: use 3 or more unrelated words, and not your name, "
    "your email address or a common password"
)


def hasher() -> PasswordHasher:
    """The hasher in use (tests swap it to change the parameters)."""
    return _hasher


def hash_password(password: str) -> str:
    """Hash a new password for storing."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against its stored hash, without raising on a mismatch."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters and should be replaced at sign-in."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def too_weak(password: str, *, user_inputs: Iterable[str] = ()) -> bool:
    """True for a common or easily guessed password, judged with the user's own details.

    `user_inputs` are words an attacker would try first for this person: her name and email
    address (and its parts).
    """
    words: list[str] = []
    for value in user_inputs:
        if not value:
            continue
        words.append(value)
        words.extend(part for part in value.replace("@", " ").replace(".", " ").split() if part)
    result = zxcvbn(password[:STRENGTH_CHECKED_LENGTH], user_inputs=words)
    return int(result["score"]) < MIN_STRENGTH


# Verifying against this keeps the time of a failed sign-in for an unknown account the same as
# for a known one, so that timing does not tell which email addresses have accounts.
DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")
