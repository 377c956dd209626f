"""Page benchmarks: every staff page, for every role, measured in-process (`bench_pages`).

The page list is one table (`PAGES`): add a row to measure a new page. Each page is
fetched with Django's test client logged in as the role's benchmark account (see
config.scale.BENCH_LOGINS): one warm-up request counts the queries, then `runs` timed
requests give the median and the 95th percentile. A page the role may not open shows
its status (403/404) and is not timed.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote_plus, urlencode

import django_filters
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit_filters import AuditEventFilter
from accounts.filters import StaffFilter
from accounts.models import User
from cases.filters import CaseFilter, TaskFilter
from cases.models import Attachment, Case, CriminalExposure, LegalProceeding
from config.scale import BENCH_LOGINS, BIG_CODE, pool_names
from cooperation.filters import MLARequestFilter, ReferralFilter
from cooperation.models import MLARequest, Referral
from listing import FilterSet
from partners.filters import ActivityFilter, AgencyFilter, AgreementFilter
from partners.models import Agency, Agreement, PreventionActivity
from policy import Role
from privacy.models import ErasureRequest
from reports.filters import DashboardFilter
from victims.filters import CountryListFilter, PersonFilter
from victims.models import IdentificationDecision, Screening

# The targets (issue 12): a result over one of them is flagged in the table.
MEDIAN_MS = 150
P95_MS = 300
SUMMARY_MS = 300  # dashboard and statistics (their median)
RATIO = 1.5  # median at 1M over median at 10k
MY_WORK_BYTES = 100_000
# A baseline page this much smaller than the page measured held fewer rows (a filter that
# matches two referrals at 10,000 cases fills a page at 1,000,000; a 40th page is clamped
# to a shorter last one): its ratio compares two different pages, which the row says.
SMALLER_PAGE = 0.8
SUMMARY_PAGES = ("dashboard", "statistics")


@dataclass(frozen=True)
class Samples:
    """The records a role's pages open (a case of theirs, its person and its own records,
    a referral, an MLA request, a criminal matter, partnership records) and the values its
    searches and filters type."""

    case: int | None
    person: int | None
    referral: int | None
    name: str
    staff: int | None = None  # a caseworker of the reader's agency (`agency`)
    staff_name: str = ""
    reference: str = ""  # the sample case's reference without its number: "NATBIG-2026"
    mla: int | None = None  # the newest MLA request the reader sees
    # The sample case's newest service and proceeding (of its own agency), for their
    # forms, and that proceeding's newest defendant.
    service: int | None = None
    proceeding: int | None = None
    defendant: int | None = None
    # The newest screening and identification decision the reader sees.
    screening: int | None = None
    decision: int | None = None
    # A criminal matter (the newest the reader sees) and its case.
    exposure: int | None = None
    exposure_case: int | None = None
    # Partnership records: the reader's agency, the newest agreement, and the newest
    # activity of the reader's agency (one it may edit), else of any.
    agency: int | None = None
    agreement: int | None = None
    activity: int | None = None
    export: str = "csv"  # the format the export pages answer in
    # The newest document the reader may download, and its case; the newest erasure
    # request awaiting the reader's decision.
    attachment: int | None = None
    attachment_case: int | None = None
    erasure: int | None = None

    def fill(self, url: str) -> str:
        """The URL with the samples' values in its {placeholders}, quoted."""
        return url.format(
            name=quote_plus(self.name),
            family_name=quote_plus(self.name.split()[-1] if self.name else ""),
            staff=self.staff or "",
            staff_name=quote_plus(self.staff_name),
            reference=quote_plus(self.reference),
            year=timezone.localdate().year,
        )


@dataclass(frozen=True)
class Page:
    key: str
    url_name: str
    args: tuple[str, ...] = ()  # the Samples attributes that are the URL's arguments
    query: str = ""

    def url(self, samples: Samples) -> str | None:
        """The page's URL, or None when the reader has no such record to open."""
        values = [getattr(samples, name) for name in self.args]
        if None in values:
            return None
        return reverse(self.url_name, args=values) + self.query


