"""Administration forms: courts, venues and requirement types (accounts and receiving
numbers are in account_forms.py)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSubmitInput,
)
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import (
    ValidationError,
)

from diversion.admin.order_forms import (
    MAX_DURATION,
    MAX_SESSIONS,
    MIN_DURATION,
    MIN_SESSIONS,
    SESSION_KIND_EXAMPLE,
    OrderSettingsForm,
    SessionLine,
    parse_sessions,
)
from diversion.court_wording import (
    MAX_WORDING_LENGTH,
    MAX_WORDINGS,
    MIN_WORDINGS,
    parse_court_wordings,
)
from diversion.discreet import readings
from diversion.fields import (
    AdminForm,
    ClockTimeField,
    GovRadioField,
    GovSelectField,
    OptionalSelectField,
    WeekdaysField,
    WholeNumberField,
    email_field,
    parse_clock_time,
    text_field,
)
from diversion.models import DEFAULT_LIST_TIME, WindowRule
from scheduling.calendar import DEFAULT_REPORT_LEAD_WORKING_DAYS, MIN_REPORT_LEAD_WORKING_DAYS

# The slot grid must divide an hour: London is always a whole number of hours from UTC, so
# such a grid is the same in local time and in UTC (scheduling.plan relies on it).
SLOT_CHOICES = (5, 10, 15, 20, 30, 60)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COURT_WEEKDAYS = WEEKDAYS[:5]


# Words that give away what a venue is for. A woman's phone may be read by someone else, so
# texts never name the court, bail, police, CPS, drugs, prostitution, sex work, diversion or an
# offence (domain.md, "Discreet by default"); the venue's neutral name goes into those texts.
FORBIDDEN_VENUE_WORDS = re.compile(
    r"\b("
    r"courts?|magistrates?'?s?|police|policing|drugs?|probation|bail|cps|crown prosecution"
    r"|prostitut\w*|sex|sexual|diversion|offen[cs]es?|offenders?|custody"
    r"|crimes?|criminal|arrest\w*|solicit\w*|heroin|crack|cocaine|substances?|addiction"
    r"|rehab\w*|recovery|cjit"
    r")\b",
    re.IGNORECASE,
)

REQUIREMENT_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")


def organisation_choice(label: str, *, choose: str) -> GovSelectField:
    return GovSelectField(label, coerce=int, choose=choose)


class CourtForm(AdminForm):
    """Add or edit a court: its sitting days, report deadline and where reports go."""

    name = text_field("Name", required="Enter the name of the court", noun="Name")
    sitting_weekdays = WeekdaysField(
        "Sitting days",
        days=COURT_WEEKDAYS,
        choose="Select at least one day the court hears these cases",
        description="The days this court hears these cases. Bank holidays are skipped.",
    )
    list_time = ClockTimeField(
        "Time the list starts",
        noun="time the list starts",
        default=DEFAULT_LIST_TIME,
        description="A court date is at this time unless the caseworker records another. "
        "Use the 24-hour clock, like 10:00.",
    )
    report_lead_working_days = WholeNumberField(
        "Working days kept free before the return date",
        noun="report lead time",
        low=MIN_REPORT_LEAD_WORKING_DAYS,
        high=10,
        default=DEFAULT_REPORT_LEAD_WORKING_DAYS,
        description="The last appointment is at least this many working days before the "
        "return date, so that the report can be written and sent in time. At least "
        f"{MIN_REPORT_LEAD_WORKING_DAYS}: the report is due on the working day before the "
        "return date, after the last appointment.",
    )
    report_due_time = ClockTimeField(
        "Time the report is due",
        noun="report due time",
        default=time(12, 0),
        description="The report must reach the court and the CPS by this time on the working "
        "day before the return date. Use the 24-hour clock, like 12:00.",
    )
    court_email = email_field(
        "Court email address (optional)", description="Where compliance reports are sent"
    )
    cps_email = email_field("CPS email address (optional)")
    police_email = email_field(
        "Police email address (optional)",
        description="Where reports of orders that go to the police are sent (a Required "
        "Assessment's attendance record, a conditional caution's report)",
    )
    liaison_email = email_field(
        "Court liaison email address (optional)",
        description="Where the list for each sitting day goes at the report time. "
        "Leave it empty to use the court email address.",
    )
    organisation_id = OptionalSelectField(
        "Court organisation (optional)", choose="Select the court organisation from the list"
    )
    cps_organisation_id = OptionalSelectField(
        "CPS organisation (optional)", choose="Select the CPS organisation from the list"
    )
    active = BooleanField(
        "This court is in use",
        widget=GovCheckboxInput(),
        default=True,
        description="Only courts in use can be chosen when a case is opened",
    )
    in_wales = BooleanField(
        "This court is in Wales",
        widget=GovCheckboxInput(),
        description="Texts to a woman whose case is at this court go in Welsh and English "
        "(Welsh first) until her worker records the language she wants",
    )
    submit = SubmitField("Save court", widget=GovSubmitInput())


def _day_hours(day: int) -> tuple[ClockTimeField, ClockTimeField]:
    name = WEEKDAYS[day]
    return (
        ClockTimeField("Opens", noun=f"{name} opening time", required=False),
        ClockTimeField("Closes", noun=f"{name} closing time", required=False),
    )


class VenueForm(AdminForm):
    """Add or edit a venue: where appointments happen, and the name used in text messages."""

    organisation_id = organisation_choice(
        "Organisation", choose="Select the organisation that runs this venue"
    )
    name = text_field("Name", required="Enter the name of the venue", noun="Name")
    neutral_name = text_field(
        "Name for text messages",
        required="Enter the name to use in text messages",
        noun="Name for text messages",
        max_length=60,
        description="Read by anyone who sees her phone: a street or building, like "
        "“Station Road office”. Never the court, police, probation, bail, the CPS, "
        "prostitution, sex or anything else that says what the venue is for.",
    )
    address = text_field(
        "Address", required="Enter the address of the venue", max_length=500, area=True
    )
    opens_0, closes_0 = _day_hours(0)
    opens_1, closes_1 = _day_hours(1)
    opens_2, closes_2 = _day_hours(2)
    opens_3, closes_3 = _day_hours(3)
    opens_4, closes_4 = _day_hours(4)
    opens_5, closes_5 = _day_hours(5)
    opens_6, closes_6 = _day_hours(6)
    same_weekdays = BooleanField(
        "Tuesday to Friday have the same hours as Monday",
        widget=GovCheckboxInput(),
        description="Leave it unticked to set each day below",
    )
    active = BooleanField(
        "This venue is in use",
        widget=GovCheckboxInput(),
        default=True,
        description="Appointments are only offered at venues in use",
    )
    submit = SubmitField("Save venue", widget=GovSubmitInput())

    def validate_neutral_name(self, field: StringField) -> None:
        # Read as a phone shows it, so "C0urt", "c o u r t" or a look-alike letter is
        # found too (diversion.discreet, as for the wording of the texts themselves).
        for read in readings(field.data or ""):
            found = FORBIDDEN_VENUE_WORDS.search(read)
            if found:
                raise ValidationError(
                    f"Name for text messages must not say “{found.group(0)}”: texts never "
                    "mention the court, police, drugs, probation, bail, the CPS, prostitution "
                    "or sex"
                )

    def hours_fields(self, day: int) -> tuple[ClockTimeField, ClockTimeField]:
        return getattr(self, f"opens_{day}"), getattr(self, f"closes_{day}")

    def validate(self, extra_validators: Any = None) -> bool:
        if self.same_weekdays.data:
            monday = self.hours_fields(0)
            for day in range(1, 5):
                for source, target in zip(monday, self.hours_fields(day), strict=True):
                    target.copy_from(source)
        valid = super().validate(extra_validators)
        for day, day_name in enumerate(WEEKDAYS):
            opens, closes = self.hours_fields(day)
            if opens.errors or closes.errors:
                continue
            if opens.data is not None and closes.data is None:
                closes.errors = [f"Enter the {day_name} closing time, or clear the opening time"]
            elif closes.data is not None and opens.data is None:
                opens.errors = [f"Enter the {day_name} opening time, or clear the closing time"]
            elif opens.data is not None and closes.data is not None and closes.data <= opens.data:
                closes.errors = [f"{day_name} closing time must be after the opening time"]
            else:
                continue
            valid = False
        return valid

    def opening_hours(self, previous: dict[str, Any] | None = None) -> dict[str, list[list[str]]]:
        """The hours typed, as stored in Venue.opening_hours (closed days are left out).

        A day stored with a break (two periods) is shown as its first opening and last
        closing; when those are saved unchanged, the day keeps its break.
        """
        hours: dict[str, list[list[str]]] = {}
        for day in range(len(WEEKDAYS)):
            opens, closes = self.hours_fields(day)
            if opens.data is None or closes.data is None:
                continue
            typed = [opens.data.strftime("%H:%M"), closes.data.strftime("%H:%M")]
            kept = _periods((previous or {}).get(str(day)))
            if len(kept) > 1 and [kept[0][0], kept[-1][1]] == typed:
                hours[str(day)] = kept
            else:
                hours[str(day)] = [typed]
        return hours

    def show_hours(self, opening_hours: dict[str, Any] | None) -> None:
        """Fill the boxes from stored hours: the first opening and the last closing of a day."""
        for day in range(len(WEEKDAYS)):
            periods = _periods((opening_hours or {}).get(str(day)))
            opens, closes = self.hours_fields(day)
            if periods:
                opens.data = parse_clock_time(periods[0][0])
                closes.data = parse_clock_time(periods[-1][1])


def _periods(stored: Any) -> list[list[str]]:
    """Stored periods of one day, normalised to HH:MM; anything unreadable is left out."""
    periods: list[list[str]] = []
    for period in stored or []:
        try:
            starts, ends = (parse_clock_time(str(part)) for part in period)
        except ValueError:
            continue
        periods.append([starts.strftime("%H:%M"), ends.strftime("%H:%M")])
    return periods


class RequirementTypeForm(OrderSettingsForm):
    """Add or edit a requirement type: an order with N sessions inside a window, and the
    settings (agreement, partner, end date, report) its cases follow."""

    code = text_field(
        "Code",
        required="Enter a code for the requirement type",
        max_length=20,
        description="A short code shown in case references, like CD",
    )
    name = text_field("Name", required="Enter the name of the requirement type", noun="Name")
    description = text_field(
        "Description (optional)", max_length=2000, noun="Description", area=True
    )
    window_rule = GovRadioField(
        "How is the window set?",
        choices=[SelectChoice(rule.value, rule.label) for rule in WindowRule],
        choose="Select how the window is set",
    )
    window_days = WholeNumberField(
        "Window, in days (optional for a deadline or an order date)",
        noun="window",
        required=False,
        low=1,
        high=366,
        description="For example, 28 for four weeks",
    )
    max_window_days = WholeNumberField(
        "Longest window allowed, in days (optional)",
        noun="longest window",
        required=False,
        low=1,
        high=366,
    )
    min_gap_days = WholeNumberField(
        "Minimum days between sessions",
        noun="minimum days between sessions",
        low=0,
        high=60,
        default=2,
    )
    slot_minutes = GovRadioField(
        "Appointment start times",
        description="Appointments can start on this grid, from midnight UK time",
        choices=[SelectChoice(str(m), f"Every {m} minutes") for m in SLOT_CHOICES],
        default="15",
        choose="Select how often appointments can start",
    )
    sessions_text = text_field(
        "Sessions",
        required="Enter at least one session",
        max_length=2000,
        noun="Sessions",
        area=True,
        description="One session a line, in order, as kind | name | duration in minutes, like "
        f"{SESSION_KIND_EXAMPLE}. After the duration add | may lapse to a session the "
        "assessor can record as not needed, | with partner to a session the partner agency "
        "holds, | with named worker to one held only by the case's named worker. From "
        f"{MIN_SESSIONS} to {MAX_SESSIONS} sessions, each {MIN_DURATION} to {MAX_DURATION} "
        "minutes.",
    )
    court_wordings_text = text_field(
        "What the court can be told about a missed, cancelled or moved appointment",
        required="Enter the wordings the court can be told, one a line",
        max_length=MAX_WORDINGS * (MAX_WORDING_LENGTH + 1),
        noun="Wordings",
        area=True,
        description="One wording a line. The worker chooses one when an appointment is "
        "missed, cancelled or moved, and it is what the compliance report shows; her own "
        f"reason stays in the case file. From {MIN_WORDINGS} to {MAX_WORDINGS} wordings, "
        f"each {MAX_WORDING_LENGTH} characters or fewer, like No reason given.",
    )
    sessions_chosen_per_case = BooleanField(
        "The worker chooses how many of these sessions each case needs",
        widget=GovCheckboxInput(),
    )
    active = BooleanField(
        "This requirement type is in use",
        widget=GovCheckboxInput(),
        default=True,
        description="Only types in use can be chosen when a case is opened",
    )
    submit = SubmitField("Save requirement type", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[SessionLine] = []
        self.court_wordings: list[str] = []

    def validate_code(self, field: StringField) -> None:
        field.data = (field.data or "").upper()
        if field.data and not REQUIREMENT_CODE.fullmatch(field.data):
            raise ValidationError(
                "Code must use only letters, numbers, hyphens and underscores, like CD"
            )

    def validate_sessions_text(self, field: TextAreaField) -> None:
        if not field.data or field.errors:
            return
        try:
            self.sessions = parse_sessions(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_court_wordings_text(self, field: TextAreaField) -> None:
        if not field.data or field.errors:
            return
        try:
            self.court_wordings = parse_court_wordings(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        valid = (
            self.check_settings(
                sessions=self.sessions, chosen_per_case=bool(self.sessions_chosen_per_case.data)
            )
            and valid
        )
        rule = self.window_rule.data
        days, longest, gap = self.window_days, self.max_window_days, self.min_gap_days
        if (
            rule in (WindowRule.COURT_TO_RETURN.value, WindowRule.FROM_POSITIVE_TEST.value)
            and days.data is None
            and not days.errors
        ):
            days.errors = ["Enter the window in days: this way of setting the window counts days"]
            valid = False
        if (
            days.data is not None
            and longest.data is not None
            and longest.data < days.data
            and not longest.errors
        ):
            longest.errors = ["Longest window must be at least as long as the window"]
            valid = False
        limit = days.data if days.data is not None else longest.data
        if (
            limit is not None
            and gap.data is not None
            and len(self.sessions) > 1
            and (len(self.sessions) - 1) * gap.data >= limit
            and not gap.errors
        ):
            gap.errors = [
                f"{len(self.sessions)} sessions at least {gap.data} days apart cannot fit "
                f"in a {limit}-day window: lower the minimum days between sessions"
            ]
            valid = False
        return valid
