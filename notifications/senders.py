"""Text message providers behind one small interface (architecture rule 7).

`SmsSender` is what the outbox dispatcher talks to. Two implementations:

- `TwilioSender`: the official `twilio` library. Production.
- `OutboxSender`: records messages locally instead of sending them. Development default.

`make_sender(config)` picks one from the app config.

Errors come back as two types so the dispatcher can decide without knowing the provider:
`TransientSendError` (try again later) and `PermanentSendError` (this message will never go;
`opted_out` tells the caller to stop all texts to the client, security.md item 17).

Nothing here logs or puts into an exception message a phone number or a message body
(security.md item 11): the provider's own error text often quotes the number, so only the
HTTP status and the provider's error code are kept.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

__all__ = [
    "CLOCK_SKEW_ALLOWANCE",
    "TWILIO_OPTED_OUT",
    "OutboxSender",
    "PermanentSendError",
    "SendResult",
    "SmsSender",
    "TransientSendError",
    "TwilioSender",
    "make_sender",
]

log = logging.getLogger(__name__)

# The twilio library logs every request at INFO, query string included, and a message list
# query carries the recipient's number (`To=`). Its HTTP client gets a logger of its own that
# never emits below WARNING, whatever the root level is.
_twilio_http_log = logging.getLogger(__name__ + ".twilio_http")
_twilio_http_log.setLevel(logging.WARNING)


class _RedactQueryStrings(logging.Filter):
    """Drops query strings from urllib3's request lines (DEBUG), which carry `To=` numbers."""

    _query = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = self._query.sub("?[redacted]", message), ()
        return True


_urllib3_log = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactQueryStrings) for f in _urllib3_log.filters):
    _urllib3_log.addFilter(_RedactQueryStrings())

TWILIO_OPTED_OUT = 21610
"""Twilio error: the recipient replied STOP (or another opt-out word) to this sender."""

CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
"""How far before `since` a provider timestamp may be and still count, in `find()`.

Twilio stamps `date_created` with its own clock, to the second; `since` comes from ours. Missing
a message that was accepted would send it twice, so `find()` errs on the side of matching."""


@dataclass(frozen=True)
class SendResult:
    """What the provider said about one message: its id there and its status."""

    provider_id: str
    status: str


class TransientSendError(Exception):
    """The message may go later: network failure, timeout, rate limit or provider outage.

    After a timeout the provider may have accepted the message; the caller must reconcile
    with `SmsSender.find()` before sending again (security.md item 21)."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class PermanentSendError(Exception):
    """The message will never go as it is: bad number, not a mobile, recipient opted out."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def opted_out(self) -> bool:
        """True when the recipient has opted out: all texts to her stop (security.md 17)."""
        return self.code == TWILIO_OPTED_OUT


class SmsSender(Protocol):
    """A text message provider."""

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        """Hand one message to the provider; `reference` is our outbox row's id."""
        ...

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        """The message for `reference` if the provider already accepted it, else None.

        Reconciles an outbox row left in flight by a crash (security.md item 21). `body` is
        the row's text: Twilio keeps no client reference, so it is matched by number and
        body. Raises TransientSendError when the provider cannot be asked; that never means
        "not sent"."""
        ...


def _is_transient_status(status: int | None) -> bool:
    # 401: our credentials were refused. That is a configuration fault, not the message's,
    # so the message waits for the operator rather than being failed for good.
    return status is None or status in (401, 408, 429) or status >= 500


def _translate(exc: Exception) -> TransientSendError | PermanentSendError:
    """Our error type for a twilio library error, keeping status and code only."""
    status: int | None
    code: int | None
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status, code = exc.status, exc.code
    else:
        # Page loading raises a bare TwilioException("Unable to fetch page", response).
        response = exc.args[1] if len(exc.args) > 1 else None
        status = getattr(response, "status_code", None)
        code = None
    if code is not None:
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = None
    text = f"Twilio answered HTTP {status} (error code {code})"
    if _is_transient_status(status):
        return TransientSendError(text, status=status, code=code)
    return PermanentSendError(text, code=code, status=status)


