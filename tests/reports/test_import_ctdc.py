"""`manage.py import_ctdc`: the real CTDC file, imported once for this module."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from cases.models import Case, CaseExploitation, IdentificationStatus
from policy import Role
from reports.ctdc import AGENCY_CODE, AGENCY_NAME, import_ctdc
from reports.models import ImportedRecord
from tests.factories import PlatformAdminFactory, UserFactory
from tests.reports.conftest import CTDC_CSV, counter

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctdc_supervisor(ctdc_import):
    """A supervisor of the reference agency: created by the test, never by the command."""
    from partners.models import Agency

    return UserFactory(
        email="supervisor.ctdc@example.org",
        agency=Agency.objects.get(code=AGENCY_CODE),
        role=Role.SUPERVISOR,
    )


def _figure(response, key: str) -> dict[str, int]:
    for figures in response.context["sections"].values():
        for figure in figures:
            if figure.key == key:
                return {label: cells[0].value for label, cells in figure.rows}
    raise AssertionError(f"no figure {key}")


def test_every_row_becomes_one_person_and_one_case(ctdc_import, ctdc_rows):
    assert ctdc_import.created == len(ctdc_rows) == 21195
    assert ctdc_import.errors == []
    cases = Case.objects.filter(agency__code=AGENCY_CODE)
    assert cases.count() == len(ctdc_rows)
    assert cases.values("person").distinct().count() == len(ctdc_rows)
    assert cases.get(imported_record__row_number=1).agency.name == AGENCY_NAME


def test_dashboard_shows_victims_by_sex_as_counted_in_the_file(ctdc_supervisor, ctdc_rows, login):
    response = login(ctdc_supervisor).get(reverse("reports:dashboard"))
    by_sex = counter(ctdc_rows, "gender")
    assert _figure(response, "victims-sex") == {
        "Female": by_sex["Female"],
        "Male": by_sex["Male"],
        "Transgender / gender minority": 0,
        "Unknown": by_sex[""],
    }


def test_dashboard_shows_cases_by_exploitation_type_as_counted_in_the_file(
    ctdc_supervisor, ctdc_rows, login
):
    response = login(ctdc_supervisor).get(reverse("reports:dashboard"))
    figure = _figure(response, "by-exploitation")
    neither = sum(1 for r in ctdc_rows if not r["isForcedLabour"] and not r["isSexualExploit"])
    assert figure["Forced labour"] == counter(ctdc_rows, "isForcedLabour")["1"]
    assert figure["Sexual exploitation"] == counter(ctdc_rows, "isSexualExploit")["1"]
    assert figure["Not recorded"] == neither
    assert figure["Forced criminality"] == 0


def test_dashboard_shows_year_bands_and_majority_as_imported(ctdc_supervisor, ctdc_rows, login):
    response = login(ctdc_supervisor).get(reverse("reports:dashboard"))
    years = {band or "Unknown": n for band, n in counter(ctdc_rows, "yearRegister").items()}
    majority = {m or "Unknown": n for m, n in counter(ctdc_rows, "majorityStatus").items()}
    assert _figure(response, "imported-year_band") == years
    assert _figure(response, "imported-majority_status") == majority


def test_unknown_values_stay_unknown(ctdc_import, ctdc_rows):
    row_number = next(
        i for i, r in enumerate(ctdc_rows, 1) if not r["gender"] and not r["isForcedLabour"]
    )
    record = ImportedRecord.objects.select_related("case__person").get(row_number=row_number)
    assert record.case.person.sex == "unknown"
    assert record.case.person.nationality == ""
    assert record.case.person.age_band == ""
    assert record.case.intake_date is None
    # Identified per the source: the decision is recorded as the reference data's own,
    # with no authority or date invented.
    assert record.case.identification_status == IdentificationStatus.IDENTIFIED
    decision = record.case.identification_decisions.get()
    assert decision.authority == "reference_data"
    assert decision.decided_on is None
    assert decision.outcome == "identified"
    assert "forced_labour" not in set(
        CaseExploitation.objects.filter(case=record.case).values_list("type", flat=True)
    )


def _totals() -> tuple[int, int, int]:
    return (Case.objects.count(), CaseExploitation.objects.count(), ImportedRecord.objects.count())


def test_a_second_import_creates_nothing(ctdc_import):
    before = (
        Case.objects.count(),
        CaseExploitation.objects.count(),
        ImportedRecord.objects.count(),
    )
    admin = PlatformAdminFactory(email="second@example.org")
    result = import_ctdc(CTDC_CSV, actor=admin)
    assert result.created == 0 and result.already_imported == 21195
    assert _totals() == before


def test_perpetrator_columns_and_regions_are_kept_as_imported(ctdc_import, ctdc_rows):
    record = ImportedRecord.objects.get(row_number=1)
    row = ctdc_rows[0]
    assert record.origin_region == row["UN_COO_Region"]
    assert record.exploitation_region == row["UN_COE_Region"]
    assert record.perpetrator == {k: v for k, v in row.items() if k.startswith("IP_")}
    origins = Counter(ImportedRecord.objects.values_list("origin_region", flat=True))
    assert origins == counter(ctdc_rows, "UN_COO_Region")
