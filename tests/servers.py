"""Real servers for tests that need real sockets: the app under uvicorn in a subprocess, and
private PostgreSQL servers (a primary, or a hot standby of one)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.cli import KEEP_ALIVE

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def access_lines(log: Path, until: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The JSON access lines in a server's log once `until(lines)` holds: the server writes
    its access lines together, within a fraction of a second (observability.FLUSH_AFTER)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        requests = [x for x in lines if x.get("message") == "request"]
        if until(requests) or time.monotonic() > deadline:
            return requests
        time.sleep(0.05)


@contextmanager
def running_server(
    db_url: str,
    log_dir: Path,
    env: dict[str, str] | None = None,
    workers: int = 1,
    *,
    serve: bool = False,
) -> Iterator[tuple[str, Path]]:
    """Serve `db_url` on a free loopback port; yield (base URL, log file). Always stopped.
    With `serve`, through `pow-exchanges serve` (uvicorn configured from the settings)."""
    port = free_port()
    log_path = log_dir / f"uvicorn-{port}.log"
    command = (
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)]
        if serve else
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-access-log", "--no-server-header", "--log-level", "warning",
         "--timeout-keep-alive", str(KEEP_ALIVE)]
    )  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **(env or {}), "DATABASE_URL": db_url},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn never got ready: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _server_bin() -> Path:
    """Debian's newest installed PostgreSQL server binaries."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return versions[-1].parent if versions else Path("/nonexistent")


PG_BIN = _server_bin()
# Private servers run as the postgres OS user: they need the server binaries and root.
CAN_RUN_POSTGRES = (PG_BIN / "initdb").exists() and os.geteuid() == 0


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb in a temporary folder, a free port), so
    that stopping it mid-run disturbs nothing else. `standby_of` makes a hot standby of another
    one instead (pg_basebackup -R: it streams the primary's WAL and answers reads)."""

    def __init__(self, *, options: str = "", initdb: bool = True) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="powx-pg-"))
        self.port = free_port()
        self.options = options
        shutil.chown(self.dir, "postgres", "postgres")
        if initdb:
            self.run(PG_BIN / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres",
                     "--no-sync")  # fmt: skip

    @classmethod
    def standby_of(cls, primary: PrivatePostgres, *, options: str = "") -> PrivatePostgres:
        server = cls(options=options, initdb=False)
        server.run(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U",
                   "postgres", "-D", server.dir / "data", "-R", "-X", "stream", "-c", "fast",
                   "--no-sync")  # fmt: skip
        return server

    def run(self, *cmd: object) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, cmd)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c full_page_writes=off {self.options}"
        )
        self.run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-o", opts, "-w", "-l",
                 self.dir / "log", "start")  # fmt: skip

    def stop(self) -> None:
        self.run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs, and delete its files."""
        with suppress(Exception):  # already stopped, or never started
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}"

    def sql(self, *statements: str, db: str = "postgres") -> list[object]:
        """Run each statement in autocommit; the first column of each one's first row."""
        engine = create_engine(
            self.url(db).replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
        )
        out: list[object] = []
        try:
            with engine.connect() as conn:
                for statement in statements:
                    result = conn.execute(text(statement))
                    row = result.first() if result.returns_rows else None
                    out.append(row[0] if row is not None else None)
        finally:
            engine.dispose()
        return out
