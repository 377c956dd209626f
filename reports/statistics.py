"""The yearly figures as published (DOMAIN.md "Statistics"), aggregated in the database.

Prosecutions are counted by PROCEEDING and by INDIVIDUAL (a defendant), never by victim's
case: one proceeding against one trafficker with three victims is one prosecution and one
individual prosecuted, however many cases (of however many agencies) it is linked to.
Victims are PERSONS, each counted once a year whatever their number of cases.

Whose figures: a `Scope`. An agency's (supervisors and agency admins: the cases they may
see, the proceedings their agency owns or that a case of theirs is linked to) or the
national one (the coordinator: every agency, every proceeding once). Each table is one
GROUP BY query, the scope applied through a correlated EXISTS or a join (never
`IN (subquery)` over cases), in one transaction without PostgreSQL's JIT. At a million
cases that is still seconds of work (about a hundred thousand decisions and services a
year to join), so pages read a `Snapshot`: the tables as counted, kept in the cache for
SNAPSHOT_SECONDS and recounted by the worker every five minutes for the national view;
the page says when they were counted. The counts here are exact: reports/disclosure.py
decides what may be shown of them, after the snapshot. Every table carries its
definition, shown under it on screen and in every download.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case as Switch
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

import dbroutes
from cases.models import (
    ArchiveEntry,
    Case,
    ChargeOutcome,
    CriminalExposure,
    CriminalMatterCharge,
    Defendant,
    ExploitationType,
    LegalProceeding,
    LegalProceedingQuerySet,
    ProceedingExploitation,
    ProceedingStage,
    ProceedingTransition,
    SentenceBand,
    ServiceItem,
    sentence_band,
)
from cooperation.models import Referral
from partners.models import ServiceType
from victims.models import AgeBand, IdentificationDecision, Sex

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

# A proceeding's own type (LegalProceeding.exploitation_type) as a reporting type.
PROCEEDING_TYPES = {
    ProceedingExploitation.FORCED_CRIMINALITY: "forced_criminality",
    ProceedingExploitation.SEXUAL_AND_LABOUR: "both",
    ProceedingExploitation.SEXUAL: "sex",
    ProceedingExploitation.LABOUR: "labour",
}

# Taiwan: its nationals are counted apart from foreign nationals.
HOME_COUNTRY = "TW"

# A service "received": started and delivered (not planned, declined or cancelled).
RECEIVED = (ServiceItem.Status.IN_PROGRESS, ServiceItem.Status.COMPLETED)


@dataclass
class StatTable:
    """One table of exact counts.

    `population` names what the rows partition (each record in exactly one row): the
    table then has a total, shared with every table of the same population. Empty
    when a record may count in several rows (services) or the rows are unrelated.
    `definition` says what is counted, once per table, wherever it is shown.
    """

    key: str
    title: Promise | str
    rows: list[tuple[str, int]] = field(default_factory=list)
    population: str = ""
    definition: Promise | str = ""


@dataclass(frozen=True)
class Scope:
    """Whose figures: one agency's (`agency_id`) or the whole country's (None).

    `cases` are the active cases counted: for an agency, `Case.objects.visible_to` of a
    supervisor or agency admin (their agency's); nationally `Case.objects.active()`.
    """

    cases: QuerySet[Case]
    agency_id: int | None

    @classmethod
    def national(cls) -> Scope:
        return cls(Case.objects.active(), None)

    @classmethod
    def agency(cls, cases: QuerySet[Case], agency_id: int) -> Scope:
        return cls(cases, agency_id)

    @property
    def is_national(self) -> bool:
        return self.agency_id is None

    def of_case(self, case_ref: str = "case_id") -> Exists:
        """A row whose case (at `case_ref`) is one of the scope's cases."""
        return Exists(self.cases.filter(pk=OuterRef(case_ref)))

    def proceedings(self) -> LegalProceedingQuerySet:
        """Nationally every proceeding linked to a case not deleted; for an agency those
        it owns (so linked) or that one of its cases is linked to. Each proceeding once,
        whatever the number of links; one whose cases were all deleted counts nowhere."""
        return LegalProceeding.objects.filter(self.of_proceeding("pk", "agency_id"))

    def of_proceeding(self, ref: str, agency: str) -> Q:
        """A row whose proceeding (its id at `ref`, its agency at `agency`) is counted:
        one EXISTS over the links of cases not deleted (and one over the agency's own)."""
        active_link = Exists(
            Case.objects.active().filter(proceeding_links__proceeding=OuterRef(ref))
        )
        if self.is_national:
            return Q(active_link)
        linked = Exists(self.cases.filter(proceeding_links__proceeding=OuterRef(ref)))
        return (Q(**{agency: self.agency_id}) & active_link) | Q(linked)


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _rows(counts: Counter | dict, choices: Iterable[tuple[str, Promise | str]]) -> list:
    return [(str(label), counts.get(value, 0)) for value, label in choices]


def _type_rows(counts: Counter | dict) -> list[tuple[str, int]]:
    return _rows(counts, TYPE_LABELS.items())


# --- prosecution: by proceeding and by individual ----------------------------------------


def _proceeding_types(proceedings: QuerySet[LegalProceeding]) -> Counter:
    """One GROUP BY on the proceeding's own type."""
    counts: Counter = Counter()
    for row in proceedings.order_by().values("exploitation_type").annotate(n=Count("pk")):
        counts[PROCEEDING_TYPES.get(row["exploitation_type"], "other")] += row["n"]
    return counts


def _defendant_types(defendants: QuerySet[Defendant]) -> Counter:
    counts: Counter = Counter()
    rows = defendants.order_by().values("proceeding__exploitation_type").annotate(n=Count("pk"))
    for row in rows:
        counts[PROCEEDING_TYPES.get(row["proceeding__exploitation_type"], "other")] += row["n"]
    return counts


def _indicted_in(year: int, ref: str = "pk") -> Exists:
    """The proceeding (at `ref`) was indicted in the year (its stage moved to indicted)."""
    return Exists(
        ProceedingTransition.objects.filter(
            proceeding=OuterRef(ref), to_status=ProceedingStage.INDICTED, occurred_at__year=year
        )
    )


def _convictions_in(year: int) -> QuerySet[ChargeOutcome]:
    """Convictions standing at their charge's latest decided instance
    (`ChargeOutcomeQuerySet.at_latest_instance`, the rule of `DefendantQuerySet.convicted`
    and `LegalProceedingQuerySet.with_conviction`), decided in the year."""
    start, end = _year(year)
    return ChargeOutcome.objects.at_latest_instance().filter(
        outcome=ChargeOutcome.Outcome.CONVICTED, decided_on__range=(start, end)
    )


def _sentence_bands(defendants: QuerySet[Defendant]) -> Counter:
    """The convicted `defendants` by the band of their longest sentence (cases.models
    `sentence_band`, as `Defendant.sentence_band` reads `with_sentence()`): one GROUP BY
    over their standing convictions instead of a subquery per defendant."""
    standing = ChargeOutcome.objects.at_latest_instance().filter(
        Exists(defendants.filter(pk=OuterRef("charge__defendant_id"))),
        outcome=ChargeOutcome.Outcome.CONVICTED,
    )
    rows = (
        standing.order_by()
        .values("charge__defendant_id")
        .annotate(months=Max("sentence_months"), fines=Count("fine"))
    )
    return Counter(sentence_band(row["months"], row["fines"] > 0) or "" for row in rows)


def prosecution_tables(scope: Scope, year: int) -> list[StatTable]:
    proceedings = scope.proceedings()
    investigated = proceedings.investigated().filter(created_at__year=year)
    prosecuted = proceedings.prosecuted().filter(_indicted_in(year))
    convictions = _convictions_in(year)
    # Convicted in the year: a standing conviction decided in it (which is what
    # with_conviction() / convicted() require, restricted to the year; written as one
    # EXISTS each, not their IN over every conviction ever).
    convicted = proceedings.filter(
        Exists(convictions.filter(charge__defendant__proceeding=OuterRef("pk")))
    )
    # Individuals: the defendants of those proceedings (one EXISTS on the proceedings
    # counted above, measured three times faster than re-deriving the scope per row).
    individuals_prosecuted = Defendant.objects.prosecuted().filter(
        Exists(prosecuted.filter(pk=OuterRef("proceeding_id")))
    )
    individuals_convicted = Defendant.objects.filter(
        Exists(convicted.filter(pk=OuterRef("proceeding_id"))),
        Exists(convictions.filter(charge__defendant=OuterRef("pk"))),
    )
    bands = _sentence_bands(individuals_convicted)
    return [
        StatTable(
            "investigated",
            _("Investigations, by type of exploitation"),
            _type_rows(_proceeding_types(investigated)),
            population="investigated",
            definition=_(
                "Criminal proceedings opened in the year, each counted once however many "
                "victims' cases it concerns. Type: the exploitation the proceeding is about."
            ),
        ),
        StatTable(
            "prosecuted",
            _("Prosecutions (proceedings indicted), by type of exploitation"),
            _type_rows(_proceeding_types(prosecuted)),
            population="prosecuted",
            definition=_(
                "Proceedings in which an indictment was filed in the year and that are "
                "indicted or later now, each counted once however many victims' cases it "
                "concerns."
            ),
        ),
        StatTable(
            "convicted",
            _("Proceedings with a conviction, by type of exploitation"),
            _type_rows(_proceeding_types(convicted)),
            population="convicted",
            definition=_(
                "Proceedings in which at least one defendant was convicted on a charge in "
                "the year, at that charge's latest decided instance (a decided appeal "
                "replaces the judgment below), each counted once."
            ),
        ),
        StatTable(
            "individuals-prosecuted",
            _("Individuals prosecuted, by type of exploitation"),
            _type_rows(_defendant_types(individuals_prosecuted)),
            population="individuals-prosecuted",
            definition=_(
                "Defendants of the proceedings indicted in the year, each counted once per "
                "proceeding, never once per victim."
            ),
        ),
        StatTable(
            "individuals-convicted",
            _("Individuals convicted, by type of exploitation"),
            _type_rows(_defendant_types(individuals_convicted)),
            population="individuals-convicted",
            definition=_(
                "Defendants convicted on at least one charge in the year, at that charge's "
                "latest decided instance, each counted once."
            ),
        ),
        StatTable(
            "sentences",
            _("Individuals convicted, by longest sentence"),
            _rows(bands, [*SentenceBand.choices, ("", _("Not recorded"))]),
            population="individuals-convicted",
            definition=_(
                "The same convicted individuals, by the longest prison sentence among their "
                "convictions at the latest instance; a fine with no prison term is “fine only”."
            ),
        ),
    ]


# --- the person's own criminal matters: non-punishment -----------------------------------


def non_punishment_tables(scope: Scope, year: int) -> list[StatTable]:
    start, end = _year(year)
    matters = CriminalExposure.objects.filter(scope.of_case())
    requested = matters.non_punishment_requested().requested_between(start, end).count()
    decided = matters.decided_between(start, end)
    charges = CriminalMatterCharge.objects.filter(
        Exists(decided.filter(pk=OuterRef("matter_id")))
    ).decided()
    return [
        StatTable(
            "non-punishment",
            _("Requests for non-punishment"),
            [
                (str(_("Requests made")), requested),
                (str(_("Decisions taken")), decided.count()),
            ],
            definition=_(
                "Criminal matters against a victim (forced criminality) in which "
                "non-punishment was asked for in the year, and those in which an authority "
                "decided on it in the year."
            ),
        ),
        StatTable(
            "non-punishment-charges",
            _("Decisions on non-punishment, by charge"),
            _rows(
                charges.outcome_counts(),
                [
                    (value, label)
                    for value, label in CriminalMatterCharge.Outcome.choices
                    if value != CriminalMatterCharge.Outcome.PENDING
                ],
            ),
            population="non-punishment-charges",
            definition=_(
                "Each charge against the victim in the matters decided in the year, by the "
                "outcome decided for it."
            ),
        ),
    ]


# --- victims: persons, each once ----------------------------------------------------------


def _flag(exploitation_type: str) -> Max:
    return Max(
        Switch(
            When(case__exploitations__type=exploitation_type, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def _reporting_type(row: dict) -> str:
    """Forced criminality first, then sex and labour together, sex, labour, other."""
    if row["forced_criminality"]:
        return "forced_criminality"
    if row["sexual"] and row["labour"]:
        return "both"
    if row["sexual"]:
        return "sex"
    return "labour" if row["labour"] else "other"


def identified_victims(scope: Scope, year: int) -> list[dict]:
    """One row per person identified as a victim in the year (a decision or a review
    decision "identified" dated in it, on a case of the scope): their sex, age band,
    nationality and exploitation types over those cases. One GROUP BY by person."""
    identified = IdentificationDecision.Outcome.IDENTIFIED
    decisions = IdentificationDecision.objects.filter(
        Q(outcome=identified, decided_on__year=year)
        | Q(review_outcome=identified, review_decided_on__year=year),
        scope.of_case(),
    )
    return list(
        decisions.order_by()
        .values(
            "case__person_id",
            "case__person__sex",
            "case__person__age_band",
            "case__person__nationality",
        )
        .annotate(
            forced_criminality=_flag(ExploitationType.FORCED_CRIMINALITY),
            sexual=_flag(ExploitationType.SEXUAL),
            labour=_flag(ExploitationType.FORCED_LABOUR),
        )
    )


def _nationality_rows(counts: Counter) -> list[tuple[str, int]]:
    named = sorted(
        ((str(countries.name(code)), n) for code, n in counts.items() if code), key=lambda r: r[0]
    )
    return [*named, (str(_("Unknown")), counts.get("", 0))]


def victim_tables(scope: Scope, year: int) -> list[StatTable]:
    persons = identified_victims(scope, year)
    sex = Counter(row["case__person__sex"] for row in persons)
    age = Counter(row["case__person__age_band"] for row in persons)
    nationality = Counter(row["case__person__nationality"] or "" for row in persons)
    home = Counter(
        "" if not code else ("home" if code == HOME_COUNTRY else "foreign")
        for code in (row["case__person__nationality"] for row in persons)
    )
    kinds = Counter(_reporting_type(row) for row in persons)
    identified_definition = _(
        "People identified as victims in the year by an authority's decision or review, "
        "each person counted once however many cases they have."
    )
    start, end = _year(year)
    received = ServiceItem.objects.filter(
        scope.of_case(), status__in=RECEIVED, start_date__range=(start, end)
    )
    service_rows = (
        received.order_by().values("service_type").annotate(n=Count("case__person", distinct=True))
    )
    repatriated = (
        ServiceItem.objects.filter(
            scope.of_case(),
            service_type=ServiceType.REPATRIATION,
            status=ServiceItem.Status.COMPLETED,
        )
        .annotate(on=Coalesce("end_date", "start_date"))
        .filter(on__range=(start, end))
        .aggregate(n=Count("case__person", distinct=True))["n"]
    )
    return [
        StatTable(
            "victims-sex",
            _("Victims identified by sex"),
            _rows(sex, Sex.choices),
            population="victims",
            definition=identified_definition,
        ),
        StatTable(
            "victims-age",
            _("Victims identified by age band"),
            _rows(age, [*AgeBand.choices, ("", _("Unknown"))]),
            population="victims",
            definition=identified_definition,
        ),
        StatTable(
            "victims-nationality",
            _("Victims identified by nationality"),
            _nationality_rows(nationality),
            population="victims",
            definition=identified_definition,
        ),
        StatTable(
            "victims-home",
            _("Victims identified: Taiwanese and foreign nationals"),
            [
                (str(_("Taiwanese nationals")), home.get("home", 0)),
                (str(_("Foreign nationals")), home.get("foreign", 0)),
                (str(_("Nationality not recorded")), home.get("", 0)),
            ],
            population="victims",
            definition=_(
                "The same people: nationals of Taiwan (nationality TW) and of any other country."
            ),
        ),
        StatTable(
            "victims-type",
            _("Victims identified by type of exploitation"),
            _type_rows(kinds),
            population="victims",
            definition=_(
                "The same people, by the exploitation recorded on the cases identified: "
                "forced criminality first, then sex and labour together, sex, labour."
            ),
        ),
        StatTable(
            "services",
            _("Victims receiving each service"),
            _rows(
                {r["service_type"]: r["n"] for r in service_rows},
                ServiceType.choices,
            ),
            definition=_(
                "People whose service of each type started in the year and is in progress "
                "or completed, each person counted once per type (a person may count under "
                "several types)."
            ),
        ),
        StatTable(
            "repatriated",
            _("Victims repatriated"),
            [(str(_("Repatriated")), repatriated)],
            definition=_(
                "People whose repatriation was completed in the year (its end date, else "
                "its start date), each counted once."
            ),
        ),
    ]


# --- partnership -------------------------------------------------------------------------


def referral_tables(scope: Scope, year: int) -> list[StatTable]:
    # Referrals of archived cases count nowhere, on either side (CaseQuerySet.active).
    referrals = Referral.objects.counted().filter(
        Exists(Case.objects.active().filter(pk=OuterRef("case_id"))), sent_at__year=year
    )
    sent = referrals if scope.is_national else referrals.sent_by(scope.agency_id or 0)
    counts = sent.aggregate(
        accepted=Count("pk", filter=Q(status=Referral.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=Referral.Status.DECLINED)),
        other=Count(
            "pk", filter=~Q(status__in=[Referral.Status.ACCEPTED, Referral.Status.DECLINED])
        ),
    )
    tables = [
        StatTable(
            "referrals-sent",
            _("Referrals between agencies, by response")
            if scope.is_national
            else _("Referrals sent, by response"),
            [
                (str(_("Accepted")), counts["accepted"]),
                (str(_("Declined")), counts["declined"]),
                (str(_("Awaiting a response, closed or external")), counts["other"]),
            ],
            population="referrals-sent",
            definition=_(
                "Referrals sent in the year (revoked ones and those of deleted cases left "
                "out), by the receiving agency's response."
            ),
        )
    ]
    if not scope.is_national:
        tables.append(
            StatTable(
                "referrals-received",
                _("Referrals received"),
                [(str(_("Received")), referrals.received_by(scope.agency_id or 0).count())],
                definition=_("Referrals other agencies sent to this agency in the year."),
            )
        )
    return tables


def yearly_statistics(cases: QuerySet[Case], agency_id: int | None, year: int) -> list[StatTable]:
    """Every table of an agency's statistics for one calendar year, exact: `cases` are the
    agency's cases its supervisors see (`Case.objects.visible_to`). With `agency_id`
    None, the national figures (`national_statistics`)."""
    return tables_for(Scope(cases, agency_id), year)


def national_statistics(year: int) -> list[StatTable]:
    """Every table across every agency for one calendar year, exact: the coordinator's."""
    return tables_for(Scope.national(), year)


def tables_for(scope: Scope, year: int) -> list[StatTable]:
    with _aggregating():
        return [
            *prosecution_tables(scope, year),
            *victim_tables(scope, year),
            *non_punishment_tables(scope, year),
            *referral_tables(scope, year),
        ]


# --- published snapshots -------------------------------------------------------------------

# How long computed figures are reused. The worker recomputes the national ones every
# five minutes (reports.tasks.refresh_national_statistics), so the coordinator's page
# reads them from the cache at any number of cases; an agency's are computed on the
# first view after they expire. The page says when its figures were computed.
SNAPSHOT_SECONDS = 600


@dataclass(frozen=True)
class Snapshot:
    """Exact tables as computed at `computed_at` (disclosure control comes after)."""

    tables: list[StatTable]
    computed_at: datetime.datetime


def _as_text(tables: list[StatTable]) -> list[StatTable]:
    """The tables with their labels translated now: a cached lazy string is rebuilt on
    every read (a new proxy class each, 0.6 s of a statistics page's 0.8 s measured)."""
    return [
        replace(
            table,
            title=str(table.title),
            definition=str(table.definition),
            rows=[(str(label), n) for label, n in table.rows],
        )
        for table in tables
    ]


def _snapshot(scope: Scope, year: int, *, refresh: bool) -> Snapshot:
    scope_key = "national" if scope.is_national else f"agency-{scope.agency_id}"
    # Labels are translated when counted: one snapshot per language. A record deleted
    # (archived) or restored leaves every figure at once: each archive entry starts a
    # new generation of snapshots.
    generation = ArchiveEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    key = f"harbor:statistics:{scope_key}:{year}:{get_language()}:{generation or 0}"
    found = None if refresh else cache.get(key)
    if found is None:
        found = Snapshot(_as_text(tables_for(scope, year)), timezone.now())
        cache.set(key, found, SNAPSHOT_SECONDS)
    return found


def national_snapshot(year: int, *, refresh: bool = False) -> Snapshot:
    """The national tables of `year`, from the cache unless missing, expired or `refresh`."""
    return _snapshot(Scope.national(), year, refresh=refresh)


def agency_snapshot(cases: QuerySet[Case], agency_id: int, year: int) -> Snapshot:
    """An agency's tables of `year` (`cases` as in `yearly_statistics`), cached likewise."""
    return _snapshot(Scope(cases, agency_id), year, refresh=False)


@contextmanager
def _aggregating() -> Iterator[None]:
    """The statistics' queries in one transaction on the database they read (the replica
    inside `dbroutes.reporting()`), without PostgreSQL's JIT: it compiles
    each large aggregate anew (over half a second a query at a million cases, measured)
    and gains nothing on queries that run once."""
    alias = dbroutes.reporting_db() if dbroutes.reads_from_replica() else DEFAULT_DB_ALIAS
    with transaction.atomic(using=alias):
        if connections[alias].vendor == "postgresql":
            with connections[alias].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield
