"""The yearly figures agencies report (DOMAIN.md "Statistics"), aggregated in the database.

Each table is one GROUP BY query over the agency's cases (the caller scopes them). The
counts here are exact: reports/disclosure.py decides what may be shown of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Case as Switch
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cases.models import (
    Case,
    CaseExploitation,
    Defendant,
    ExploitationType,
    ProsecutionStatus,
    ServiceItem,
    Track,
    TrackTransition,
)
from cooperation.models import Referral
from partners.models import ServiceType
from victims.models import AgeBand, IdentificationDecision, Person, Sex

if TYPE_CHECKING:
    from django.utils.functional import Promise

# The reporting types of exploitation (TIP questionnaire shape).
TYPE_LABELS = {
    "forced_criminality": _("Forced criminality"),
    "both": _("Sex and labour trafficking"),
    "sex": _("Sex trafficking"),
    "labour": _("Labour trafficking"),
    "other": _("Other or not recorded"),
}


@dataclass
class StatTable:
    """One table of exact counts.

    `population` names what the rows partition (each record in exactly one row): the
    table then has a total, shared with every table of the same population. Empty
    when a record may count in several rows (services) or the rows are unrelated.
    """

    key: str
    title: Promise | str
    rows: list[tuple[str, int]] = field(default_factory=list)
    population: str = ""


def _has(exploitation_type: str, case_ref: str = "pk") -> Exists:
    return Exists(CaseExploitation.objects.filter(case=OuterRef(case_ref), type=exploitation_type))


def reporting_type(case_ref: str = "pk") -> Switch:
    """Forced criminality first, then sex and labour together, sex, labour, other."""
    sexual, labour = (
        _has(ExploitationType.SEXUAL, case_ref),
        _has(ExploitationType.FORCED_LABOUR, case_ref),
    )
    return Switch(
        When(_has(ExploitationType.FORCED_CRIMINALITY, case_ref), then=Value("forced_criminality")),
        When(sexual & labour, then=Value("both")),
        When(sexual, then=Value("sex")),
        When(labour, then=Value("labour")),
        default=Value("other"),
    )


def _by_type(qs: QuerySet, key: str, title: Promise, case_ref: str = "pk") -> StatTable:
    rows = qs.annotate(kind=reporting_type(case_ref)).values("kind").annotate(n=Count("pk"))
    counts = {row["kind"]: row["n"] for row in rows.order_by()}
    return StatTable(
        key,
        title,
        [(str(label), counts.get(k, 0)) for k, label in TYPE_LABELS.items()],
        population=key,
    )


def _reached(cases: QuerySet[Case], status: str, year: int) -> QuerySet[Case]:
    moved = TrackTransition.objects.filter(
        track=Track.PROSECUTION, to_status=status, occurred_at__year=year
    )
    return cases.filter(pk__in=moved.values("case_id"))


def _grouped(qs: QuerySet, column: str, choices: list, key: str, title: Promise) -> StatTable:
    counts = {row[column]: row["n"] for row in qs.values(column).annotate(n=Count("pk")).order_by()}
    return StatTable(
        key,
        title,
        [(str(label), counts.get(value, 0)) for value, label in choices],
        population="victims",
    )


def yearly_statistics(cases: QuerySet[Case], agency_id: int, year: int) -> list[StatTable]:
    """Every table of the statistics page for one calendar year."""
    investigated = _reached(cases, ProsecutionStatus.INVESTIGATION, year)
    prosecuted = _reached(cases, ProsecutionStatus.INDICTED, year)
    judged = _reached(cases, ProsecutionStatus.JUDGMENT, year)
    convicted_defendants = Defendant.objects.filter(
        proceeding__case__in=cases.values("pk"),
        outcome=Defendant.Outcome.CONVICTED,
        judgment_date__year=year,
    )
    convicted = cases.filter(pk__in=convicted_defendants.values("proceeding__case_id"))
    identified = IdentificationDecision.objects.filter(case__in=cases.values("pk")).filter(
        Q(outcome="identified", decided_on__year=year)
        | Q(review_outcome="identified", review_decided_on__year=year)
    )
    victims = Person.objects.active().filter(pk__in=identified.values("case__person_id"))
    victim_cases = cases.filter(pk__in=identified.values("case_id"))
    nationality_rows = victims.values("nationality").annotate(n=Count("pk")).order_by("nationality")
    services = ServiceItem.objects.filter(case__in=cases.values("pk"), start_date__year=year)
    service_rows = (
        services.values("service_type").annotate(n=Count("case__person", distinct=True)).order_by()
    )
    service_labels = dict(ServiceType.choices)
    # Referrals of archived cases count nowhere, on either side (CaseQuerySet.active).
    referrals = Referral.objects.counted().filter(
        case__in=Case.objects.active(), sent_at__year=year
    )
    sent = referrals.sent_by(agency_id)
    received = referrals.received_by(agency_id)
    referral_counts = sent.aggregate(
        accepted=Count("pk", filter=Q(status=Referral.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=Referral.Status.DECLINED)),
        other=Count(
            "pk", filter=~Q(status__in=[Referral.Status.ACCEPTED, Referral.Status.DECLINED])
        ),
    )
    return [
        _by_type(investigated, "investigated", _("Cases investigated")),
        _by_type(prosecuted, "prosecuted", _("Cases prosecuted (indicted)")),
        _by_type(judged, "judged", _("Cases reaching a judgment")),
        _by_type(convicted, "convicted", _("Cases with a conviction")),
        _by_type(
            Defendant.objects.filter(proceeding__case__in=prosecuted.values("pk")),
            "individuals-prosecuted",
            _("Individuals prosecuted"),
            case_ref="proceeding__case",
        ),
        _by_type(
            convicted_defendants,
            "individuals-convicted",
            _("Individuals convicted"),
            case_ref="proceeding__case",
        ),
        _grouped(victims, "sex", Sex.choices, "victims-sex", _("Victims identified by sex")),
        _grouped(
            victims,
            "age_band",
            [*AgeBand.choices, ("", _("Unknown"))],
            "victims-age",
            _("Victims identified by age band"),
        ),
        StatTable(
            "victims-nationality",
            _("Victims identified by nationality"),
            [
                (
                    str(countries.name(r["nationality"]))
                    if r["nationality"]
                    else str(_("Unknown")),
                    r["n"],
                )
                for r in nationality_rows
            ],
            population="victims",
        ),
        _by_type(victim_cases, "victims-type", _("Cases of victims identified, by type")),
        StatTable(
            "services",
            _("Victims given each service"),
            [
                (str(service_labels.get(r["service_type"], r["service_type"])), r["n"])
                for r in service_rows
            ],
        ),
        StatTable(
            "referrals-sent",
            _("Referrals sent, by response"),
            [
                (str(_("Accepted")), referral_counts["accepted"]),
                (str(_("Declined")), referral_counts["declined"]),
                (str(_("Awaiting a response, closed or external")), referral_counts["other"]),
            ],
            population="referrals-sent",
        ),
        StatTable(
            "referrals-received", _("Referrals received"), [(str(_("Received")), received.count())]
        ),
    ]
