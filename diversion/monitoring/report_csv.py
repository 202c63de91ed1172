"""A table of the monitoring report as CSV: the same suppressed figures as the page.

Cells that a spreadsheet would run as a formula are quoted as the court list's are
(diversion.court.list_csv.csv_cell). After the table, a blank row and what it counts: the
organisations, the period and what "fewer than 5" and "not shown" mean.
"""

from __future__ import annotations

from collections.abc import Sequence

from diversion.court.list_csv import csv_text
from diversion.monitoring.queries import Period
from diversion.monitoring.report import Report
from diversion.monitoring.suppression import THRESHOLD
from diversion.monitoring.tables import Table

__all__ = ["csv_filename", "csv_text", "table_rows"]


def table_rows(table: Table, report: Report) -> list[Sequence[str]]:
    """The table as CSV rows: headings, one row per line (totals last), then its notes."""
    rows: list[Sequence[str]] = [(table.spec.row_heading, *table.headings)]
    for line in table.lines:
        rows.append((line.label, *(f.csv for f in (*line.counts, *line.derived))))
    who = (
        "The partnership"
        if report.partnership
        else ", ".join(name for _, name in report.organisations)
    )
    rows += [
        (),
        ("Table", table.spec.caption),
        ("Of", who),
        ("Period", f"{report.period.first.isoformat()} to {report.period.last.isoformat()}"),
        (
            "Suppression",
            f"Counts under {THRESHOLD} show as 'fewer than {THRESHOLD}'; 'not shown' marks a "
            f"figure hidden so that none under {THRESHOLD} can be worked out from the others.",
        ),
    ]
    if table.spec.note:
        rows.append(("Note", table.spec.note))
    return rows


def csv_filename(report_of: str, key: str, period: Period) -> str:
    """monitoring-<organisation|partnership>-<table>-<from>-to-<to>.csv"""
    return (
        f"monitoring-{report_of}-{key}-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    )
