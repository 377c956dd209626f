"""`manage.py seed_demo`: idempotent, fictional, and never in production."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef, Q
from django.test import Client

from accounts.models import User
from cases.models import IDENTIFICATION_DECIDED, Case
from partners.models import Agency
from policy import Role
from tests.factories import DEMO_PASSWORD
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db


SMALL_CTDC = (
    "yearRegister,gender,majorityStatus,isForcedLabour,isSexualExploit,UN_COO_Region,"
    "UN_COE_Region,IP_Exploiter,IP_Gender,IP_ageBroad,IP_citizen_UNRegion,IP_Relation,"
    "IP_PayMoney,IP_RecruiterBroker,IP_TransactionProcess,IP_ControlAbuseKidnap\n"
    "2019,Female,Adult,1,,Asia,Asia,1,Male,,Asia,StrangerUnknownOther,No,1,,\n"
    ",Male,Minor,,1,Europe,Europe,,,,,,,,,\n"
)


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.fixture(autouse=True)
def small_reference_file(tmp_path, monkeypatch):
    """The shipped CTDC file takes seconds to import; seed_demo gets a two-row one here."""
    path = tmp_path / "ctdc.csv"
    path.write_text(SMALL_CTDC, encoding="utf-8")
    monkeypatch.setattr("config.management.commands.seed_demo.CTDC_FILE", path)
    return path


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "partners", "cases", "victims", "cooperation"}
    }


def test_seed_demo_creates_agencies_and_one_user_per_role(debug_on):
    call_command("seed_demo", stdout=StringIO())
    assert Agency.objects.count() >= 3
    assert len(set(Agency.objects.values_list("agency_type", flat=True))) >= 3
    assert User.objects.filter(role=Role.PLATFORM_ADMIN).exists()
    staffed = Agency.objects.filter(staff__isnull=False).exclude(code="CTDC").distinct()
    assert staffed.count() >= 2
    for agency in staffed:
        assert {Role.CASEWORKER, Role.SUPERVISOR, Role.AGENCY_ADMIN} <= set(
            agency.staff.values_list("role", flat=True)
        )


def test_seed_demo_twice_creates_nothing_new(debug_on):
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first


def test_every_demo_login_works(debug_on):
    call_command("seed_demo", stdout=StringIO())
    for email in User.objects.values_list("email", flat=True):
        response = Client().post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email


def test_seed_demo_loads_reference_data_with_a_supervisor_to_see_it(debug_on):
    from cases.models import Case

    call_command("seed_demo", stdout=StringIO())
    supervisor = User.objects.get(email="supervisor@ctdc.example.org")
    assert supervisor.role == Role.SUPERVISOR
    assert supervisor.agency.name == "CTDC reference data"
    assert Case.objects.filter(agency=supervisor.agency).count() == 2


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="HARBOR_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_no_demo_or_imported_case_is_decided_without_a_decision_row(debug_on):
    """Identified / not identified is reached only through a recorded decision, imports too."""
    call_command("seed_demo", stdout=StringIO())
    decided = Case.objects.filter(identification_status__in=IDENTIFICATION_DECIDED)
    assert decided.filter(agency__code="CTDC").exists()
    assert decided.filter(agency__code="DEMONGO").exists()
    for status in IDENTIFICATION_DECIDED:
        matching = IdentificationDecision.objects.filter(case=OuterRef("pk")).filter(
            Q(outcome=status, review_outcome="") | Q(review_outcome=status)
        )
        undecided = decided.filter(identification_status=status).exclude(Exists(matching))
        assert list(undecided.values_list("reference", flat=True)) == []
