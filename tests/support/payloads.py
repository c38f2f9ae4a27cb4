"""Hypothesis strategies for what Pieces OS may send: `Model` and `Models` payloads.

`models()` spans the whole schema of the contract (docs: pieces-os-model-api.md): optional keys
present or not, `parameters: null`, enum values known and unknown, unknown extra keys, sizes from
zero to huge, and strings that are long, non-ASCII or full of markup. `broken_models()` are models
that break one rule the panel relies on, each breakage named in `BREAKAGES`.
"""

from datetime import UTC

from hypothesis import strategies as st
from pieces_os_client.models.external_ml_provider_enum import ExternalMLProviderEnum
from pieces_os_client.models.model_foundation_enum import ModelFoundationEnum
from pieces_os_client.models.model_type_enum import ModelTypeEnum
from pieces_os_client.models.model_usage_enum import ModelUsageEnum

from webapp.pieces.model import CAPABILITY_NAMES
from webapp.simulator.wire import EMBEDDED_SCHEMA, iso_timestamp

#: Pieces of text that would do harm if a page let them through unescaped, plus characters that
#: often trip encoders: quotes, ampersands, right-to-left override, astral emoji, NUL, and a lone
#: surrogate (legal as a JSON escape, impossible to encode as UTF-8).
TRICKY_PIECES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "'",
    '"',
    "&",
    "&amp;",
    "</td></tr></table>",
    "{{ 7 * 7 }}",
    "\u202e",
    "😀",
    "\x00",
    "\ud800",
)
#: Sizes in bytes (and other counts): zero, ordinary, beyond 64 bits, beyond a float's range.
SIZES = st.one_of(
    st.just(0), st.integers(0, 100 * 10**9), st.integers(2**63, 10**30), st.just(10**400)
)

KNOWN_KEYS = frozenset(
    {
        "id",
        "name",
        "version",
        "created",
        "cloud",
        "type",
        "usage",
        "description",
        "cpu",
        "downloaded",
        "downloading",
        "loaded",
        "unique",
        "foundation",
        "provider",
        "quantization",
        "parameters",
        "bytes",
        "ram",
        "maxTokens",
        "capabilities",
        "custom",
        "denied",
        "organization",
        "score",
        "schema",
    }
)


def _repeat_to(text: str, length: int) -> str:
    text = text or "long"
    return (text * (length // len(text) + 1))[:length]


_short_text = st.lists(
    st.one_of(st.sampled_from(TRICKY_PIECES), st.text(max_size=12)), max_size=5
).map("".join)
#: Any string a field may hold: short and tricky, or repeated out to a few thousand characters.
texts = st.one_of(_short_text, st.builds(_repeat_to, _short_text, st.integers(300, 3000)))


def enum_values(enum) -> st.SearchStrategy[str]:
    """A value the SDK knows, or one it does not (a newer Pieces OS, or junk)."""
    return st.one_of(st.sampled_from([member.value for member in enum]), texts)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

model_ids = st.one_of(
    st.uuids().map(str), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", fullmatch=True)
)
_numbers = st.one_of(SIZES, st.floats(0, 1e12, allow_nan=False))
_nullable_numbers = st.one_of(st.none(), _numbers)
_byte_descriptors = st.fixed_dictionaries({"value": SIZES, "readable": texts})
_iso_times = st.datetimes(timezones=st.just(UTC)).map(iso_timestamp)
_timestamps = st.fixed_dictionaries(
    {"value": st.one_of(_iso_times, texts)}, optional={"readable": texts}
)


_REQUIRED = {
    "id": model_ids,
    "name": texts,
    "version": texts,
    "created": _timestamps,
    "cloud": st.booleans(),
    "type": enum_values(ModelTypeEnum),
    "usage": enum_values(ModelUsageEnum),
}
_OPTIONAL = {
    "description": texts,
    "cpu": st.booleans(),
    "downloaded": st.booleans(),
    "downloading": st.booleans(),
    "loaded": st.booleans(),
    "unique": texts,
    "foundation": enum_values(ModelFoundationEnum),
    "provider": enum_values(ExternalMLProviderEnum),
    "quantization": texts,
    "parameters": _nullable_numbers,
    "bytes": _byte_descriptors,
    "ram": _byte_descriptors,
    "maxTokens": st.fixed_dictionaries(
        {"total": _nullable_numbers},
        optional={"input": _nullable_numbers, "output": _nullable_numbers},
    ),
    "capabilities": st.fixed_dictionaries(
        {}, optional={name: st.booleans() for name in CAPABILITY_NAMES}
    ),
    "custom": st.booleans(),
    "denied": st.booleans(),
    "organization": st.fixed_dictionaries({"id": texts}),
    "score": st.fixed_dictionaries(
        {"manual": st.integers(0, 10**6), "automatic": st.integers(0, 10**6)},
        optional={
            key: st.integers(0, 10**6)
            for key in ("priority", "reference", "reuse", "searched", "update")
        },
    ),
    "schema": st.just(EMBEDDED_SCHEMA),
}
_unknown_keys = st.dictionaries(
    texts.filter(lambda key: key not in KNOWN_KEYS), json_values, max_size=3
)


def models() -> st.SearchStrategy[dict]:
    """One `Model` as decoded JSON, valid by the contract, with any unknown keys added."""
    known = st.fixed_dictionaries(_REQUIRED, optional=_OPTIONAL)
    return st.builds(lambda extra, model: {**extra, **model}, _unknown_keys, known)


def model_lists(max_size: int = 5) -> st.SearchStrategy[list[dict]]:
    return st.lists(models(), max_size=max_size, unique_by=lambda model: model["id"])


def _without(key):
    return lambda model, _junk: {name: value for name, value in model.items() if name != key}


def _with(key):
    return lambda model, junk: {**model, key: junk}


def _replaced(model, junk):
    return junk


#: name -> (how it changes a valid model, the junk it puts in).
BREAKAGES = {
    "missing id": (_without("id"), st.none()),
    "id not a string": (_with("id"), json_values.filter(lambda value: not isinstance(value, str))),
    "id unusable in a URL": (
        _with("id"),
        st.sampled_from(["", ".", "..", "a\x00b", "a\nb", "a" * 257]),
    ),
    "missing name": (_without("name"), st.none()),
    "name not a string": (
        _with("name"),
        json_values.filter(lambda value: not isinstance(value, str)),
    ),
    "cloud not a boolean": (
        _with("cloud"),
        json_values.filter(lambda value: not isinstance(value, bool)),
    ),
    "model not an object": (
        _replaced,
        json_values.filter(lambda value: not isinstance(value, dict)),
    ),
}


@st.composite
def broken_models(draw) -> dict:
    """A valid model with one breakage from `BREAKAGES` applied."""
    model = draw(models())
    breakage, junk = BREAKAGES[draw(st.sampled_from(sorted(BREAKAGES)))]
    return breakage(model, draw(junk))


def as_shown(text: str) -> str:
    """What a page can show of `text`: a lone surrogate cannot travel as UTF-8, so it shows as
    U+FFFD, the replacement character."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
