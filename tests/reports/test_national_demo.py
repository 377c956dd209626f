"""The national statistics of the demo data, checked against counts made here in plain
Python from every row (`Model.objects.values()`), not through Harbor's selectors or
named rules: exactly before disclosure control, and shown-or-hidden after it."""

from __future__ import annotations

from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from accounts.models import User
from cases.models import (
    Case,
    CaseExploitation,
    Charge,
    ChargeOutcome,
    CriminalExposure,
    CriminalMatterCharge,
    Defendant,
    LegalProceeding,
    ProceedingCase,
    ProceedingTransition,
    ServiceItem,
)
from cooperation.models import Referral
from partners.models import Agency
from policy import Role
from reports import disclosure
from reports.statistics import national_statistics
from tests.test_seed_demo import SMALL_CTDC
from victims.models import IdentificationDecision, Person

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year

TYPE = {
    "forced_criminality": "Forced criminality",
    "sexual_and_labour": "Sex and labour trafficking",
    "sexual": "Sex trafficking",
    "labour": "Labour trafficking",
    "": "Other or not recorded",
}


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    path = tmp_path / "ctdc.csv"
    path.write_text(SMALL_CTDC, encoding="utf-8")
    monkeypatch.setattr("config.management.commands.seed_demo.CTDC_FILE", path)
    call_command("seed_demo", stdout=StringIO())


def _local_year(moment) -> int:
    return timezone.localtime(moment).year


def _expected() -> dict[str, Counter]:
    """Every national figure counted by hand from the rows."""
    persons = {p["id"]: p for p in Person.objects.values()}
    cases = {c["id"]: c for c in Case.objects.values("id", "person_id", "archived_at")}
    active = {
        pk
        for pk, c in cases.items()
        if c["archived_at"] is None and persons[c["person_id"]]["archived_at"] is None
    }
    expected: dict[str, Counter] = {}

    # Proceedings: each once.
    # A proceeding counts while one of its cases is not deleted.
    linked = {link.proceeding_id for link in ProceedingCase.objects.all() if link.case_id in active}
    proceedings = {p["id"]: p for p in LegalProceeding.objects.values() if p["id"] in linked}
    indicted = {
        t["proceeding_id"]
        for t in ProceedingTransition.objects.values()
        if t["to_status"] == "indicted" and _local_year(t["occurred_at"]) == YEAR
    }
    later = {"indicted", "trial", "judged", "final"}
    prosecuted = {pk for pk in indicted if proceedings[pk]["stage"] in later}
    kind = {pk: TYPE.get(p["exploitation_type"], TYPE[""]) for pk, p in proceedings.items()}
    expected["investigated"] = Counter(
        kind[pk] for pk, p in proceedings.items() if _local_year(p["created_at"]) == YEAR
    )
    expected["prosecuted"] = Counter(kind[pk] for pk in prosecuted)
    defendants = {
        d: p for d, p in Defendant.objects.values_list("id", "proceeding_id") if p in linked
    }
    expected["individuals-prosecuted"] = Counter(
        kind[proceeding] for proceeding in defendants.values() if proceeding in prosecuted
    )
    # The decision standing on each charge: its latest decided instance.
    standing: dict[int, dict] = {}
    for outcome in ChargeOutcome.objects.values():
        if outcome["outcome"] == "pending":
            continue
        current = standing.get(outcome["charge_id"])
        if current is None or outcome["instance"] > current["instance"]:
            standing[outcome["charge_id"]] = outcome
    charge_of = dict(Charge.objects.values_list("id", "defendant_id"))
    convictions = defaultdict(list)
    for outcome in standing.values():
        if outcome["outcome"] == "convicted" and charge_of[outcome["charge_id"]] in defendants:
            convictions[charge_of[outcome["charge_id"]]].append(outcome)
    convicted = {
        defendant
        for defendant, rows in convictions.items()
        if any(row["decided_on"].year == YEAR for row in rows)
    }
    expected["individuals-convicted"] = Counter(kind[defendants[d]] for d in convicted)
    expected["convicted"] = Counter(kind[pk] for pk in {defendants[d] for d in convicted})
    bands = Counter()
    for defendant in convicted:
        months = max((r["sentence_months"] or 0 for r in convictions[defendant]), default=0)
        fined = any(r["fine"] for r in convictions[defendant])
        if months == 0:
            bands["Fine only" if fined else "Not recorded"] += 1
        else:
            limits = [(12, "Less than 1 year"), (36, "1 to less than 3 years")]
            limits += [(60, "3 to less than 5 years"), (120, "5 to less than 10 years")]
            bands[next((band for limit, band in limits if months < limit), "10 years or more")] += 1
    expected["sentences"] = bands

    # Victims: people identified in the year, each once.
    identified_cases = {
        d["case_id"]
        for d in IdentificationDecision.objects.values()
        if d["case_id"] in active
        and (
            (d["outcome"] == "identified" and d["decided_on"] and d["decided_on"].year == YEAR)
            or (
                d["review_outcome"] == "identified"
                and d["review_decided_on"]
                and d["review_decided_on"].year == YEAR
            )
        )
    }
    victims = {cases[pk]["person_id"] for pk in identified_cases}
    sex_labels = {"female": "Female", "male": "Male", "unknown": "Unknown"}
    sex_labels["transgender"] = "Transgender / gender minority"
    expected["victims-sex"] = Counter(sex_labels[persons[p]["sex"]] for p in victims)
    expected["victims-age"] = Counter(persons[p]["age_band"] or "Unknown" for p in victims)
    expected["victims-age"] = Counter(
        {("48 and over" if k == "48+" else k): n for k, n in expected["victims-age"].items()}
    )
    expected["victims-nationality"] = Counter(
        str(countries.name(persons[p]["nationality"])) if persons[p]["nationality"] else "Unknown"
        for p in victims
    )
    expected["victims-home"] = Counter(
        "Nationality not recorded"
        if not persons[p]["nationality"]
        else ("Taiwanese nationals" if persons[p]["nationality"] == "TW" else "Foreign nationals")
        for p in victims
    )
    kinds = defaultdict(set)
    for row in CaseExploitation.objects.values("case_id", "type"):
        if row["case_id"] in identified_cases:
            kinds[cases[row["case_id"]]["person_id"]].add(row["type"])
    by_type = Counter()
    for person in victims:
        found = kinds[person]
        if "forced_criminality" in found:
            by_type["Forced criminality"] += 1
        elif {"sexual", "forced_labour"} <= found:
            by_type["Sex and labour trafficking"] += 1
        elif "sexual" in found:
            by_type["Sex trafficking"] += 1
        elif "forced_labour" in found:
            by_type["Labour trafficking"] += 1
        else:
            by_type["Other or not recorded"] += 1
    expected["victims-type"] = by_type
    services = [s for s in ServiceItem.objects.values() if s["case_id"] in active]
    received = defaultdict(set)
    repatriated = set()
    for s in services:
        person = cases[s["case_id"]]["person_id"]
        started = s["start_date"]
        if s["status"] in ("in_progress", "completed") and started and started.year == YEAR:
            received[s["service_type"]].add(person)
        ended = s["end_date"] or s["start_date"]
        completed = s["service_type"] == "repatriation" and s["status"] == "completed"
        if completed and ended and ended.year == YEAR:
            repatriated.add(person)
    labels = dict(ServiceItem._meta.get_field("service_type").choices)
    expected["services"] = Counter({str(labels[t]): len(p) for t, p in received.items()})
    expected["repatriated"] = Counter({"Repatriated": len(repatriated)})

    # Non-punishment.
    matters = [m for m in CriminalExposure.objects.values() if m["case_id"] in active]
    requested = [
        m
        for m in matters
        if m["non_punishment_requested_on"] and m["non_punishment_requested_on"].year == YEAR
    ]
    decided = {m["id"] for m in matters if m["decided_on"] and m["decided_on"].year == YEAR}
    expected["non-punishment"] = Counter(
        {"Requests made": len(requested), "Decisions taken": len(decided)}
    )
    outcome_labels = dict(CriminalMatterCharge.Outcome.choices)
    expected["non-punishment-charges"] = Counter(
        str(outcome_labels[c["outcome"]])
        for c in CriminalMatterCharge.objects.values()
        if c["matter_id"] in decided and c["outcome"] != "pending"
    )

    # Referrals between agencies.
    answers = Counter()
    for r in Referral.objects.values():
        if r["status"] == "revoked" or r["case_id"] not in active:
            continue
        if _local_year(r["sent_at"]) != YEAR:
            continue
        answers[
            {"accepted": "Accepted", "declined": "Declined"}.get(
                r["status"], "Awaiting a response, closed or external"
            )
        ] += 1
    expected["referrals-sent"] = answers
    return expected


