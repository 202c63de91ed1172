"""Every PDF the service makes is tagged (PDF/UA-1), so a screen reader at the court or the
CPS reads its title, language, headings and tables rather than one run of text.

Checked from the file itself with pypdf: the catalogue says the document is marked, names
its language and shows its title; the structure tree holds the headings and table cells the
HTML has. Without `pdf_variant` in `diversion/pdf.py` none of this is in the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from diversion.court import reports
from diversion.db import db
from diversion.models import Case, User
from tests.conftest import World, signed_in_client
from tests.factories import Factory

NOW = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)

VARIANT_TITLES = {
    "CD": "Court diversion report",
    "ESO": "Supervisor's notice",
    "RA": "Attendance record",
    "CC": "Compliance report: Conditional caution (DIP condition)",
}


def structure_roles(pdf: bytes) -> list[str]:
    """The structure types of the document's tag tree, in reading order."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    if "/StructTreeRoot" not in root:
        return []

    def walk(node: object) -> Iterator[str]:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, DictionaryObject):
            if "/S" in node:
                yield str(node["/S"])
            yield from walk(node.get("/K"))
        elif isinstance(node, ArrayObject | list):
            for child in node:
                yield from walk(child)

    return list(walk(root["/StructTreeRoot"]))


def assert_tagged(pdf: bytes, title: str) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    catalogue = reader.trailer["/Root"]
    assert bool(catalogue.get("/MarkInfo", {}).get("/Marked")), "the PDF is not tagged"
    assert catalogue.get("/Lang") == "en-GB"
    assert bool(catalogue.get("/ViewerPreferences", {}).get("/DisplayDocTitle"))
    assert reader.metadata is not None
    assert title in (reader.metadata.title or "")
    roles = structure_roles(pdf)
    assert "/H1" in roles, roles
    assert "/Table" in roles and "/TH" in roles and "/TD" in roles, roles


@pytest.mark.parametrize("code", sorted(VARIANT_TITLES))
def test_every_report_variant_is_a_tagged_pdf_with_title_language_headings_and_tables(
    app: Flask, make: Factory, world: World, code: str
) -> None:
    client = make.client(organisation=world.project)
    case = make.order_case(code, client=client, court=world.court, worker=world.worker)
    with app.app_context():
        found_case = db.session.get(Case, case.id)
        worker = db.session.get(User, world.worker.id)
        assert found_case is not None and worker is not None
        report = reports.sign_off(found_case, actor=worker, statement="", now=NOW)
        db.session.commit()
        report_id = report.id

    web = signed_in_client(app, world.worker)
    response = web.get(f"/reports/{report_id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert_tagged(response.data, VARIANT_TITLES[code])
    assert "/H2" in structure_roles(response.data)


def test_the_subject_access_export_is_a_tagged_pdf(app: Flask, make: Factory, world: World) -> None:
    client = make.client(organisation=world.project)
    make.accepted_case(client=client, court=world.court, worker=world.worker)
    web: FlaskClient = signed_in_client(app, world.worker)
    response = web.get(f"/clients/{client.id}/export.pdf")
    assert response.status_code == 200
    assert_tagged(response.data, "Subject access export")