class TwilioSender:
    """Sends through Twilio's Programmable Messaging API with the official client.

    Twilio has no field for a client reference, so `reference` is not sent. `find()` instead
    lists recent messages to the same number and matches the exact body text. Reminder bodies
    name the event and its date, so two different outbox rows with the same body to the same
    number within the reconcile window are the same reminder; the match is deliberately
    generous (see CLOCK_SKEW_ALLOWANCE) because missing a match means a second text.
    """

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback_url: str | None = None,
        base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("TwilioSender needs an account SID and an auth token")
        if bool(messaging_service_sid) == bool(from_number):
            raise ValueError(
                "TwilioSender needs exactly one of messaging_service_sid and from_number"
            )
        self._messaging_service_sid = messaging_service_sid or None
        self._from_number = from_number or None
        self._status_callback_url = status_callback_url or None
        self._client = Client(
            account_sid,
            auth_token,
            http_client=TwilioHttpClient(timeout=timeout, logger=_twilio_http_log),
        )
        if base_url:
            # `edge`/`region` only rewrite *.twilio.com host names. Every request for the
            # Messages resource is built by Domain.absolute_url() from the `api` domain's
            # `base_url` ("https://api.twilio.com"), so that is the one place to repoint.
            self._client.api.base_url = base_url.rstrip("/")

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        """Hand one message to Twilio; returns its SID (SM...) and status ("queued")."""
        sender: dict[str, Any] = (
            {"messaging_service_sid": self._messaging_service_sid}
            if self._messaging_service_sid
            else {"from_": self._from_number}
        )
        if self._status_callback_url:
            sender["status_callback"] = self._status_callback_url
        try:
            message = self._client.messages.create(to=to, body=body, **sender)
        except (TwilioRestException, TwilioServiceException, TwilioException) as exc:
            error = _translate(exc)
            log.warning("SMS %s refused by Twilio: %s", reference, error)
            raise error from None
        except requests.RequestException as exc:
            log.warning("SMS %s: Twilio unreachable (%s)", reference, type(exc).__name__)
            raise TransientSendError(f"Twilio unreachable: {type(exc).__name__}") from None
        log.info("SMS %s accepted by Twilio as %s", reference, message.sid)
        return SendResult(provider_id=str(message.sid), status=str(message.status))

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        """The message Twilio accepted for this outbox row since `since`, else None.

        Lists up to 100 messages to `to`, newest first, and keeps those created at or after
        `since` (less CLOCK_SKEW_ALLOWANCE) whose body is exactly `body`. There is no
        server-side DateSent filter: a message Twilio has accepted but not yet handed to the
        carrier (status queued/accepted, the likely state just after a crash) has no
        date_sent, so a DateSent filter would hide exactly the message we are looking for.
        """
        cutoff = since - CLOCK_SKEW_ALLOWANCE
        try:
            messages = self._client.messages.list(to=to, limit=100)
        except (TwilioRestException, TwilioServiceException, TwilioException) as exc:
            error = _translate(exc)
            log.warning("SMS %s: Twilio lookup refused: %s", reference, error)
            # A failed look-up never means "not sent": the caller must not resend on it.
            raise TransientSendError(str(error), status=error.status, code=error.code) from None
        except requests.RequestException as exc:
            log.warning("SMS %s: Twilio unreachable (%s)", reference, type(exc).__name__)
            raise TransientSendError(f"Twilio unreachable: {type(exc).__name__}") from None
        for message in messages:
            created = message.date_created
            if message.body == body and isinstance(created, datetime) and created >= cutoff:
                log.info("SMS %s found at Twilio as %s", reference, message.sid)
                return SendResult(provider_id=str(message.sid), status=str(message.status))
        return None


class OutboxSender:
    """Development sender: records each message instead of sending it.

    `record(to, body, reference) -> id` stores the message (the app can hand in a function
    that writes a row); without one, messages are kept in `self.messages` in memory.
    """

    def __init__(self, record: Callable[[str, str, str], str] | None = None) -> None:
        self.messages: list[dict[str, str]] = []
        self._record = record
        self._by_reference: dict[str, SendResult] = {}

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        """Record the message and report it sent."""
        if self._record is not None:
            provider_id = str(self._record(to, body, reference))
        else:
            provider_id = "OUTBOX" + uuid.uuid4().hex
            self.messages.append(
                {"id": provider_id, "to": to, "body": body, "reference": reference}
            )
        result = SendResult(provider_id=provider_id, status="sent")
        self._by_reference[reference] = result
        log.info("SMS %s recorded in the outbox as %s", reference, provider_id)
        return result

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        """The message recorded for `reference` by this sender, else None."""
        return self._by_reference.get(reference)


def make_sender(
    config: Mapping[str, Any], *, record: Callable[[str, str, str], str] | None = None
) -> SmsSender:
    """The sender the config asks for; a ValueError naming every missing setting if not."""
    kind = config.get("SMS_SENDER") or "outbox"
    if kind == "outbox":
        return OutboxSender(record)
    if kind != "twilio":
        raise ValueError(f"SMS_SENDER must be 'outbox' or 'twilio', not {kind!r}")
    service_sid = config.get("TWILIO_MESSAGING_SERVICE_SID") or None
    from_number = config.get("TWILIO_FROM") or None
    required = {
        "TWILIO_ACCOUNT_SID": config.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": config.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM": service_sid or from_number,
        "PUBLIC_BASE_URL": config.get("PUBLIC_BASE_URL"),
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ValueError("SMS_SENDER is 'twilio' but these are not set: " + ", ".join(missing))
    if service_sid and from_number:
        raise ValueError("Set only one of TWILIO_MESSAGING_SERVICE_SID and TWILIO_FROM, not both")
    return TwilioSender(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        messaging_service_sid=service_sid,
        from_number=from_number,
        status_callback_url=str(config["PUBLIC_BASE_URL"]).rstrip("/") + "/sms/status",
        base_url=config.get("TWILIO_API_BASE") or None,
    )
