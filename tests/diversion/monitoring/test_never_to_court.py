"""Her monitoring answers are special category data: never in what the court or the CPS
reads (security.md 4; issue 17). Two women on Wednesday 30 December's list have monitoring
answers recorded, one on the case the list names; the sitting-day list, its CSV and its
email, the compliance report (page, preview, PDF and email) and every page a court liaison
officer or the CPS opens are searched for the answers' words and codes.

Today is Monday 28 December 2026; the list goes on Tuesday 29 December at 12:00.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from diversion.court import reports
from diversion.court.schedule import send_lists
from diversion.db import db
from diversion.models import (
    AppointmentStatus,
    Case,
    ComplianceReport,
    MonitoringRecord,
    OutgoingMail,
    Role,
    User,
)
from diversion.monitoring.choices import QUESTION_OF
from tests.conftest import World, signed_in_client
from tests.diversion.monitoring.answers import posted
from tests.factories import Factory

NOW = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
LIST_DUE = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)
COURT_DAY = date(2026, 12, 2)
LIST_DAY = date(2026, 12, 30)

# Her answers, and those of a woman first appearing on the same list: distinctive words.
RETURNING = {
    "work_pattern": "street",
    "contacts": "probation",
    "housing_status": "rough_sleeping",
    "known_previously": "yes",
    "age_band": "45_54",
    "ethnicity": "white_gypsy_traveller",
    "drug_use": ["benzodiazepines", "cannabis"],
}
FIRST_APPEARING = {
    "work_pattern": "indoor",
    "contacts": "housing",
    "housing_status": "hostel",
    "known_previously": "no",
    "age_band": "18_24",
    "ethnicity": "mixed_white_black_caribbean",
    "drug_use": ["alcohol"],
}


def _never() -> list[str]:
    """The words and codes of every answer planted, and the questions' own words."""
    words: set[str] = set()
    for planted in (RETURNING, FIRST_APPEARING):
        for field, answer in planted.items():
            question = QUESTION_OF[field]
            codes = answer if isinstance(answer, list) else [answer]
            for code in codes:
                if field != "known_previously":  # "Yes" and "No" are any page's words
                    words.add(question.words(code))
                    words.add(question.words(code).split(": ")[-1])  # without its group
                    if "_" in code:  # a code, not an everyday word like "street"
                        words.add(code)
    words |= {"Work patterns", "Housing status", "Ethnicity", "Drug use", "Known to the service"}
    return sorted(words)


NEVER = _never()


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def found_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in NEVER if word.lower() in lowered]


def page(web: FlaskClient, url: str) -> str:
    response = web.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


