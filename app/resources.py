"""Where the migrations, the curated data and the default database are, in a checkout or a wheel.

In a checkout, the repository's own `migrations/` and `data/` (what the curators edit and
`alembic` reads through alembic.ini). In an installed wheel there is no repository: the build
(hatch_build.py) ships both inside the package, as `app/_migrations` and `app/_data`, found
here through importlib.resources. Nothing else in the app knows either layout.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

# The checkout this code runs from, if it does: the folder holding app/, migrations/ and
# alembic.ini (a repository clone, or the Docker image's /srv, which copies the same layout).
_ROOT = Path(__file__).resolve().parents[1]

# Where the default SQLite database goes, relative to the current folder: inside a checkout its
# var/ (ignored by git), as ever; anywhere else a file named for the tool in the current folder,
# as `datasette x.db` works on a file the user can see, move and delete.
CHECKOUT_DATABASE = "var/pow-exchanges.sqlite3"
INSTALLED_DATABASE = "pow-exchanges.sqlite3"


@cache
def checkout() -> Path | None:
    """The repository this code runs from, or None when it runs from an installed package."""
    if (_ROOT / "alembic.ini").is_file() and (_ROOT / "migrations" / "env.py").is_file():
        return _ROOT
    return None


def _packaged(name: str) -> Path:
    """A folder the wheel ships inside the package (see hatch_build.py)."""
    resource = files("app") / name
    # pip and uv install wheels unpacked, so the package is a folder on disk; Alembic and the
    # loader need real paths, which a zipped import could not give.
    if not isinstance(resource, Path) or not resource.is_dir():
        raise RuntimeError(
            f"app/{name} is missing: this installation of pow-exchanges holds neither a "
            "checkout nor the packaged migrations and data (build the wheel with hatchling)"
        )
    return resource


@cache
def migrations_dir() -> Path:
    """The Alembic script folder: the checkout's migrations/, or the one in the package."""
    root = checkout()
    return root / "migrations" if root else _packaged("_migrations")


@cache
def data_dir() -> Path:
    """The curated dataset: the checkout's data/, or the copy shipped in the package."""
    root = checkout()
    return root / "data" if root else _packaged("_data")


def default_database_url() -> str:
    """DATABASE_URL when none is set (see CHECKOUT_DATABASE and INSTALLED_DATABASE)."""
    return f"sqlite:///{CHECKOUT_DATABASE if checkout() else INSTALLED_DATABASE}"


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, built here rather than read from alembic.ini (which only the
    `alembic` command of a checkout reads): the script folder above, the database URL from
    `url` or the settings (migrations/env.py), and the app's own logging left alone."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["url"] = url
    return config


@cache
def head_revision() -> str | None:
    """The newest migration this code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