# Every staff page the benchmark opens, in the order of the table.
PAGES: list[Page] = [
    Page("my_work", "cases:my_work"),
    Page("dashboard", "reports:dashboard"),
    Page("statistics", "reports:statistics"),
    Page("national", "reports:national"),
    Page("cases p1", "cases:list"),
    Page("cases p50", "cases:list", query="?page=50"),
    Page("people", "victims:person_list"),
    Page("tasks", "cases:task_list"),
    Page("referrals", "cooperation:referral_list"),
    Page("mla", "cooperation:mla_list"),
    Page("agreements", "partners:agreement_list"),
    Page("prevention", "partners:activity_list"),
    Page("agencies", "partners:agency_list"),
    Page("staff", "accounts:staff_list"),
    Page("audit", "audit:event_list"),
    Page("notifications", "notifications:list"),
    Page("search name", "search:results", query="?q={name}"),
    # A family name alone: a full page of people on a small database too (the sample's
    # whole name finds one or two there, and a page of 25 at a million cases).
    Page("search family name", "search:results", query="?q={family_name}"),
    Page("case detail", "cases:detail", ("case",)),
    Page("timeline", "cases:timeline", ("case",)),
    Page("person detail", "victims:person_detail", ("person",)),
    Page("referral detail", "cooperation:referral_detail", ("referral",)),
    Page("mla detail", "cooperation:mla_detail", ("mla",)),
    Page("consents", "victims:consent_list", ("person",)),
    Page("case edit", "cases:edit", ("case",)),
    Page("case assign", "cases:assign", ("case",)),
    Page("person edit", "victims:person_edit", ("person",)),
    Page("archive", "victims:archive_list"),
    # The records' own pages, and every form a GET opens (choices grow with the country).
    Page("screening", "victims:screening_detail", ("screening",)),
    Page("decision", "victims:decision_detail", ("decision",)),
    Page("criminal matter", "cases:exposure_detail", ("exposure_case", "exposure")),
    Page("staff detail", "accounts:staff_detail", ("staff",)),
    Page("agency detail", "partners:agency_detail", ("agency",)),
    Page("agreement detail", "partners:agreement_detail", ("agreement",)),
    Page("activity detail", "partners:activity_detail", ("activity",)),
    Page("erasures", "privacy:erasure_list"),
    Page("erasure decide", "privacy:erasure_decide", ("erasure",)),
    Page("attachment", "cases:attachment_download", ("attachment_case", "attachment")),
    Page("notification settings", "notifications:preferences"),
    Page("statistics csv", "reports:statistics_export", ("export",), query="?year={year}"),
    Page("national csv", "reports:national_export", ("export",), query="?year={year}"),
    Page("new person", "victims:person_create"),
    Page("new case", "victims:case_create", ("person",)),
    Page("new screening", "victims:screening_start", ("case",)),
    Page("new decision", "victims:decision_create", ("case",)),
    Page("new service", "cases:service_create", ("case",)),
    Page("service edit", "cases:service_edit", ("case", "service")),
    Page("new proceeding", "cases:proceeding_create", ("case",)),
    Page("proceeding edit", "cases:proceeding_edit", ("case", "proceeding")),
    Page("defendant edit", "cases:defendant_edit", ("case", "proceeding", "defendant")),
    Page("new criminal matter", "cases:exposure_create", ("case",)),
    Page("criminal matter edit", "cases:exposure_edit", ("exposure_case", "exposure")),
    Page("new referral", "cooperation:referral_create", ("case",)),
    Page("new mla", "cooperation:mla_create"),
    Page("mla edit", "cooperation:mla_edit", ("mla",)),
    Page("new staff", "accounts:staff_create"),
    Page("staff edit", "accounts:staff_edit", ("staff",)),
    Page("new agency", "partners:agency_create"),
    Page("agency edit", "partners:agency_edit", ("agency",)),
    Page("new agreement", "partners:agreement_create"),
    Page("agreement edit", "partners:agreement_edit", ("agreement",)),
    Page("new activity", "partners:activity_create"),
    Page("activity edit", "partners:activity_edit", ("activity",)),
    Page("erasure request", "privacy:person_erasure_request", ("person",)),
    Page("subject access", "privacy:person_subject_access", ("person",)),
]

