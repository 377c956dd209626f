import datetime
import zoneinfo

import pytest

from cases.models import ServiceItem

# The frozen "now" every reminder test passes to the worker: noon in the settings' zone.
TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Taipei"))


@pytest.fixture
def case_of(caseworker, supervisor):
    """`case_of()` makes an agency-A case worked by the caseworker, supervised by the supervisor."""
    from tests.factories import CaseFactory

    def _make(**kwargs):
        return CaseFactory(
            agency=caseworker.agency, caseworkers=[caseworker], supervisor=supervisor, **kwargs
        )

    return _make


def permit(case, expires_on: datetime.date) -> ServiceItem:
    return ServiceItem.objects.create(
        case=case,
        service_type="residence_permit",
        permit_expires_on=expires_on,
        created_by=case.created_by,
    )
