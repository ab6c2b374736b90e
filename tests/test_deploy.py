"""The deployment files: a compose file the docker client accepts, a locked non-root image."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_command() -> list[str] | None:
    """`docker compose` (v2) or `docker-compose` (v1), whichever this machine has."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_config_is_accepted_by_the_docker_client():
    command = compose_command()
    if command is None:
        pytest.skip("no docker compose client on this machine")
    run = subprocess.run(
        [*command, "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr


def test_compose_wires_postgres_migration_and_api():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"] and "pgdata" in spec["volumes"]
    assert any("pgdata:" in v for v in services["db"]["volumes"])
    assert "migrate" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    api = services["api"]
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "WORKERS" in api["environment"] and "ADMIN_TOKENS" in api["environment"]
    documented = (ROOT / ".env.example").read_text()
    for name in api["environment"]:
        if name not in ("HOST", "PORT"):
            assert f"{name}=" in documented, name


def test_every_setting_is_listed_in_env_example():
    from app.config import Settings

    documented = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in documented or f"# {name.upper()}=" in documented, name


def test_dockerfile_is_multi_stage_locked_and_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2 and " AS build" in text
    assert "uv sync --frozen --no-dev" in text and "uv.lock" in text
    assert "\nUSER " in text and "HEALTHCHECK" in text and "WORKERS" in text