def mail_text(raw: bytes) -> str:
    """An email's subject, its words and the text of each attachment (PDF or CSV)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    words = str(message["Subject"]) + body.get_content()
    for attachment in message.iter_attachments():
        assert isinstance(attachment, EmailMessage)
        content = attachment.get_content()
        words += pdf_text(content) if isinstance(content, bytes) else content
    return words


@pytest.fixture
def listed(app: Flask, make: Factory, world: World) -> dict[str, int]:
    """Her case returns on the 30th with both sessions attended and a signed-off report;
    another woman first appears that day. Both have monitoring answers recorded."""
    venue = make.venue(organisation=world.project)
    her = make.client(organisation=world.project, first_name="Perdita", last_name="Vane")
    case = make.accepted_case(
        client=her,
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01PV0001",
    )
    for number, day in ((1, 7), (2, 14)):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            kind="assessment" if number == 1 else "care_plan",
            starts_at=datetime(2026, 12, day, 10, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, day, 11, 30, tzinfo=UTC),
            status=AppointmentStatus.ATTENDED,
        )
    newcomer = make.client(organisation=world.project, first_name="Ione", last_name="Marsh")
    first = make.case(
        client=newcomer,
        court=world.court,
        worker=world.worker,
        first_court_date=LIST_DAY,
        court_reference="01IM0002",
    )
    web = signed_in_client(app, world.worker)
    for client_id, answers, case_id in (
        (her.id, RETURNING, case.id),
        (her.id, RETURNING, ""),
        (newcomer.id, FIRST_APPEARING, first.id),
    ):
        response = web.post(
            f"/clients/{client_id}/monitoring",
            data=posted(date(2026, 12, 7), case_id=str(case_id), **answers),
        )
        assert response.status_code == 303
    assert len(make.session.scalars(select(MonitoringRecord)).all()) == 3
    with app.app_context():
        worker = db.session.get(User, world.worker.id)
        held = db.session.get(Case, case.id)
        assert worker is not None and held is not None
        report = reports.sign_off(held, actor=worker, statement="", now=NOW)
    return {"case": case.id, "client": her.id, "report": report.id, "newcomer": newcomer.id}


def test_her_worker_reads_the_answers_the_court_never_does(
    app: Flask, world: World, listed: dict[str, int]
) -> None:
    """The answers are there to find: on her monitoring page, for her worker."""
    mine = page(signed_in_client(app, world.worker), f"/clients/{listed['client']}/monitoring")

    assert {"Gypsy or Irish Traveller", "Sleeping rough", "Benzodiazepines", "Cannabis"} <= set(
        found_in(mine)
    )


@pytest.mark.parametrize("role", [Role.COURT_LIAISON, Role.CPS])
def test_no_monitoring_answer_reaches_the_court_or_the_cps_on_any_page_or_csv(
    app: Flask, world: World, listed: dict[str, int], role: Role
) -> None:
    web = signed_in_client(app, world.liaison if role is Role.COURT_LIAISON else world.cps)
    court = world.court.id

    outputs = {
        "courts": page(web, "/court"),
        "list": page(web, f"/court/{court}/list?date={LIST_DAY.isoformat()}"),
        "next sitting day": page(web, f"/court/{court}/list"),
        "returning only": page(web, f"/court/{court}/list?date={LIST_DAY}&show=returning"),
        "csv": web.get(f"/court/{court}/list.csv?date={LIST_DAY}").data.decode("utf-8-sig"),
        "report pdf": pdf_text(web.get(f"/reports/{listed['report']}.pdf").data),
    }
    assert "Perdita Vane" in outputs["list"] and "Ione Marsh" in outputs["list"]
    assert "Perdita Vane" in outputs["csv"] and "Perdita Vane" in outputs["report pdf"]
    assert {name: found_in(text) for name, text in outputs.items()} == {
        name: [] for name in outputs
    }
    # Her monitoring page is not theirs to open.
    assert web.get(f"/clients/{listed['client']}/monitoring").status_code == 403


def test_the_compliance_report_and_both_emails_carry_no_monitoring_answer(
    app: Flask, make: Factory, world: World, listed: dict[str, int]
) -> None:
    web = signed_in_client(app, world.worker)
    outputs = {
        "report page": page(web, f"/cases/{listed['case']}/report"),
        "report preview": page(web, f"/cases/{listed['case']}/report/preview"),
    }
    with app.app_context():
        report = db.session.get(ComplianceReport, listed["report"])
        worker = db.session.get(User, world.worker.id)
        assert report is not None and worker is not None
        outputs["signed-off report"] = report.html
        reports.send_report(report, actor=worker, now=NOW)
    with time_machine.travel(LIST_DUE, tick=False), app.app_context():
        assert len(send_lists(now=LIST_DUE)) == 1
    with app.app_context():
        for mail in db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)):
            outputs[f"email {mail.id} ({mail.kind})"] = mail_text(mail.message)
    assert len(outputs) == 6  # the report to the court and to the CPS, and the list
    assert any("Perdita Vane" in text for name, text in outputs.items() if "list" in name)
    assert {name: found_in(text) for name, text in outputs.items()} == {
        name: [] for name in outputs
    }
