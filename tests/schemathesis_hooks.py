"""This project's schemathesis hooks: the check `InexpressibleRejections` that schemathesis.toml
configures, for the pytest suite and for the command line alike.

`st run` reads schemathesis.toml from the current folder, and refuses to start when a check it
configures is not registered. From the repository root:

    SCHEMATHESIS_HOOKS=tests.schemathesis_hooks st run http://HOST:PORT/openapi.json \\
        -H 'Authorization: Bearer <a curator token>'

(README, "Fuzz it", says on which instance, and why not production.) tests/test_schemathesis.py
imports this module, so there is one definition of the check.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable
from typing import Any

import schemathesis

# A 422 error on schema-valid input that a known app bug explains: (error, case) -> the name of
# the bug's regression test, or None. The pytest suite adds its KNOWN_BUGS here; from the
# command line no bug is tolerated.
KnownRejection = Callable[[dict[str, str], Any], str | None]
KNOWN_REJECTIONS: list[KnownRejection] = []

# How often each known bug (or false positive) was tolerated in this process, by name.
TOLERATED: collections.Counter[str] = collections.Counter()


def known_rejection(error: dict[str, str], case: Any) -> str | None:
    for explain in KNOWN_REJECTIONS:
        bug = explain(error, case)
        if bug is not None:
            return bug
    return None


@schemathesis.check
class InexpressibleRejections:
    """Schema-valid input may be refused with 422 only for an input schemathesis.toml lists.

    schemathesis.toml accepts 422 from positive_data_acceptance; this check then reads the
    problem document and requires every error it names to match `[checks.InexpressibleRejections]`
    ("location.name" = regex of the message) or a known bug.
    """

    def __init__(self, **allowed: str) -> None:
        self.allowed = {key: re.compile(rx) for key, rx in allowed.items()}

    def explained(self, error: dict[str, str]) -> bool:
        rx = self.allowed.get(f"{error.get('location')}.{error.get('name')}")
        return rx is not None and rx.search(error.get("message", "")) is not None

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
            return None
        try:
            errors = list(response.json().get("errors") or [])
        except ValueError:
            errors = []
        if not errors:
            raise AssertionError(f"422 on schema-valid input names no error: {response.text}")
        unexplained = [(e, known_rejection(e, case)) for e in errors if not self.explained(e)]
        unknown = [e for e, bug in unexplained if bug is None]
        if unknown:
            raise AssertionError(
                "Schema-valid input refused for a reason the schema could have expressed "
                "(declare it in the OpenAPI document, or list it in schemathesis.toml if no "
                f"schema can): {unknown}"
            )
        for bug in {bug for _, bug in unexplained}:
            TOLERATED[str(bug)] += 1
        return None
