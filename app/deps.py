"""Annotated dependencies shared by the routers: the read session and version, the filters."""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any, NamedTuple, get_args, get_origin

from fastapi import Depends, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from sqlalchemy import Engine

from app import queries
from app.cache import Highest
from app.codebook import Confidence, FigureStatus, Kind, Sort, SourceKind
from app.db import Reads, ReadSession, close_read, open_read, read_session
from app.http import Format, negotiate
from app.problems import Unavailable, invalid
from app.schemas import Q
from app.web import i18n
from app.web.i18n import Lang

MAX_Q = 200
AS_OF = (
    "Answer exactly as the data stood at this dataset version (reproduce a published chart). "
    "Defaults to the current version."
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Dates in the query are YYYY-MM-DD only (pydantic alone would read "0" as 1970-01-01)."""
    if isinstance(value, str) and not DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


IsoDate = BeforeValidator(_iso_date)


def engine_of(request: Request) -> Engine:
    """The engine of the app that serves the request (create_app builds one per app)."""
    engine: Engine = request.app.state.engine
    return engine


class _Opened(NamedTuple):
    session: ReadSession
    version: int
    current: int
    pinned: bool
    updated_at: dt.datetime | None


# How long a read waits for the read database (a replica) to replay a version it must show:
# the one asked for, or one this process has already answered or written (cache.Highest).
# Past it the answer is a 503 with Retry-After, never an older version or a 422 that says the
# version does not exist.
CATCH_UP_SECONDS = 1.0
CATCH_UP_POLL = 0.01


class ReadContext:
    """The session and the dataset version a read answers at.

    Opened on first use, in the route's worker thread, and closed by the dependency on the
    event loop: one thread trip per read instead of three, and no request ever holds a pooled
    connection while it waits for a worker thread (with both limits full, that is how requests
    holding connections and requests holding threads would wait on each other).

    With reads on a replica (DATABASE_READ_URL), the snapshot may lag the primary. A read
    never answers below the version it must show (see CATCH_UP_SECONDS): when the replica is
    behind, the primary (`primary`) says whether that version exists at all (else 422, as
    always) or the replica has only not replayed it yet (wait, then 503)."""

    def __init__(
        self,
        engine: Engine,
        as_of_version: int | None,
        *,
        primary: Engine | None = None,
        highest: Highest | None = None,
    ) -> None:
        self._engine = engine
        self._primary = primary or engine
        self._highest = highest or Highest()
        self._as_of = as_of_version
        self._cursor_version = 0  # a cursor's version, which the snapshot must hold too
        self._opened: _Opened | None = None
        self._coverage: tuple[_Opened, dict[str, Any] | None] | None = None

    def _floor(self) -> tuple[int, str | None]:
        """The lowest version the snapshot must hold, and the parameter asking for it."""
        if self._as_of is not None:
            floor, name = self._as_of, "as_of_version"
        else:
            floor, name = self._highest.value, None
        if self._cursor_version > floor:
            return self._cursor_version, "cursor"
        return floor, name

    def _open(self) -> _Opened:
        if self._opened is not None:
            return self._opened
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while True:
            session = open_read(self._engine)
            try:
                current, updated_at = queries.dataset_state(session)
                floor, name = self._floor()
                if current >= floor:
                    if self._as_of is not None:
                        updated_at = queries.version_time(session, self._as_of)
                    break
                primary = self._primary_version()
                if floor > primary and name == "as_of_version":
                    raise invalid(name, f"must be at most the current version, {primary}")
                if floor > primary and name == "cursor":
                    raise invalid(name, "is not a cursor this API issued")
                if floor > primary:  # the database itself went back: a restored backup
                    self._highest.reset(primary)
                    deadline = time.monotonic() + CATCH_UP_SECONDS
                elif time.monotonic() >= deadline:
                    raise Unavailable(
                        f"The read replica has not replayed dataset version {floor} yet (it is "
                        f"at {current}; the primary is at {primary}); retry in a moment.",
                        headers={"Retry-After": "1", "Cache-Control": "no-store"},
                    )
            except BaseException:
                close_read(session)
                raise
            close_read(session)
            time.sleep(CATCH_UP_POLL)
        self._highest.raise_to(current)
        version = current if self._as_of is None else self._as_of
        self._opened = _Opened(session, version, current, self._as_of is not None, updated_at)
        return self._opened

    def _primary_version(self) -> int:
        with read_session(self._primary) as session:
            return queries.dataset_state(session)[0]

    def need(self, version: int) -> None:
        """The read must also see `version` (a cursor's, issued by another process or read
        from another replica): opened again, waiting as for as_of_version, when it does not."""
        if version <= self.current:
            return
        self.close()
        self._opened = None
        self._cursor_version = version
        self._open()

    @property
    def session(self) -> Reads:
        return self._open().session

    @property
    def version(self) -> int:
        """The version answered: as_of_version, or the current one."""
        return self._open().version

    @property
    def current(self) -> int:
        return self._open().current

    @property
    def pinned(self) -> bool:
        """True when the caller asked for a version explicitly."""
        return self._open().pinned

    @property
    def updated_at(self) -> dt.datetime | None:
        return self._open().updated_at

    def at(self, version: int | None = None) -> int | None:
        """What queries take: None for the current version (the fast live-row path)."""
        v = self.version if version is None else version
        return None if v == self.current else v

    def coverage(self) -> dict[str, Any] | None:
        """The curators' coverage at the version answered (None: none set), read once per
        snapshot: an answer's figures and its meta ask for it both."""
        opened = self._open()
        if self._coverage is None or self._coverage[0] is not opened:
            self._coverage = (opened, queries.get_coverage(opened.session, version=self.at()))
        return self._coverage[1]

    def close(self) -> None:
        """Give the connection back (again: a no-op)."""
        if self._opened is not None:
            close_read(self._opened.session)


async def read_context(
    request: Request,
    as_of_version: Annotated[
        int | None,
        Query(
            ge=1,
            description=AS_OF,
        ),
    ] = None,
) -> AsyncIterator[ReadContext]:
    """A read session on the read-only role's engine when DATABASE_READ_URL is set (see
    ReadContext), closed when the answer has been made."""
    ctx = read_context_of(request, as_of_version)
    try:
        yield ctx
    finally:
        ctx.close()


IN_LOOP = "pow_exchanges.in_loop"  # scope key: the fast lane reads in the event loop


def read_context_of(request: Request, as_of_version: int | None) -> ReadContext:
    """The ReadContext of a request to this app (the caller closes it); in the event loop
    (the fast lane's), on the loop's own connection (see create_app)."""
    state = request.app.state
    engine = state.loop_engine if request.scope.get(IN_LOOP) else state.read_engine
    return ReadContext(engine, as_of_version, primary=state.engine, highest=state.highest)


ReadDep = Annotated[ReadContext, Depends(read_context)]


def _part(allowed: Iterable[str] | None, pattern: str | None) -> str:
    return "|".join(sorted(re.escape(v) for v in allowed)) if allowed else (pattern or ".*")


def one_or_more(values: Iterable[str]) -> str:
    """The description of a repeatable filter over a closed vocabulary."""
    return (
        f"One or more of {', '.join(values)}: repeat the parameter, or separate the values "
        "with commas."
    )


def listed(allowed: Iterable[str] | None = None, pattern: str | None = None) -> WithJsonSchema:
    """The documented shape of one value of a repeatable filter. A closed vocabulary is an
    enum, so a generated client catches a typo at compile time (repeat the parameter for
    several values; the server also takes them separated by commas, as the description
    says); an open one (slugs, languages) is a pattern that allows the commas and, as
    split_values, empty items between them, but not a value that names nothing ("", ",")."""
    if allowed is not None:
        return WithJsonSchema(
            {"type": "string", "enum": [str(v) for v in allowed]}, mode="validation"
        )
    # At least one value; empty parts between commas are skipped, as split_values does.
    part = f"(?:{_part(allowed, pattern)})"
    return WithJsonSchema(
        {"type": "string", "pattern": f"^(?: *,)* *{part} *(?:,(?: *{part})? *)*$"},
        mode="validation",
    )


def split_values(
    name: str, values: list[str] | None, allowed: set[str] | None = None, pattern: str | None = None
) -> tuple[str, ...]:
    """Repeated and comma-separated values, each checked; a 422 names the parameter."""
    out: list[str] = []
    for raw in values or []:
        if not raw.strip(", "):
            raise invalid(name, "is empty: name a value, or leave the parameter out")
        for part in raw.split(","):
            value = part.strip(" ")
            if not value:
                continue
            if allowed is not None and value not in allowed:
                raise invalid(name, f"{value[:50]!r} is not one of {', '.join(sorted(allowed))}")
            if pattern is not None and not re.fullmatch(pattern, value):
                raise invalid(name, f"{value[:50]!r} is not a valid value")
            if value not in out:
                out.append(value)
    if len(out) > 50:
        raise invalid(name, "names more than 50 values")
    return tuple(out)


def words(q: str | None) -> tuple[str, ...]:
    """The distinct words of q (already checked against schemas.Q by its Query)."""
    return tuple(dict.fromkeys(w for w in (q or "").split(" ") if w))


def q_query(description: str) -> Any:
    return Query(max_length=MAX_Q, pattern=Q, description=description)


SLUG_RE = r"[a-z0-9][a-z0-9-]{0,79}"
SORT = "date, -date (default), total or -total."
PAGE_SIZE = "Page size, 1 to 500."
CURSOR = "Opaque: the previous page's meta.next_cursor."
FORMAT = "json (default), csv or ndjson; the Accept header works as well."
STREAM = (
    "true: every matching record in one streamed answer, read at one dataset version (limit "
    "is ignored; not with cursor). For complete downloads of large lists."
)
BOM = (
    "CSV only: start with a UTF-8 byte order mark, so that spreadsheet programs that guess "
    "the encoding (Excel) read the text right. Ignored for other formats."
)
ID_RE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}"


