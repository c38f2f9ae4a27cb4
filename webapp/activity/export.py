"""The activity log as a CSV file, filtered as the Activity page is: cells that a spreadsheet
would run as a formula are made plain text (CSV injection)."""

import csv
import io
from collections.abc import Iterable, Iterator

from .log import Entry

HEADER = (
    "started (UTC)",
    "finished (UTC)",
    "took (seconds)",
    "user",
    "action",
    "model id",
    "model name",
    "outcome",
    "detail",
    "via",
    "host",  # (added last: the columns before it keep their places)
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A spreadsheet may take a cell starting with one of these for a formula (OWASP, "CSV
# Injection"): the signs, their full-width forms (some spreadsheets read them the same way),
# the pipe of DDE payloads, and the characters that end a line or a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "|", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")
#: Skipped by spreadsheets before they look for a formula.
LEADING_BLANKS = " \t\r\n\u3000"


def plain_cell(value: object) -> str:
    """The value as text a spreadsheet shows as it is: one that could start a formula, even
    after blanks, is prefixed with a quote."""
    text = "" if value is None else str(value)
    risky = text.startswith(FORMULA_STARTS) or text.lstrip(LEADING_BLANKS).startswith(
        FORMULA_STARTS
    )
    return "'" + text if risky else text


def csv_lines(entries: Iterable[Entry]) -> Iterator[str]:
    """The header, then one line per entry, every cell quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    for values in _rows(entries):
        writer.writerow([plain_cell(value) for value in values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _rows(entries: Iterable[Entry]) -> Iterator[tuple]:
    yield HEADER
    for entry in entries:
        yield (
            entry.at.strftime(TIME_FORMAT),
            entry.finished_at.strftime(TIME_FORMAT) if entry.finished_at else "",
            "" if entry.took is None else f"{entry.took:.0f}",
            entry.user,
            entry.action,
            entry.model_id,
            entry.model_name,
            entry.outcome,
            entry.detail,
            entry.via,
            entry.host,
        )