def test_the_demo_has_a_coordinating_agency_and_a_coordinator(demo, login):
    agency = Agency.objects.coordinating().get()
    coordinator = User.objects.get(email="coordinator@demonia.example.org")
    assert coordinator.role == Role.COORDINATOR and coordinator.agency == agency
    assert login(coordinator).get(reverse("reports:national")).status_code == 200


def test_the_national_figures_of_the_demo_match_a_count_by_hand(demo, login):
    exact = {t.key: t for t in national_statistics(YEAR)}
    expected = _expected()
    assert set(expected) <= set(exact)
    for key, counts in expected.items():
        found = {label: n for label, n in exact[key].rows if n}
        assert found == {label: n for label, n in counts.items() if n}, key
    # Meaningful: several agencies' records, enough people and proceedings to show.
    assert sum(expected["prosecuted"].values()) >= 50
    assert sum(expected["individuals-prosecuted"].values()) > sum(expected["prosecuted"].values())
    assert sum(expected["victims-sex"].values()) >= 150
    assert sum(expected["non-punishment-charges"].values()) >= 11

    # After disclosure control: each shown cell is the exact count or the marker, and
    # the coordinator's page shows exactly that.
    coordinator = User.objects.get(email="coordinator@demonia.example.org")
    page = login(coordinator).get(reverse("reports:national"), {"year": YEAR})
    shown = {t.key: t for t in page.context["tables"]}
    assert shown.keys() == exact.keys()
    hidden = visible = 0
    for key, table in exact.items():
        for (label, n), (shown_label, cell) in zip(table.rows, shown[key].rows, strict=True):
            assert label == shown_label
            assert cell == n or cell == disclosure.HIDDEN, (key, label, n, cell)
            assert not (0 < n < disclosure.publish_k() and cell != disclosure.HIDDEN)
            hidden += cell == disclosure.HIDDEN
            visible += cell != disclosure.HIDDEN and n > 0
    assert visible >= 20 and hidden >= 1
    assert shown["individuals-prosecuted"].total == sum(expected["individuals-prosecuted"].values())
