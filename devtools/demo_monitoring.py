"""Fictional monitoring answers for the demo clients (`make run`), so that the monitoring
report has something to show: recorded at assessment through the service a worker uses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from diversion import clock
from diversion.db import db
from diversion.models import Client, MonitoringRecord
from diversion.monitoring.records import open_cases_of
from diversion.monitoring.services import MonitoringAnswers, record_monitoring

# (first, last, days ago, answers). Fictional; Tamsin was assessed twice and her housing
# changed between the two.
DEMO_MONITORING: list[tuple[str, str, int, MonitoringAnswers]] = [
    (
        "Rosalind",
        "Exampleton",
        5,
        MonitoringAnswers(
            work_pattern="street",
            contacts="drug_treatment",
            housing_status="hostel",
            known_previously="no",
            age_band="25_34",
            ethnicity="white_british",
            drug_use=("crack", "heroin"),
        ),
    ),
    (
        "Tamsin",
        "Sampleford",
        18,
        MonitoringAnswers(
            work_pattern="street",
            contacts="none",
            housing_status="rough_sleeping",
            known_previously="yes",
            age_band="35_44",
            ethnicity="white_irish",
            drug_use=("heroin",),
        ),
    ),
    (
        "Tamsin",
        "Sampleford",
        4,
        MonitoringAnswers(
            work_pattern="street",
            contacts="housing",
            housing_status="temporary",
            known_previously="yes",
            age_band="35_44",
            ethnicity="white_irish",
            drug_use=("heroin",),
        ),
    ),
    (
        "Philippa",
        "Mockridge",
        1,
        MonitoringAnswers(
            work_pattern="online",
            contacts="not_asked",
            housing_status="friends_family",
            known_previously="no",
            age_band="35_44",
            ethnicity="black_caribbean",
            drug_use=("crack",),
        ),
    ),
    (
        "Henrietta",
        "Dummersby",
        0,
        MonitoringAnswers(
            work_pattern="indoor",
            contacts="health",
            housing_status="settled",
            known_previously="no",
            age_band="35_44",
            ethnicity="prefer_not_to_say",
            drug_use=("cocaine", "alcohol"),
        ),
    ),
    (
        "Winifred",
        "Notreal",
        3,
        MonitoringAnswers(
            work_pattern="mixed",
            contacts="several",
            housing_status="temporary",
            known_previously="yes",
            age_band="25_34",
            ethnicity="asian_other",
            drug_use=("none",),
        ),
    ),
]


def load_demo_monitoring() -> int:
    """Record the demo answers of each demo client who has none yet, by her case's worker
    and against her open case; running it again adds nothing. Returns how many were added."""
    today = clock.today()
    already = set(db.session.scalars(select(MonitoringRecord.client_id).distinct()))
    added = 0
    for first, last, days_ago, answers in DEMO_MONITORING:
        client = db.session.scalar(
            select(Client).where(Client.first_name == first, Client.last_name == last)
        )
        if client is None or client.id in already:
            continue
        case = next((case for case in open_cases_of(client) if case.worker is not None), None)
        if case is None or case.worker is None:
            continue
        record_monitoring(
            actor=case.worker,
            client=client,
            recorded_on=today - timedelta(days=days_ago),
            answers=answers,
            case=case,
            today=today,
        )
        added += 1
    return added
