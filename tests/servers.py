"""gunicorn servers for tests, started as production starts them: `gunicorn config.wsgi`
in the project's folder (so with gunicorn.conf.py), each on a free port of loopback."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    """Whether the server answers /health/ (any status: 503 on an unmigrated database)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/health/")
        connection.getresponse().read()
    except OSError:  # not listening yet, or still loading
        return False
    finally:
        connection.close()
    return True


@contextmanager
def servers(
    environment: dict[str, str], *, count: int = 1, workers: int = 1
) -> Iterator[list[int]]:
    """Start `count` servers of `workers` workers each with `environment`; their ports once
    all answer, each stopped at the end."""
    processes, ports = [], []
    for _ in range(count):
        port = free_port()
        processes.append(
            subprocess.Popen(  # noqa: S603 (fixed arguments)
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                ],
                cwd=BASE_DIR,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        ports.append(port)
    try:
        deadline = time.monotonic() + 120
        for port, process in zip(ports, processes, strict=True):
            while not _answers(port):
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
