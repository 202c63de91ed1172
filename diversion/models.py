"""The data model: organisations, people, courts, venues, requirement types, clients, cases."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from diversion import clock
from diversion.court_wording import DEFAULT_COURT_WORDINGS
from diversion.crypto import EncryptedBytes, EncryptedText, lookup_hash
from diversion.db import Base
from diversion.sealed import SealedChoice

# A court's list starts at 10:00 unless its administrator says otherwise.
DEFAULT_LIST_TIME = time(10, 0)
# Courts hear these cases in the working day: a hearing or list time outside these bounds is
# a slip (2:00 typed for 14:00) and is refused.
EARLIEST_HEARING, LATEST_HEARING = time(8, 0), time(18, 0)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=True,
        name=cls.__name__.lower(),
    )


class LabelledEnum(enum.Enum):
    """An enum whose members carry the words a user reads."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OrganisationKind(LabelledEnum):
    PROJECT = "project"
    CJIT = "cjit"
    COURT = "court"
    CPS = "cps"

    @property
    def label(self) -> str:
        return {
            "project": "Specialist project",
            "cjit": "Criminal Justice Integrated Team",
            "court": "Magistrates' court",
            "cps": "Crown Prosecution Service",
        }[self.value]


class Role(LabelledEnum):
    WORKER = "worker"
    MANAGER = "manager"
    COURT_LIAISON = "court_liaison"
    CPS = "cps"
    ADMIN = "admin"
    # Sees the partnership's monitoring figures (suppressed aggregates), nothing else.
    COMMISSIONER = "commissioner"

    @property
    def label(self) -> str:
        return {
            "worker": "Diversion worker",
            "manager": "Team manager",
            "court_liaison": "Court liaison officer",
            "cps": "Crown Prosecution Service",
            "admin": "Administrator",
            "commissioner": "Commissioner",
        }[self.value]


class WindowRule(LabelledEnum):
    COURT_TO_RETURN = "court_to_return"
    FROM_POSITIVE_TEST = "from_positive_test"
    CASE_DEADLINE = "case_deadline"
    ORDER_END_DATE = "order_end_date"

    @property
    def label(self) -> str:
        return {
            "court_to_return": "From the court date to the return date",
            "from_positive_test": "Days from the positive drug test",
            "case_deadline": "A deadline set for each case",
            "order_end_date": "A date set by the order",
        }[self.value]


class AgreedWhen(LabelledEnum):
    """When a case of an order counts as agreed, so that its sessions may be booked."""

    COURT_ACCEPTS = "court_accepts"
    AT_ONCE = "at_once"
    BOTH_AGENCIES = "both_agencies"
    ORDER_MADE = "order_made"

    @property
    def label(self) -> str:
        return {
            "court_accepts": "When the court accepts her onto the scheme",
            "at_once": "At once, when the case is opened",
            "both_agencies": "When both the CJIT and the project have recorded agreement",
            "order_made": "When the order is made (the case is opened from it)",
        }[self.value]


class DrugTestResult(LabelledEnum):
    NOT_TESTED = "not_tested"
    NEGATIVE = "negative"
    POSITIVE_OPIATES = "positive_opiates"
    POSITIVE_COCAINE = "positive_cocaine"
    POSITIVE_BOTH = "positive_both"

    @property
    def label(self) -> str:
        return {
            "not_tested": "Not tested",
            "negative": "Negative",
            "positive_opiates": "Positive for opiates (heroin)",
            "positive_cocaine": "Positive for cocaine (crack)",
            "positive_both": "Positive for both",
        }[self.value]


class CourtOutcome(LabelledEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_ELIGIBLE = "not_eligible"
    ADJOURNED = "adjourned"

    @property
    def label(self) -> str:
        return {
            "accepted": "Offered and accepted",
            "declined": "Offered and declined",
            "not_eligible": "Not eligible",
            "adjourned": "Adjourned",
        }[self.value]


class CaseStatus(LabelledEnum):
    AWAITING_COURT = "awaiting_court"
    ON_SCHEME = "on_scheme"
    DECLINED = "declined"
    NOT_ELIGIBLE = "not_eligible"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "awaiting_court": "Awaiting court",
            "on_scheme": "On scheme",
            "declined": "Declined",
            "not_eligible": "Not eligible",
            "withdrawn": "Withdrawn",
            "closed": "Closed",
        }[self.value]


