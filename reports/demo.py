"""Reference data for `manage.py seed_demo`: the CTDC file and a supervisor to look at it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from accounts.demo import demo_user
from accounts.models import User
from policy import Role
from reports.ctdc import ImportResult, import_ctdc, reference_agency

CTDC_FILE = Path(settings.BASE_DIR) / "reports" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"


def seed_reference_data(actor: User, path: Path = CTDC_FILE) -> tuple[ImportResult, User]:
    """Import the CTDC file (a second run creates nothing) and a demo supervisor of its agency."""
    result = import_ctdc(path, actor=actor)
    supervisor = demo_user(
        "supervisor@ctdc.example.org",
        full_name="Demo Supervisor (CTDC reference data)",
        agency=reference_agency(),
        role=Role.SUPERVISOR,
    )
    return result, supervisor
