"""The national coordinator: national statistics across agencies, and no record at all.

Prosecutions count once per proceeding and once per individual (never per victim's case,
never twice for two agencies); the published page, CSV and XLSX agree, carry every
table's definition, and are under disclosure control."""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from audit.models import AuditEvent
from cases import services as case_services
from cases.models import Case
from cooperation import services as cooperation_services
from cooperation.models import Referral
from partners.models import Agency
from reports import disclosure
from reports.statistics import national_statistics, yearly_statistics
from tests.factories import (
    CaseFactory,
    ConsentFactory,
    PersonFactory,
    PreventionActivityFactory,
    ReferralFactory,
    UserFactory,
)
from tests.reports import builders
from tests.test_policy_matrix import ALL_URLS, POLICED, build_world, path_of

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
NATIONAL_URLS = {"reports:national", "reports:national_export"}


def _exact(tables) -> dict[str, dict[str, int]]:
    return {t.key: dict(t.rows) for t in tables}


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the must-show: one proceeding, one trafficker, three victims, two agencies -----------


@pytest.fixture
def b_supervisor(agency_b) -> User:
    return UserFactory(
        email="supervisor.b@example.org", agency=agency_b, role="supervisor", full_name="B Sup"
    )


def _shared_proceeding(supervisor, agency_a, b_supervisor, agency_b):
    """Agency A prosecutes one trafficker for three victims, all three with a case at A;
    agency B holds a case of the third too, linked by B through A's accepted referral
    to B that shares the legal section (cooperation.services.link_shared_proceeding)."""
    first = builders.identified(agency_a, supervisor, exploitation="forced_labour")
    second = builders.identified(agency_a, supervisor, exploitation="forced_labour")
    third_at_a = builders.identified(agency_a, supervisor, exploitation="forced_labour")
    third_at_b = CaseFactory(agency=agency_b, person=PersonFactory(agency=agency_b))
    proceeding = builders.proceeding(first, supervisor, kind="labour", stages=("indicted",))
    case_services.link_case(proceeding, second, actor=supervisor)
    case_services.link_case(proceeding, third_at_a, actor=supervisor)
    ConsentFactory(person=third_at_a.person, target_agency=agency_b, recorded_by=supervisor)
    referral = cooperation_services.send_referral(
        Referral(case=third_at_a, to_agency=agency_b, sections=["legal"], purpose="prosecution"),
        actor=supervisor,
    )
    cooperation_services.accept_referral(referral, actor=b_supervisor, assignees=[b_supervisor])
    cooperation_services.link_shared_proceeding(
        referral, proceeding, third_at_b, actor=b_supervisor
    )
    builders.defendant(
        proceeding, first, supervisor, name="The trafficker", outcome="convicted", months=70
    )
    return proceeding


def test_one_proceeding_with_three_victims_of_two_agencies_counts_once(
    supervisor, agency_a, b_supervisor, agency_b
):
    proceeding = _shared_proceeding(supervisor, agency_a, b_supervisor, agency_b)
    assert proceeding.links.count() == 4
    assert set(proceeding.links.values_list("case__agency", flat=True)) == {
        agency_a.pk,
        agency_b.pk,
    }
    national = _exact(national_statistics(YEAR))
    assert national["investigated"]["Labour trafficking"] == 1
    assert sum(national["prosecuted"].values()) == 1
    assert national["prosecuted"]["Labour trafficking"] == 1
    assert sum(national["individuals-prosecuted"].values()) == 1
    assert sum(national["convicted"].values()) == 1
    assert sum(national["individuals-convicted"].values()) == 1
    assert national["sentences"]["5 to less than 10 years"] == 1
    # Each agency counts the proceeding once too: A owns it, a case of B is linked to it.
    for agency in (agency_a, agency_b):
        own = _exact(yearly_statistics(Case.objects.filter(agency=agency), agency.pk, YEAR))
        assert sum(own["prosecuted"].values()) == 1, agency
        assert sum(own["individuals-prosecuted"].values()) == 1, agency
    # A third agency with nothing linked counts nothing.
    other = Agency.objects.create(name="Unrelated", code="UNREL", agency_type="ngo", country="TW")
    assert (
        sum(_exact(yearly_statistics(Case.objects.none(), other.pk, YEAR))["prosecuted"].values())
        == 0
    )