def q_field(description: str) -> Any:
    return Field(None, max_length=MAX_Q, pattern=Q, description=description)


class ExchangeFilterQuery(BaseModel):
    """The filters of GET /v1/exchanges, which the statistics take too: declared once, read
    by FastAPI with this model and by the fast lane with the same one (app.fastlane)."""

    model_config = ConfigDict(extra="ignore")

    since: Annotated[dt.date | None, IsoDate] = Field(None, description="Earliest date, inclusive.")
    until: Annotated[dt.date | None, IsoDate] = Field(None, description="Latest date, inclusive.")
    kind: list[Annotated[str, listed(Kind)]] | None = Field(
        None,
        description="One or more kinds: repeat the parameter or separate with commas. "
        f"Values: {', '.join(Kind)}.",
    )
    mediator: list[Annotated[str, listed(pattern=SLUG_RE)]] | None = Field(
        None, description="One or more mediator slugs (see /v1/mediators)."
    )
    source: str | None = Field(
        None,
        max_length=80,
        pattern=f"^{ID_RE}$",
        description="Only exchanges supported by this source id.",
    )
    confidence: list[Annotated[str, listed(Confidence)]] | None = Field(
        None,
        description=one_or_more(Confidence),
    )
    min_total: int | None = Field(
        None, ge=0, le=10_000_000, description="Only events with at least this many in all."
    )
    q: str | None = q_field(
        "Words that must all appear in the notes or categories (case-insensitive)."
    )
    figure_status: list[Annotated[str, listed(FigureStatus)]] | None = Field(
        None,
        description="Only events where either side's figure has one of these statuses: "
        f"{', '.join(FigureStatus)} (disputed: the claims differ).",
    )

    def filters(self) -> queries.ExchangeFilters:
        """The filters these parameters name; a 422 naming a parameter when they clash."""
        if self.since and self.until and self.since > self.until:
            raise invalid("since", "must not be after until")
        return queries.ExchangeFilters(
            since=self.since,
            until=self.until,
            kinds=split_values("kind", self.kind, set(Kind)),
            mediators=split_values("mediator", self.mediator, pattern=SLUG_RE),
            source=self.source,
            confidences=split_values("confidence", self.confidence, set(Confidence)),
            min_total=self.min_total,
            words=words(self.q),
            statuses=split_values("figure_status", self.figure_status, set(FigureStatus)),
        )


