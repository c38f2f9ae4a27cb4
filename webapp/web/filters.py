"""Jinja filters that turn raw model values into what a person reads."""

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape


def gigabytes(byte_count: int | None) -> str:
    if byte_count is None:
        return "–"
    if byte_count == 0:
        return "0 GB"
    if byte_count < 10_000_000:
        return f"{byte_count / 1_000_000:.2f} MB"
    return f"{byte_count / 1_000_000_000:.2f} GB"


def date(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y") if moment else "–"


def day_of(seconds: float | None) -> str:
    """The UTC day of a Unix time (when an API token was made, used, expires), or "never"."""
    return date(datetime.fromtimestamp(seconds, UTC)) if seconds is not None else "never"


def moment(when: datetime) -> Markup:
    """A moment of the day as a ``<time>``: UTC as written; static/live.js shows it in the
    browser's time zone, with UTC on hover."""
    return Markup('<time datetime="{}">{} UTC</time>').format(
        escape(when.isoformat()), when.strftime("%H:%M:%S")
    )


def day_and_time(when: datetime | float | None) -> Markup | str:
    """A date and time (a ``datetime``, or seconds since the epoch) as a ``<time>``: UTC as
    written, shown in the browser's time zone like ``moment``."""
    if when is None:
        return "–"
    if not isinstance(when, datetime):
        when = datetime.fromtimestamp(when, UTC)
    return Markup('<time datetime="{}">{} UTC</time>').format(
        escape(when.isoformat()), when.strftime("%Y-%m-%d %H:%M:%S")
    )


def billions(parameters: float | None) -> str:
    return "–" if parameters is None else f"{parameters:g} B"


def count(number: float | None) -> str:
    return "–" if number is None else f"{number:,.0f}"


def label(enum_value: str | None) -> str:
    """Known wire spellings read better with spaces; unknown values stay visible as sent."""
    return "–" if not enum_value else enum_value.replace("_", " ")


def rate(bytes_per_second: float | None) -> str:
    if not bytes_per_second:
        return "–"
    return f"{bytes_per_second / 1_000_000:.1f} MB/s"


def duration(seconds: float | None) -> str:
    """A rough, readable amount of time: "45 s", "3 min 20 s", "2 h 5 min"."""
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def init_app(app: Flask) -> None:
    for function in (
        gigabytes,
        date,
        day_of,
        moment,
        day_and_time,
        billions,
        count,
        label,
        rate,
        duration,
    ):
        app.add_template_filter(function)
