"""Small builders for values in the exact shape Pieces OS puts on the wire."""

import json
from datetime import UTC, datetime

#: The `schema` object the real server attaches to its objects.
EMBEDDED_SCHEMA = {"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}

GIGABYTE = 1_000_000_000
MEGABYTE = 1_000_000


def readable_bytes(count: int) -> str:
    """Format a byte count the way the server's `readable` fields do, e.g. `4.69 GB`."""
    if abs(count) >= GIGABYTE:
        return f"{count / GIGABYTE:.2f} GB"
    return f"{count / MEGABYTE:.2f} MB"


def byte_descriptor(count: int) -> dict:
    return {"value": count, "readable": readable_bytes(count)}


def iso_timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a `Z`, e.g. `2024-07-23T00:00:00.000Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def progress_frame(status: str, percentage: float | None = None) -> str:
    """One text frame of the download-progress socket."""
    frame: dict = {"status": status}
    if percentage is not None:
        frame["percentage"] = percentage
    frame["schema"] = EMBEDDED_SCHEMA
    return json.dumps(frame)
