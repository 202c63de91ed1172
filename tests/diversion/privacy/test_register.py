"""The processing register covers every column of the models: a new column cannot arrive
without saying why it is held, on what lawful basis and for how long."""

from __future__ import annotations

from diversion.privacy.register import REGISTER, by_table, model_columns


def test_the_register_lists_exactly_the_columns_of_the_models():
    columns = model_columns()

    assert sorted(columns - set(REGISTER)) == [], (
        "register these columns in diversion/privacy/register.py"
    )
    assert sorted(set(REGISTER) - columns) == [], "these registered columns no longer exist"


def test_every_personal_column_says_why_on_what_basis_and_for_how_long():
    incomplete = [
        key
        for key, entry in REGISTER.items()
        if entry.personal
        and not (entry.purpose.strip() and entry.lawful_basis.strip() and entry.retention.strip())
    ]

    assert incomplete == []


def test_every_column_has_a_purpose():
    assert [key for key, entry in REGISTER.items() if not entry.purpose.strip()] == []


def test_her_special_category_and_criminal_offence_data_names_its_condition():
    assert "Article 9(2)(g)" in REGISTER["client.health_notes"].lawful_basis
    assert "Article 9(2)(g)" in REGISTER["case_note.body"].lawful_basis
    assert "Article 10" in REGISTER["diversion_case.charge"].lawful_basis
    assert "Article 10" in REGISTER["compliance_report.html"].lawful_basis


def test_her_identifying_fields_are_personal_and_follow_the_retention_periods():
    for key in ("client.first_name", "client.mobile", "client_alias.name", "case_note.body"):
        assert REGISTER[key].personal, key
        assert "RETENTION_CLOSED_CASE_YEARS" in REGISTER[key].retention, key
    assert "RETENTION_MESSAGE_BODY_DAYS" in REGISTER["outbox_message.body"].retention
    assert "RETENTION_INBOUND_BODY_DAYS" in REGISTER["inbound_message.body"].retention


def test_the_register_page_groups_every_entry_by_table():
    grouped = by_table()

    assert grouped[0][0] in {"job_run", "organisation", "requirement_type"}  # the models' order
    assert sum(len(entries) for _, entries in grouped) == len(REGISTER)
