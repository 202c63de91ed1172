"""Twilio's webhooks: delivery receipts (`/sms/status`) and incoming texts (`/sms/inbound`).

Both are public and exempt from CSRF (security.md 9): instead each request must carry a
valid `X-Twilio-Signature`, checked with TWILIO_AUTH_TOKEN against the address Twilio was
given, which is PUBLIC_BASE_URL plus the path and query string. The address this process
sees is not used: behind a proxy its scheme and host differ (security.md 18). An unsigned
or badly signed request, or any request while no auth token is configured, answers 403
and changes nothing; a signed request without the fields Twilio always sends answers 400.

An incoming text belongs to the organisation holding its `To` number, or the messaging
service named by `MessagingServiceSid` when Twilio sends one (notifications.replies).

Nothing here logs a phone number or a message body (security.md 11).
"""

from __future__ import annotations

import logging
import re
from typing import Final

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from diversion import clock
from diversion.access import public
from diversion.extensions import csrf
from notifications import replies

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

SIGNATURE_HEADER: Final = "X-Twilio-Signature"
EMPTY_TWIML: Final = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

_SID: Final = re.compile(r"[A-Za-z0-9]{2,64}")
_STATUS: Final = re.compile(r"[A-Za-z_]{1,20}")
_ERROR_CODE: Final = re.compile(r"[0-9]{1,9}")
_MAX_FROM: Final = 40


def signed_url() -> str:
    """The address Twilio signed: the configured public base, this path and query string."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    url = base + request.path
    query = request.query_string.decode("utf-8", "replace")
    return f"{url}?{query}" if query else url


def _verified_form() -> MultiDict[str, str]:
    """The posted fields, once the signature has been checked; 403 otherwise."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token or not current_app.config.get("PUBLIC_BASE_URL"):
        log.warning("%s refused: TWILIO_AUTH_TOKEN or PUBLIC_BASE_URL is not set", request.path)
        abort(403)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        log.warning("%s refused: no Twilio signature", request.path)
        abort(403)
    form = request.form
    if not RequestValidator(str(token)).validate(signed_url(), form, signature):
        log.warning("%s refused: the Twilio signature does not match", request.path)
        abort(403)
    return form


def _field(form: MultiDict[str, str], *names: str, pattern: re.Pattern[str]) -> str:
    """The first of `names` that is present, which must match `pattern`; 400 otherwise."""
    for name in names:
        value = form.get(name)
        if value is not None:
            if pattern.fullmatch(value):
                return value
            break
    log.warning("%s refused: %s is missing or malformed", request.path, names[0])
    abort(400)


def _number_like(value: str) -> bool:
    """A From or To field as Twilio sends it: present, short and printable."""
    return bool(value) and len(value) <= _MAX_FROM and value.isprintable()


@bp.route("/sms/status", methods=["POST"])
@public
def sms_status() -> Response:
    """A delivery receipt: moves the outbox message on (forward only); answers 204."""
    form = _verified_form()
    provider_id = _field(form, "MessageSid", "SmsSid", pattern=_SID)
    status = _field(form, "MessageStatus", "SmsStatus", pattern=_STATUS)
    raw_code = form.get("ErrorCode", "")
    if raw_code and not _ERROR_CODE.fullmatch(raw_code):
        log.warning("%s refused: ErrorCode is malformed", request.path)
        abort(400)
    error_code = int(raw_code) if raw_code else None
    replies.apply_status(provider_id, status, error_code, now=clock.now())
    return Response(status=204)


@bp.route("/sms/inbound", methods=["POST"])
@public
def sms_inbound() -> Response:
    """An incoming text: stored and acted on; answers an empty TwiML response (any reply
    to her goes through the outbox, never straight back from here)."""
    form = _verified_form()
    provider_id = _field(form, "MessageSid", "SmsMessageSid", "SmsSid", pattern=_SID)
    from_number = form.get("From", "").strip()
    to_number = form.get("To", "").strip()
    body = form.get("Body")
    if not _number_like(from_number) or not _number_like(to_number) or body is None:
        log.warning("%s refused: From, To or Body is missing or malformed", request.path)
        abort(400)
    service_sid = form.get("MessagingServiceSid") or None
    if service_sid is not None and not _SID.fullmatch(service_sid):
        log.warning("%s refused: MessagingServiceSid is malformed", request.path)
        abort(400)
    replies.receive(
        provider_id,
        from_number,
        body,
        to_number=to_number,
        service_sid=service_sid,
        now=clock.now(),
    )
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


csrf.exempt(sms_status)
csrf.exempt(sms_inbound)
