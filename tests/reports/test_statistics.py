"""The yearly statistics page and its CSV/XLSX downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from cases.models import Case, CaseExploitation
from reports.statistics import yearly_statistics
from tests.factories import CaseFactory, PersonFactory
from tests.reports import builders
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _identified(agency, recorder, count: int, sex: str, exploitation: str = "sexual") -> None:
    for _n in range(count):
        case = CaseFactory(agency=agency, person=PersonFactory(agency=agency, sex=sex))
        CaseExploitation.objects.create(case=case, type=exploitation)
        IdentificationDecision.objects.create(
            case=case,
            authority="police",
            decided_on=timezone.localdate(),
            outcome="identified",
            recorded_by=recorder,
        )


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _exact(agency) -> dict[str, dict[str, int]]:
    """The exact counts, before disclosure control (tests/reports/test_disclosure.py)."""
    tables = yearly_statistics(Case.objects.filter(agency=agency), agency.pk, YEAR)
    return {t.key: dict(t.rows) for t in tables}


def test_the_year_figures_are_counted(supervisor, agency_a):
    _identified(agency_a, supervisor, 3, "female")
    case = CaseFactory(agency=agency_a)
    CaseExploitation.objects.create(case=case, type="forced_labour")
    builders.proceeding(case, supervisor, kind="labour", stages=("indicted",))
    tables = _exact(agency_a)
    assert tables["victims-sex"]["Female"] == 3
    assert tables["investigated"]["Labour trafficking"] == 1
    assert tables["prosecuted"]["Labour trafficking"] == 1
    assert tables["victims-type"]["Sex trafficking"] == 3


def test_convictions_count_proceedings_and_individuals_by_decision_year(supervisor, agency_a):
    case = CaseFactory(agency=agency_a)
    proceeding = builders.proceeding(
        case, supervisor, kind="forced_criminality", stages=("indicted", "trial", "judged")
    )
    today = timezone.localdate()
    for name, outcome, day in [
        ("Defendant one", "convicted", today),
        ("Defendant two", "convicted", today),
        ("Defendant three", "acquitted", today),
        ("Defendant four", "convicted", today.replace(year=YEAR - 1)),
        ("Defendant five", "", None),
    ]:
        builders.defendant(proceeding, case, supervisor, name=name, outcome=outcome, on=day)
    tables = _exact(agency_a)
    assert tables["convicted"]["Forced criminality"] == 1
    assert tables["individuals-convicted"]["Forced criminality"] == 2
    assert tables["individuals-prosecuted"]["Forced criminality"] == 5
    assert sum(tables["convicted"].values()) == 1


def test_csv_suppresses_small_counts_by_default_and_is_audited(login, supervisor, agency_a):
    _identified(agency_a, supervisor, 3, "female")
    _identified(agency_a, supervisor, 12, "male")
    url = reverse("reports:statistics_export", args=["csv"])
    response = login(supervisor).get(url, {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = {(r[0], r[1]): r[2] for r in _csv(response)[1:]}
    # Female 3 is hidden, and Male 12 with it: beside the total, Male would give it back.
    assert rows[("Victims identified by sex", "Female")] == "[c]"
    assert rows[("Victims identified by sex", "Male")] == "[c]"
    assert rows[("Victims identified by sex", "Unknown")] == "0"
    assert rows[("Victims identified by sex", "Total")] == "15"
    assert rows[("Note", "[c]")].startswith("[c]: hidden. Counts from 1 to 10 are hidden")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == supervisor and event.object_id == f"{YEAR}:csv"


@pytest.mark.parametrize(
    "params", [{"chosen": "on"}, {"chosen": "on", "suppress": ""}, {"suppress": "off"}]
)
def test_no_parameter_turns_suppression_off(login, supervisor, agency_a, params):
    _identified(agency_a, supervisor, 3, "female")
    client = login(supervisor)
    url = reverse("reports:statistics_export", args=["csv"])
    rows = {(r[0], r[1]): r[2] for r in _csv(client.get(url, {"year": YEAR, **params}))[1:]}
    assert rows[("Victims identified by sex", "Female")] == "[c]"
    page = client.get(reverse("reports:statistics"), {"year": YEAR, **params})
    tables = {t.key: dict(t.rows) for t in page.context["tables"]}
    assert tables["victims-sex"]["Female"] == "[c]"


def test_xlsx_download_has_the_same_rows(login, supervisor, agency_a):
    _identified(agency_a, supervisor, 12, "male")
    url = reverse("reports:statistics_export", args=["xlsx"])
    response = login(supervisor).get(url, {"year": YEAR})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("Victims identified by sex", "Male")] == 12
    assert AuditEvent.objects.filter(object_id=f"{YEAR}:xlsx").count() == 1


def test_other_agencies_figures_are_not_counted(login, supervisor, agency_b, outsider):
    _identified(agency_b, outsider, 12, "male")
    response = login(supervisor).get(reverse("reports:statistics"), {"year": YEAR})
    tables = {t.key: dict(t.rows) for t in response.context["tables"]}
    assert tables["victims-sex"]["Male"] == 0


@pytest.mark.parametrize("params", [{"year": "abc"}, {"year": "99999"}, {}])
def test_bad_year_gives_400_on_download(login, supervisor, params):
    url = reverse("reports:statistics_export", args=["csv"])
    assert login(supervisor).get(url, params).status_code == 400


def test_unknown_format_is_404(login, supervisor):
    url = reverse("reports:statistics_export", args=["pdf"])
    assert login(supervisor).get(url, {"year": YEAR}).status_code == 404


@pytest.mark.parametrize("persona", ["caseworker", "outsider", "platform_admin"])
def test_statistics_are_for_supervisors_and_agency_admins_only(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:statistics")).status_code == 403
    url = reverse("reports:statistics_export", args=["csv"])
    assert client.get(url, {"year": YEAR}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