class ExchangeListQuery(ExchangeFilterQuery):
    """Every parameter of GET /v1/exchanges: its filters, order, page, format and version."""

    sort: Sort = Field(Sort.date_desc, description=SORT)
    limit: int = Field(50, ge=1, le=500, description=PAGE_SIZE)
    cursor: str | None = Field(None, max_length=500, description=CURSOR)
    stream: bool = Field(False, description=STREAM)
    as_of_version: int | None = Field(None, ge=1, description=AS_OF)
    format: Format | None = Field(None, description=FORMAT)
    bom: bool = Field(False, description=BOM)


# The fields given as lists (every repeat of the parameter): the rest take its last value,
# as Starlette's query parameters (and so FastAPI) do.
def _is_list(annotation: Any) -> bool:
    return any(get_origin(a) is list for a in (annotation, *get_args(annotation)))


@functools.cache
def list_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, info in model.model_fields.items() if _is_list(info.annotation))


def query_values(params: Any, model: type[BaseModel]) -> dict[str, Any]:
    """A request's query parameters as `model` takes them, the way FastAPI hands a query
    model its values: a list for a list field, else the last value; others left out."""
    lists = list_fields(model)
    return {
        name: params.getlist(name) if name in lists else params[name]
        for name in params
        if name in model.model_fields
    }


