"""Pieces OS versions: the panel is built for a range (official clients refuse a Pieces OS outside
``12.0.0 <= version < 13.0.0``) and says so on every page when the one it talks to is outside."""
import re

VERSION = re.compile(r"(\d{1,6})\.(\d{1,6})\.(\d{1,6})")


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``12.3.11`` (or ``12.3.11-beta``) -> (12, 3, 11); None when it is not such a version."""
    match = VERSION.match(text.strip()) if isinstance(text, str) else None
    return tuple(int(part) for part in match.groups()) if match else None


def is_supported(version: str | None, minimum: str, below: str) -> bool | None:
    """Is ``minimum <= version < below``? None when the version cannot be read."""
    parsed = parse_version(version)
    if parsed is None:
        return None
    return parse_version(minimum) <= parsed < parse_version(below)