class AppointmentStatus(LabelledEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    CANCELLED_BY_SERVICE = "cancelled_by_service"
    RESCHEDULED = "rescheduled"


class ReportVariant(LabelledEnum):
    """The forms a compliance report takes, one per kind of order."""

    COURT_DIVERSION = "court_diversion"
    SUPERVISOR_NOTICE = "supervisor_notice"
    ATTENDANCE_RECORD = "attendance_record"

    @property
    def label(self) -> str:
        return {
            "court_diversion": "Court diversion report",
            "supervisor_notice": "Supervisor's notice: engagement and support order",
            "attendance_record": "Attendance record: Required Assessment",
        }[self.value]


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    # Whom another organisation of the partnership asks about a woman the caseload check
    # found here (diversion/partnership): a role or a person, given with the phone above.
    contact_name: Mapped[str | None] = mapped_column(String(200))

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or disabling, so that every session of the user ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # Bumped as the first write of every booking of this worker: it serialises bookings of one
    # worker on SQLite (write lock) and on PostgreSQL (row lock), so double booking cannot
    # happen even when two people book the same moment.
    schedule_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The worker's calendar subscription feed: the SHA-256 (hex) of the secret in its address,
    # and when that address was made; both None when she has none. The address itself is
    # shown to her once, when it is made, and never stored (scheduling/working_time.py).
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    calendar_token_created_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP): the shared secret, when enrolment was confirmed, and the last
    # time step accepted, so that a code is accepted once only.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_changed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    working_periods: Mapped[list[WorkingPeriod]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="(WorkingPeriod.weekday, WorkingPeriod.starts)",
    )

    @property
    def is_caseworker(self) -> bool:
        return self.role in (Role.WORKER, Role.MANAGER)


class Court(Base):
    __tablename__ = "court"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Weekday numbers, Monday = 0: the days this court hears these cases.
    sitting_weekdays: Mapped[list[int]] = mapped_column(JSON, default=lambda: [2])
    report_lead_working_days: Mapped[int] = mapped_column(default=2)
    report_due_time: Mapped[time] = mapped_column(default=time(12, 0))
    # When the list for these cases starts (Europe/London): the time a hearing is recorded at
    # when the worker does not type one.
    list_time: Mapped[time] = mapped_column(default=DEFAULT_LIST_TIME, server_default="10:00:00")
    court_email: Mapped[str | None] = mapped_column(String(254))
    cps_email: Mapped[str | None] = mapped_column(String(254))
    # Where the sitting-day list goes at the report time; the court's address when unset.
    liaison_email: Mapped[str | None] = mapped_column(String(254))
    # Where reports to the police go for orders reported to them (a Required Assessment,
    # a conditional caution) in this court's area.
    police_email: Mapped[str | None] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    cps_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # A court in Wales: texts to a woman whose language is unknown go in Welsh and English
    # (the Welsh Language Standards).
    in_wales: Mapped[bool] = mapped_column(default=False, server_default=false())


class Venue(Base):
    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(200))
    # The name used in text messages: never a giveaway such as "drug service".
    neutral_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(Text)
    # {"0": [["09:00", "17:00"]], ...}: weekday (Monday = 0) to opening periods, local time.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship()
    closures: Mapped[list[VenueClosure]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="VenueClosure.first_day"
    )


class VenueClosure(Base):
    """Days a venue is shut (inclusive range), for example for refurbishment."""

    __tablename__ = "venue_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")

    venue: Mapped[Venue] = relationship(back_populates="closures")


class WorkingPeriod(Base):
    """One period of a worker's weekly pattern, in local time: working hours or a break."""

    __tablename__ = "working_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]
    is_break: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="working_periods")


