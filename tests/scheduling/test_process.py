"""The scheduler process: its jobs, and that they run inside an application context."""

from __future__ import annotations

from datetime import timedelta

from scheduling.process import build_scheduler, jobs_of


def test_the_scheduler_runs_the_text_dispatcher_every_5_seconds(app):
    scheduler = build_scheduler(app)
    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "database-check",
        "text-message-dispatcher",
        "simulated-delivery-receipts",
        "mail-delivery",
        "report-reminders",
        "sitting-day-lists",
        "retention",
        "at-risk-recheck",
        "texts-check-ahead",
        "monitoring-summary",
    }
    assert jobs["text-message-dispatcher"].trigger.interval == timedelta(seconds=5)
    assert jobs["text-message-dispatcher"].max_instances == 1
    assert jobs["simulated-delivery-receipts"].trigger.interval == timedelta(seconds=10)
    assert jobs["mail-delivery"].trigger.interval == timedelta(seconds=60)
    assert jobs["retention"].trigger.interval == timedelta(minutes=15)
    assert jobs["at-risk-recheck"].trigger.interval == timedelta(minutes=15)
    assert jobs["texts-check-ahead"].trigger.interval == timedelta(minutes=5)


def test_every_job_runs_cleanly_in_an_application_context(app):
    for job in jobs_of(app):
        with app.app_context():
            job.run()
