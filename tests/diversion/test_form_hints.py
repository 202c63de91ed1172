"""No hint on any form invites her health or drug use (issue 12).

A hint is what a worker reads while she types: "For example, she was in hospital" under a
reason once put health detail into what the court reads. Every form class of the service is
found by walking its packages, so a new form is checked without being listed here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from diversion.court_wording import mentions_private_words

PACKAGES = ("diversion", "scheduling", "notifications")


def form_classes() -> Iterator[type[FlaskForm]]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name.rsplit(".", 1)[-1] != "forms":
                continue
            module = importlib.import_module(info.name)
            for found in vars(module).values():
                if (
                    inspect.isclass(found)
                    and issubclass(found, FlaskForm)
                    and found.__module__ == module.__name__
                ):
                    yield found


def hints() -> list[tuple[str, str]]:
    """(form.field, hint) for every field of every form that has a hint."""
    found = []
    for form in form_classes():
        for name in dir(form):
            field = getattr(form, name)
            if isinstance(field, UnboundField) and field.kwargs.get("description"):
                found.append((f"{form.__name__}.{name}", str(field.kwargs["description"])))
    return found


def test_the_walk_finds_the_forms_a_worker_fills_in() -> None:
    fields = dict(hints())
    for expected in (
        "CancelForm.reason",
        "CancelForm.court_wording",
        "AttendanceForm.reason",
        "BookForm.move_reason",
        "SignOffForm.statement",
        "RequirementTypeForm.court_wordings_text",
    ):
        assert expected in fields, expected


@pytest.mark.parametrize(
    "text",
    [
        "For example, she was in hospital. The court may ask.",
        "She relapsed",
        "Health, drug use or housing",
        "Drugs",
        "H0SPITAL",
    ],
)
def test_the_check_finds_health_and_drug_words(text: str) -> None:
    assert mentions_private_words(text)


def test_no_form_hint_mentions_health_hospital_drugs_or_relapse() -> None:
    offending = [(field, hint) for field, hint in hints() if mentions_private_words(hint)]
    assert offending == []


def test_the_worker_is_told_her_own_reason_stays_in_the_file() -> None:
    fields = dict(hints())
    for name in ("CancelForm.reason", "AttendanceForm.reason", "BookForm.move_reason"):
        assert fields[name] == "Only for her file. The court sees the choice above, not this."
