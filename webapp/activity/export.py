"""The activity log as a CSV file, filtered as the Activity page is: cells that a spreadsheet
would run as a formula are made plain text (CSV injection)."""

import csv
import io
from collections.abc import Iterable, Iterator

from .log import Entry

HEADER = ("when (UTC)", "user", "action", "model id", "model name", "outcome", "detail")
# A spreadsheet takes a cell starting with one of these for a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain_cell(value: object) -> str:
    """The value as text a spreadsheet shows as it is."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.user,
            entry.action,
            entry.model_id,
            entry.model_name,
            entry.outcome,
            entry.detail,
        )
