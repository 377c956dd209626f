"""`manage.py bench_pages`: median, p95, queries and size of every staff page per role."""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings

from cases.models import Case
from config import bench
from config.runtime import tune_gc
from config.scale import BENCH_LOGINS


class Command(BaseCommand):
    help = (
        "Time every staff page for each role's benchmark account (seed_scale's logins) "
        "with the test client: queries, median and p95 in ms, size. --against URL times "
        "every page on that database too, in turn with this one, and prints their ratio "
        "(e.g. this database at 1M against the 10k one); --baseline FILE compares with "
        "an earlier run's saved results instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="Timed requests per page (20).")
        parser.add_argument("--save", type=Path, help="Write the results as JSON to this file.")
        parser.add_argument("--baseline", type=Path, help="Results JSON to compare with.")
        parser.add_argument(
            "--against",
            metavar="DATABASE_URL",
            help="A second database (e.g. the 10k one) timed page by page in turn with "
            "this one, a few requests at a time, by a child process.",
        )
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also time the Django admin changelist of Case beside the case list.",
        )
        parser.add_argument(
            "--roles", nargs="*", help="Only these roles (e.g. caseworker supervisor)."
        )
        parser.add_argument("--pages", nargs="*", help="Only these pages (keys of the table).")
        parser.add_argument(
            "--filters",
            action="store_true",
            help="Time every list filter instead (one page per filter and value, and its "
            "40th page: bench.filter_pages); e.g. with --runs 3.",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="statement_timeout in seconds for the pages' queries (30; 0 for none).",
        )
        # The child process of --against: answers requests on stdin, one JSON per line.
        parser.add_argument("--serve", action="store_true", help="(internal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        if options["against"] and options["baseline"]:
            raise CommandError("Give --against or --baseline, not both.")
        users = bench.bench_users()
        if not users and not options["serve"]:
            raise CommandError(
                "No benchmark accounts here (" + ", ".join(BENCH_LOGINS.values()) + "): "
                "run seed_scale first."
            )
        if options["roles"]:
            unknown = set(options["roles"]) - set(users)
            if unknown:
                raise CommandError(f"Unknown roles: {', '.join(sorted(unknown))}.")
            users = {role: user for role, user in users.items() if role in options["roles"]}
        pages = bench.filter_pages() if options["filters"] else bench.PAGES
        if options["pages"]:
            pages = [page for page in pages if page.key in options["pages"]]
        with connection.cursor() as cursor:
            # A page that would run for minutes fails fast instead (shown as 500/503).
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                [f"{options['timeout'] * 1000}"],
            )
            if not settings.HARBOR_WEB_PG_PARALLEL:
                # As a web request's connection has it (config.settings), not a command's.
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        # The garbage collector as a server process runs it (config.wsgi), in this
        # process and in the one that serves the baseline database alike.
        tune_gc()
        with self._bench_settings(options["admin"]):
            if options["serve"]:
                self._serve(users)
            else:
                self._run(users, pages, options)

    @contextmanager
    def _bench_settings(self, admin: bool) -> Iterator[None]:
        overrides: dict[str, Any] = {
            # Production-like: no query log, no debug pages; the test client's host.
            "DEBUG": False,
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        }
        if admin:
            overrides["INSTALLED_APPS"] = [
                *settings.INSTALLED_APPS,
                "django.contrib.admin.apps.SimpleAdminConfig",
            ]
            overrides["ROOT_URLCONF"] = "config.bench_urls"
        # A 403 or 404 is an expected answer, a 500 shows in the table: no tracebacks.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.CRITICAL)
        try:
            with override_settings(**overrides):
                yield
        finally:
            request_log.setLevel(level)

    def _run(self, users: dict, pages: list[bench.Page], options: dict[str, Any]) -> None:
        runs = options["runs"]
        cases = Case.objects.count()
        reference = bench.cpu_reference()
        self.stdout.write(
            f"{connection.settings_dict['NAME']}: {cases:,} cases; {runs} timed requests per page; "
            f"{bench.interpreter()}; {reference}."
        )
        baseline = bench.load(options["baseline"]) if options["baseline"] else {}
        meta: dict[str, Any] = {
            "database": connection.settings_dict["NAME"],
            "cases": cases,
            "interpreter": bench.interpreter(),
            "cpu_reference": reference,
        }
        if options["against"]:
            with _Served(options["against"], options) as remote:
                meta["against"] = remote.about
                self.stdout.write(
                    f"against {remote.about['database']}: {remote.about['cases']:,} cases, "
                    f"page by page in turn ({bench.ROUNDS} rounds each)."
                )
                self.stdout.write(bench.HEADER)
                roles = [role for role in users if role in remote.about["roles"]]
                if not roles:
                    raise CommandError(
                        f"{remote.about['database']} has none of these benchmark accounts: "
                        "run seed_scale there first."
                    )
                pairs = bench.run_interleaved(
                    users,
                    remote,
                    roles,
                    runs=runs,
                    pages=pages,
                    admin=options["admin"],
                    on_result=lambda result, base: self.stdout.write(
                        bench.format_row(result, base, runs)
                    ),
                )
            results = [result for result, _base in pairs]
            baseline = {(r.role, r.page): base for r, base in pairs if base is not None}
            meta["baseline_results"] = [asdict(base) for base in baseline.values()]
        else:
            self.stdout.write(bench.HEADER)
            results = bench.run_pages(
                users,
                runs=runs,
                pages=pages,
                admin=options["admin"],
                on_result=lambda result: self.stdout.write(
                    bench.format_row(result, baseline.get((result.role, result.page)), runs)
                ),
            )
        if options["admin"]:
            self.stdout.write("The case list against the Django admin changelist (supervisor):")
            for line in bench.admin_comparison(results):
                self.stdout.write(line)
        self.stdout.write(bench.summary(results, baseline))
        # A shared machine's speed drifts within a run: the reference again, at the end.
        meta["cpu_reference_end"] = bench.cpu_reference()
        self.stdout.write(f"At the end: {meta['cpu_reference_end']}.")
        if options["save"]:
            meta |= {
                "runs": runs,
                "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
            bench.save(options["save"], results, meta)
            self.stdout.write(f"Saved to {options['save']}.")

    def _serve(self, users: dict) -> None:
        """The --against child: this database's side of each page, asked for on stdin."""
        measurer = bench.Measurer(users)
        about = {
            "database": connection.settings_dict["NAME"],
            "cases": Case.objects.count(),
            "roles": list(users),
        }
        out = sys.stdout
        out.write(json.dumps(about) + "\n")
        out.flush()
        for line in sys.stdin:
            ask = json.loads(line)
            if ask["op"] == "first":
                result, warm_up = measurer.first(ask["role"], ask["page"])
                answer: Any = {"result": asdict(result) if result else None, "warm_up": warm_up}
            else:
                answer = measurer.time(ask["role"], ask["page"], ask["runs"])
            out.write(json.dumps(answer) + "\n")
            out.flush()


class _Served:
    """`bench_pages --serve` on another database, as a `bench.Remote`."""

    def __init__(self, database_url: str, options: dict[str, Any]) -> None:
        self.command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "bench_pages",
            "--serve",
            "--timeout",
            str(options["timeout"]),
            *(["--admin"] if options["admin"] else []),
        ]
        # The keys this process reads its data with: seed_scale on this checkout wrote both.
        self.env = os.environ | {
            "DATABASE_URL": database_url,
            "HARBOR_FIELD_KEYS": ",".join(settings.HARBOR_FIELD_KEYS),
            "HARBOR_BLIND_INDEX_KEY": settings.HARBOR_BLIND_INDEX_KEY,
        }

    def __enter__(self) -> _Served:
        # Our own manage.py with fixed arguments: no input reaches the command line.
        self.process = subprocess.Popen(  # noqa: S603
            self.command, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.to_child: IO[str] = self.process.stdin  # type: ignore[assignment]
        self.from_child: IO[str] = self.process.stdout  # type: ignore[assignment]
        self.about = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        self.to_child.close()
        self.process.wait(timeout=60)

    def _read(self) -> Any:
        line = self.from_child.readline()
        if not line:
            raise CommandError(f"The --against process stopped (exit {self.process.wait()}).")
        return json.loads(line)

    def _ask(self, **ask: Any) -> Any:
        self.to_child.write(json.dumps(ask) + "\n")
        self.to_child.flush()
        return self._read()

    def first(self, role: str, key: str) -> tuple[bench.Result | None, float]:
        answer = self._ask(op="first", role=role, page=key)
        result = answer["result"]
        return (bench.Result(**result) if result else None), answer["warm_up"]

    def time(self, role: str, key: str, runs: int) -> list[float]:
        return self._ask(op="time", role=role, page=key, runs=runs)
