"""Archive and restore: an archived record answers 404 on every channel and is absent from
every count; a restored one comes back whole (issue 14).

The world is the role x URL test's: one record of every kind hanging off one case of
agency A, sent by referral to agency C. Every URL naming one of them is generated from
the URLconf, so a URL added later is covered.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases import selectors as case_selectors
from cases.models import ArchiveEntry, Attachment, Case, ServiceItem, Task
from cases.services import (
    ArchiveError,
    archive_attachment,
    archive_case,
    restore_attachment,
    restore_case,
)
from cooperation.models import MLARequest, Referral
from policy import Role
from reports.figures import refresh as refresh_figures
from reports.selectors import dashboard_figures
from reports.statistics import yearly_statistics
from tests.factories import CaseFactory, UserFactory
from tests.test_policy_matrix import ALL_URLS, Url, build_world, path_of
from victims.models import IdentificationDecision, Person, Screening
from victims.services import archive_person, restore_person

pytestmark = pytest.mark.django_db

REASON = "Opened by mistake for the wrong person"
RESTORE_REASON = "Archived by mistake, the case is real"


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def world(agency_a, caseworker, supervisor, private_storage) -> dict[str, Model]:
    return build_world(agency_a=agency_a, caseworker=caseworker, supervisor=supervisor)


@pytest.fixture
def receiver(world) -> User:
    """A supervisor of agency C, which received the world's referral."""
    agency_c = world["referral"].to_agency
    return UserFactory(email="sup.c@example.org", agency=agency_c, role=Role.SUPERVISOR)


# --- every URL of the case's records ------------------------------------------------------

CASEWORK = ("cases:", "victims:", "cooperation:")
# The restore views look in the archive (their own scope), and the archive list has no id.
RESTORE_URLS = {"victims:case_restore", "victims:attachment_restore", "victims:person_restore"}
RECORD_OF_CASE = [
    url
    for url in ALL_URLS
    if url.name.startswith(CASEWORK)
    and "int" in dict(url.converters).values()
    and url.name not in RESTORE_URLS
]


def _assert_404_everywhere(client: Client, urls: list[Url], world: dict[str, Model]) -> None:
    """POST answers 404; GET 404, or 405 on a POST-only URL (as for an unknown id)."""
    for url in urls:
        path = path_of(url, world)
        assert client.post(path, {"reason": REASON}).status_code == 404, url.name
        assert client.get(path).status_code in (404, 405), url.name


def _reachable(client: Client, urls: list[Url], world: dict[str, Model]) -> list[str]:
    # Downloads are checked with an uploaded file below (the world's is written raw).
    pages = [url for url in urls if url.name != "cases:attachment_download"]
    return [url.name for url in pages if client.get(path_of(url, world)).status_code == 200]


def _upload(client: Client, case: Case) -> Attachment:
    """A file attached through the web, as staff do (stored the way downloads expect)."""
    upload = SimpleUploadedFile("statement.txt", b"the statement", content_type="text/plain")
    response = client.post(
        reverse("cases:attachment_upload", args=[case.pk]), {"file": upload, "description": ""}
    )
    assert response.status_code == 302
    return case.attachments.latest("pk")


# --- every count -----------------------------------------------------------------------------


def _figures(user: User) -> dict[str, list]:
    """Every dashboard cell over the case scope, and every statistics row, for `user`."""
    today = timezone.localdate()
    if user.agency_id:
        refresh_figures([user.agency_id])  # the dashboard reads its summary cube
    sections = dashboard_figures({}, user=user, today=today)
    cells = {
        f"{section}:{figure.key}": [[cell.value for cell in cells] for _label, cells in figure.rows]
        for section, figures in sections.items()
        for figure in figures
        if figure.key != "activities"  # prevention activities hang off no case
    }
    for year in {today.year, 2026}:
        for table in yearly_statistics(Case.objects.visible_to(user), user.agency_id, year):
            cells[f"statistics:{year}:{table.key}"] = [n for _label, n in table.rows]
    return cells


