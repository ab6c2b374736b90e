"""Settings from the environment (and `.env`); nothing else reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.resources import default_database_url


class Settings(BaseSettings):
    """Every setting the service reads, with safe embedded defaults."""

    # An empty variable (as .env.example leaves most) means "use the default".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL; postgres:// and postgresql:// are accepted as given. By "
        "default a SQLite file: var/pow-exchanges.sqlite3 in a checkout, "
        "./pow-exchanges.sqlite3 where the package is installed (both from the current folder).",
    )
    database_read_url: str | None = Field(
        default=None,
        description="Optional URL reads go through: a role that may only SELECT (a bug in a "
        "read path can never write), and/or a hot standby of the primary (one server; see "
        "README, Deploy, for the staleness bound).",
    )
    admin_tokens: str = Field(
        default="",
        description="Comma-separated name:sha256-hex-of-token entries; empty refuses every write.",
    )
    auth_failure_limit: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Failed authentications one client may make in 60 s before every admin "
        "request from it gets 429 (a correct token included) until the minute is over. Raise "
        "it only on an instance you fuzz yourself (README, Fuzz it).",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    public_base_url: str = Field(
        default="",
        description="Absolute base URL of every link (citations, Link headers) when set, "
        "whatever the request's Host (e.g. https://api.example.org); its host is allowed.",
    )
    allowed_hosts: str = Field(
        default="localhost,127.0.0.1,[::1],testserver",
        description="Comma-separated host names (the Host header without its port) the API "
        "answers for: '*.example.org' for its subdomains, '*' for any. Another host gets a 400 "
        "problem: links are made from the Host when PUBLIC_BASE_URL is unset, and answers are "
        "public, so a shared cache in front must never keep an answer linking to a forged "
        "host. The default serves this machine (make run) and the test client.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses (or networks, or '*') of the reverse proxies "
        "whose X-Forwarded-For and X-Forwarded-Proto uvicorn believes (`pow-exchanges serve`): "
        "then the client's address is the one the proxy saw, and the failed-login limit counts "
        "real clients. From any other peer those headers are ignored.",
    )
    cache_control: str = "public, max-age=60, stale-while-revalidate=300"
    response_cache: bool = Field(
        default=True, description="Answer repeated reads from memory (RESPONSE_CACHE=0: off)."
    )
    response_cache_mb: int = Field(
        default=48,
        ge=1,
        le=4096,
        description="Memory for cached answers, in MiB, least recently used dropped first. A "
        "dashboard's few hundred distinct answers take a few MiB; 48 keeps a worker under "
        "200 MB even when a scraper sends only unique queries.",
    )
    version_ttl: float | None = Field(
        default=None,
        ge=0,
        description="Seconds between checks of the dataset version by the response cache "
        "(default: 0.1 s on SQLite, 1 s on PostgreSQL; a process's own writes are seen at "
        "once): the staleness bound when several processes share one database.",
    )

    query_timeout: float = Field(
        default=10.0,
        ge=0,
        description="Seconds one SQL statement of a request may run before it is stopped (a "
        "503 problem); 0: no limit. Command-line loads and migrations are not limited.",
    )

    log_level: str = "info"
    access_log: bool = Field(
        default=True, description="One JSON line per request (ACCESS_LOG=0: only failures)."
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_patterns(cls, value: str) -> str:
        for host in _split(value):
            if "*" in host[1:] or (host.startswith("*") and host != "*" and host[:2] != "*."):
                raise ValueError(f"ALLOWED_HOSTS: {host!r}: a wildcard is '*.example.org' or '*'")
        return value

    def allowed_host_list(self) -> list[str]:
        """ALLOWED_HOSTS, and the host of PUBLIC_BASE_URL when that is set."""
        hosts = [h.lower() for h in _split(self.allowed_hosts)]
        public = urlsplit(self.public_base_url).hostname
        if public:
            hosts.append(f"[{public}]" if ":" in public else public)
        return list(dict.fromkeys(hosts))

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("DATABASE_URL must not be empty")
        return value.strip()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