class Absence(Base):
    """Leave, training or other time a worker is away, as instants."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_user_starts", "user_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40), default="leave")

    user: Mapped[User] = relationship()


class RequirementType(Base):
    __tablename__ = "requirement_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"kind": "assessment", "name": "Comprehensive assessment", "duration_minutes": 90}, ...]
    sessions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    window_rule: Mapped[WindowRule] = mapped_column(_enum(WindowRule))
    window_days: Mapped[int | None]
    max_window_days: Mapped[int | None]
    min_gap_days: Mapped[int] = mapped_column(default=2)
    sessions_chosen_per_case: Mapped[bool] = mapped_column(default=False)
    slot_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    active: Mapped[bool] = mapped_column(default=True)
    # The text-message reminder policy (notifications.policy.policy_to_dict); None means the
    # default policy of domain.md.
    reminder_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the court and the CPS may be told about a missed, cancelled or moved appointment:
    # the worker picks one (diversion.court_wording); her own words stay internal. None reads
    # as the defaults (court_wording.wordings_of).
    court_wordings: Mapped[list[str] | None] = mapped_column(
        JSON, default=lambda: list(DEFAULT_COURT_WORDINGS)
    )
    # What the rest of the order is (domain.md, "What each type's settings say"); case logic
    # reads these through diversion.cases.orders and nothing else.
    end_on_sitting_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The cap on an end date set per case, in calendar months after the start (6 for an
    # engagement and support order); max_window_days caps it in days instead.
    max_window_months: Mapped[int | None]
    # The fewest sessions a case may choose, when sessions_chosen_per_case (the most is
    # len(sessions)).
    min_sessions: Mapped[int | None]
    agreed_when: Mapped[AgreedWhen] = mapped_column(
        _enum(AgreedWhen), default=AgreedWhen.COURT_ACCEPTS, server_default="court_accepts"
    )
    # Whether a case names a partner agency (the CJIT for a project's case, or the project
    # for a CJIT's): who agrees with it, or who holds sessions marked "with_partner".
    needs_partner: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who the report goes to: any of "court", "cps", "police", in that order.
    report_to: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["court", "cps"], server_default='["court", "cps"]'
    )
    report_variant: Mapped[ReportVariant] = mapped_column(
        _enum(ReportVariant),
        default=ReportVariant.COURT_DIVERSION,
        server_default="court_diversion",
    )


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (
        Index("ix_client_names", "last_name", "first_name"),
        Index("ix_client_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    # Encrypted at rest (diversion/crypto.py), like every free-text note below.
    mobile: Mapped[str | None] = mapped_column(EncryptedText)
    # A keyed hash of the mobile number (E.164), to find her by number without decrypting;
    # kept in step with `mobile` by `_hash_mobile`.
    mobile_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Her situation, for her worker only: never shown to the court or the CPS.
    housing: Mapped[str | None] = mapped_column(EncryptedText)
    health_notes: Mapped[str | None] = mapped_column(EncryptedText)
    # Set by the retention job when her record was anonymised.
    anonymised_at: Mapped[datetime | None]
    consent_to_texts: Mapped[bool] = mapped_column(default=False)
    safe_to_text_confirmed_on: Mapped[date | None]
    text_name: Mapped[str | None] = mapped_column(String(50))
    # Set when she replies STOP (or the provider reports she did): no text goes until START.
    texts_opted_out_at: Mapped[datetime | None]
    # What did it, as her worker reads it on the case page: her own reply ("Stop please") or
    # the provider's report. Her words, so encrypted at rest.
    texts_opted_out_by: Mapped[str | None] = mapped_column(EncryptedText)
    # The language of her texts: "en", "cy" or "both" (Welsh first); None while unknown, when
    # a court in Wales makes it "both" and any other court English (notifications.store).
    text_language: Mapped[str | None] = mapped_column(String(4))
    # She opted in to plainer wording (domain.md): it may name the appointment, never an offence.
    plain_wording: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Her safe times for texts, on top of the quiet hours: the weekdays (Monday = 0) and the
    # Europe/London hours a text may reach her. None means any day, or any hour.
    safe_days: Mapped[list[int] | None] = mapped_column(JSON)
    safe_from: Mapped[time | None]
    safe_until: Mapped[time | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    organisation: Mapped[Organisation] = relationship()
    aliases: Mapped[list[ClientAlias]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientAlias.id"
    )
    cases: Mapped[list[Case]] = relationship(back_populates="client", order_by="Case.id.desc()")
    # The keys the caseload check finds her by, kept in step with her names by
    # diversion.partnership.name_keys (none once she is anonymised).
    name_keys: Mapped[list[ClientNameKey]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @validates("mobile")
    def _hash_mobile(self, _key: str, value: str | None) -> str | None:
        """Whenever her number changes, so does the hash she is found by."""
        self.mobile_hash = lookup_hash(value) if value else None
        return value


class ClientAlias(Base):
    __tablename__ = "client_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    client: Mapped[Client] = relationship(back_populates="aliases")


# The client search (diversion.cases.queries.search_clients) matches each word anywhere in her
# lowered names and other names: `lower(name) LIKE '%word%'`. On PostgreSQL a trigram index
# (pg_trgm, GIN) on each lowered name answers that without reading every client; SQLite has
# no such index, and none is made there (migration 18c0c0de0004).
TRIGRAM_EXTENSION = "pg_trgm"


def _trigram_index(name: str, column: ColumnElement[str | None]) -> Index:
    lowered = f"{name}_lowered"
    return Index(
        name,
        func.lower(column).label(lowered),
        postgresql_using="gin",
        postgresql_ops={lowered: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


TRIGRAM_INDEXES = (
    _trigram_index("ix_client_first_name_trgm", Client.__table__.c.first_name),
    _trigram_index("ix_client_last_name_trgm", Client.__table__.c.last_name),
    _trigram_index("ix_client_text_name_trgm", Client.__table__.c.text_name),
    _trigram_index("ix_client_alias_name_trgm", ClientAlias.__table__.c.name),
)
event.listen(
    Client.__table__,
    "before_create",
    DDL(f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION}").execute_if(  # type: ignore[no-untyped-call]
        dialect="postgresql"
    ),
)


class ClientNameKey(Base):
    """One phonetic key of one word of her names or other names, for the caseload check
    across the partnership (diversion.partnership.matching.name_keys)."""

    __tablename__ = "client_name_key"
    __table_args__ = (Index("ix_client_name_key_key", "key", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))


class Case(Base):
    __tablename__ = "diversion_case"
    # The sitting-day list finds a court's cases by each of its hearing dates.
    __table_args__ = (
        Index("ix_case_court_dates", "court_id", "first_court_date"),
        Index("ix_case_court_adjourned_to", "court_id", "adjourned_to"),
        Index("ix_case_court_return_date", "court_id", "return_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    requirement_type_id: Mapped[int] = mapped_column(ForeignKey("requirement_type.id"))
    arrest_date: Mapped[date | None]
    charge: Mapped[str] = mapped_column(String(200))
    custody_drug_test: Mapped[DrugTestResult] = mapped_column(_enum(DrugTestResult))
    court_id: Mapped[int] = mapped_column(ForeignKey("court.id"))
    # NULL for an order that starts away from court (a caution, a positive test).
    first_court_date: Mapped[date | None]
    # Each court date's time (Europe/London wall clock) is recorded with it: the time the
    # worker typed, or the court's list time when she recorded the date (see
    # diversion.cases.services.hearing_time). NULL only where the date is NULL, or in a row
    # written outside the services; read as the court's list time then.
    first_court_time: Mapped[time | None]
    court_reference: Mapped[str | None] = mapped_column(String(50))
    # The hearing the case next goes to after an adjournment.
    adjourned_to: Mapped[date | None]
    adjourned_to_time: Mapped[time | None]
    court_outcome: Mapped[CourtOutcome | None] = mapped_column(_enum(CourtOutcome))
    outcome_hearing_date: Mapped[date | None]
    return_date: Mapped[date | None] = mapped_column(index=True)
    return_time: Mapped[time | None]
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.AWAITING_COURT)
    # The order's own dates (diversion.cases.orders): the event that started its window (the
    # positive test, the caution, the order), and the end set on the case (the caution's
    # deadline, the date the order sets). NULL for court diversion, whose window runs
    # between its hearings.
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    # How many sessions this case must attend, when the order lets each case choose.
    sessions_required: Mapped[int | None]
    # The partner agency of an order that needs one (RequirementType.needs_partner).
    partner_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    # Set when the required sessions can no longer all fit before the last appointment date.
    at_risk_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    client: Mapped[Client] = relationship(back_populates="cases")
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    worker: Mapped[User | None] = relationship()
    requirement_type: Mapped[RequirementType] = relationship()
    court: Mapped[Court] = relationship()
    partner_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[partner_organisation_id]
    )
    agreements: Mapped[list[CaseAgreement]] = relationship(
        back_populates="case", order_by="CaseAgreement.id"
    )
    lapsed_sessions: Mapped[list[LapsedSession]] = relationship(
        back_populates="case", order_by="LapsedSession.session_number"
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="case", order_by="Appointment.starts_at", foreign_keys="Appointment.case_id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id.desc()"
    )

    @property
    def next_hearing_date(self) -> date | None:
        """The hearing the case is waiting for: the first, or the one it was adjourned to
        (None for an order that has no court date)."""
        return self.adjourned_to or self.first_court_date

    @property
    def status_label(self) -> str:
        """The case's status in words: a case waiting for both agencies' agreement is
        "Awaiting agreement", not "Awaiting court"."""
        if (
            self.status is CaseStatus.AWAITING_COURT
            and self.requirement_type.agreed_when is AgreedWhen.BOTH_AGENCIES
        ):
            return "Awaiting agreement"
        return self.status.label

    def _listed(self, recorded: time | None) -> time:
        return recorded if recorded is not None else self.court.list_time

    @property
    def first_court_at(self) -> time:
        """The time of the first court date (the court's list time if none was recorded)."""
        return self._listed(self.first_court_time)

    @property
    def adjourned_to_at(self) -> time | None:
        """The time of the hearing the case was adjourned to, or None when not adjourned."""
        return None if self.adjourned_to is None else self._listed(self.adjourned_to_time)

    @property
    def return_at(self) -> time | None:
        """The time of the return hearing, or None when no return date is set."""
        return None if self.return_date is None else self._listed(self.return_time)


class Appointment(Base):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_worker_starts", "worker_id", "starts_at"),
        # A worker's bookings that end after a moment (her free time from today on): without
        # it, "starts before the horizon" reads her whole history (migration 18c0c0de0003).
        Index("ix_appointment_worker_ends", "worker_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    session_number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[AppointmentStatus] = mapped_column(
        _enum(AppointmentStatus), default=AppointmentStatus.BOOKED
    )
    # Why it was cancelled or moved, in the worker's words: encrypted at rest, for her
    # organisation only; never in anything the court or the CPS read.
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    # What the court and the CPS read instead: one of the requirement type's court wordings,
    # as chosen when it was missed, cancelled or moved.
    court_wording: Mapped[str | None] = mapped_column(String(200))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    # iCalendar SEQUENCE: rises with every change a calendar should pick up.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    outcome_recorded_at: Mapped[datetime | None]
    # When she confirmed it by replying Y or YES to a text.
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    case: Mapped[Case] = relationship(back_populates="appointments", foreign_keys=[case_id])
    venue: Mapped[Venue] = relationship()
    worker: Mapped[User] = relationship()
    successor: Mapped[Appointment | None] = relationship(remote_side=[id])

    @property
    def session_name(self) -> str:
        """The session's name as her order's type calls it, like "Care-plan session"."""
        sessions = self.case.requirement_type.sessions or []
        if 1 <= self.session_number <= len(sessions):
            return str(sessions[self.session_number - 1]["name"])
        return self.kind.replace("_", " ").capitalize()


class CaseAgreement(Base):
    """One agency's agreement to a case whose order needs both (a conditional caution)."""

    __tablename__ = "case_agreement"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    agreed_at: Mapped[datetime] = mapped_column(default=clock.now)

    case: Mapped[Case] = relationship(back_populates="agreements")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class LapsedSession(Base):
    """A session recorded as not needed (a Required Assessment's follow-up): compliance does
    not count it. The reason is for the file: it never goes to the police or the court."""

    __tablename__ = "lapsed_session"
    __table_args__ = (UniqueConstraint("case_id", "session_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    session_number: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    lapsed_at: Mapped[datetime] = mapped_column(default=clock.now)
    reason: Mapped[str] = mapped_column(EncryptedText)

    case: Mapped[Case] = relationship(back_populates="lapsed_sessions")
    user: Mapped[User] = relationship()


class CaseEvent(Base):
    """One line of a case's timeline: what happened, when, and who did it."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # Encrypted at rest: some entries quote the worker (why a case closed, why a booking moved).
    summary: Mapped[str] = mapped_column(EncryptedText)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """Append-only record of sign-ins, refusals, views and changes: ids only, never content."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    client_id: Mapped[int | None] = mapped_column(index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))


class MessageStatus(LabelledEnum):
    """Where a text message is: waiting, in flight, with the provider, or stopped and why."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    HELD = "held"


class OutboxMessage(Base):
    """A text message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("appointment_id", "kind", name="uq_outbox_message_appointment_kind"),
        Index("ix_outbox_message_due", "status", "send_at"),
        # A case's texts of a kind and status about a moment (the court list's reminders):
        # also every look-up by case alone.
        Index("ix_outbox_message_case_kind", "case_id", "kind", "status", "event_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("diversion_case.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    kind: Mapped[str] = mapped_column(String(40))
    send_at: Mapped[datetime]
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus), default=MessageStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(EncryptedText)
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # For a court-date reminder: the hearing instant it is about (appointments have their own).
    event_at: Mapped[datetime | None]
    # What the provider last said (delivery receipts): its status word and error code.
    # When the provider took it (one text at a time: the next waits the policy's gap).
    sent_at: Mapped[datetime | None]
    # Which wording went: language, register and a short hash of the template, such as
    # "cy:plain:1a2b3c4d" (the monitoring report compares attendance by wording).
    wording: Mapped[str | None] = mapped_column(String(40))
    provider_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[int | None]
    status_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Set by whoever changes the row, from the `now` it was given (the one clock): the
    # dispatcher's in-flight window runs from it, so no wall-clock default may replace it.
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    def set_status(self, status: MessageStatus, reason: str | None, *, now: datetime) -> None:
        """Move the message to a status, saying why, as of `now`."""
        self.status, self.reason, self.updated_at = status, reason, now


class ReplyAction(LabelledEnum):
    """What an incoming text did."""

    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    CONFIRMED = "confirmed"
    INBOX = "inbox"

    @property
    def label(self) -> str:
        return {
            "opted_out": "Stopped texts",
            "opted_in": "Restarted texts",
            "confirmed": "Confirmed appointment",
            "inbox": "Reply",
        }[self.value]


class ReceivingNumberKind(LabelledEnum):
    """What identifies where a text was sent to us: our phone number, or a Twilio messaging
    service (a pool of numbers)."""

    PHONE = "phone"
    MESSAGING_SERVICE = "messaging_service"

    @property
    def label(self) -> str:
        return {"phone": "Phone number", "messaging_service": "Messaging service"}[self.value]


class ReceivingNumber(Base):
    """A phone number or Twilio messaging service that texts are sent to, and the one
    organisation that holds it: a reply to it belongs to that organisation alone.

    `value` is the number in E.164 ('+447700900001') or the service's SID ('MG' and 32 hex
    characters); it is unique, so a number belongs to one organisation only."""

    __tablename__ = "receiving_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[ReceivingNumberKind] = mapped_column(_enum(ReceivingNumberKind))
    value: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()


class InboundMessage(Base):
    """A text received from a woman (or an unknown number), and what it did.

    It belongs to the organisation that holds the number it was sent to (`to_number`), and
    is matched only against that organisation's clients. A reply from one of its clients goes
    to her allocated worker's inbox (`worker_id`); from a number two of its clients hold, to
    each of their workers' inboxes (`workers`, `shared_number` set); with no worker, or from a
    number none of its clients holds, to its managers' inbox. A reply to a number no
    organisation holds (`organisation_id` None) is shown to administrators only.
    """

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Both encrypted at rest; a sender is found by Client.mobile_hash, never by this column.
    from_number: Mapped[str] = mapped_column(EncryptedText)
    body: Mapped[str] = mapped_column(EncryptedText)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    action: Mapped[ReplyAction] = mapped_column(_enum(ReplyAction))
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Where it was sent: our number, or our messaging service's SID (never hers). None on
    # replies stored before receiving numbers were recorded.
    to_number: Mapped[str | None] = mapped_column(String(64))
    # The sender's number is held by more than one of the organisation's clients.
    shared_number: Mapped[bool] = mapped_column(default=False, server_default=false())

    client: Mapped[Client | None] = relationship()
    case: Mapped[Case | None] = relationship()
    appointment: Mapped[Appointment | None] = relationship()
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    recipients: Mapped[list[InboundMessageWorker]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class InboundMessageWorker(Base):
    """A worker whose inbox holds a reply from a number more than one client shares: each
    allocated worker of those clients (in the one organisation) has it."""

    __tablename__ = "inbound_message_worker"

    inbound_message_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="CASCADE"), primary_key=True
    )
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), primary_key=True, index=True
    )

    worker: Mapped[User] = relationship()


