"""Two people answer the same referral at the same moment: exactly one answer stands."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cooperation import services
from cooperation.models import Referral
from cooperation.services import ReferralError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_responses_leave_exactly_one_standing(
    referral, receiver, receiver_supervisor
):
    barrier = threading.Barrier(2)
    refused: list[Exception] = []
    unexpected: list[Exception] = []

    def respond(actor, accept: bool) -> None:
        try:
            barrier.wait()
            services.respond_to_referral(
                Referral.objects.get(pk=referral.pk),
                actor=actor,
                accept=accept,
                assignees=[receiver],
                reason="no_capacity",
            )
        except ReferralError as error:
            refused.append(error)
        except Exception as error:
            unexpected.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=respond, args=(receiver, True)),
        threading.Thread(target=respond, args=(receiver_supervisor, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(refused) == 1
    referral.refresh_from_db()
    assert referral.status in ("accepted", "declined")
    responses = referral.transitions.exclude(from_status="")
    assert responses.count() == 1
    assert responses.get().to_status == referral.status
    if referral.status == "declined":
        assert not referral.assigned_to.exists()
