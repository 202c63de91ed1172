"""Test data with keyword defaults, written through a session of its own (not a request's)."""

from __future__ import annotations

import base64
import hashlib
import itertools
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from diversion.accounts.passwords import hash_password
from diversion.models import (
    AgreedWhen,
    Appointment,
    Case,
    CaseAgreement,
    CaseStatus,
    Client,
    ClientAlias,
    Court,
    CourtOutcome,
    DrugTestResult,
    Organisation,
    OrganisationKind,
    RequirementType,
    Role,
    User,
    Venue,
    WindowRule,
)

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


# When test users set up two-factor authentication (before any test's frozen clock).
TWO_FACTOR_SINCE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@cache
def password_hash() -> str:
    """One Argon2 hash for every test user: hashing is slow by design."""
    return hash_password(PASSWORD)


def totp_secret_for(email: str) -> str:
    """A test user's two-factor secret: base32, the same every run for the same address."""
    digest = hashlib.sha256(f"test two-factor secret for {email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


class Factory:
    """Makes rows for tests; every method commits so the app sees them at once."""

    def __init__(self, app: Flask) -> None:
        engine = app.extensions["diversion.db"][0]
        self.session: Session = sessionmaker(bind=engine, expire_on_commit=False)()

    def _save(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.commit()
        return obj

    def organisation(self, **kw: Any) -> Organisation:
        n = next(_counter)
        kw.setdefault("name", f"Project {n}")
        kw.setdefault("kind", OrganisationKind.PROJECT)
        kw.setdefault("phone", "020 7946 0000")
        return self._save(Organisation(**kw))

    def user(self, *, organisation: Organisation | None = None, **kw: Any) -> User:
        """An account with two-factor set up (pass totp_secret=None for one without)."""
        n = next(_counter)
        kw.setdefault("email", f"user{n}@example.test")
        kw.setdefault("name", f"Test User {n}")
        kw.setdefault("role", Role.WORKER)
        kw.setdefault("password_hash", password_hash())
        kw.setdefault("totp_secret", totp_secret_for(kw["email"]))
        if kw["totp_secret"] is not None:
            kw.setdefault("totp_confirmed_at", TWO_FACTOR_SINCE)
        org = organisation or self.organisation()
        return self._save(User(organisation_id=org.id, **kw))

    def court(self, **kw: Any) -> Court:
        n = next(_counter)
        kw.setdefault("name", f"Testbury Magistrates' Court {n}")
        kw.setdefault("sitting_weekdays", [2])
        kw.setdefault("report_lead_working_days", 2)
        kw.setdefault("report_due_time", time(12, 0))
        kw.setdefault("court_email", "court@example.test")
        kw.setdefault("cps_email", "cps@example.test")
        return self._save(Court(**kw))

    def venue(self, *, organisation: Organisation, **kw: Any) -> Venue:
        kw.setdefault("name", "Test venue")
        kw.setdefault("neutral_name", "High Street office")
        kw.setdefault("address", "1 High Street")
        kw.setdefault("opening_hours", {str(d): [["09:00", "17:00"]] for d in range(5)})
        return self._save(Venue(organisation_id=organisation.id, **kw))

    def requirement_type(self, code: str = "CD") -> RequirementType:
        found = self.session.scalar(select(RequirementType).where(RequirementType.code == code))
        assert found is not None, f"requirement type {code} is not seeded"
        return found

    def client(
        self, *, organisation: Organisation, aliases: tuple[str, ...] = (), **kw: Any
    ) -> Client:
        n = next(_counter)
        kw.setdefault("first_name", f"Firstname{n}")
        kw.setdefault("last_name", f"Lastname{n}")
        kw.setdefault("date_of_birth", date(1990, 1, 1))
        client = Client(organisation_id=organisation.id, **kw)
        client.aliases = [ClientAlias(name=a) for a in aliases]
        return self._save(client)

    def case(self, *, client: Client, court: Court, worker: User | None = None, **kw: Any) -> Case:
        kw.setdefault("first_court_date", date(2026, 12, 2))
        kw.setdefault("charge", "Loitering or soliciting")
        kw.setdefault("custody_drug_test", DrugTestResult.NOT_TESTED)
        kw.setdefault("status", CaseStatus.AWAITING_COURT)
        kw.setdefault("requirement_type_id", self.requirement_type().id)
        case = self._save(
            Case(
                client_id=client.id,
                organisation_id=client.organisation_id,
                worker_id=worker.id if worker else None,
                court_id=court.id,
                **kw,
            )
        )
        case.reference = f"CD-{case.id:06d}"
        return self._save(case)

    def accepted_case(
        self,
        *,
        client: Client,
        court: Court,
        worker: User | None = None,
        court_date: date = date(2026, 12, 2),
        return_date: date = date(2026, 12, 30),
        **kw: Any,
    ) -> Case:
        return self.case(
            client=client,
            court=court,
            worker=worker,
            first_court_date=court_date,
            outcome_hearing_date=court_date,
            return_date=return_date,
            court_outcome=CourtOutcome.ACCEPTED,
            status=CaseStatus.ON_SCHEME,
            **kw,
        )

    def order_case(
        self,
        code: str,
        *,
        client: Client,
        court: Court,
        worker: User | None = None,
        start: date = date(2026, 12, 2),
        end: date = date(2026, 12, 30),
        partner: Organisation | None = None,
        **kw: Any,
    ) -> Case:
        """A case of the order `code` on its order: agreed as that order needs (court
        accepted, or both agencies), started on `start`, ending on `end` (a positive test's
        window ends by its own rule)."""
        kind = self.requirement_type(code)
        if kind.agreed_when is AgreedWhen.COURT_ACCEPTS:
            return self.accepted_case(
                client=client,
                court=court,
                worker=worker,
                court_date=start,
                return_date=end,
                requirement_type_id=kind.id,
                **kw,
            )
        if kind.needs_partner and partner is None:
            partner = self.organisation(kind=OrganisationKind.CJIT)
        case = self.case(
            client=client,
            court=court,
            worker=worker,
            requirement_type_id=kind.id,
            first_court_date=None,
            start_date=start,
            end_date=None if kind.window_rule is WindowRule.FROM_POSITIVE_TEST else end,
            partner_organisation_id=partner.id if partner else None,
            status=CaseStatus.ON_SCHEME,
            **kw,
        )
        if kind.agreed_when is AgreedWhen.BOTH_AGENCIES:
            assert partner is not None and worker is not None
            partner_user = self.user(organisation=partner)
            self.session.add_all(
                [
                    CaseAgreement(
                        case_id=case.id, organisation_id=case.organisation_id, user_id=worker.id
                    ),
                    CaseAgreement(
                        case_id=case.id, organisation_id=partner.id, user_id=partner_user.id
                    ),
                ]
            )
            self.session.commit()
        return case

    def appointment(self, *, case: Case, venue: Venue, worker: User, **kw: Any) -> Appointment:
        kw.setdefault("session_number", 1)
        kw.setdefault("kind", "assessment")
        return self._save(
            Appointment(case_id=case.id, venue_id=venue.id, worker_id=worker.id, **kw)
        )