class MessageTemplate(Base):
    """An administrator's wording for one kind of text, in one language ("en" or "cy") and
    one register (discreet, or the plainer wording a woman may opt in to); without a row,
    the default is used."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("kind", "language", "plain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(4), default="en", server_default="en")
    plain: Mapped[bool] = mapped_column(default=False, server_default=false())
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ComplianceReport(Base):
    """A worker's signed-off report of a case's attendance, for the court and the CPS.

    `html` is the report exactly as signed off: it is what every send (and resend) carries,
    and `content_sha256` is its hash. Attendance only: never notes, health or housing.
    """

    __tablename__ = "compliance_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    variant: Mapped[ReportVariant] = mapped_column(_enum(ReportVariant))
    compliance_status: Mapped[str] = mapped_column(String(40))
    # The worker's statement, and the report that quotes it: encrypted at rest.
    statement: Mapped[str] = mapped_column(EncryptedText, default="")
    html: Mapped[str] = mapped_column(EncryptedText)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_off_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    signed_off_at: Mapped[datetime] = mapped_column(default=clock.now)

    case: Mapped[Case] = relationship()
    signed_off_by: Mapped[User] = relationship()


class MailStatus(LabelledEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(Base):
    """One email to one recipient: a report, a sitting-day list or a reminder to a worker.

    Every send is a row (a resend is a new row): what, to whom, when, by whom or by which
    job, and the SHA-256 of the message. A failure stays visible and is retried. A report is
    about one case (`case_id`); a sitting-day list names several, each linked by an
    OutgoingMailCase row.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_report.id"), index=True)
    court_id: Mapped[int | None] = mapped_column(ForeignKey("court.id"))
    sitting_date: Mapped[date | None]
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_role: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    # The whole email as sent (RFC 822, attachments included): encrypted at rest.
    message: Mapped[bytes] = mapped_column(EncryptedBytes)
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[MailStatus] = mapped_column(_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_by_job: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]
    eml_path: Mapped[str | None] = mapped_column(String(300))

    case: Mapped[Case | None] = relationship()
    report: Mapped[ComplianceReport | None] = relationship()
    court: Mapped[Court | None] = relationship()
    requested_by: Mapped[User | None] = relationship()
    named_cases: Mapped[list[OutgoingMailCase]] = relationship(
        back_populates="mail", cascade="all, delete-orphan", order_by="OutgoingMailCase.list_row"
    )