# The Django admin's changelist of Case beside the app's case list (`--admin`).
ADMIN_PAGES: list[tuple[str, str, str]] = [
    # (key, the app's page it is compared with, URL path)
    ("admin cases p1", "cases p1", "/bench-admin/cases/case/"),
    ("admin cases p50", "cases p50", "/bench-admin/cases/case/?p=50"),
]
ADMIN_KEYS = {key for key, _compared, _path in ADMIN_PAGES}


@dataclass
class Result:
    role: str
    page: str
    url: str
    status: int
    queries: int = 0
    bytes: int = 0
    median_ms: float = 0.0
    p95_ms: float = 0.0
    runs: list[float] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def bench_users() -> dict[str, User]:
    """The benchmark account of each role present (seed_scale's logins)."""
    users: dict[str, User] = {}
    for role, email in BENCH_LOGINS.items():
        user = User.objects.filter(email=email).first()
        if user is not None:
            users[str(role)] = user
    return users


def samples_for(user: User) -> Samples:
    """The newest open case the user sees in a legal proceeding, else the newest they see
    (else the big agency's, which must answer 404).

    An open case in a proceeding renders every section of the detail page and every form
    (a closed case's page is read-only, a third of its size): both databases of a
    comparison then time the same page, not the newest case's, which is open and has a
    proceeding or not by chance.
    """
    visible = Case.objects.visible_to(user).select_related("person").order_by("-pk")
    case = (
        visible.open().filter(proceedings__isnull=False).first()
        or visible.filter(proceedings__isnull=False).first()
        or visible.first()
    )
    if case is None:
        case = (
            Case.objects.filter(agency__code=BIG_CODE)
            .select_related("person")
            .order_by("-pk")
            .first()
        )
    referral = (
        Referral.objects.filter(case__in=Case.objects.visible_to(user).values("pk"))
        .order_by("-pk")
        .first()
    ) or Referral.objects.order_by("-pk").first()
    mla = (
        MLARequest.objects.visible_to(user).order_by("-pk").first()
        or MLARequest.objects.order_by("-pk").first()
    )
    # The reader's agency; the big one for a platform admin (who belongs to none).
    agency_id = user.agency_id or (
        Agency.objects.filter(code=BIG_CODE).values_list("pk", flat=True).first()
    )
    staff = (
        User.objects.filter(agency_id=agency_id, role=Role.CASEWORKER, is_active=True)
        .order_by("pk")
        .first()
    )
    proceeding = (
        LegalProceeding.objects.filter(links__case=case, agency_id=case.agency_id)
        .order_by("-pk")
        .first()
        if case
        else None
    )
    defendant = proceeding.defendants.order_by("-pk").first() if proceeding else None
    exposure = CriminalExposure.objects.visible_to(user).order_by("-pk").first()
    attachment = Attachment.objects.visible_to(user).active().order_by("-pk").first()

    def newest(rows: Any) -> int | None:
        return rows.order_by("-pk").values_list("pk", flat=True).first()

    return Samples(
        case=case.pk if case else None,
        person=case.person_id if case else None,
        referral=referral.pk if referral else None,
        # A name somebody has (the sample case's person), as staff would search it.
        name=case.person.legal_name if case else pool_names()[0],
        staff=staff.pk if staff else None,
        staff_name=staff.full_name if staff else "",
        reference=case.reference.rsplit("-", 1)[0] if case else "",
        mla=mla.pk if mla else None,
        service=newest(case.service_items) if case else None,
        proceeding=proceeding.pk if proceeding else None,
        defendant=defendant.pk if defendant else None,
        screening=newest(Screening.objects.visible_to(user)),
        decision=newest(IdentificationDecision.objects.visible_to(user)),
        exposure=exposure.pk if exposure else None,
        exposure_case=exposure.case_id if exposure else None,
        agency=agency_id,
        agreement=newest(Agreement.objects.visible_to(user)),
        activity=newest(PreventionActivity.objects.editable_by(user))
        or newest(PreventionActivity.objects.visible_to(user)),
        attachment=attachment.pk if attachment else None,
        attachment_case=attachment.case_id if attachment else None,
        erasure=newest(ErasureRequest.objects.visible_to(user).pending()),
    )