def _counts(*users: User) -> dict[str, int]:
    """Each user's scope of every model that hangs off a case or a person."""
    models = (
        Case,
        Person,
        Task,
        ServiceItem,
        Attachment,
        Screening,
        IdentificationDecision,
        Referral,
        MLARequest,
    )
    counts = {
        f"{user.email}:{model._meta.label}": model._default_manager.visible_to(user).count()
        for user in users
        for model in models
    }
    for user in users:
        counts[f"{user.email}:my_cases"] = case_selectors.my_cases(user).count()
        counts[f"{user.email}:my_tasks"] = case_selectors.my_tasks(user).count()
    return counts


def _all_zero(figures: dict[str, list]) -> bool:
    def values(item):
        if isinstance(item, list):
            for inner in item:
                yield from values(inner)
        else:
            yield item

    return all(not value for cells in figures.values() for value in values(cells))


def _lists_show(client: Client, world: dict[str, Model]) -> dict[str, bool]:
    case, person = world["case"], world["person"]
    pages = {
        "cases:list": case.reference,
        "cases:task_list": world["task"].title,
        "cases:my_work": case.reference,
        "victims:person_list": person.code,
        "cooperation:referral_list": case.reference,
        "cooperation:mla_list": str(world["mla"]),
    }
    return {
        name: text in client.get(reverse(name)).content.decode() for name, text in pages.items()
    }


# --- a case ----------------------------------------------------------------------------------


def test_an_archived_case_answers_404_on_every_url_for_its_caseworker_and_supervisor(
    world, caseworker, supervisor, receiver, login
):
    assert _reachable(login(caseworker), RECORD_OF_CASE, world)  # before: the pages open
    archive_case(world["case"], actor=caseworker, reason=REASON)
    for user in (caseworker, supervisor):
        _assert_404_everywhere(login(user), RECORD_OF_CASE, world)
    referral = reverse("cooperation:referral_detail", args=[world["referral"].pk])
    assert login(receiver).get(referral).status_code == 404


def test_an_archived_case_is_in_no_list_and_no_count_and_comes_back_whole_when_restored(
    world, caseworker, supervisor, receiver, login
):
    before = (_counts(caseworker, supervisor, receiver), _figures(supervisor))
    shown_before = _lists_show(login(supervisor), world)
    assert all(shown_before.values()) and not _all_zero(before[1])
    supervisors = {
        key: n
        for key, n in before[0].items()
        if key.startswith(supervisor.email) and "my_" not in key
    }
    assert all(supervisors.values()), "the supervisor's every scope holds the world's records"

    archive_case(world["case"], actor=caseworker, reason=REASON)

    counts, figures = _counts(caseworker, supervisor, receiver), _figures(supervisor)
    # The caseless person drops out with their only case; nothing else of the case remains.
    assert {key: n for key, n in counts.items() if n} == {}
    assert _all_zero(figures), {key: cells for key, cells in figures.items() if cells}
    assert not any(_lists_show(login(supervisor), world).values())
    assert not any(_lists_show(login(caseworker), world).values())
    received = login(receiver).get(reverse("cooperation:referral_list")).content.decode()
    assert world["case"].reference not in received

    restore_case(world["case"], actor=supervisor, reason=RESTORE_REASON)

    assert (_counts(caseworker, supervisor, receiver), _figures(supervisor)) == before
    assert _lists_show(login(supervisor), world) == shown_before
    assert _reachable(login(caseworker), RECORD_OF_CASE, world)


def test_a_caseworker_deletes_a_case_with_a_reason_and_a_supervisor_restores_it_from_the_archive(
    world, caseworker, supervisor, login
):
    case = world["case"]
    worker = login(caseworker)
    response = worker.post(reverse("cases:archive", args=[case.pk]), {"reason": REASON})
    assert response.status_code == 302
    assert worker.get(case.get_absolute_url()).status_code == 404

    boss = login(supervisor)
    archive = boss.get(reverse("victims:archive_list")).content.decode()
    assert case.reference in archive and REASON in archive
    response = boss.post(
        reverse("victims:case_restore", args=[case.pk]), {"reason": RESTORE_REASON}
    )
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert worker.get(case.get_absolute_url()).status_code == 200
    case.refresh_from_db()
    assert case.archived_at is None and case.archived_by is None and case.archive_reason == ""