async def exchange_filters(
    params: Annotated[ExchangeFilterQuery, Query()],
) -> queries.ExchangeFilters:
    return params.filters()


FiltersDep = Annotated[queries.ExchangeFilters, Depends(exchange_filters)]


async def source_filters(
    kind: Annotated[
        list[Annotated[str, listed(SourceKind)]] | None,
        Query(description=one_or_more(SourceKind)),
    ] = None,
    language: Annotated[
        list[Annotated[str, listed(pattern="[a-z]{2}")]] | None,
        Query(description="One or more ISO 639-1 codes."),
    ] = None,
    exchange: Annotated[
        str | None,
        Query(
            max_length=80,
            pattern=f"^{ID_RE}$",
            description="Only sources reporting this exchange id.",
        ),
    ] = None,
    q: Annotated[str | None, q_query("Words in the publisher or title.")] = None,
) -> queries.SourceFilters:
    return queries.SourceFilters(
        kinds=split_values("kind", kind, set(SourceKind)),
        languages=split_values("language", language, pattern="[a-z]{2}"),
        exchange=exchange,
        words=words(q),
    )


SourceFiltersDep = Annotated[queries.SourceFilters, Depends(source_filters)]

LimitQ = Annotated[int, Query(ge=1, le=500, description=PAGE_SIZE)]
CursorQ = Annotated[
    str | None,
    Query(max_length=500, description=CURSOR),
]
StreamQ = Annotated[bool, Query(description=STREAM)]
FormatQ = Annotated[
    Format | None,
    Query(description=FORMAT),
]
BomQ = Annotated[bool, Query(description=BOM)]


async def output_format(request: Request, format: FormatQ = None, bom: BomQ = False) -> Format:
    """The answer's format (format= first, then Accept), and the CSV byte-order-mark option."""
    request.state.bom = bom
    return negotiate(request, format)


FormatDep = Annotated[Format, Depends(output_format)]


async def language(
    request: Request,
    lang: Annotated[
        Lang | None,
        Query(
            description="The language of the words (en, uk, ru); without it, the best of "
            "Accept-Language, else English. Field names and enum values never change."
        ),
    ] = None,
) -> Lang:
    """The answer's language: lang=, else Accept-Language, else English (app.web.i18n)."""
    return i18n.negotiate(lang, request.headers.get("accept-language"))


LangDep = Annotated[Lang, Depends(language)]
SortQ = Annotated[Sort, Query(description=SORT)]
