"""The panel's own words are spelt one way: "cancelled" (British, as everywhere else in the
panel). Pieces OS's own status ``CANCELED`` is shown as it sends it, and the simulator speaks
Pieces OS, so neither counts."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: "canceled" in any case, but not the upstream status as Pieces OS spells it.
AMERICAN = re.compile(r"\b(?!CANCELED\b)[Cc][Aa][Nn][Cc][Ee][Ll][Ee][Dd]\b")
PANEL_TEXT = [
    *sorted((REPO / "templates").rglob("*.html")),
    *sorted(path for path in (REPO / "webapp").rglob("*.py") if "simulator" not in path.parts),
    REPO / "static" / "live.js",
    REPO / "README.md",
]


def test_cancelled_has_one_spelling():
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in PANEL_TEXT
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if AMERICAN.search(line)
    ]
    assert found == []
