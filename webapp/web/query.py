"""Query strings of bookmarkable views (the model list, the activity log): only the values that
differ from the defaults, so equal views share one URL."""

from urllib.parse import urlencode


def non_default_query(values: dict, defaults: dict) -> str:
    """``values`` as a query string, leaving out the empty ones and those equal to ``defaults``."""
    return urlencode(
        {key: value for key, value in values.items() if value and value != defaults[key]}
    )


def with_query(url: str, query_string: str) -> str:
    """``url`` followed by ``?query_string`` when there is one (a Jinja filter)."""
    return f"{url}?{query_string}" if query_string else url