class OutgoingMailCase(Base):
    """A case a sitting-day list named: written in the same transaction as the list is queued.

    `list_row` is the case's row in the list's CSV (1 = the first row after the header), so
    that anonymising her erases her row, and only hers, from the stored copy, and her subject
    access export says which lists named her.
    """

    __tablename__ = "outgoing_mail_case"
    __table_args__ = (
        UniqueConstraint("outgoing_mail_id", "case_id", name="uq_outgoing_mail_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_mail_id: Mapped[int] = mapped_column(
        ForeignKey("outgoing_mail.id", ondelete="CASCADE")
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    list_row: Mapped[int]

    mail: Mapped[OutgoingMail] = relationship(back_populates="named_cases")
    case: Mapped[Case] = relationship()


class CaseNote(Base):
    """A worker's note on a case: for the project only, never for the court or the CPS."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_case.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(default=clock.now)
    body: Mapped[str] = mapped_column(EncryptedText)

    case: Mapped[Case] = relationship()
    author: Mapped[User | None] = relationship()


class RecoveryCode(Base):
    """A single-use two-factor recovery code (stored hashed)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    used_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in session held on the server, so that it can be ended there.

    The browser's cookie carries a random token; only its SHA-256 is stored here.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Set once both factors are through; a session waiting for its code has none.
    verified_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # The invitation whose link started this session: only such a session may enrol an
    # authenticator app (a password alone never can).
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()


class InvitationPurpose(LabelledEnum):
    FIRST_ADMIN = "first_admin"
    NEW_ACCOUNT = "new_account"
    TWO_FACTOR_RESET = "two_factor_reset"
    NEW_LINK = "new_link"

    @property
    def label(self) -> str:
        return {
            "first_admin": "First administrator (command line)",
            "new_account": "New account",
            "two_factor_reset": "Two-factor reset",
            "new_link": "New set-up link",
        }[self.value]


class Invitation(Base):
    """A one-time set-up link: she chooses a password and enrols two-factor through it.

    Only the SHA-256 of the link's token is stored. A link works once, until expires_at, and
    only while it is the newest for its account (issuing one supersedes the older ones).
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[InvitationPurpose] = mapped_column(_enum(InvitationPurpose))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    # The administrator who sent it; None when the create-admin command made it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ClientFlag(Base):
    """A flag the organisation holding her record sets on her ("contact the project if she
    reappears"), with whom to contact: shown whenever her record is matched, in any
    organisation of the partnership (domain.md, "Working across agencies"). Clearing keeps
    the row (cleared_at), so the record says when it stood."""

    __tablename__ = "client_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # What to do if she reappears: free text, so encrypted at rest like every note.
    text: Mapped[str] = mapped_column(EncryptedText)
    # Whom to contact (a member of staff's name, phone or email): shown with the flag.
    contact: Mapped[str] = mapped_column(String(200))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(default=clock.now)
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()
    set_by: Mapped[User] = relationship(foreign_keys=[set_by_id])


class MatchNotice(Base):
    """A notice in the holder's inbox: her flagged client was matched by another organisation.

    It says who matched her and when, never why nor what was searched: it holds no text."""

    __tablename__ = "match_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose inbox: the organisation holding her record and, when her open case has one, her
    # allocated worker (else the managers see it, as with replies).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("client_flag.id"))
    matched_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    matched_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    matched_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    client: Mapped[Client] = relationship()
    matched_by_organisation: Mapped[Organisation] = relationship(
        foreign_keys=[matched_by_organisation_id]
    )
    matched_by: Mapped[User] = relationship(foreign_keys=[matched_by_id])


class TransferStatus(LabelledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ClientTransfer(Base):
    """A request to move her record to another organisation, and what became of it.

    One file per woman: the organisation that has her now asks the one holding her record;
    on acceptance her record and cases move, with their history. The row stays with both."""

    __tablename__ = "client_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    from_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    to_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[TransferStatus] = mapped_column(
        _enum(TransferStatus), default=TransferStatus.PENDING
    )
    # Why the requester asks: free text, encrypted at rest.
    reason: Mapped[str] = mapped_column(EncryptedText)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()
    from_organisation: Mapped[Organisation] = relationship(foreign_keys=[from_organisation_id])
    to_organisation: Mapped[Organisation] = relationship(foreign_keys=[to_organisation_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class WorkerTask(Base):
    """Something a worker must do about her texts, on her home page until marked done: call
    her because a reminder did not reach her, or an appointment is not confirmed, 24 hours
    before it; or because a text could not fall in her safe times (domain.md, "Text
    messages"). `key` makes each task once: one per appointment or hearing and reason."""

    __tablename__ = "worker_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("diversion_case.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    # The appointment or hearing it is about (UTC), to word the task ("for Tuesday").
    event_at: Mapped[datetime | None]
    # What to do and why, in plain words: no message text, no number.
    detail: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Why it closed: "marked done", "she confirmed", "appointment no longer booked".
    done_reason: Mapped[str | None] = mapped_column(String(100))

    client: Mapped[Client] = relationship()
    case: Mapped[Case | None] = relationship()


class MonitoringRecord(Base):
    """Her standard monitoring data (the guide, section 11.2; domain.md, "Monitoring"), as
    recorded at an assessment. Each recording is a new row, so the rows are her dated
    history; the report reads the latest as of its period's end.

    Special category data: every answer is sealed at rest (diversion.sealed), never shown
    to the court or the CPS, and counted only in suppressed aggregates. Each answer is a
    code from diversion.monitoring.choices, "prefer_not_to_say" or "not_asked"."""

    __tablename__ = "monitoring_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("diversion_case.id"))
    recorded_on: Mapped[date] = mapped_column(index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    work_pattern: Mapped[str] = mapped_column(SealedChoice("work_pattern"))
    contacts: Mapped[str] = mapped_column(SealedChoice("contacts"))
    housing_status: Mapped[str] = mapped_column(SealedChoice("housing_status"))
    known_previously: Mapped[str] = mapped_column(SealedChoice("known_previously"))
    age_band: Mapped[str] = mapped_column(SealedChoice("age_band"))
    ethnicity: Mapped[str] = mapped_column(SealedChoice("ethnicity"))
    # Codes joined by "," in a fixed order (she may use more than one drug).
    drug_use: Mapped[str] = mapped_column(SealedChoice("drug_use"))

    client: Mapped[Client] = relationship()
    recorded_by: Mapped[User] = relationship()


class MonitoringSummary(Base):
    """The monitoring report's counts per Europe/London day, built by the scheduler
    (diversion.monitoring.summary) so that a report over years sums a few thousand rows
    instead of grouping every appointment and text again.

    Counts only: no person's id. `measure` says what a row counts and what its keys hold
    (diversion.monitoring.summary.MEASURES); a monitoring answer stays sealed (k2)."""

    __tablename__ = "monitoring_summary"
    __table_args__ = (Index("ix_monitoring_summary_grain_day", "grain", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "day": the counts of one day; "month": of a whole month, `day` its first day (the
    # same counts summed, so that a long period reads a row a month).
    grain: Mapped[str] = mapped_column(String(5))
    day: Mapped[date]
    measure: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    requirement_type_id: Mapped[int | None] = mapped_column(ForeignKey("requirement_type.id"))
    k1: Mapped[str | None] = mapped_column(String(64))
    k2: Mapped[str | None] = mapped_column(Text)
    k3: Mapped[str | None] = mapped_column(String(64))
    c1: Mapped[int] = mapped_column(default=0)
    c2: Mapped[int] = mapped_column(default=0)
    c3: Mapped[int] = mapped_column(default=0)


class MonitoringSummaryRun(Base):
    """When the monitoring summary was last counted, and the last whole day it holds."""

    __tablename__ = "monitoring_summary_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime]
    through_day: Mapped[date]
    rows: Mapped[int]


class JobRun(Base):
    """The scheduler's ledger: one row per job and period it has claimed, so that a daily or
    per-sitting-day job does its period's work once however many schedulers run
    (scheduling.ledger). Holds no personal data: a job's name, a period such as a date or a
    court id and a date, instants, and which process claimed it (host name and pid)."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_run_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime]
    # None while the run goes on, or after a crash (re-taken when stale: scheduling.ledger).
    finished_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(String(120))
