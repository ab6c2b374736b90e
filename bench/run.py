"""The benchmark of issue 8: `make bench`, or `uv run --frozen python bench/run.py [--quick]`.

Starts each server in turn pinned to CPU 0, loads it with `wrk -t1 -c32 --latency` pinned to
CPU 1, samples the server's resident memory every 0.2 s, prints a table and writes
`bench/RESULTS.md` with the machine, the versions and the targets of issue 8. Everything it
creates (databases, the Datasette venv, logs) lives under `bench/out/`, which git ignores.
Every server it starts is stopped again, on errors and Ctrl-C as well; it only ever talks to
127.0.0.1. See bench/README.md for what each scenario means.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
LOGS = OUT / "logs"
VENV = OUT / "venv"
RESULTS = BENCH / "RESULTS.md"
UNIQUE_LUA = BENCH / "unique.lua"
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

PAGE_PATH = "/v1/exchanges?limit=50"
STATS_PATHS = (
    "/v1/statistics/summary",
    "/v1/statistics/timeseries?interval=week",
    "/v1/statistics/mediators",
)
DATASETTE_SPEC = "datasette==0.65.*"
# The live rows, newest first, 50 a page: our page's question in Datasette's words.
DATASETTE_PAGE = "/{db}/exchange.json?_size=50&_nosuggest=1&_sort_desc=date&valid_to__isnull=1"
DATASETTE_WINDOW = ("date__gte", "date__lte")
DATASETTE_SETTINGS = (("suggest_facets", "off"), ("sql_time_limit_ms", "10000"))
SYNTH_EVENTS = 100_000
SPAN = 10_000  # `since` values walked by bench/unique.lua before `until` moves on
WARMUP_START = 5_000_000  # the warm-up's unique URLs never repeat in the measured run
STATS_COLD_REQUESTS = 20
STATS_COLD_SECONDS = 60  # at most, per endpoint: fewer requests when each one is slow
BUST_FIRST = dt.date(2000, 1, 1)  # cache-busting `since` for statistics: before any event

SERVER_CPUS = "0"
LOAD_CPU = "1"
BOTH_CPUS = "0,1"

# Targets of issues 8 and 18.
WARM_VS_BARE = 0.50
WARM_P99_MS = 10.0
COLD_VS_DATASETTE = 3.0
STATS_COLD_MS = 100.0
STATS_WARM_VS_PAGE = 0.80  # "as fast as any other repeated read": within 20% of the page
RSS_LIMIT_MB = 200.0


class BenchError(Exception):
    """A scenario could not be measured; the reason goes into the results."""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def scrub(text: str) -> str:
    """Never write this machine's paths into the results."""
    text = text.replace(str(ROOT) + "/", "").replace(str(ROOT), ".")
    return text.replace(str(Path.home()), "~")


def run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    logfile: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root; raise BenchError with its last lines on failure."""
    try:
        proc = subprocess.run(  # noqa: S603
            list(argv),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"`{' '.join(argv[:3])}` took longer than {timeout:.0f} s") from None
    except FileNotFoundError as exc:
        raise BenchError(f"{exc.filename} not found") from None
    if logfile is not None:
        logfile.parent.mkdir(parents=True, exist_ok=True)
        logfile.write_text(f"$ {' '.join(argv)}\n{proc.stdout}\n{proc.stderr}")
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        raise BenchError(
            scrub(f"`{' '.join(argv[:3])}` exited {proc.returncode}: " + " | ".join(tail))
        )
    return proc


# ---------------------------------------------------------------- processes and their memory


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pin(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus and PINNING else []


class Server:
    """One server process (and its workers), in its own process group so it can be stopped whole."""

    live: set[Server] = set()

    def __init__(
        self, name: str, argv: list[str], *, env: dict[str, str], ready: str, cpus: str, port: int
    ) -> None:
        self.name, self.argv, self.env, self.ready, self.cpus = name, argv, env, ready, cpus
        self.port = port
        self.logfile = LOGS / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603
                [*pin(self.cpus), *self.argv],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        Server.live.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited {self.proc.returncode} at start: {self.tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if fetch(self.port, self.ready, timeout=2)[0] < 500:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} not ready after {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        """The last lines of the server's log that say something (not a box's border)."""
        try:
            lines = self.logfile.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        useful = [line.strip(" │╭╮╰╯─") for line in lines if re.search(r"\w", line)]
        return scrub(" | ".join(useful[-2:])) or "(empty log)"

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL after 10 s."""
        proc, self.proc = self.proc, None
        Server.live.discard(self)
        if proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # the leader is gone; make sure no worker of its group outlives it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            return

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.live):
            server.stop()


@contextlib.contextmanager
def serving(
    name: str, argv: list[str], *, env: dict[str, str], ready: str, cpus: str = SERVER_CPUS
) -> Iterator[Server]:
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in argv]
    server = Server(name, argv, env=env, ready=ready, cpus=cpus, port=port)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB, or zeros for a process that is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of these processes (all their threads) so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