def test_deleting_needs_a_real_reason(world, caseworker, login):
    case = world["case"]
    response = login(caseworker).post(reverse("cases:archive", args=[case.pk]), {"reason": "x"})
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert Case.objects.active().filter(pk=case.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ARCHIVE).exists()


def test_archiving_twice_or_restoring_a_record_not_archived_is_refused(world, caseworker):
    case = world["case"]
    with pytest.raises(ArchiveError):
        restore_case(case, actor=caseworker, reason=RESTORE_REASON)
    archive_case(case, actor=caseworker, reason=REASON)
    with pytest.raises(ArchiveError):
        archive_case(case, actor=caseworker, reason=REASON)


def test_only_a_supervisor_of_the_agency_sees_the_archive_and_restores(
    world, caseworker, agency_admin, agency_b, login
):
    case = world["case"]
    archive_case(case, actor=caseworker, reason=REASON)
    restore = reverse("victims:case_restore", args=[case.pk])
    assert login(caseworker).get(reverse("victims:archive_list")).status_code == 403
    assert login(agency_admin).get(reverse("victims:archive_list")).status_code == 403
    # For a caseworker the archived case is out of scope like any other: 404, audited.
    assert login(caseworker).post(restore, {"reason": RESTORE_REASON}).status_code == 404
    other = UserFactory(email="sup.b@example.org", agency=agency_b, role=Role.SUPERVISOR)
    client = login(other)
    assert case.reference not in client.get(reverse("victims:archive_list")).content.decode()
    assert client.post(restore, {"reason": RESTORE_REASON}).status_code == 404
    assert not Case.objects.active().filter(pk=case.pk).exists()


# --- a person --------------------------------------------------------------------------------


def test_an_archived_person_and_their_cases_answer_404_and_come_back_whole(
    world, caseworker, supervisor, receiver, login
):
    before = (_counts(caseworker, supervisor, receiver), _figures(supervisor))
    person = world["person"]
    response = login(caseworker).post(
        reverse("victims:person_archive", args=[person.pk]), {"reason": REASON}
    )
    assert response.status_code == 302
    for user in (caseworker, supervisor):
        _assert_404_everywhere(login(user), RECORD_OF_CASE, world)
    assert {key: n for key, n in _counts(caseworker, supervisor, receiver).items() if n} == {}
    assert _all_zero(_figures(supervisor))
    # The case keeps its own archive fields empty: it is hidden through the person.
    assert Case.objects.archived().count() == 0

    boss = login(supervisor)
    assert (
        person.code in boss.get(reverse("victims:archive_list") + "?kind=people").content.decode()
    )
    response = boss.post(
        reverse("victims:person_restore", args=[person.pk]), {"reason": RESTORE_REASON}
    )
    assert response.status_code == 302
    assert (_counts(caseworker, supervisor, receiver), _figures(supervisor)) == before


def test_archiving_a_case_leaves_the_persons_other_cases_and_the_person(
    world, caseworker, supervisor
):
    person = world["person"]
    other = Case.objects.create(
        agency=world["case"].agency, person=person, reference="OTHER-1", created_by=caseworker
    )
    archive_case(world["case"], actor=caseworker, reason=REASON)
    assert list(Case.objects.visible_to(supervisor)) == [other]
    assert list(Person.objects.visible_to(supervisor)) == [person]
    archive_person(person, actor=caseworker, reason=REASON)
    assert not Case.objects.visible_to(supervisor).exists()
    restore_person(person, actor=supervisor, reason=RESTORE_REASON)
    assert list(Case.objects.visible_to(supervisor)) == [other]


# --- an attachment ---------------------------------------------------------------------------


