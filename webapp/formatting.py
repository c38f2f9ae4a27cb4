"""Jinja filters that turn raw model values into what a person reads."""
from datetime import datetime

from flask import Flask


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


def billions(parameters: float | None) -> str:
    return "–" if parameters is None else f"{parameters:g} B"


def count(number: float | None) -> str:
    return "–" if number is None else f"{number:,.0f}"


def label(enum_value: str | None) -> str:
    """Known wire spellings read better with spaces; unknown values stay visible as sent."""
    return "–" if not enum_value else enum_value.replace("_", " ")


def init_app(app: Flask) -> None:
    for name, function in [("gigabytes", gigabytes), ("date", date), ("billions", billions),
                           ("count", count), ("label", label)]:
        app.add_template_filter(function, name)