class RssSampler:
    """Polls the server and its children every 0.2 s: peak per process (VmHWM) and summed VmRSS.

    It also measures the CPU the server used while it ran: a single-worker server that gets much
    less than 100% of its core under load was starved by something else on the machine.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_process_kb = 0
        self.peak_total_kb = 0
        self.cpu_percent = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._cpu0 = self._t0 = 0.0

    def _sample(self) -> None:
        total = 0
        for pid in process_tree(self.pid):
            rss, hwm = memory_kb(pid)
            total += rss
            self.peak_process_kb = max(self.peak_process_kb, hwm, rss)
        self.peak_total_kb = max(self.peak_total_kb, total)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self._cpu0, self._t0 = cpu_seconds(process_tree(self.pid)), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        used = cpu_seconds(process_tree(self.pid)) - self._cpu0
        self.cpu_percent = 100 * used / max(time.monotonic() - self._t0, 1e-9)


# ---------------------------------------------------------------- HTTP and wrk


def fetch(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def fetch_ok(port: int, path: str) -> tuple[dict[str, str], bytes]:
    status, headers, body = fetch(port, path)
    if status != 200:
        raise BenchError(
            f"GET {path} answered {status}: {scrub(body[:200].decode(errors='replace'))}"
        )
    return headers, body


@dataclass
class WrkResult:
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    errors: str


TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
LATENCY_RE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
REQUESTS_RE = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50 and p99 (ms) and any errors from `wrk --latency` output."""
    rps = RPS_RE.search(output)
    requests = REQUESTS_RE.search(output)
    latency = {m[1]: float(m[2]) * TIME_UNITS[m[3]] for m in LATENCY_RE.finditer(output)}
    errors = []
    if requests and int(requests[1]) == 0:
        return WrkResult(0.0, None, None, 0, "no request completed within wrk's 10 s timeout")
    if not rps or not requests or "50" not in latency or "99" not in latency:
        raise BenchError(f"could not read wrk's output: {output.strip()[-200:]!r}")
    if non := NON_2XX_RE.search(output):
        errors.append(f"{non[1]} non-2xx/3xx")
    if sock := SOCKET_RE.search(output):
        names = ("connect", "read", "write", "timeout")
        errors += [f"{n} {name}" for name, n in zip(names, sock.groups(), strict=True) if n != "0"]
    return WrkResult(
        float(rps[1]), latency["50"], latency["99"], int(requests[1]), ", ".join(errors)
    )


def wrk(
    port: int,
    path: str,
    duration: float,
    *,
    connections: int,
    cpus: str = LOAD_CPU,
    headers: Sequence[str] = (),
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> WrkResult:
    argv = [*pin(cpus), "wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s"]
    argv.append("--latency")
    for header in headers:
        argv += ["-H", header]
    if script is not None:
        argv += ["-s", str(script.relative_to(ROOT))]
    argv.append(f"http://{HOST}:{port}{path}")
    if script_args:
        argv += ["--", *script_args]
    proc = run(argv, timeout=duration + 60)
    return parse_wrk(proc.stdout)


# ---------------------------------------------------------------- results


@dataclass
class Row:
    key: str
    scenario: str
    dataset: str
    url: str
    rps: float | None = None
    p50: float | None = None
    p99: float | None = None
    rss_worker: float | None = None
    rss_total: float | None = None
    cpu: float | None = None
    body: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.rps is not None or self.p50 is not None

    def combine(self, runs: Sequence[WrkResult]) -> None:
        """Figures of several short runs taken in turn with another server's: mean
        requests/s and p50, the worst p99."""
        p50s = [r.p50_ms for r in runs if r.p50_ms is not None]
        p99s = [r.p99_ms for r in runs if r.p99_ms is not None]
        self.rps = sum(r.rps for r in runs) / len(runs)
        self.p50 = sum(p50s) / len(p50s) if p50s else None
        self.p99 = max(p99s, default=None)


@dataclass
class Dataset:
    key: str
    label: str
    db: Path
    events: int = 0
    datasette_db: Path | None = None
    page: bytes | None = None
    etag: str | None = None
    newest: dt.date | None = None
    oldest_on_page: dt.date | None = None
    page_ids: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db.relative_to(ROOT)}"


def fmt_num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