def test_an_archived_attachment_cannot_be_downloaded_and_a_restored_one_can(
    world, caseworker, supervisor, login
):
    case, worker = world["case"], login(caseworker)
    attachment = _upload(worker, case)
    download = reverse("cases:attachment_download", args=[case.pk, attachment.pk])
    assert worker.get(download).status_code == 200
    response = worker.post(
        reverse("cases:attachment_archive", args=[case.pk, attachment.pk]), {"reason": REASON}
    )
    assert response.status_code == 302
    for user in (caseworker, supervisor):
        client = login(user)
        assert client.get(download).status_code == 404
        assert attachment.original_name not in client.get(case.get_absolute_url()).content.decode()
    assert list(Attachment.objects.visible_to(supervisor)) == [world["attachment"]]

    boss = login(supervisor)
    listed = boss.get(reverse("victims:archive_list") + "?kind=attachments").content.decode()
    assert attachment.original_name in listed
    restore = reverse("victims:attachment_restore", args=[attachment.pk])
    assert boss.post(restore, {"reason": RESTORE_REASON}).status_code == 302
    assert worker.get(download).status_code == 200


# --- the audit trail and the archive log -------------------------------------------------


def test_archive_and_restore_are_audited_with_ids_only_and_the_reasons_are_logged(
    world, caseworker, supervisor
):
    attachment = world["attachment"]
    archive_attachment(attachment, actor=caseworker, reason=REASON)
    restore_attachment(attachment, actor=supervisor, reason=RESTORE_REASON)
    rows = AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.ARCHIVE, AuditEvent.Action.RESTORE]
    ).order_by("pk")
    assert [(r.action, r.actor, r.object_type, r.object_id) for r in rows] == [
        ("archive", caseworker, "cases.attachment", str(attachment.pk)),
        ("restore", supervisor, "cases.attachment", str(attachment.pk)),
    ]
    for row in AuditEvent.objects.values_list():
        assert not any(REASON in str(value) or RESTORE_REASON in str(value) for value in row)
    log = ArchiveEntry.objects.order_by("pk")
    assert [(e.action, e.reason) for e in log] == [
        ("archive", REASON),
        ("restore", RESTORE_REASON),
    ]


def test_the_archive_reason_is_stored_encrypted(world, caseworker):
    archive_case(world["case"], actor=caseworker, reason=REASON)
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_reason FROM cases_case WHERE id = %s", [world["case"].pk])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT reason FROM cases_archiveentry")
        logged = [row[0] for row in cursor.fetchall()]
    assert REASON not in str(stored)
    assert logged and all(REASON not in str(value) for value in logged)


# --- the archive list --------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 30])
def test_the_archive_list_runs_a_fixed_number_of_queries(
    rows, agency_a, caseworker, supervisor, login, django_assert_max_num_queries
):
    for _n in range(rows):
        case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
        archive_case(case, actor=caseworker, reason=REASON)
    client = login(supervisor)
    for kind in ("cases", "people", "attachments"):
        with django_assert_max_num_queries(12):
            response = client.get(reverse("victims:archive_list") + f"?kind={kind}")
        assert response.status_code == 200


def test_the_archive_list_refuses_an_unknown_kind(supervisor, login):
    assert login(supervisor).get(reverse("victims:archive_list") + "?kind=x").status_code == 400


def test_a_restored_record_keeps_its_data(world, caseworker, supervisor):
    case = world["case"]
    before = Case.objects.filter(pk=case.pk).values(
        "reference", "person_id", "status", "version", "identification_status"
    )[0]
    archive_case(case, actor=caseworker, reason=REASON)
    restore_case(case, actor=supervisor, reason=RESTORE_REASON)
    after = Case.objects.filter(pk=case.pk).values(*before)[0]
    assert after == before
    assert case.tasks.count() == 1 and case.referrals.count() == 1
    assert datetime.date(2026, 2, 1) in set(
        case.identification_decisions.values_list("decided_on", flat=True)
    )
