"""Email senders behind one small interface (architecture rule 7).

`Mailer.send(message, sender=, recipients=, reference=)` hands over one complete RFC 822
message. Two implementations, chosen by `make_mailer(config, instance_path)`:

- `SmtpMailer`: `MAIL_SERVER` is set. smtplib to `MAIL_PORT` (default 25, or 587 with
  `MAIL_USE_TLS`), STARTTLS when `MAIL_USE_TLS`, login when `MAIL_USERNAME` is set.
- `FileMailer`: development. Each message is written as an .eml file under `instance/mail/`
  (or `MAIL_FILE_DIR`), readable by the service's user only; `send` returns its path.

Every failure comes back as `MailError` with a short reason (a status code or the kind of
fault) that never includes an address or any of the message: a server's own reply often
quotes the address, so only its code is kept (security.md 11). Nothing here logs an address
or content either; log lines carry the caller's reference (an id) only.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "DEVELOPMENT_FROM",
    "FileMailer",
    "MailError",
    "Mailer",
    "SmtpMailer",
    "mail_folder",
    "mail_from",
    "make_mailer",
    "uses_file_mailer",
]

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20.0
DEVELOPMENT_FROM = "court-diversion@localhost"


class MailError(Exception):
    """A message did not go. `reason` is short and never names an address or content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    """Something that delivers a complete message; returns the file written, if any."""

    def send(
        self, message: bytes, *, sender: str, recipients: Sequence[str], reference: str
    ) -> str | None:
        """Deliver `message` (RFC 822 bytes) to `recipients`; raise MailError if it did not go.

        `reference` is the caller's id for the message, for the log."""
        ...


class SmtpMailer:
    """Delivers through an SMTP server, one connection per message."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        if not host:
            raise ValueError("SmtpMailer needs a host")
        self._host = host
        self._port = port
        self._username = username or None
        self._password = password or ""
        self._use_tls = use_tls
        self._timeout = timeout

    def send(
        self, message: bytes, *, sender: str, recipients: Sequence[str], reference: str
    ) -> str | None:
        """Hand the message to the server; MailError unless it took every recipient."""
        try:
            refused = self._transmit(message, sender=sender, recipients=recipients)
        except smtplib.SMTPRecipientsRefused:
            raise self._fail(reference, "the mail server refused the recipient") from None
        except smtplib.SMTPSenderRefused as exc:
            reason = f"the mail server refused the sender ({exc.smtp_code})"
            raise self._fail(reference, reason) from None
        except smtplib.SMTPAuthenticationError as exc:
            reason = f"the mail server refused the login ({exc.smtp_code})"
            raise self._fail(reference, reason) from None
        except smtplib.SMTPResponseException as exc:
            raise self._fail(reference, f"the mail server answered {exc.smtp_code}") from None
        except smtplib.SMTPServerDisconnected:
            raise self._fail(reference, "the mail server closed the connection") from None
        except smtplib.SMTPNotSupportedError:
            raise self._fail(reference, "the mail server does not support STARTTLS") from None
        except smtplib.SMTPException as exc:
            raise self._fail(reference, f"mail error ({type(exc).__name__})") from None
        except ssl.SSLError:
            raise self._fail(reference, "secure connection to the mail server failed") from None
        except TimeoutError:
            raise self._fail(reference, "the mail server did not answer in time") from None
        except ConnectionRefusedError:
            raise self._fail(reference, "the mail server refused the connection") from None
        except OSError as exc:
            reason = f"could not reach the mail server ({type(exc).__name__})"
            raise self._fail(reference, reason) from None
        if refused:
            raise self._fail(reference, "the mail server refused a recipient")
        log.info("mail %s handed to the mail server", reference)
        return None

    def _transmit(
        self, message: bytes, *, sender: str, recipients: Sequence[str]
    ) -> dict[str, tuple[int, bytes]]:
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username:
                smtp.login(self._username, self._password)
            refused = smtp.sendmail(sender, list(recipients), message)
        except BaseException:
            smtp.close()
            raise
        # The server has the message: a failure to say goodbye must not make it "not sent"
        # (it would then go twice).
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
        return refused

    @staticmethod
    def _fail(reference: str, reason: str) -> MailError:
        log.warning("mail %s not sent: %s", reference, reason)
        return MailError(reason)


class FileMailer:
    """Development: writes each message as an .eml file instead of sending it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(
        self, message: bytes, *, sender: str, recipients: Sequence[str], reference: str
    ) -> str | None:
        """Write the message to a new file (mode 600) and return its path."""
        safe_reference = "".join(ch for ch in reference if ch.isalnum() or ch in "-_")[:40]
        name = f"mail-{safe_reference or 'message'}-{secrets.token_hex(4)}.eml"
        path = self.folder / name
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message)
        except OSError as exc:
            log.warning("mail %s not written: %s", reference, type(exc).__name__)
            raise MailError(f"could not write the message file ({type(exc).__name__})") from None
        log.info("mail %s written to %s", reference, name)
        return str(path)


def uses_file_mailer(config: Mapping[str, Any]) -> bool:
    """True in development, when no MAIL_SERVER is set and messages go to files."""
    return not config.get("MAIL_SERVER")


def mail_folder(config: Mapping[str, Any], instance_path: str) -> Path:
    """Where the development mailer writes: MAIL_FILE_DIR, or instance/mail/."""
    configured = config.get("MAIL_FILE_DIR")
    return Path(configured) if configured else Path(instance_path) / "mail"


def mail_from(config: Mapping[str, Any]) -> str:
    """The From address: MAIL_FROM; a local placeholder only while messages go to files.

    Raises MailError when an SMTP server is set but MAIL_FROM is not."""
    configured = config.get("MAIL_FROM")
    if configured:
        return str(configured)
    if uses_file_mailer(config):
        return DEVELOPMENT_FROM
    raise MailError("MAIL_FROM is not set")


def make_mailer(config: Mapping[str, Any], instance_path: str) -> Mailer:
    """The mailer the config asks for: SMTP when MAIL_SERVER is set, files otherwise."""
    if uses_file_mailer(config):
        return FileMailer(mail_folder(config, instance_path))
    use_tls = bool(config.get("MAIL_USE_TLS"))
    port = config.get("MAIL_PORT") or (587 if use_tls else 25)
    return SmtpMailer(
        host=str(config["MAIL_SERVER"]),
        port=int(port),
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        use_tls=use_tls,
    )
