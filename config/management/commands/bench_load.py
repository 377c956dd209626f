"""`manage.py bench_load`: mixed staff traffic against gunicorn with wrk; requests/s, latency."""

import logging
import os
import resource
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client
from django.test.utils import override_settings

from accounts.models import User
from config import bench
from policy import Role

# The pages of the mix (keys of bench.PAGES): a day's work, not the reports.
MIX = (
    "my_work",
    "cases p1",
    "case detail",
    "timeline",
    "person detail",
    "tasks",
    "people",
    "referrals",
    "notifications",
    "search name",
    "dashboard",
)
EXTRA_CASEWORKERS = 6

LUA = """
local requests = {
%s
}
local counter = 0
non2xx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = math.random(#requests)
end

function request()
  counter = counter + 1
  local r = requests[(counter %% #requests) + 1]
  return wrk.format("GET", r[1], {["Cookie"] = r[2]})
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d seconds=%%.1f rps=%%.1f p50_ms=%%.1f p90_ms=%%.1f p99_ms=%%.1f " ..
    "non2xx=%%d socket_errors=%%d\\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
"""


def serving_env(secret_key: str) -> dict[str, str]:
    """The environment gunicorn serves the load with: production settings (HARBOR_DEBUG
    off: no query log, no template debugging, the static files' manifest), the keys this
    process reads the data with, and plain HTTP on loopback without a second factor (the
    benchmark accounts have none)."""
    return {
        **os.environ,
        "HARBOR_DEBUG": "false",
        "SECRET_KEY": secret_key,
        "HARBOR_FIELD_KEYS": ",".join(settings.HARBOR_FIELD_KEYS),
        "HARBOR_BLIND_INDEX_KEY": settings.HARBOR_BLIND_INDEX_KEY,
        "HARBOR_REQUIRE_MFA": "false",
        "HARBOR_SECURE_COOKIES": "false",
        "HARBOR_SSL_REDIRECT": "false",
        "HARBOR_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def serving_config() -> dict[str, Any]:
    """The settings of gunicorn.conf.py, the file production serves with."""
    return runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Command(BaseCommand):
    help = (
        "Start gunicorn on a free port against this database, log in several staff "
        "accounts of the big agency (seed_scale's), and run wrk rotating their pages "
        "(My work, case list, case pages, tasks, people, search, dashboard…). Prints "
        "requests/s, latency p50/p90/p99 and the count of non-2xx answers. Needs wrk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=int, default=30, help="Seconds of load (30).")
        parser.add_argument("--connections", type=int, default=16, help="Open connections (16).")
        parser.add_argument(
            "--workers",
            type=int,
            default=serving_config()["workers"],
            help="gunicorn workers (gunicorn.conf.py's number: cores + 1).",
        )
        # One thread per worker: the pages are CPU-bound, and two threads of one process
        # share one interpreter lock (README, Production: "Serve").
        parser.add_argument("--threads", type=int, default=1, help="Threads per worker (1).")
        parser.add_argument(
            "--pages", nargs="*", default=list(MIX), help="Pages of the mix (bench_pages keys)."
        )
        parser.add_argument(
            "--warmup", type=int, default=10, help="Seconds of untimed load first (10)."
        )
        parser.add_argument(
            "--wrk-threads",
            type=int,
            default=1,
            help="wrk threads (1: leave the cores to the app).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (Debian: apt-get install wrk).")
        # The sessions are signed with the key gunicorn serves with (the session's
        # hash of the password is keyed with it).
        secret_key = secrets.token_urlsafe(48)
        with override_settings(SECRET_KEY=secret_key):
            requests = self.requests(options["pages"])
        if not requests:
            raise CommandError("No benchmark accounts here: run seed_scale first.")
        self.stdout.write(f"{len(requests)} URLs in the mix (pages x staff accounts).")
        env = serving_env(secret_key)
        # Production settings serve static files from their manifest: collect them first.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        port = free_port()
        # gunicorn serves a sync worker's class with threads as gthread.
        worker_class = serving_config()["worker_class"] if options["threads"] == 1 else "gthread"
        with tempfile.TemporaryDirectory(prefix="harbor-bench-") as tmp:
            script = Path(tmp) / "mix.lua"
            rows = ",\n".join(f'  {{"{path}", "{cookie}"}}' for path, cookie in requests)
            script.write_text(LUA % rows)
            server = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    # The serving settings of production (sync workers); the options
                    # below override its number of workers and threads.
                    "--config",
                    str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(options["workers"]),
                    "--threads",
                    str(options["threads"]),
                    "--log-level",
                    "warning",
                ],
                cwd=settings.BASE_DIR,
                env=env,
            )
            try:
                self.wait_until_up(port, server)
                self.stdout.write(
                    f"gunicorn: {options['workers']} {worker_class} workers x "
                    f"{options['threads']} threads "
                    f"on port {port}; wrk: {options['connections']} connections, "
                    f"{options['duration']} s; {bench.interpreter()}; {bench.cpu_reference()}."
                )
                if options["warmup"]:
                    # Workers load templates, translations and connections on first use.
                    subprocess.run(  # noqa: S603
                        [wrk, "-t", "1", "-c", str(options["connections"]), "-d",
                         f"{options['warmup']}s", "-s", str(script), f"http://127.0.0.1:{port}/"],
                        capture_output=True,
                        check=False,
                    )  # fmt: skip
                before = bench.cpu_times()
                # Where the cores' time went: gunicorn's processes, PostgreSQL's (when it
                # runs on this machine) and wrk's, per request (README, Benchmarks).
                app = bench.ProcessCpu(lambda: bench.process_tree(server.pid))
                database = bench.ProcessCpu(lambda: bench.processes_named("postgres"))
                load = resource.getrusage(resource.RUSAGE_CHILDREN)
                completed = subprocess.run(  # noqa: S603
                    [
                        wrk,
                        "-t",
                        str(options["wrk_threads"]),
                        "-c",
                        str(options["connections"]),
                        "-d",
                        f"{options['duration']}s",
                        "--timeout",
                        "30s",
                        "-s",
                        str(script),
                        f"http://127.0.0.1:{port}/",
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                busy = bench.cpu_busy(before, bench.cpu_times())
                loaded = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = {
                    "gunicorn": app.used(),
                    "PostgreSQL": database.used(),
                    "wrk": loaded.ru_utime + loaded.ru_stime - load.ru_utime - load.ru_stime,
                }
            finally:
                server.terminate()
                server.wait(timeout=30)
        if completed.returncode != 0:
            raise CommandError(f"wrk failed: {completed.stderr.strip()}")
        result = next(
            (line for line in completed.stdout.splitlines() if line.startswith("RESULT")), None
        )
        self.stdout.write(completed.stdout if options["verbosity"] > 1 else "")
        if result is None:
            raise CommandError(f"wrk printed no result: {completed.stdout}")
        values = dict(item.split("=") for item in result.split()[1:])
        self.stdout.write(
            f"{float(values['rps']):.1f} requests/s over {values['seconds']} s "
            f"({values['requests']} requests); latency p50 {values['p50_ms']} ms, "
            f"p90 {values['p90_ms']} ms, p99 {values['p99_ms']} ms; "
            f"non-2xx {values['non2xx']}, socket errors {values['socket_errors']}; {busy}. "
            # A shared machine's speed drifts within a run: the reference again, after it.
            f"At the end: {bench.cpu_reference()}."
        )
        self.stdout.write(bench.cpu_per_request(int(values["requests"]), **used) + ".")

    def requests(self, mix: list[str]) -> list[tuple[str, str]]:
        """(path, Cookie header) of each page each account may open (checked in-process)."""
        users = bench.bench_users()
        big = users.get(str(Role.CASEWORKER))
        if big is not None:
            others = (
                User.objects.filter(agency_id=big.agency_id, role=Role.CASEWORKER, is_active=True)
                .exclude(pk=big.pk)
                .order_by("pk")[:EXTRA_CASEWORKERS]
            )
            for user in others:
                users[f"caseworker {user.pk}"] = user
        users.pop(str(Role.PLATFORM_ADMIN), None)
        pages = [page for page in bench.PAGES if page.key in mix]
        requests = []
        overrides = {"DEBUG": False, "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        # A page the account may not open is left out of the mix, without a traceback.
        logging.getLogger("django.request").setLevel(logging.CRITICAL)
        with override_settings(**overrides):
            for user in users.values():
                client = Client(raise_request_exception=False)
                client.force_login(user)
                cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
                samples = bench.samples_for(user)
                for page in pages:
                    url = page.url(samples)
                    if url is None:
                        continue
                    url = samples.fill(url)
                    if client.get(url).status_code == 200:
                        requests.append((url, f"{settings.SESSION_COOKIE_NAME}={cookie}"))
        return requests

    def wait_until_up(self, port: int, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn stopped while starting; see its output above.")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise CommandError("gunicorn did not answer within 60 s.")
