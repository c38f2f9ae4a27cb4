"""Model ids: Pieces OS's are UUIDs, but the panel takes any id it sends that can travel in a
URL, and writes it so that it always stays one path segment.

In the panel's own URLs an id is written as it is, unless it holds a "/" (which a WSGI server
decodes before routing, so ``%2F`` would not do) or starts with "~": then it is "~" followed
by its base64url form.
"""

import base64
import binascii
import re

#: Longer ids are refused from the browser and kept unreadable from Pieces OS (real ones are
#: UUIDs, 36 characters).
MAX_MODEL_ID_LENGTH = 256
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Half of a UTF-16 pair on its own: legal in JSON ("\ud800"), but not text (no UTF-8 for it).
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")
ENCODED_MARK = "~"


class InvalidModelId(ValueError):
    """A model id the panel cannot put in a URL: empty, too long, or with control characters."""


def check_model_id(model_id: object) -> str:
    """Return the id if it can travel as one URL path segment (percent-encoded, any other
    character is fine); raise InvalidModelId otherwise."""
    if not isinstance(model_id, str) or not model_id:
        raise InvalidModelId(f"{repr(model_id)[:40]} is not a model id")
    if len(model_id) > MAX_MODEL_ID_LENGTH:
        raise InvalidModelId(f"a model id has at most {MAX_MODEL_ID_LENGTH} characters")
    if CONTROL_CHARACTERS.search(model_id):
        raise InvalidModelId("a model id cannot hold control characters")
    if LONE_SURROGATES.search(model_id):
        raise InvalidModelId("a model id cannot hold half a UTF-16 pair (it is not text)")
    if model_id.strip(".") == "":
        raise InvalidModelId(f"{model_id!r} is not a model id (a URL would read it as a folder)")
    return model_id


def to_segment(model_id: str) -> str:
    """The id as the panel's URLs carry it (before percent-encoding)."""
    if "/" in model_id or model_id.startswith(ENCODED_MARK):
        encoded = base64.urlsafe_b64encode(model_id.encode("utf-8", "surrogatepass"))
        return ENCODED_MARK + encoded.decode("ascii").rstrip("=")
    return model_id


def from_segment(segment: str) -> str:
    """The id a panel URL's segment stands for (one that does not decode stands for itself)."""
    if not segment.startswith(ENCODED_MARK):
        return segment
    body = segment[len(ENCODED_MARK) :]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return segment
