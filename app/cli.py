"""The `pow-exchanges` command: serve, migrate, load, export, backup, restore, token, synth."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from app.config import get_settings
from app.resources import alembic_config, data_dir, default_database_url

__all__ = ["alembic_config", "cli", "main"]

cli = typer.Typer(
    help="pow-exchanges: the dataset and its API.", no_args_is_help=True, add_completion=False
)
err = Console(stderr=True)


@cli.command()
def migrate(revision: str = "head") -> None:
    """Bring the database schema to the newest migration (or REVISION)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    err.print(f"[green]database at migration {revision}[/green]")


def load_directory(
    directory: Path,
    *,
    if_empty: bool = False,
    actor: str = "loader",
    reason: str | None = None,
    reasons_file: Path | None = None,
    progress: bool | None = None,
) -> int | None:
    """Validate every file, then write all or nothing; return the new version or None.
    `reasons_file` gives records a changelog reason of their own (see loader.read_reasons)."""
    from app import curation, loader
    from app.db import analyze, write_session

    show = sys.stderr.isatty() if progress is None else progress
    with write_session() as session:
        if if_empty and curation.current_version(session) > 0:
            err.print("dataset already loaded; nothing to do")
            return None
    if show:
        total = loader.count_rows(directory)
        with Progress(
            TextColumn("validating"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("rows", total=total)
            loaded = loader.read_directory(directory, tick=lambda: bar.advance(task))
    else:
        loaded = loader.read_directory(directory)
    reasons: dict[tuple[str, str], str] = {}
    if reasons_file is not None:
        reasons, problems = loader.read_reasons(reasons_file)
        loaded.problems.extend(problems)
    if loaded.problems:
        raise loader.LoadError(loaded.problems)
    with write_session() as session:
        result = curation.replace_all(
            session, loaded.records, actor=actor, reason=reason, reasons=reasons
        )
    if result.version is not None:
        analyze()
    return result.version


@cli.command()
def load(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Folder holding the dataset's CSV files; by default the curated dataset "
            "(data/ in a checkout, the copy shipped in the package otherwise).",
            show_default=False,
        ),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into an empty database.")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why, for the changelog.")] = None,
    reasons: Annotated[
        Path | None,
        typer.Option(
            help="A CSV of record_type,record_id,reason: each listed record's own reason in "
            "the changelog (others get --reason).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Validate DIRECTORY's files and load them as one version (nothing if nothing changed)."""
    from app.loader import LoadError
    from app.schemas import reason_problem

    # The rules of an admin write's reason: no names, no formula, no control characters.
    problem = None if reason is None else reason_problem(reason)
    if problem is not None:
        err.print(f"--reason {problem}", style="red", markup=False)
        raise typer.Exit(2)
    try:
        version = load_directory(
            directory or data_dir(), if_empty=if_empty, reason=reason, reasons_file=reasons
        )
    except LoadError as exc:
        for line in exc.problems:
            err.print(line, markup=False, highlight=False)
        err.print(f"[red]{len(exc.problems)} problem(s); nothing was written[/red]")
        raise typer.Exit(1) from None
    if version is not None:
        err.print(f"[green]loaded: dataset version {version}[/green]")
    elif not if_empty:
        err.print("no changes: the database already holds these files")


# Seconds an idle keep-alive connection stays open. Longer than clients keep idle connections
# in their pools (browsers and proxies ~60 s): with uvicorn's 5 s, the server closed connections
# just as a busy client reused them, and the request in flight met a reset (the 60 s load run
# saw 2-3 of those; none with 75 s).
KEEP_ALIVE = 75


def describe_database(url: str) -> str:
    """The database as a person would look for it: a SQLite file's absolute path, or the URL
    without its password."""
    from sqlalchemy.engine import make_url

    from app.db import normalise_url, sqlite_file

    file = sqlite_file(url)
    if file is not None:
        return f"SQLite file {file.resolve()}"
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Defaults to HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Defaults to PORT.")] = None,
    workers: Annotated[int | None, typer.Option(help="Defaults to WORKERS.")] = None,
    setup: Annotated[
        bool,
        typer.Option(
            help="Migrate the database and load the curated dataset into it when it is empty "
            "before serving. --no-setup where the migration runs once elsewhere (several "
            "replicas on one database, the compose file's migrate service).",
        ),
    ] = True,
) -> None:
    """Migrate, load the curated dataset into an empty database, and serve the API."""
    import uvicorn

    settings = get_settings()
    err.print(
        f"database: {describe_database(settings.database_url)} (set DATABASE_URL to use another)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if setup:
        migrate()
        version = load_directory(data_dir(), if_empty=True)
        if version is not None:
            err.print(f"[green]loaded the curated dataset: version {version}[/green]")
    uvicorn.run(
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        # X-Forwarded-For/-Proto are believed from these peers only (README, Deploy): then
        # request.client is the real client, whom the failed-login limit counts.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE,
    )


@cli.command()
def synth(
    events: Annotated[int, typer.Option(min=1, max=2_000_000, help="How many events.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed, the same data).")] = 7,
) -> None:
    """Fill DATABASE_URL (never the default database) with synthetic events, for scale tests."""
    from app import curation
    from app import synth as synthetic
    from app.db import analyze, write_session

    url = get_settings().database_url
    if url == default_database_url():
        err.print(
            "[red]refusing to fill the default database: set DATABASE_URL to a throwaway one[/red]"
        )
        raise typer.Exit(2)
    migrate()
    with write_session() as session:
        if curation.current_version(session) > 0:
            err.print("[red]the database already holds data: use an empty one[/red]")
            raise typer.Exit(2)
        records = synthetic.build(events, seed=seed)
        result = curation.replace_all(
            session,
            records,
            actor="synth",
            reason=f"synthetic dataset: {events} events, seed {seed}",
        )
    analyze()
    err.print(f"[green]synthetic dataset: {events} events, version {result.version}[/green]")


token = typer.Typer(help="Curators' bearer tokens.", no_args_is_help=True)
cli.add_typer(token, name="token")


@token.command("new")
def token_new(
    name: Annotated[str, typer.Argument(help="Who holds it; shown in the changelog.")],
) -> None:
    """Print a fresh random token once, and the ADMIN_TOKENS entry that admits it."""
    import re

    from app.auth import hash_token, new_token

    if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", name):
        err.print("[red]NAME may hold letters, digits, '.', '_' and '-' (at most 80)[/red]")
        raise typer.Exit(2)
    secret = new_token()
    typer.echo(f"token (give it to {name}; it is not stored anywhere): {secret}")
    typer.echo(f"add to ADMIN_TOKENS (comma-separated): {name}:{hash_token(secret)}")


@cli.command()
def export(
    output: Annotated[
        Path | None,
        typer.Option(help="Where to write the zip; defaults to pow-exchanges-v{N}.zip here."),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="Instead of a zip, write the loader's CSV files into this folder (data/, "
            "say), in its layout and row order: `git diff` then shows what curators changed "
            "through the API, and `load` of the folder changes nothing. Other files there are "
            "left alone.",
        ),
    ] = None,
    as_of_version: Annotated[
        int | None, typer.Option(min=1, help="Export the dataset as it stood at this version.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The API's base URL, named in datapackage.json; defaults to PUBLIC_BASE_URL, "
            "else http://HOST:PORT. Give the server's to get the bytes GET /v1/dataset/export "
            "answers."
        ),
    ] = None,
) -> None:
    """Write the dataset (CSV files and a Frictionless datapackage.json) as one zip, or its
    CSV files into a folder (--to)."""
    from app import curation
    from app.db import read_session
    from app.export import build_export, filename, write_directory

    if to is not None and output is not None:
        err.print("[red]give --output (a zip) or --to (a folder), not both[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    base = base_url or settings.public_base_url or f"http://{settings.host}:{settings.port}"
    with read_session() as session:
        current = curation.current_version(session)
        if as_of_version is not None and as_of_version > current:
            err.print(f"[red]--as-of-version must be at most the current version, {current}[/red]")
            raise typer.Exit(2)
        number = current if as_of_version is None else as_of_version
        at = None if number == current else number
        if to is not None:
            changed = write_directory(session, at, to)
            what = ", ".join(changed) if changed else "nothing changed"
            err.print(f"[green]wrote {to}: dataset version {number} ({what})[/green]")
            return
        data = build_export(session, at, base_url=base.rstrip("/"))
    path = output or Path(filename(number))
    path.write_bytes(data)
    err.print(f"[green]wrote {path} ({len(data)} bytes): dataset version {number}[/green]")


@cli.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Back up the whole database (every version and the changelog) to PATH, safely while the
    server runs and writes: SQLite's online backup API, or pg_dump's custom format."""
    from app.backup import BackupError
    from app.backup import backup as run_backup

    try:
        report = run_backup(get_settings().database_url, path, force=force)
    except BackupError as exc:
        err.print(f"backup: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from None
    err.print(
        f"backed up dataset version {report.version} ({report.changes} changes) to "
        f"{report.path}: {report.bytes} bytes in {report.seconds:.2f} s",
        style="green", markup=False, highlight=False,
    )  # fmt: skip


@cli.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file `pow-exchanges backup` wrote.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data.")
    ] = False,
) -> None:
    """Restore DATABASE_URL's database from the backup at PATH (refused when the database
    holds data, unless --force). Restart the API afterwards, then run `migrate` if the backup
    is older than this code."""
    from app.backup import BackupError
    from app.backup import restore as run_restore

    try:
        report = run_restore(get_settings().database_url, path, force=force)
    except BackupError as exc:
        err.print(f"restore: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from None
    err.print(
        f"restored dataset version {report.version} ({report.changes} changes) from "
        f"{report.path} in {report.seconds:.2f} s; restart the API processes",
        style="green", markup=False, highlight=False,
    )  # fmt: skip


def main() -> None:

    cli()


if __name__ == "__main__":
    main()
