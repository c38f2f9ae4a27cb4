"""Search, filters and sort order of the model list, read from (and written back to) the URL.

The query string is the whole state of the list, so a filtered view can be bookmarked and shared,
and the same URL renders the same table with or without JavaScript.
"""

from dataclasses import dataclass, fields
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict

from ..web.query import non_default_query
from .model import Model

STATES = ("cloud", "not downloaded", "downloading", "downloaded", "loaded", "custom", "denied")
PLACES = ("local", "cloud")
SORT_KEYS = {
    "name": lambda model: model.name.casefold(),
    "size": lambda model: model.size_bytes or 0,
    "ram": lambda model: model.ram_bytes or 0,
}
SORT_LABELS = (
    ("name", "name, A to Z"),
    ("-name", "name, Z to A"),
    ("size", "size, smallest first"),
    ("-size", "size, largest first"),
    ("ram", "RAM, least first"),
    ("-ram", "RAM, most first"),
)
SORTS = tuple(value for value, _label in SORT_LABELS)
MAX_SEARCH_LENGTH = 200
MAX_PROVIDER_LENGTH = 100


class BadListQuery(ValueError):
    """A query string the list cannot honour; the message says which parameter and why."""


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    place: str = ""
    state: str = ""
    provider: str = ""
    sort: str = "name"

    @classmethod
    def from_args(cls, args: MultiDict) -> "ListQuery":
        query = cls(**{name: args.get(name, default).strip() for name, default in DEFAULTS.items()})
        query.validate()
        return query

    def validate(self) -> None:
        if len(self.q) > MAX_SEARCH_LENGTH:
            raise BadListQuery(f"search text is longer than {MAX_SEARCH_LENGTH} characters")
        if len(self.provider) > MAX_PROVIDER_LENGTH:
            raise BadListQuery(f"provider is longer than {MAX_PROVIDER_LENGTH} characters")
        for name, allowed in (("place", PLACES), ("state", STATES), ("sort", SORTS)):
            value = getattr(self, name)
            if value and value not in allowed:
                raise BadListQuery(f"{name} must be one of: {', '.join(allowed)}")

    def apply(self, models: list[Model]) -> list[Model]:
        """The models that match, in the requested order."""
        return self.ordered([model for model in models if self.matches(model)])

    def ordered(self, models: list[Model]) -> list[Model]:
        """``models`` in the requested order."""
        descending = self.sort.startswith("-")
        key = SORT_KEYS[self.sort.lstrip("-") or "name"]
        return sorted(
            models, key=lambda model: (key(model), model.name.casefold()), reverse=descending
        )

    def matches(self, model: Model) -> bool:
        if self.place == "local" and not model.is_local or self.place == "cloud" and model.is_local:
            return False
        if self.state and not counts_as(model, self.state):
            return False
        if self.provider and (model.provider or "") != self.provider:
            return False
        return not self.q or self.q.casefold() in searchable_text(model)

    def query_string(self, **changes: str) -> str:
        """This query (with ``changes``) as a URL query string, defaults left out."""
        values = {name: changes.get(name, getattr(self, name)) for name in DEFAULTS}
        return non_default_query(values, DEFAULTS)


DEFAULTS = {field.name: field.default for field in fields(ListQuery)}


def list_query_of(url: str) -> ListQuery:
    """The list query carried by a page URL; the default one if it holds none or a bad one."""
    try:
        return ListQuery.from_args(MultiDict(parse_qsl(urlsplit(url).query)))
    except BadListQuery:
        return ListQuery()


def counts_as(model: Model, state: str) -> bool:
    """Is the model in ``state``, as the State filter and the summary count? A loaded model is
    downloaded too (its files are on this machine), though its badge says loaded."""
    if state == "downloaded":
        return model.downloaded
    return state in model.badges


def searchable_text(model: Model) -> str:
    parts = (
        model.name,
        model.unique,
        model.description,
        model.provider,
        model.foundation,
        model.quantization,
    )
    return " ".join(part for part in parts if part).casefold()


@dataclass(frozen=True)
class Summary:
    downloaded: int
    downloaded_bytes: int  # disk used by the downloaded models' files
    loaded: int
    loaded_ram_bytes: int


def summarize(models: list[Model]) -> Summary:
    loaded = [model for model in models if model.loaded]
    downloaded = [model for model in models if counts_as(model, "downloaded")]
    return Summary(
        downloaded=len(downloaded),
        downloaded_bytes=sum(model.size_bytes or 0 for model in downloaded),
        loaded=len(loaded),
        loaded_ram_bytes=sum(model.ram_bytes or 0 for model in loaded),
    )


def providers(models: list[Model]) -> list[str]:
    return sorted({model.provider for model in models if model.provider})