def test_the_same_proceeding_on_the_coordinators_page_is_one_prosecution(
    supervisor, agency_a, b_supervisor, agency_b, coordinator, login
):
    _shared_proceeding(supervisor, agency_a, b_supervisor, agency_b)
    page = login(coordinator).get(reverse("reports:national"), {"year": YEAR})
    assert page.status_code == 200
    prosecuted = next(t for t in page.context["tables"] if t.key == "prosecuted")
    # 1 is below the threshold: shown as hidden, never as 3.
    assert prosecuted.total == disclosure.HIDDEN
    assert 3 not in dict(prosecuted.rows).values()


# --- the coordinator sees no record ---------------------------------------------------------


@pytest.fixture
def world(agency_a, caseworker, supervisor, private_storage):
    return build_world(agency_a=agency_a, caseworker=caseworker, supervisor=supervisor)


def test_every_url_but_the_national_figures_refuses_the_coordinator(world, coordinator, login):
    client = login(coordinator)
    answers = {}
    for url in POLICED:
        if url.name in NATIONAL_URLS:
            continue
        answers[url.name] = client.get(path_of(url, world)).status_code
    refused = {name for name, status in answers.items() if status in (403, 404, 405)}
    assert set(answers) - refused == set(), {n: answers[n] for n in set(answers) - refused}
    # Every URL naming a record answers 403 or 404, open ones included.
    record_urls = [url for url in ALL_URLS if "int" in dict(url.converters).values()]
    assert len(record_urls) > 40
    for url in record_urls:
        assert client.get(path_of(url, world)).status_code in (403, 404, 405), url.name
    assert client.get(reverse("reports:national")).status_code == 200
    export = client.get(reverse("reports:national_export", args=["csv"]), {"year": YEAR})
    assert export.status_code == 200


def test_every_visible_to_is_empty_for_the_coordinator(world, coordinator, agency_a, agency_b):
    # Records addressed to the coordinator's own agency from outside too.
    incoming = ReferralFactory(
        case=CaseFactory(agency=agency_b), to_agency=agency_a, sections=["identity"]
    )
    PreventionActivityFactory(organiser=agency_a, created_by=world["staff"])
    assert incoming.status == Referral.Status.SENT
    scoped = []
    for model in apps.get_models():
        queryset = model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            scoped.append(model._meta.label)
            assert not queryset.visible_to(coordinator).exists(), model._meta.label
    assert {"cases.Case", "victims.Person", "cooperation.Referral"} <= set(scoped)
    assert len(scoped) >= 15
    assert not AuditEvent.objects.readable_by(coordinator).exists()
    assert not User.objects.manageable_by(coordinator).exists()


def test_the_coordinators_home_and_menu_show_only_the_national_figures(coordinator, login):
    client = login(coordinator)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("reports:national")
    html = client.get(reverse("reports:national")).content.decode()
    assert 'href="/reports/national/"' in html
    for hidden in ("cases:list", "cases:my_work", "victims:person_list", "partners:agency_list"):
        assert f'href="{reverse(hidden)}"' not in html, hidden
    assert reverse("accounts:password_change") in html