# ---------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.duration: float = args.duration
        self.warmup: float = args.warmup
        self.connections: int = args.connections
        self.only: set[str] = set(args.only.split(",")) if args.only else set()
        self.reuse_db: bool = args.reuse_db
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.datasette: Path | None = None
        self.datasette_reason = ""
        self.datasette_version = "—"
        self.bare_in_turn: float | None = None  # bare ASGI's req/s in turn with ours
        self.load_at_start = load_average()
        bindir = Path(sys.executable).parent
        self.api_cmd = [str(bindir / "pow-exchanges")]
        self.uvicorn_cmd = [str(bindir / "uvicorn")]
        if not (bindir / "pow-exchanges").exists():
            raise SystemExit("run this with the project's environment: `make bench`")

    def half_run(self) -> int:
        """Half a run's length, for runs taken in turn (wrk takes whole seconds)."""
        return max(int(self.duration // 2), 1)

    def wants(self, group: str) -> bool:
        return not self.only or group in self.only

    # -- preparation -----------------------------------------------------------------

    def ensure_wrk(self) -> None:
        if shutil.which("wrk"):
            return
        if os.geteuid() != 0:
            raise SystemExit("wrk is missing: `sudo apt-get install wrk` (Debian) and run again")
        log("installing wrk from Debian (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env, timeout=600, logfile=LOGS / "apt-update.log")
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        run(install, env=env, timeout=600, logfile=LOGS / "apt-install.log")
        if not shutil.which("wrk"):
            raise SystemExit("wrk did not install; see bench/out/logs/apt-install.log")

    def api_env(self, ds: Dataset, *, cache: bool = True) -> dict[str, str]:
        # The settings a user gets by default (the access log on, one JSON line per request,
        # into the server's log file), but the database.
        env = {**os.environ, "DATABASE_URL": ds.url}
        for name in ("LOG_LEVEL", "ACCESS_LOG", "RESPONSE_CACHE_MB", "VERSION_TTL"):
            env.pop(name, None)
        env.pop("RESPONSE_CACHE", None)  # the default: on
        if not cache:
            env["RESPONSE_CACHE"] = "0"
        return env

    @staticmethod
    def remove_db(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def count_events(self, ds: Dataset) -> None:
        with contextlib.closing(sqlite3.connect(f"file:{ds.db}?mode=ro", uri=True)) as conn:
            ds.events = conn.execute(
                "SELECT count(*) FROM exchange WHERE valid_to IS NULL"
            ).fetchone()[0]

    def prepare_shipped(self) -> Dataset:
        ds = Dataset("shipped", "shipped", OUT / "shipped.sqlite3")
        if not (self.reuse_db and ds.db.exists()):
            log("building the shipped dataset: migrate + load data/")
            self.remove_db(ds.db)
            env = self.api_env(ds)
            try:
                run([*self.api_cmd, "migrate"], env=env, logfile=LOGS / "shipped-migrate.log")
                run([*self.api_cmd, "load", "data"], env=env, logfile=LOGS / "shipped-load.log")
            except BenchError as exc:
                raise SystemExit(f"cannot build the shipped database: {exc}") from None
        self.count_events(ds)
        ds.label = f"shipped, {ds.events:,} events"
        return ds

    def prepare_synth(self) -> Dataset | None:
        ds = Dataset("synth", "synthetic", OUT / "synth.sqlite3")
        env = self.api_env(ds)
        if self.reuse_db and ds.db.exists():
            log("reusing the synthetic database")
        else:
            try:
                run([*self.api_cmd, "synth", "--help"], env=env, timeout=120)
            except BenchError:
                self.notes.append(
                    "Synthetic scenarios skipped: `pow-exchanges synth` does not exist yet "
                    f"(it should fill a database with {SYNTH_EVENTS:,} events)."
                )
                log("`pow-exchanges synth` not found: skipping the synthetic scenarios")
                return None
            log(f"building the synthetic dataset: synth --events {SYNTH_EVENTS}")
            self.remove_db(ds.db)
            started = time.monotonic()
            try:
                run(
                    [*self.api_cmd, "synth", "--events", str(SYNTH_EVENTS)],
                    env=env,
                    timeout=1800,
                    logfile=LOGS / "synth.log",
                )
            except BenchError as exc:
                self.notes.append(f"Synthetic scenarios skipped: {exc}")
                log(f"synth failed: {exc}")
                return None
            self.notes.append(
                f"The synthetic database took {time.monotonic() - started:.0f} s to build."
            )
        try:
            self.count_events(ds)
        except sqlite3.Error as exc:
            self.notes.append(f"Synthetic scenarios skipped: its database cannot be read ({exc}).")
            return None
        ds.label = f"synthetic, {ds.events:,} events"
        return ds

    def prepare_datasette(self) -> None:
        """Datasette goes into bench/out/venv, never into the project's environment."""
        exe = VENV / "bin" / "datasette"
        try:
            if not exe.exists():
                log(f"installing {DATASETTE_SPEC} into bench/out/venv")
                shutil.rmtree(VENV, ignore_errors=True)
                base_python = getattr(sys, "_base_executable", None) or sys.executable
                uv = shutil.which("uv")
                if uv:
                    run([uv, "venv", "--quiet", "--python", base_python, str(VENV)])
                    target = ["--python", str(VENV / "bin" / "python")]
                    run(
                        [uv, "pip", "install", "--quiet", *target, DATASETTE_SPEC],
                        logfile=LOGS / "datasette-install.log",
                    )
                else:
                    run([base_python, "-m", "venv", str(VENV)])
                    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
                    run(
                        [*pip, "--disable-pip-version-check", DATASETTE_SPEC],
                        logfile=LOGS / "datasette-install.log",
                    )
            version = run([str(exe), "--version"], timeout=60).stdout.strip()
        except BenchError as exc:
            self.datasette_reason = f"Datasette could not be installed: {exc}"
            self.notes.append(self.datasette_reason)
            log(self.datasette_reason)
            return
        self.datasette = exe
        self.datasette_version = version.rsplit(" ", 1)[-1]

    @staticmethod
    def datasette_copy(ds: Dataset) -> Path:
        """A self-contained copy (no WAL) named after the dataset: immutable mode ignores a WAL."""
        target = OUT / "datasette" / f"{ds.key}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        Bench.remove_db(target)
        with (
            contextlib.closing(sqlite3.connect(f"file:{ds.db}?mode=ro", uri=True)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        return target

    # -- scenario plumbing -----------------------------------------------------------

    @contextlib.contextmanager
    def scenario(self, row: Row) -> Iterator[Row]:
        self.rows.append(row)
        log(f"{row.scenario} [{row.dataset}]")
        try:
            yield row
        except BenchError as exc:
            row.notes.append(f"not measured: {exc}")
            log(f"  not measured: {exc}")
        except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            row.notes.append(scrub(f"not measured: {type(exc).__name__}: {exc}"))
            log(f"  not measured: {type(exc).__name__}: {exc}")

    def api(
        self, ds: Dataset, name: str, *, cache: bool = True, workers: int = 1
    ) -> contextlib.AbstractContextManager[Server]:
        argv = [*self.api_cmd, "serve", "--host", HOST, "--port", "{port}"]
        argv += ["--workers", str(workers)]
        cpus = SERVER_CPUS if workers == 1 else BOTH_CPUS
        return serving(name, argv, env=self.api_env(ds, cache=cache), ready="/healthz", cpus=cpus)

    def load(
        self,
        row: Row,
        server: Server,
        path: str,
        *,
        headers: Sequence[str] = (),
        unique: Dataset | None = None,
        window: tuple[str, str] = ("since", "until"),
    ) -> None:
        """A warm-up, then the measured wrk run with the server's memory sampled. With
        `unique`, every request asks `path` for another date window (bench/unique.lua),
        named by `window`'s two parameters."""

        def lua_args(start: int) -> list[str]:
            if unique is None:
                return []
            assert unique.oldest_on_page is not None
            assert unique.newest is not None
            return [
                path,
                str(epoch(unique.oldest_on_page)),
                str(SPAN),
                str(epoch(unique.newest)),
                str(start),
                *window,
            ]

        script = UNIQUE_LUA if unique is not None else None
        options: dict[str, Any] = {"connections": self.connections, "headers": headers}
        if self.warmup > 0:
            wrk(
                server.port,
                path,
                self.warmup,
                script=script,
                script_args=lua_args(WARMUP_START),
                **options,
            )
        with RssSampler(server.pid) as rss:
            result = wrk(
                server.port, path, self.duration, script=script, script_args=lua_args(0), **options
            )
        row.rps, row.p50, row.p99 = result.rps, result.p50_ms, result.p99_ms
        row.rss_worker = rss.peak_process_kb / 1024
        row.rss_total = rss.peak_total_kb / 1024
        row.cpu = rss.cpu_percent
        if result.requests == 0:
            row.notes.append(result.errors)
        elif result.errors:
            row.notes.append(f"wrk errors: {result.errors} of {result.requests:,} requests")
        log(
            f"  {result.rps:,.0f} req/s, p50 {fmt_ms(result.p50_ms)} ms, "
            f"p99 {fmt_ms(result.p99_ms)} ms, server CPU {rss.cpu_percent:.0f}%"
        )

    # -- scenarios -------------------------------------------------------------------

    def api_repeated(
        self, ds: Dataset, *, cache: bool = True, workers: int = 1, first: bool = False
    ) -> None:
        """The same page again and again: warm (cache on) or every time computed (cache off)."""
        key = f"{'warm' if cache else 'nocache'}{'' if workers == 1 else f'_w{workers}'}:{ds.key}"
        label = "our API, cache warm" if cache else "our API, cache disabled (RESPONSE_CACHE=0)"
        if workers > 1:
            label += f", {workers} workers"
        row = Row(key, label, ds.label, PAGE_PATH)
        with (
            self.scenario(row),
            self.api(ds, key.replace(":", "-"), cache=cache, workers=workers) as srv,
        ):
            headers, body = fetch_ok(srv.port, PAGE_PATH)
            row.body = len(body)
            if first:
                self.remember_page(ds, body, headers)
            elif ds.page is not None and body != ds.page:
                row.notes.append("body differs from the warm run's")
            self.load(row, srv, PAGE_PATH)

    def remember_page(self, ds: Dataset, body: bytes, headers: dict[str, str]) -> None:
        ds.page, ds.etag = body, headers.get("etag")
        try:
            rows = json.loads(body)["data"]
            ds.page_ids = [str(r["id"]) for r in rows]
            dates = [dt.date.fromisoformat(r["date"]) for r in rows]
            ds.newest, ds.oldest_on_page = max(dates), min(dates)
        except (ValueError, KeyError, TypeError) as exc:
            raise BenchError(f"the page is not the expected {{data: [...]}}: {exc}") from None
        if ds.key == "shipped":
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / "page.json").write_bytes(body)

    def api_cold(self, ds: Dataset, *, workers: int = 1) -> None:
        """Every request a query not seen before (bench/unique.lua), same 50 events as the page."""
        key = f"cold{'' if workers == 1 else f'_w{workers}'}:{ds.key}"
        label = "our API, cache cold (unique queries)"
        if workers > 1:
            label += f", {workers} workers"
        row = Row(key, label, ds.label, PAGE_PATH + "&since=…&until=…")
        with self.scenario(row), self.api(ds, key.replace(":", "-"), workers=workers) as srv:
            if ds.newest is None:
                self.remember_page(ds, fetch_ok(srv.port, PAGE_PATH)[1], {})
            for n in (0, SPAN + 7):
                _, body = fetch_ok(srv.port, unique_path(ds, n))
                ids = [str(r["id"]) for r in json.loads(body)["data"]]
                if ids != ds.page_ids:
                    row.notes.append("the unique URLs do not return the page's events")
                    break
            row.body = len(body)
            self.load(row, srv, PAGE_PATH, unique=ds)

    def not_modified(self, ds: Dataset) -> None:
        """304s, and full answers from the same server just before and after them: the ratio
        compares these, so a change in the machine's load between two servers' runs (seen to
        swing a run by 20%) does not decide it."""
        row = Row(f"304:{ds.key}", "our API, 304 (If-None-Match)", ds.label, PAGE_PATH)
        full = Row(f"304_full:{ds.key}", "our API, cache warm, 200s beside the 304s", ds.label,
                   PAGE_PATH)  # fmt: skip
        with self.scenario(row), self.api(ds, "304-" + ds.key) as srv:
            headers, _ = fetch_ok(srv.port, PAGE_PATH)
            etag = headers.get("etag")
            if not etag:
                raise BenchError("the page has no ETag")
            status, _, body = fetch(srv.port, PAGE_PATH, {"If-None-Match": etag})
            if status != 304:
                row.notes.append(f"If-None-Match answered {status}, not 304")
            row.body = len(body)
            half = self.half_run()
            before = wrk(srv.port, PAGE_PATH, half, connections=self.connections)
            self.load(row, srv, PAGE_PATH, headers=[f"If-None-Match: {etag}"])
            after = wrk(srv.port, PAGE_PATH, half, connections=self.connections)
            full.combine([before, after])
            full.body = len(ds.page or b"")
            full.notes.append(f"the same server, {half} s just before and {half} s just after")
            self.rows.append(full)

    def bare(self, ds: Dataset) -> None:
        row = Row("bare", "bare ASGI (uvicorn, same bytes)", ds.label, PAGE_PATH)
        with self.scenario(row):
            if ds.page is None:
                raise BenchError("no page to serve: the warm run of our API failed")
            argv = [*self.uvicorn_cmd, "bench.bare_asgi:app", "--host", HOST, "--port", "{port}"]
            argv += ["--workers", "1", "--no-access-log", "--log-level", "warning"]
            env = {**os.environ, "BENCH_PAGE": "bench/out/page.json"}
            with serving("bare-asgi", argv, env=env, ready="/") as srv:
                _, body = fetch_ok(srv.port, PAGE_PATH)
                if body != ds.page:
                    row.notes.append("bytes differ from our API's page")
                row.body = len(body)
                self.load(row, srv, PAGE_PATH)
                self.alternate_with_bare(ds, srv)

    def alternate_with_bare(self, ds: Dataset, bare: Server) -> None:
        """Our warm page and the bare server's, loaded in turn (ours, bare, ours, bare) with
        both servers up on the same core: the ratio of issue 8 compares these, so a change in
        the machine's load between two runs minutes apart (seen to move a run by 25%) does
        not decide it."""
        row = Row("warm_pair", "our API, cache warm, in turn with bare ASGI", ds.label, PAGE_PATH)
        self.rows.append(row)
        with self.api(ds, "warm-in-turn") as ours:
            fetch_ok(ours.port, PAGE_PATH)  # fills its cache
            half = self.half_run()
            runs: dict[int, list[WrkResult]] = {ours.port: [], bare.port: []}
            for _ in range(2):
                for port in runs:
                    runs[port].append(wrk(port, PAGE_PATH, half, connections=self.connections))
        row.combine(runs[ours.port])
        row.body = len(ds.page or b"")
        self.bare_in_turn = sum(r.rps for r in runs[bare.port]) / len(runs[bare.port])
        row.notes.append(
            f"{half} s runs, ours then bare twice; bare ASGI in the same turns: "
            f"{self.bare_in_turn:,.0f} req/s"
        )

    def datasette_table(self, ds: Dataset) -> None:
        path = DATASETTE_PAGE.format(db=ds.key)
        row = Row(f"datasette:{ds.key}", "Datasette, immutable", ds.label, path)
        with self.scenario(row):
            if self.datasette is None:
                raise BenchError(self.datasette_reason or "Datasette is not installed")
            db = ds.datasette_db = ds.datasette_db or self.datasette_copy(ds)
            argv = [str(self.datasette), "serve", "-i", str(db.relative_to(ROOT))]
            argv += ["--host", HOST, "--port", "{port}"]
            for name, value in DATASETTE_SETTINGS:
                argv += ["--setting", name, value]
            env = {**os.environ}
            with serving(f"datasette-{ds.key}", argv, env=env, ready="/-/versions.json") as srv:
                _, body = fetch_ok(srv.port, path)
                got = len(json.loads(body).get("rows", []))
                if got != 50:
                    row.notes.append(f"{got} rows, not 50")
                row.body = len(body)
                self.load(row, srv, path)

    def datasette_cold(self, ds: Dataset) -> None:
        """Datasette asked the very same date windows as our cold run (the same 50 events,
        its count of the matches included), each request a new one."""
        path = DATASETTE_PAGE.format(db=ds.key)
        row = Row(f"datasette_cold:{ds.key}", "Datasette, immutable, unique date windows",
                  ds.label, path + "&date__gte=…&date__lte=…")  # fmt: skip
        with self.scenario(row):
            if self.datasette is None:
                raise BenchError(self.datasette_reason or "Datasette is not installed")
            if ds.newest is None or ds.oldest_on_page is None:
                raise BenchError("no page to take the windows from: our warm run failed")
            db = ds.datasette_db = ds.datasette_db or self.datasette_copy(ds)
            argv = [str(self.datasette), "serve", "-i", str(db.relative_to(ROOT))]
            argv += ["--host", HOST, "--port", "{port}"]
            for name, value in DATASETTE_SETTINGS:
                argv += ["--setting", name, value]
            with serving(f"datasette-cold-{ds.key}", argv, env={**os.environ},
                         ready="/-/versions.json") as srv:  # fmt: skip
                for n in (0, SPAN + 7):
                    url = unique_path(ds, n, base=path, window=DATASETTE_WINDOW)
                    _, body = fetch_ok(srv.port, url)
                    answer = json.loads(body)  # its default shape: rows as lists, by columns
                    at = answer["columns"].index("id")
                    ids = {str(r[at]) for r in answer.get("rows", [])}
                    if ids != set(ds.page_ids or ()):
                        row.notes.append("the windows do not return the page's events")
                        break
                row.body = len(body)
                self.load(row, srv, path, unique=ds, window=DATASETTE_WINDOW)

    def statistics(self, ds: Dataset) -> None:
        """Each endpoint on a fresh server: cold (sequential never-seen requests), then warm;
        then all of them, the plain URL, on one server with the cache disabled."""
        present = []
        for path in STATS_PATHS:
            name = stats_name(path)
            cold = Row(f"stats_cold:{name}:{ds.key}", f"statistics {name}, cold", ds.label, path)
            warm = Row(f"stats_warm:{name}:{ds.key}", f"statistics {name}, warm", ds.label, path)
            with self.scenario(cold), self.api(ds, f"statistics-{name}-{ds.key}") as srv:
                if self.statistics_cold(cold, srv, path, bust_cache=True):
                    present.append(path)
                    with self.scenario(warm):
                        warm.body = len(fetch_ok(srv.port, path)[1])
                        self.load(warm, srv, path)
        if not present:
            return
        rows = {
            path: Row(
                f"stats_nocache:{stats_name(path)}:{ds.key}",
                f"statistics {stats_name(path)}, cache disabled (RESPONSE_CACHE=0)",
                ds.label,
                path,
            )
            for path in present
        }
        with contextlib.ExitStack() as stack:
            try:
                srv = stack.enter_context(self.api(ds, f"statistics-nocache-{ds.key}", cache=False))
            except BenchError as exc:
                for row in rows.values():
                    self.rows.append(row)
                    row.notes.append(f"not measured: {exc}")
                return
            for path, row in rows.items():
                with self.scenario(row):
                    self.statistics_cold(row, srv, path, bust_cache=False)

    def statistics_cold(self, row: Row, srv: Server, path: str, *, bust_cache: bool) -> bool:
        """The median of up to 20 sequential requests, each a new cache key when bust_cache
        (else the plain URL, for a server without cache); False on a 404."""
        param = "since" if bust_cache else ""

        def url(i: int) -> str:
            return bust(path, param, i) if param else path

        status, _, body = fetch(srv.port, url(999))  # not timed: the endpoint's first use
        if status in (400, 422) and bust_cache:
            param = "_bust"
            status, _, body = fetch(srv.port, url(999))
            row.notes.append("busted with an extra `_bust` parameter (`since` refused)")
        if status == 404:
            row.notes.append("skipped: 404 (the endpoint does not exist yet)")
            return False
        if status != 200:
            raise BenchError(f"GET {url(999)} answered {status}")
        timings = []
        deadline = time.monotonic() + STATS_COLD_SECONDS
        with RssSampler(srv.pid) as rss:
            for i in range(STATS_COLD_REQUESTS):
                started = time.perf_counter()
                status, _, body = fetch(srv.port, url(i))
                timings.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise BenchError(f"GET {url(i)} answered {status}")
                if time.monotonic() > deadline:
                    break
        row.p50 = statistics.median(timings)
        row.body = len(body)
        row.rss_worker = rss.peak_process_kb / 1024
        row.rss_total = rss.peak_total_kb / 1024
        how = f"unique requests (`{param}` varied; " if param else "requests of the plain URL ("
        spread = f"min {min(timings):.0f}, max {max(timings):.0f} ms)"
        row.notes.append(f"median of {len(timings)} sequential {how}{spread}")
        log(f"  median {row.p50:.1f} ms over {len(timings)} requests")
        return True

    def run(self) -> None:
        self.ensure_wrk()
        shipped = self.prepare_shipped()
        synth = self.prepare_synth() if self.wants("synth") or self.wants("stats") else None
        if self.wants("datasette"):
            self.prepare_datasette()
        if PINNING:
            os.sched_setaffinity(0, {int(LOAD_CPU)})  # this script stays off the server's core
        # the shipped dataset
        self.api_repeated(shipped, first=True)
        if self.wants("bare"):
            self.bare(shipped)
        if self.wants("datasette"):
            self.datasette_table(shipped)
        if self.wants("cold"):
            self.api_cold(shipped)
            if self.wants("datasette"):
                self.datasette_cold(shipped)
        if self.wants("304"):
            self.not_modified(shipped)
        if self.wants("nocache"):
            self.api_repeated(shipped, cache=False)
        if self.wants("workers"):
            self.api_repeated(shipped, workers=2)
            self.api_cold(shipped, workers=2)
        # the synthetic dataset
        if synth is not None and self.wants("synth"):
            self.api_repeated(synth, first=True)
            if self.wants("datasette"):
                self.datasette_table(synth)
            if self.wants("cold"):
                self.api_cold(synth)
                if self.wants("datasette"):
                    self.datasette_cold(synth)
            if self.wants("nocache"):
                self.api_repeated(synth, cache=False)
        if self.wants("stats"):
            if synth is None:
                self.notes.append(
                    "Statistics measured over the shipped dataset, as the synthetic one is "
                    "missing: their targets are not assessed."
                )
            try:
                self.statistics(synth or shipped)
            except BenchError as exc:
                self.notes.append(f"Statistics not measured: {exc}")

    # -- reporting -------------------------------------------------------------------

    def row(self, key: str) -> Row | None:
        found = next((r for r in self.rows if r.key == key), None)
        return found if found is not None and found.measured else None

    def targets(self) -> list[tuple[str, str, str, str]]:
        """(target, measured, goal, verdict) for every ratio of issue 8."""
        out: list[tuple[str, str, str, str]] = []

        def at_least(
            name: str, value: float | None, goal: float, fmt: str, unit: str, strict: bool = False
        ) -> None:
            op = ">" if strict else "≥"
            if value is None:
                out.append((name, "not measured", f"{op} {goal:{fmt}}{unit}", "—"))
                return
            met = value > goal if strict else value >= goal
            verdict = "PASS" if met else f"MISS by {(goal - value) / goal:.0%}"
            out.append((name, f"{value:{fmt}}{unit}", f"{op} {goal:{fmt}}{unit}", verdict))

        def below(name: str, value: float | None, goal: float, unit: str) -> None:
            if value is None:
                out.append((name, "not measured", f"< {goal:g} {unit}", "—"))
                return
            verdict = "PASS" if value < goal else f"MISS by {(value - goal) / goal:.0%}"
            out.append((name, f"{value:.1f} {unit}", f"< {goal:g} {unit}", verdict))

        def ratio(a: Row | None, b: Row | None) -> float | None:
            return a.rps / b.rps if a and b and a.rps is not None and b.rps else None

        warm, bare = self.row("warm:shipped"), self.row("bare")
        # The target holds each server measured alone on its core, as an outsider measures;
        # the figure taken in turn (both servers up at once) is shown beside it, not judged.
        at_least("warm ÷ bare ASGI, requests/s, each alone", ratio(warm, bare), WARM_VS_BARE,
                 ".2f", "x")  # fmt: skip
        pair = self.row("warm_pair")
        if pair and pair.rps and self.bare_in_turn:
            out.append(("warm ÷ bare ASGI, in turn (for comparison)",
                        f"{pair.rps / self.bare_in_turn:.2f}x", "—", "—"))  # fmt: skip
        below("warm p99", warm.p99 if warm else None, WARM_P99_MS, "ms")
        for ds in ("shipped", "synth"):
            cold, datasette = self.row(f"cold:{ds}"), self.row(f"datasette_cold:{ds}")
            if ds == "synth" and not any(r.key.endswith(":synth") for r in self.rows):
                continue
            name = f"cold ÷ Datasette, the same date windows ({ds}), requests/s, each alone"
            at_least(name, ratio(cold, datasette), COLD_VS_DATASETTE, ".2f", "x")
        stats_ds = "synth" if any(r.key.endswith(":synth") for r in self.rows) else None
        if stats_ds:
            page = self.row(f"warm:{stats_ds}") or self.row("warm:shipped")
            for path in STATS_PATHS:
                name = stats_name(path)
                cold = next((r for r in self.rows if r.key == f"stats_cold:{name}:synth"), None)
                if cold is not None and not cold.measured and cold.notes:
                    short = cold.notes[-1].split(":")[0]
                    out.append((f"statistics {name}", f"{short} (see its row)", "—", "—"))
                    continue
                # cache cold two ways: busted with `since`, and the plain URL without cache;
                # the target is held against the slower of the two
                medians = [
                    r.p50
                    for r in (cold, self.row(f"stats_nocache:{name}:synth"))
                    if r is not None and r.p50 is not None
                ]
                median = max(medians, default=None)
                below(f"statistics {name}, cold median", median, STATS_COLD_MS, "ms")
                warm_stats = ratio(self.row(f"stats_warm:{name}:synth"), page)
                name = f"statistics {name}, warm ÷ warm page"
                at_least(name, warm_stats, STATS_WARM_VS_PAGE, ".2f", "x")
        else:
            out.append(("statistics over 100,000 events", "synthetic dataset missing", "—", "—"))
        ours = [
            r
            for r in self.rows
            if r.measured and r.rss_worker and not r.key.startswith(("bare", "datasette"))
        ]
        peak = max(ours, key=lambda r: r.rss_worker or 0.0, default=None)
        peak_mb = peak.rss_worker if peak else None
        below("peak RSS per worker, our API (any run)", peak_mb, RSS_LIMIT_MB, "MB")
        synth_rows = [r for r in ours if r.key.endswith(":synth")]
        if synth_rows:
            synth_mb = max(r.rss_worker or 0.0 for r in synth_rows)
            below("peak RSS per worker, synthetic dataset", synth_mb, RSS_LIMIT_MB, "MB")
        nm, full = self.row("304:shipped"), self.row("304_full:shipped")
        at_least("304 ÷ 200 requests/s, one server", ratio(nm, full), 1.0, ".2f", "x", strict=True)
        return out

    def scaling(self) -> list[str]:
        lines = []
        for kind in ("warm", "cold"):
            one, two = self.row(f"{kind}:shipped"), self.row(f"{kind}_w2:shipped")
            if one and two and one.rps and two.rps:
                lines.append(
                    f"2 workers ÷ 1 worker, cache {kind}: {two.rps / one.rps:.2f}x "
                    f"({one.rps:,.0f} → {two.rps:,.0f} req/s; wrk shares CPU 1 with one worker)"
                )
        return lines

    def table(self) -> list[list[str]]:
        rows = []
        for r in self.rows:
            rows.append(
                [
                    r.scenario,
                    r.dataset,
                    f"`{r.url}`",
                    fmt_num(r.rps),
                    fmt_ms(r.p50),
                    fmt_ms(r.p99),
                    fmt_num(r.rss_worker),
                    fmt_num(r.rss_total),
                    fmt_num(r.cpu),
                    fmt_num(r.body / 1024, 1) if r.body is not None else "—",
                    "; ".join(r.notes),
                ]
            )
        return rows


TABLE_HEAD = [
    "scenario",
    "data",
    "URL",
    "requests/s",
    "p50 ms",
    "p99 ms",
    "peak RSS/worker MB",
    "RSS total MB",
    "server CPU %",
    "body KB",
    "notes",
]


def epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def unique_path(
    ds: Dataset, n: int, *, base: str = PAGE_PATH, window: tuple[str, str] = ("since", "until")
) -> str:
    """The n-th URL of bench/unique.lua, for checking what it asks."""
    assert ds.oldest_on_page is not None
    assert ds.newest is not None
    since = ds.oldest_on_page - dt.timedelta(days=n % SPAN)
    until = ds.newest + dt.timedelta(days=n // SPAN)
    return f"{base}&{window[0]}={since}&{window[1]}={until}"


def stats_name(path: str) -> str:
    return path.split("/")[-1].split("?")[0]


def bust(path: str, param: str, i: int) -> str:
    value = BUST_FIRST + dt.timedelta(days=i) if param == "since" else str(i)
    return f"{path}{'&' if '?' in path else '?'}{param}={value}"


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(head), line(["---"] * len(head)), *(line(r) for r in rows)])


def text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *rows]
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU model": model,
        "kernel": f"{platform.system()} {platform.release()}",
        "memory": memory,
        "load average (1, 5, 15 min) at the end": load_average(),
    }


def versions(bench: Bench) -> dict[str, str]:
    out = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    for name in ("uvicorn", "uvloop", "httptools", "fastapi", "starlette", "sqlalchemy", "orjson"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["datasette"] = bench.datasette_version
    with contextlib.suppress(OSError):
        wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
        out["wrk"] = (wrk_v.stdout or wrk_v.stderr).split()[1]
    return out


def code_version() -> str:
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"], timeout=30).stdout.strip()
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], timeout=30).stdout
    except BenchError:
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" with uncommitted changes" if dirty.strip() else "")


