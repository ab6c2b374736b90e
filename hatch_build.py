"""Hatchling build hook: ship the migrations and the curated data inside the wheel.

In the repository they stay where people look for them (migrations/ at the top, data/ where
the curators edit it); an installed wheel has no repository, so a standard wheel carries both
inside the package, as app/_migrations and app/_data (app/resources.py finds them). An
editable install (uv sync, the Docker image) reads the checkout's own copies, so it gets none:
copies there would only go stale.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE_DATA = {"migrations": "app/_migrations", "data": "app/_data"}


class PackageDataHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "standard":
            build_data["force_include"].update(PACKAGE_DATA)
