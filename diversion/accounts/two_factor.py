"""Two-factor sign-in: time-based codes (TOTP, RFC 6238) and single-use recovery codes.

A code from the authenticator app is accepted for the current 30-second step or the one
either side (phones drift), and only for a step later than the last one accepted, so a code
seen over her shoulder cannot be used again. Recovery codes are random, shown once, and
stored as salted SHA-256 hashes; each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from markupsafe import Markup

ISSUER = "Court diversion"
VALID_WINDOW = 1  # steps either side of now
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 12  # about 59 bits each
APP_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A new random shared secret, base32 (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG markup: no data: address, no script, no inline style."""
    image = qrcode.make(
        uri,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2 :].lstrip()
    labelled = svg.replace(
        "<svg ",
        '<svg class="app-qr-code" role="img" aria-label="QR code for your authenticator app" '
        'focusable="false" ',
        1,
    )
    return Markup(labelled)  # noqa: S704  (made here from a QR library's output, not input)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean(code: str) -> str:
    """What she typed, without spaces and hyphens, in lower case."""
    return re.sub(r"[\s\-]", "", code).lower()


def is_app_code(code: str) -> bool:
    """A 6-digit code from the authenticator app (as opposed to a recovery code)."""
    return APP_CODE.fullmatch(clean(code)) is not None


def accepted_step(secret: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to, if it is right and newer than `last_step`.

    Only a candidate: the service takes the step with one compare-and-set UPDATE, which
    refuses it if another request took that step (or a later one) in the meantime."""
    typed = clean(code)
    if not APP_CODE.fullmatch(typed):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten new recovery codes, as shown to her: groups of four, like 'ab3d-ef5h-jk7m'."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """A salted SHA-256 of the code, stored as 'sha256$salt$digest'."""
    salt = secrets.token_hex(16)
    digest = hashlib.sha256((salt + clean(code)).encode()).hexdigest()
    return f"sha256${salt}${digest}"


def recovery_code_matches(stored: str, code: str) -> bool:
    """Whether a typed code is the one behind a stored hash."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "sha256":
        return False
    typed = hashlib.sha256((salt + clean(code)).encode()).hexdigest()
    return hmac.compare_digest(typed, digest)