# Every list's filters (`bench_pages --filters`): (list key, URL name, its FilterSet).
FILTERED_LISTS: list[tuple[str, str, type[FilterSet]]] = [
    ("cases", "cases:list", CaseFilter),
    ("tasks", "cases:task_list", TaskFilter),
    ("people", "victims:person_list", PersonFilter),
    ("referrals", "cooperation:referral_list", ReferralFilter),
    ("mla", "cooperation:mla_list", MLARequestFilter),
    ("dashboard", "reports:dashboard", DashboardFilter),
    ("staff", "accounts:staff_list", StaffFilter),
    ("audit", "audit:event_list", AuditEventFilter),
    ("agencies", "partners:agency_list", AgencyFilter),
    ("prevention", "partners:activity_list", ActivityFilter),
    ("agreements", "partners:agreement_list", AgreementFilter),
]


def _filter_values(key: str, name: str, filter_: django_filters.Filter) -> list[str]:
    """Values a reader would choose: each sort; the first and the last choice (a common
    and a rare one); yes and no; a year and a month ago; a colleague; a name or a
    reference."""
    if isinstance(filter_, django_filters.OrderingFilter):
        return [value for value, _label in filter_.extra["choices"]]
    if isinstance(filter_, django_filters.ModelChoiceFilter):
        return ["{staff}"]
    if isinstance(filter_, django_filters.ChoiceFilter):
        choices = filter_.extra["choices"]
        values = [str(value) for value, _label in (choices() if callable(choices) else choices)]
        values = [value for value in values if value]
        return sorted({values[0], values[-1]}) if values else []
    if isinstance(filter_, django_filters.BooleanFilter):
        return ["true", "false"]
    if isinstance(filter_, CountryListFilter):
        return ["VN,PH"]
    if isinstance(filter_, django_filters.DateFilter):
        # A year ago, and a month ago: rows in date order make a recent bound the costly
        # one for a list sorted on another date (tasks by due date, issue 12).
        today = timezone.localdate()
        return [(today - datetime.timedelta(days=days)).isoformat() for days in (365, 30)]
    if isinstance(filter_, django_filters.CharFilter):
        # The case list's text is a reference number; every other a name.
        return ["{reference}" if (key, name) == ("cases", "q") else "{staff_name}"]
    return []


@functools.cache
def filter_pages() -> list[Page]:
    """One page per list filter and value (`_filter_values`), the list's 40th page too."""
    pages = []
    for key, url_name, filterset in FILTERED_LISTS:
        for name, filter_ in filterset.base_filters.items():
            for value in _filter_values(key, name, filter_):
                for page in ("", "40"):
                    query = {name: value, **({"page": page} if page else {})}
                    text = urlencode(query, safe="{}")
                    pages.append(Page(f"{key} ?{text}", url_name, query=f"?{text}"))
    return pages


# A slow page gets fewer timed runs: about this many seconds each (at least MIN_RUNS).
PAGE_BUDGET_S = 15.0
MIN_RUNS = 3


def interpreter() -> str:
    """The Python the figures were measured with: an optimised build runs the same pages
    in less CPU time than a default pyenv build (README, Production deployment)."""
    return f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"


def cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of every core since boot, from Linux's /proc/stat; None
    elsewhere. Two readings give the share of the cores the machine worked in between."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    """How busy the cores were between two `cpu_times()` readings: a load run whose cores
    sat half idle measured the machine, not the app (README, Benchmarks)."""
    if before is None or after is None or after[1] == before[1]:
        return "CPU busy: unknown (no /proc/stat)"
    share = (after[0] - before[0]) / (after[1] - before[1])
    return f"CPU busy: {share:.0%} of {os.cpu_count()} cores"


def _proc_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the process's name (state, ppid, …, utime,
    stime at 11 and 12); None if there is no such process or no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the name is in parentheses, may hold spaces


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def processes_named(name: str) -> list[int]:
    """The pids of the processes whose command name is `name` ("postgres": the server
    and its backends, when PostgreSQL runs on this machine)."""
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == name:
                    found.append(pid)
        except OSError:
            continue
    return found


def process_tree(root: int) -> list[int]:
    """`root` and the processes it started (gunicorn's arbiter and its workers)."""
    parents = {}
    for pid in _pids():
        fields = _proc_fields(pid)
        if fields is not None:
            parents[pid] = int(fields[1])
    tree, grown = {root}, True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grown = bool(children)
    return sorted(tree)


class ProcessCpu:
    """CPU seconds (user and system) that a set of processes used between its creation
    and `used()`, read from Linux's /proc. The set is found again at each reading: a
    process started in between counts from its start, one that ended is lost (a worker
    gunicorn replaced). None where /proc shows none of them (another OS, PostgreSQL on
    another machine)."""

    def __init__(self, find: Callable[[], Iterable[int]]) -> None:
        self.find = find
        self.start = self._read()

    def _read(self) -> dict[int, float]:
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        seconds = {}
        for pid in self.find():
            fields = _proc_fields(pid)
            if fields is not None:
                seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return seconds

    def used(self) -> float | None:
        now = self._read()
        if not now:
            return None
        return sum(max(0.0, spent - self.start.get(pid, 0.0)) for pid, spent in now.items())


def cpu_per_request(requests: int, **used: float | None) -> str:
    """Each process group's CPU time per request (ms), and the requests/s the machine's
    cores could serve at that cost: where a load run's ceiling is (README, Benchmarks)."""
    if not requests:
        return "CPU per request: no requests"
    parts, total = [], 0.0
    for name, seconds in used.items():
        if seconds is None:
            parts.append(f"{name} not measured (not on this machine)")
            continue
        parts.append(f"{name} {seconds * 1000 / requests:.1f} ms")
        total += seconds
    ceiling = (
        f"; {os.cpu_count()} cores at this cost: at most "
        f"{(os.cpu_count() or 1) * requests / total:.0f} requests/s"
        if total
        else ""
    )
    return "CPU per request: " + ", ".join(parts) + ceiling


CPU_REFERENCE_ADDITIONS = 10_000_000


def cpu_reference() -> str:
    """How fast this machine runs plain Python just now: the median of three loops of ten
    million additions, printed beside the figures (README, Benchmarks). The targets are
    milliseconds, and the same pages take twice as long on a machine twice as slow."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for value in range(CPU_REFERENCE_ADDITIONS):
            total += value
        times.append(time.perf_counter() - started)
    return (
        f"CPU reference: {CPU_REFERENCE_ADDITIONS:,} additions in {statistics.median(times):.2f} s"
    )


def runs_within_budget(runs: int, warm_up_ms: float) -> int:
    if warm_up_ms / 1000 * runs > PAGE_BUDGET_S:
        return min(runs, max(MIN_RUNS, int(PAGE_BUDGET_S * 1000 / warm_up_ms)))
    return runs


class Measurer:
    """Opens pages in this process, one logged-in test client per role.

    `first()` opens a page once (status, queries, bytes, warm-up time); `time()` then
    times more requests of it. `bench_pages` measures its own database with one, and
    a `--serve` child process measures the baseline database with another.
    """

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self._clients: dict[str, tuple[Client, Samples]] = {}

    def _client(self, role: str) -> tuple[Client, Samples]:
        if role not in self._clients:
            # A page that fails answers 500 in the table instead of stopping the run.
            client = Client(raise_request_exception=False)
            client.force_login(self.users[role])
            self._clients[role] = (client, samples_for(self.users[role]))
        return self._clients[role]

    def url(self, role: str, key: str) -> str | None:
        _client, samples = self._client(role)
        for page in (*PAGES, *filter_pages()):
            if page.key == key:
                url = page.url(samples)
                return samples.fill(url) if url else None
        for admin_key, _compared, path in ADMIN_PAGES:
            if admin_key == key:
                return path
        raise KeyError(key)

    def first(self, role: str, key: str) -> tuple[Result | None, float]:
        """The page opened once, and how long that took in ms (None: no such record)."""
        url = self.url(role, key)
        if url is None:
            return None, 0.0
        client, _samples = self._client(role)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        warm_up = (time.perf_counter() - started) * 1000
        result = Result(role=role, page=key, url=url, status=response.status_code)
        # Counted now: the next request's start clears the query log.
        result.queries = len(queries.captured_queries)
        result.bytes = len(response.getvalue())  # a download streams: read to its end
        if response.status_code == 200:
            # The first request fills caches (a cold one took seconds for a 150 ms page):
            # a second one says how long the timed runs will take.
            started = time.perf_counter()
            client.get(url).getvalue()
            warm_up = (time.perf_counter() - started) * 1000
        return result, warm_up

    def time(self, role: str, key: str, runs: int) -> list[float]:
        """`runs` more requests of the page, each in ms."""
        client, _samples = self._client(role)
        url = self.url(role, key)
        if url is None:
            raise KeyError(f"{role} has no record for {key}")
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url).getvalue()
            timings.append((time.perf_counter() - started) * 1000)
        return timings


def finish(result: Result) -> Result:
    if result.runs:
        result.median_ms = statistics.median(result.runs)
        result.p95_ms = percentile(result.runs, 0.95)
    return result


def page_keys(pages: Iterable[Page], role: str, admin: bool) -> list[str]:
    keys = [page.key for page in pages]
    if admin and role == str(Role.SUPERVISOR):
        keys += [key for key, _compared, _path in ADMIN_PAGES]
    return keys


def run_pages(
    users: dict[str, User],
    *,
    runs: int,
    pages: Iterable[Page] = PAGES,
    admin: bool = False,
    on_result: Callable[[Result], None] = lambda result: None,
) -> list[Result]:
    """Every page for every role, one after another, on this process's database."""
    measurer = Measurer(users)
    results: list[Result] = []
    pages = list(pages)
    for role in users:
        for key in page_keys(pages, role, admin):
            result, warm_up = measurer.first(role, key)
            if result is None:
                continue
            if result.status == 200:
                result.runs = measurer.time(role, key, runs_within_budget(runs, warm_up))
            results.append(finish(result))
            on_result(result)
    return results


class Remote(Protocol):
    """The baseline side of an interleaved run (a `bench_pages --serve` process)."""

    def first(self, role: str, key: str) -> tuple[Result | None, float]: ...

    def time(self, role: str, key: str, runs: int) -> list[float]: ...


# An interleaved run times each page in this many alternating rounds on each side.
ROUNDS = 4


def run_interleaved(
    users: dict[str, User],
    remote: Remote,
    roles: Iterable[str],
    *,
    runs: int,
    pages: Iterable[Page] = PAGES,
    admin: bool = False,
    on_result: Callable[[Result, Result | None], None] = lambda result, baseline: None,
) -> list[tuple[Result, Result | None]]:
    """Every page on both databases in turn, a few requests each, so that whatever else
    the machine does weighs on both sides alike: their ratio stays steady from run to
    run where two runs taken minutes apart drift (this machine's noise moved a page's
    median by up to 1.5x between such runs)."""
    measurer = Measurer(users)
    pairs: list[tuple[Result, Result | None]] = []
    pages = list(pages)
    for role in roles:
        for key in page_keys(pages, role, admin):
            result, warm_up = measurer.first(role, key)
            baseline, base_warm_up = remote.first(role, key)
            if result is None:
                continue
            if result.status == 200 and baseline is not None and baseline.status == 200:
                total = runs_within_budget(runs, max(warm_up, base_warm_up))
                for round_ in range(ROUNDS):
                    share = total // ROUNDS + (1 if round_ < total % ROUNDS else 0)
                    if share:
                        result.runs += measurer.time(role, key, share)
                        baseline.runs += remote.time(role, key, share)
            elif result.status == 200:
                result.runs = measurer.time(role, key, runs_within_budget(runs, warm_up))
            pair = (finish(result), finish(baseline) if baseline else None)
            pairs.append(pair)
            on_result(*pair)
    return pairs


def flags(result: Result, baseline: Result | None = None) -> str:
    """Which of the issue's targets the result misses (the admin's pages are only compared)."""
    if result.status != 200 or result.page in ADMIN_KEYS:
        return ""
    missed = []
    # A filtered dashboard ("dashboard ?caseworker=…") is still the dashboard.
    if result.page.split(" ?")[0] in SUMMARY_PAGES:
        if result.median_ms > SUMMARY_MS:
            missed.append(f">{SUMMARY_MS}ms")
    elif result.median_ms > MEDIAN_MS:
        missed.append(f"med>{MEDIAN_MS}")
    if result.p95_ms > P95_MS:
        missed.append(f"p95>{P95_MS}")
    if result.page == "my_work" and result.bytes > MY_WORK_BYTES:
        missed.append(">100KB")
    if baseline and baseline.median_ms and result.median_ms / baseline.median_ms > RATIO:
        missed.append(f"ratio>{RATIO}")
        if smaller_baseline(result, baseline):
            missed.append(f"(base page {baseline.bytes / 1024:.1f} KB)")
    return " ".join(missed)


def smaller_baseline(result: Result, baseline: Result | None) -> bool:
    """Whether the baseline's page is much smaller than the page measured (fewer rows)."""
    return baseline is not None and baseline.bytes < result.bytes * SMALLER_PAGE


def summary(results: list[Result], baseline: dict[tuple[str, str], Result]) -> str:
    """How many pages miss a target; of those flagged on their ratio alone, how many were
    compared with a much smaller page at the baseline (said, never left out)."""
    missed = [r for r in results if flags(r, baseline.get((r.role, r.page)))]
    line = f"{len(results)} pages measured, {len(missed)} miss a target."
    smaller = [
        r for r in missed if not flags(r) and smaller_baseline(r, baseline.get((r.role, r.page)))
    ]
    if smaller:
        line += (
            f" {len(smaller)} of them miss only the ratio, against a baseline page at least "
            f"{1 - SMALLER_PAGE:.0%} smaller (fewer rows to show at the baseline)."
        )
    return line


def format_row(result: Result, baseline: Result | None, runs: int = 0) -> str:
    base = ratio = ""
    if baseline and baseline.median_ms:
        base = f"{baseline.median_ms:.1f}"
        if result.median_ms:
            ratio = f"{result.median_ms / baseline.median_ms:5.2f}"
    timing = (
        f"{result.median_ms:8.1f} {result.p95_ms:8.1f}"
        if result.status == 200
        else f"{'-':>8} {'-':>8}"
    )
    short = f" n={len(result.runs)}" if result.status == 200 and len(result.runs) < runs else ""
    return (
        f"{result.role:<15} {result.page:<16} {result.status:>4} {result.queries:>4} "
        f"{timing} {result.bytes / 1024:8.1f} {base:>8} {ratio:>6}  "
        f"{flags(result, baseline)}{short}"
    )


HEADER = (
    f"{'role':<15} {'page':<16} {'http':>4} {'qry':>4} {'median':>8} {'p95':>8} "
    f"{'KB':>8} {'base':>8} {'ratio':>6}  missed targets (times in ms; base = the "
    "baseline's median; n = timed runs when cut short)"
)


def load(path: Path) -> dict[tuple[str, str], Result]:
    data = json.loads(path.read_text())
    return {(row["role"], row["page"]): Result(**row) for row in data["results"]}


def save(path: Path, results: list[Result], meta: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"meta": meta, "results": [asdict(r) for r in results]}, indent=1) + "\n"
    )


def admin_comparison(results: list[Result]) -> list[str]:
    """The app's case list against the admin changelist on the same rows: how many times faster."""
    by_key = {(r.role, r.page): r for r in results}
    lines = []
    for key, compared, _path in ADMIN_PAGES:
        admin = by_key.get((str(Role.SUPERVISOR), key))
        app = by_key.get((str(Role.SUPERVISOR), compared))
        if admin and app and app.median_ms and admin.status == 200:
            lines.append(
                f"  {compared:<10} {app.median_ms:8.1f} ms   {key:<16} {admin.median_ms:8.1f} ms"
                f"   the app is {admin.median_ms / app.median_ms:5.1f}x faster"
            )
        elif admin:
            lines.append(f"  {key}: HTTP {admin.status}")
    return lines