def write_results(bench: Bench, started: dt.datetime, args: argparse.Namespace) -> str:
    table = bench.table()
    targets = [list(t) for t in bench.targets()]
    when = started.strftime("%Y-%m-%d %H:%M UTC")
    command = "`make bench" + (f" BENCH_ARGS='{' '.join(sys.argv[1:])}'" if sys.argv[1:] else "")
    command += "`"
    pinning = (
        "each server pinned to CPU 0 (`taskset -c 0`), wrk and this script on CPU 1; the "
        "2-worker runs give the server CPUs 0-1, so the load generator shares a core with one "
        "worker there"
        if PINNING
        else "no pinning (taskset missing or fewer than 2 CPUs): figures are not comparable"
    )
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` ({command}) on {when}. "
        f"Each run: {args.warmup:g} s warm-up, then "
        f"`wrk -t1 -c{args.connections} -d{args.duration:g}s --latency`; {pinning}. "
        "Memory: the server's processes polled every 0.2 s during the run (VmHWM per process, "
        "VmRSS summed over the process tree). See bench/README.md for what each row means.",
        "",
        "## Machine and versions",
        "",
        *(f"- {k}: {v}" for k, v in machine().items()),
        f"- load average at the start: {bench.load_at_start}",
        f"- code: {code_version()}",
        "- " + ", ".join(f"{k} {v}" for k, v in versions(bench).items()),
        "",
        "## Results",
        "",
        markdown_table(TABLE_HEAD, table),
        "",
        "## Targets of issues 8 and 18 (ratios from this one run)",
        "",
        markdown_table(["target", "measured", "goal", "result"], targets),
        "",
    ]
    notes = [*bench.scaling(), *bench.notes]
    if notes:
        lines += ["## Notes", "", *(f"- {scrub(n)}" for n in notes), ""]
    text = "\n".join(lines)
    RESULTS.write_text(text)
    return text


# ---------------------------------------------------------------- entry point

PINNING = False


def main(argv: Sequence[str] | None = None) -> int:
    global PINNING
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-ups")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of warm-up (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated groups: bare,datasette,cold,304,nocache,workers,synth,stats",
    )
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep the databases already under bench/out/"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    if args.warmup is None:
        args.warmup = 1.0 if args.quick else 2.0
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1..600 s and --warmup 0..60 s")
    if not sys.platform.startswith("linux"):
        parser.error("the benchmark reads /proc and uses taskset: Linux only")
    PINNING = shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2

    def terminate(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT even when inherited ignored
        signal.signal(sig, terminate)
    atexit.register(Server.stop_all)

    started = dt.datetime.now(dt.UTC)
    OUT.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    try:
        bench.run()
    except KeyboardInterrupt:
        log("interrupted: servers stopped, no results written")
        return 130
    finally:
        Server.stop_all()
    write_results(bench, started, args)
    print()
    print(text_table(TABLE_HEAD[:-1], [r[:-1] for r in bench.table()]))
    print()
    print(text_table(["target", "measured", "goal", "result"], [list(t) for t in bench.targets()]))
    for note in [*bench.scaling(), *bench.notes]:
        print(f"- {note}")
    for row in bench.rows:
        if row.notes:
            print(f"- {row.scenario} [{row.dataset}]: {'; '.join(row.notes)}")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
