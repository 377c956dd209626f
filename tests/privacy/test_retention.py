from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from cases.models import Case
from cooperation.models import MLARequest
from privacy.models import Tombstone
from tests.privacy.conftest import (
    CANARY,
    close_case,
    decrypted_dump,
    files_dump,
    make_canary_case,
    raw_dump,
)
from victims.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_case(agency_a, caseworker, supervisor, private_storage):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    close_case(case, actor=supervisor, years_ago=11)
    return case


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_the_canary_case_holds_its_canaries_before_retention(old_case, private_storage):
    assert CANARY in decrypted_dump()
    assert files_dump(private_storage)


def test_a_dry_run_lists_the_due_case_and_changes_nothing(old_case):
    before = (raw_dump(), AuditEvent.objects.count())

    output = _run("--dry-run")

    assert f"case #{old_case.pk} {old_case.reference}" in output
    assert "purge the case and its person" in output
    assert "Nothing changed" in output
    assert CANARY not in output
    assert (raw_dump(), AuditEvent.objects.count()) == before


def test_the_default_is_a_dry_run(old_case):
    output = _run()

    assert "dry run" in output
    assert Case.objects.filter(pk=old_case.pk).exists()


def test_a_real_run_purges_the_case_and_its_person_leaving_tombstones(
    old_case, private_storage, django_capture_on_commit_callbacks
):
    case_pk, person_pk, reference = old_case.pk, old_case.person_id, old_case.reference
    mla_pk = MLARequest.objects.get(case=old_case).pk
    audit_before = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--apply")

    assert "Done: 3 tombstone(s)" in output
    assert not Case.objects.filter(pk=case_pk).exists()
    assert not Person.objects.filter(pk=person_pk).exists()
    assert CANARY not in raw_dump()
    assert CANARY not in decrypted_dump()
    assert CANARY not in files_dump(private_storage)
    stones = {(stone.kind, stone.original_id) for stone in Tombstone.objects.all()}
    assert stones == {("case", case_pk), ("person", person_pk), ("mla_request", mla_pk)}
    case_stone = Tombstone.objects.get(kind="case")
    assert case_stone.reference == reference
    assert case_stone.closed_on is not None
    assert case_stone.detail == "retention: closed cases kept 10 years"
    assert case_stone.purged_by is None
    # The audit trail stays whole and gains one DELETE row per tombstone (ids only).
    deleted = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE)
    assert AuditEvent.objects.count() == audit_before + 3
    assert set(deleted.values_list("object_type", "object_id")) == {
        ("cases.case", str(case_pk)),
        ("victims.person", str(person_pk)),
        ("cooperation.mlarequest", str(mla_pk)),
    }
    assert set(deleted.values_list("channel", flat=True)) == {AuditEvent.Channel.COMMAND}


def test_a_case_closed_two_years_ago_is_untouched(
    agency_a, caseworker, supervisor, private_storage
):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    close_case(case, actor=supervisor, years_ago=2)
    before = raw_dump()

    output = _run("--apply")

    assert "0 closed case(s)" in output
    assert raw_dump() == before
    assert not Tombstone.objects.exists()


def test_an_open_case_is_never_due(agency_a, caseworker, supervisor, private_storage):
    make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)

    assert "0 closed case(s)" in _run("--apply")


def test_a_person_with_another_case_is_kept(old_case, caseworker, supervisor, agency_a):
    other = make_canary_case(
        agency=agency_a, caseworker=caseworker, supervisor=supervisor, person=old_case.person
    )

    output = _run("--apply")

    assert "keep the person" in output
    assert not Case.objects.filter(pk=old_case.pk).exists()
    assert Case.objects.filter(pk=other.pk).exists()
    assert Person.objects.filter(pk=old_case.person_id).exists()


def test_the_retention_period_comes_from_settings(old_case, settings):
    settings.HARBOR_RETAIN_CLOSED_CASES_YEARS = 12

    assert "0 closed case(s) closed over 12 years ago" in _run()


def test_imported_reference_data_is_never_purged(old_case):
    from reports.models import ImportedRecord

    ImportedRecord.objects.create(source="ctdc", row_number=1, case=old_case)

    assert "0 closed case(s)" in _run("--apply")
    assert Case.objects.filter(pk=old_case.pk).exists()
