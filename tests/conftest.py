"""Personas: the people every view test acts as.

Agency A and agency B are two partner organisations on the same installation.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import User
from partners.models import Agency, AgencyType
from policy import Role
from tests.factories import AgencyFactory, PlatformAdminFactory, UserFactory


def pytest_terminal_summary(terminalreporter) -> None:
    """Figures tests recorded as `record_property("summary", ...)` (the name matcher's
    precision and recall): shown in every run, also from xdist workers."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        for name, value in getattr(report, "user_properties", []):
            if name == "summary":
                terminalreporter.write_line(str(value))


def pytest_collection_modifyitems(config, items) -> None:
    """Concurrency tests need PostgreSQL's row locks; SQLite serialises writers."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _restore_migration_data(request) -> None:
    """A transactional test starts after another one flushed the database, which
    removes what data migrations installed (screening indicator sets, the
    encryption sentinel); put it back, as a fresh install has it."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    migration = importlib.import_module("victims.migrations.0004_seed_indicator_sets_and_sentinel")
    migration.seed(apps, None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the statistics keep their figures there)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _english_and_fast_hashing(settings):
    """Tests run in English and hash passwords cheaply; real hashing is tested on its own."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agency_a(db) -> Agency:
    """An NGO that owns the cases under test."""
    return AgencyFactory(name="Agency A (NGO)", code="AGA", agency_type=AgencyType.NGO)


@pytest.fixture
def agency_b(db) -> Agency:
    """A second, unrelated organisation: its staff must never see agency A's records."""
    return AgencyFactory(name="Agency B (Shelter)", code="AGB", agency_type=AgencyType.SHELTER)


@pytest.fixture
def caseworker(agency_a) -> User:
    """A caseworker of agency A: sees the cases assigned to them."""
    return UserFactory(
        email="caseworker.a@example.org",
        full_name="Casey Worker",
        agency=agency_a,
        role=Role.CASEWORKER,
    )


@pytest.fixture
def other_caseworker(agency_a) -> User:
    """A second caseworker of agency A, for assignment and concurrent-edit tests."""
    return UserFactory(
        email="caseworker2.a@example.org",
        full_name="Robin Colleague",
        agency=agency_a,
        role=Role.CASEWORKER,
    )


@pytest.fixture
def supervisor(agency_a) -> User:
    """A supervisor of agency A: sees all of agency A's cases, approves closure."""
    return UserFactory(
        email="supervisor.a@example.org",
        full_name="Sam Supervisor",
        agency=agency_a,
        role=Role.SUPERVISOR,
    )


@pytest.fixture
def agency_admin(agency_a) -> User:
    """Agency A's admin: manages agency A's staff accounts, reads its audit trail."""
    return UserFactory(
        email="admin.a@example.org", full_name="Alex Admin", agency=agency_a, role=Role.AGENCY_ADMIN
    )


@pytest.fixture
def outsider(agency_b) -> User:
    """A caseworker of agency B: an outsider to every agency A record (expects 404)."""
    return UserFactory(
        email="caseworker.b@example.org",
        full_name="Blake Outsider",
        agency=agency_b,
        role=Role.CASEWORKER,
    )


@pytest.fixture
def outsider_admin(agency_b) -> User:
    """Agency B's admin: must not touch agency A's accounts."""
    return UserFactory(
        email="admin.b@example.org", full_name="Bo Admin", agency=agency_b, role=Role.AGENCY_ADMIN
    )


@pytest.fixture
def coordinator(agency_a) -> User:
    """A national coordinator, on purpose in agency A (made the coordinating agency), the
    agency of every record the other personas work: national figures, and no record."""
    Agency.objects.filter(pk=agency_a.pk).update(is_coordinating=True)
    agency_a.is_coordinating = True
    return UserFactory(
        email="coordinator.a@example.org",
        full_name="Cory Coordinator",
        agency=agency_a,
        role=Role.COORDINATOR,
    )


@pytest.fixture
def platform_admin(db) -> User:
    """Manages agencies and accounts; has no default read access to victims' data."""
    return PlatformAdminFactory(email="platform@example.org", full_name="Pat Platform")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    """`login(user)` gives a test client logged in as that persona."""
    return _client_for


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads go to a temporary private folder (never a public URL); its path."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location
