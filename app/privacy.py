"""No personal names of captives: the check every free-text value passes before it is stored.

The patterns are the curators' list, `data/name_patterns.txt` (reviewed like the data, and
shipped with it in the package: see app.resources). The loader and the curation API both
validate through the input models, which call `find_name`, so a name is refused on either path
with the field (or file, line and column) and the text matched.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from app.resources import data_dir

PATTERNS_FILE = data_dir() / "name_patterns.txt"


_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class NamePatterns:
    patterns: tuple[re.Pattern[str], ...]
    allowed: tuple[str, ...]

    @functools.cached_property
    def allowed_re(self) -> re.Pattern[str] | None:
        if not self.allowed:
            return None
        names = "|".join(re.escape(name) for name in self.allowed)
        return re.compile(rf"(?<!\w)(?:{names})(?!\w)")

    def find(self, text: str) -> str | None:
        """The first text that looks like a personal name, or None. The text is normalised
        first (NFKC, no invisible characters), so a zero-width space cannot split a name, and
        an allowed official is removed only as a whole word ("Oleh Kotenkova" is not him)."""
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
        if self.allowed_re is not None:
            text = self.allowed_re.sub(" ", text)
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match.group(0)
        return None


def parse(lines: str) -> NamePatterns:
    patterns: list[re.Pattern[str]] = []
    allowed: list[str] = []
    for number, line in enumerate(lines.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("allow:"):
            allowed.append(line.removeprefix("allow:").strip())
            continue
        try:
            patterns.append(re.compile(line))
        except re.error as exc:
            raise ValueError(f"{PATTERNS_FILE.name}:{number}: {exc}") from exc
    # Longest first, so "Volodymyr Zelenskyy" is removed whole before "Volodymyr Zelensky".
    return NamePatterns(tuple(patterns), tuple(sorted(allowed, key=len, reverse=True)))


@functools.cache
def name_patterns() -> NamePatterns:
    return parse(PATTERNS_FILE.read_text(encoding="utf-8"))


def find_name(text: str) -> str | None:
    return name_patterns().find(text)
