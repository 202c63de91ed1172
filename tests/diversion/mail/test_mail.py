"""The mail senders: a real SMTP server on loopback, and .eml files in development."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from diversion.mail.senders import (
    DEVELOPMENT_FROM,
    FileMailer,
    MailError,
    SmtpMailer,
    mail_from,
    make_mailer,
    uses_file_mailer,
)
from tests.diversion.mail.smtp_server import SmtpServer, free_port

SENDER = "reports@project.example.test"
RECIPIENT = "listing.office@court.example.test"


def message(subject: str = "Compliance report: court ref 01AB2345") -> bytes:
    mail = EmailMessage()
    mail["From"] = SENDER
    mail["To"] = RECIPIENT
    mail["Subject"] = subject
    mail.set_content("The compliance report is attached.\n")
    return mail.as_bytes(policy=SMTP)


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """What the service logged (the test server's own log quotes every address it sees)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("diversion"))


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def server(port: int) -> Iterator[SmtpServer]:
    running = SmtpServer(port).start()
    yield running
    running.stop()


def test_the_smtp_mailer_hands_the_message_to_the_server(server: SmtpServer, port: int) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=port)

    result = mailer.send(message(), sender=SENDER, recipients=[RECIPIENT], reference="7")

    assert result is None
    [got] = server.received
    assert (got.mail_from, got.rcpt_tos) == (SENDER, [RECIPIENT])
    assert got.message["Subject"] == "Compliance report: court ref 01AB2345"
    assert "The compliance report is attached." in got.message.get_content()


def test_the_smtp_mailer_logs_in_when_a_username_is_set(port: int) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret-pass")

    running = SmtpServer(port, authenticator=authenticator, auth_require_tls=False).start()
    try:
        SmtpMailer(host="127.0.0.1", port=port, username="reports", password="s3cret-pass").send(
            message(), sender=SENDER, recipients=[RECIPIENT], reference="8"
        )
    finally:
        running.stop()

    assert seen == [(b"reports", b"s3cret-pass")]
    assert len(running.received) == 1


def test_with_tls_asked_for_a_server_without_starttls_is_refused_not_used_in_clear(
    server: SmtpServer, port: int
) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=port, use_tls=True)

    with pytest.raises(MailError) as error:
        mailer.send(message(), sender=SENDER, recipients=[RECIPIENT], reference="10")

    assert error.value.reason == "the mail server does not support STARTTLS"
    assert server.received == []


def test_a_server_that_is_down_gives_a_short_reason_that_names_no_address(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=port)

    with caplog.at_level(logging.DEBUG), pytest.raises(MailError) as error:
        mailer.send(message(), sender=SENDER, recipients=[RECIPIENT], reference="11")

    assert error.value.reason == "the mail server refused the connection"
    assert str(error.value) == error.value.reason
    assert "mail 11 not sent" in ours(caplog)
    for secret in (RECIPIENT, SENDER, "court ref", "01AB2345"):
        assert secret not in ours(caplog)


def test_a_refused_recipient_gives_no_word_of_the_servers_reply(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    class Refuser:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return f"550 5.1.1 <{address}>: no such mailbox here"

    from aiosmtpd.controller import Controller

    controller = Controller(Refuser(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(MailError) as error:
            SmtpMailer(host="127.0.0.1", port=port).send(
                message(), sender=SENDER, recipients=[RECIPIENT], reference="12"
            )
    finally:
        controller.stop()

    assert error.value.reason == "the mail server refused the recipient"
    assert RECIPIENT not in ours(caplog)


def test_the_development_mailer_writes_an_eml_file_under_the_instance_folder(
    tmp_path: Path,
) -> None:
    mailer = make_mailer({}, str(tmp_path))
    assert isinstance(mailer, FileMailer)
    content = message()

    path = mailer.send(content, sender=SENDER, recipients=[RECIPIENT], reference="13")

    assert path is not None
    written = Path(path)
    assert written.parent == tmp_path / "mail"
    assert written.suffix == ".eml"
    assert written.read_bytes() == content
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    again = mailer.send(content, sender=SENDER, recipients=[RECIPIENT], reference="13")
    assert again != path  # a second message never overwrites the first


def test_the_development_folder_can_be_moved_by_config(tmp_path: Path) -> None:
    mailer = make_mailer({"MAIL_FILE_DIR": str(tmp_path / "elsewhere")}, str(tmp_path))

    path = mailer.send(message(), sender=SENDER, recipients=[RECIPIENT], reference="14")

    assert path is not None and Path(path).parent == tmp_path / "elsewhere"


def test_a_mail_server_in_config_chooses_smtp_and_needs_a_from_address(tmp_path: Path) -> None:
    smtp = {"MAIL_SERVER": "mail.example.test", "MAIL_USE_TLS": True}

    assert isinstance(make_mailer(smtp, str(tmp_path)), SmtpMailer)
    assert not uses_file_mailer(smtp)
    with pytest.raises(MailError):
        mail_from(smtp)
    assert mail_from({**smtp, "MAIL_FROM": SENDER}) == SENDER
    assert uses_file_mailer({})
    assert mail_from({}) == DEVELOPMENT_FROM