@pytest.mark.parametrize(
    "persona", ["caseworker", "supervisor", "agency_admin", "outsider", "platform_admin"]
)
def test_only_the_coordinator_reads_the_national_figures(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:national")).status_code == 403
    url = reverse("reports:national_export", args=["csv"])
    assert client.get(url, {"year": YEAR}).status_code == 403


def test_a_coordinator_of_an_agency_no_longer_coordinating_is_refused(coordinator, login):
    Agency.objects.filter(pk=coordinator.agency_id).update(is_coordinating=False)
    assert login(coordinator).get(reverse("reports:national")).status_code == 403


def test_the_coordinator_has_no_agency_figures(coordinator, login):
    client = login(coordinator)
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert client.get(reverse("reports:statistics")).status_code == 403


# --- published: screen = CSV = XLSX, definitions, disclosure --------------------------------


def test_screen_csv_and_xlsx_agree_with_definitions_and_disclosure(
    coordinator, login, supervisor, agency_a, outsider, agency_b
):
    for _n in range(7):
        builders.identified(agency_a, supervisor, sex="male", nationality="TW")
    for _n in range(6):
        builders.identified(agency_b, outsider, sex="male", nationality="VN")
    builders.identified(agency_b, outsider, sex="female", nationality="VN")
    client = login(coordinator)
    page = client.get(reverse("reports:national"), {"year": YEAR})
    html = page.content.decode()
    tables = page.context["tables"]
    sex = next(t for t in tables if t.key == "victims-sex")
    # 13 men across two agencies: shown (each agency alone would be hidden); 1 woman hidden,
    # and the men with her, since the total would give her back.
    assert sex.total == 14
    assert dict(sex.rows)["Female"] == disclosure.HIDDEN
    assert dict(sex.rows)["Male"] == disclosure.HIDDEN
    home = dict(next(t for t in tables if t.key == "victims-home").rows)
    assert home["Taiwanese nationals"] == disclosure.HIDDEN  # 7 < 11
    for table in tables:
        assert table.definition, table.key
        assert f'data-definition="{table.key}"' in html
    csv_rows = _csv(client.get(reverse("reports:national_export", args=["csv"]), {"year": YEAR}))
    xlsx = client.get(reverse("reports:national_export", args=["xlsx"]), {"year": YEAR})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    xlsx_rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert csv_rows[0] == ["Table", "Group", "Count", "Definition"]
    assert csv_rows == xlsx_rows
    screen = []
    for table in tables:
        screen += [[table.title, label, str(n), table.definition] for label, n in table.rows]
        if table.total is not None:
            screen.append([table.title, "Total", str(table.total), table.definition])
    assert csv_rows[1:-2] == screen
    assert csv_rows[-2][:2] == ["Note", disclosure.HIDDEN]
    assert csv_rows[-1][:2] == ["Note", "Counted at"]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=coordinator)
    assert sorted(events.values_list("object_id", flat=True)) == [f"{YEAR}:csv", f"{YEAR}:xlsx"]
    assert set(events.values_list("object_type", flat=True)) == {"reports.national"}


# --- counted every few minutes, read from the cache -------------------------------------------


def test_the_page_reads_the_counted_figures_until_the_worker_counts_again(
    coordinator, login, supervisor, agency_a, django_assert_max_num_queries
):
    from reports.tasks import refresh_national_statistics

    for _n in range(11):
        builders.identified(agency_a, supervisor, sex="male")
    client = login(coordinator)
    first = client.get(reverse("reports:national"), {"year": YEAR})
    assert dict(_table(first, "victims-sex").rows)["Male"] == 11
    assert "Counted at" in first.content.decode()
    builders.identified(agency_a, supervisor, sex="male")
    # Served from the snapshot: none of the statistics' aggregates runs again.
    with django_assert_max_num_queries(12):
        again = client.get(reverse("reports:national"), {"year": YEAR})
    assert dict(_table(again, "victims-sex").rows)["Male"] == 11
    refresh_national_statistics.call_local()
    fresh = client.get(reverse("reports:national"), {"year": YEAR})
    assert dict(_table(fresh, "victims-sex").rows)["Male"] == 12


def _table(response, key: str):
    return next(t for t in response.context["tables"] if t.key == key)


def test_a_deleted_case_leaves_the_counted_figures_at_once(
    coordinator, login, supervisor, agency_a
):
    cases = [builders.identified(agency_a, supervisor, sex="male") for _n in range(12)]
    client = login(coordinator)
    before = client.get(reverse("reports:national"), {"year": YEAR})
    assert dict(_table(before, "victims-sex").rows)["Male"] == 12
    case_services.archive_record(cases[0], actor=supervisor, reason="Entered twice")
    after = client.get(reverse("reports:national"), {"year": YEAR})
    assert dict(_table(after, "victims-sex").rows)["Male"] == 11
