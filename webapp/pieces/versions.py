"""Pieces OS versions: the panel is built for a range (official clients refuse a Pieces OS outside
``12.0.0 <= version < 13.0.0``) and says so on every page when the one it talks to is outside."""

import re

VERSION = re.compile(r"(\d{1,6})\.(\d{1,6})\.(\d{1,6})")


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``12.3.11`` (or ``12.3.11-beta``) -> (12, 3, 11); None when it is not such a version."""
    match = VERSION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def is_supported(version: str | None, minimum: str, below: str) -> bool | None:
    """Is ``minimum <= version < below``? None when the version cannot be read."""
    parsed, low, high = parse_version(version), parse_version(minimum), parse_version(below)
    if parsed is None or low is None or high is None:
        return None
    return low <= parsed < high
