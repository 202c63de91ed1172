"""A small fake of Twilio's Messages API on loopback, for the real `twilio` client to talk to.

Implements what the senders use of `/2010-04-01/Accounts/{AccountSid}/Messages.json`:
POST creates a message (form-encoded, HTTP Basic auth), GET lists messages with the `To`
and `DateSent>` filters, newest first, in Twilio's paging envelope. Errors are Twilio's JSON
shape: {"code", "message", "more_info", "status"}.

Like Twilio, a new message is "queued" with no date_sent until it is handed to the carrier
(`set_status`), and timestamps are RFC 2822 to the second. They are read from `clock` (the
wall clock unless a test gives another), so a test that runs the dispatcher at a fixed `now`
can give Twilio the same time: `date_created` is what `TwilioSender.find` compares with `since`.
`hang_up_on_next_create` gives the client no answer at all, with or without Twilio keeping
the message, as a lost answer or a dropped connection does.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")
_NOT_YET_SENT = {"queued", "accepted", "scheduled"}
_ERROR_TEXT = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21211: "The 'To' number is not a valid phone number.",
    21604: "A 'To' phone number is required.",
    21602: "Message body is required.",
    21603: "The source 'from' phone number is required to send an SMS.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment, usegmt=True) if moment else None


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _parse_date_filter(value: str) -> datetime:
    """Twilio accepts YYYY-MM-DD; the python library sends YYYY-MM-DDTHH:MM:SSZ."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(value)


class FakeTwilio:
    """Twilio's Messages API on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        clock: Callable[[], datetime] = _wall_clock,
        answer_after: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        # Seconds each new message waits before it is answered, as the real API's round trip
        # (about 100 ms) does: benchmarks of several dispatchers need it (bench/).
        self.answer_after = answer_after
        self.auth_token = auth_token
        # Twilio's own clock (aware): every timestamp it gives; a test may replace it.
        self.clock = clock
        self.messages: list[dict[str, Any]] = []
        self._failures: list[tuple[int, int | None]] = []
        self._hang_ups: list[bool] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL to give the client in place of https://api.twilio.com."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(_Handler):
            twilio = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def fail_next(self, status: int, code: int | None = None) -> None:
        """The next create answers this HTTP status with Twilio's error JSON."""
        with self._lock:
            self._failures.append((status, code))

    def hang_up_on_next_create(self, *, keep_message: bool) -> None:
        """The next create closes the connection without an answer: the client sees no HTTP
        status. With `keep_message` Twilio has the message (the answer was lost on its way
        back); without, it never got it (the connection dropped on the way there)."""
        with self._lock:
            self._hang_ups.append(keep_message)

    def set_status(self, sid: str, status: str) -> None:
        """Move a message on, as the carrier would; it gets a date_sent once it leaves."""
        with self._lock:
            message = next(m for m in self.messages if m["sid"] == sid)
            now = self._now()
            message["status"] = status
            message["date_updated"] = now
            if status not in _NOT_YET_SENT and message["date_sent"] is None:
                message["date_sent"] = now

    def _now(self) -> datetime:
        """Twilio's time now, to the second as its timestamps are."""
        return self.clock().astimezone(UTC).replace(microsecond=0)

    # -- request handling (called on server threads) -----------------------------------

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        """The answer to a create, or None to hang up without one."""
        with self._lock:
            if self._failures:
                status, code = self._failures.pop(0)
                return status, _error(status, code)
            if self._hang_ups and not self._hang_ups[0]:
                self._hang_ups.pop(0)
                return None
            if not form.get("To"):
                return 400, _error(400, 21604)
            if not form.get("Body"):
                return 400, _error(400, 21602)
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return 400, _error(400, 21603)
            now = self._now()
            sid = "SM" + secrets.token_hex(16)
            message = {
                "sid": sid,
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": form["Body"],
                "to": form["To"],
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "direction": "outbound-api",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "num_segments": "1",
                "num_media": "0",
                "error_code": None,
                "error_message": None,
                "price": None,
                "price_unit": "USD",
                # Not part of Twilio's resource: kept so tests can see what was asked for.
                "status_callback": form.get("StatusCallback"),
            }
            self.messages.append(message)
            if self._hang_ups:
                self._hang_ups.pop(0)
                return None
            return 201, self._resource(message)

    def _list(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            found = list(self.messages)
        if "To" in query:
            found = [m for m in found if m["to"] == query["To"]]
        if "DateSent>" in query:
            try:
                after = _parse_date_filter(query["DateSent>"])
            except ValueError:
                return 400, _error(400, 20001)
            found = [m for m in found if m["date_sent"] is not None and m["date_sent"] >= after]
        found.sort(key=lambda m: m["date_sent"] or datetime.max.replace(tzinfo=UTC))
        found.reverse()
        page_size = int(query.get("PageSize", "50"))
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return 200, {
            "messages": [self._resource(m) for m in found[:page_size]],
            "end": min(page_size, len(found)) - 1,
            "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
            "next_page_uri": None,
            "page": 0,
            "page_size": page_size,
            "previous_page_uri": None,
            "start": 0,
            "uri": f"{uri}?PageSize={page_size}&Page=0",
        }

    def _resource(self, message: dict[str, Any]) -> dict[str, Any]:
        resource = {k: v for k, v in message.items() if k != "status_callback"}
        for key in ("date_created", "date_updated", "date_sent"):
            resource[key] = _rfc2822(message[key])
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message['sid']}"
        resource["uri"] = uri + ".json"
        resource["subresource_uris"] = {"media": uri + "/Media.json"}
        return resource

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


def _error(status: int, code: int | None) -> dict[str, Any]:
    return {
        "code": code,
        "message": _ERROR_TEXT.get(code or 0, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: more clients connecting at once (eight
    # dispatchers with four calls each) would be refused, which Twilio never does.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    twilio: FakeTwilio

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the suite's logs are searched for personal data."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if self.twilio.answer_after:
            time.sleep(self.twilio.answer_after)
        self._answer(lambda: self.twilio._create(form))

    def do_GET(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        self._answer(lambda: self.twilio._list(query))

    def _answer(self, handle: Any) -> None:
        match = _MESSAGES_PATH.match(urlsplit(self.path).path)
        if not self.twilio._authorised(self.headers.get("Authorization")):
            status, payload = 401, _error(401, 20003)
        elif match is None or match["sid"] != self.twilio.account_sid:
            status, payload = 404, _error(404, 20404)
        else:
            answer = handle()
            if answer is None:
                self.close_connection = True  # hang up: the client gets no answer at all
                return
            status, payload = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
