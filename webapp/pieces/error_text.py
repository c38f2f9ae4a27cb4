"""What a person is shown of the text Pieces OS sent with a failure: one short line they can read.

Pieces OS answers a failure with plain text, which may be a whole exception with its stack trace
(Dart's ``#0 …`` frames and ``package:…`` lines, as the Model API reference warns), and a proxy in
front of it may answer an HTML page. Pages and the activity log show the first meaningful line,
shortened; the panel's own log keeps the whole text (see client.py).
"""

import re

#: The longest error line shown; longer ones end with "…".
MAX_SHOWN = 200
#: Lines of a stack trace, in the languages a server may be written in (Dart above all).
STACK_LINE = re.compile(
    r"""^(\#\d+\s|at\s|File\s"|package:|dart:|Traceback\s|\.\.\.|<asynchronous\ suspension>)
    |\.dart:\d""",
    re.VERBOSE,
)
TAG = re.compile(r"<[^>]*>")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NO_MESSAGE = "(no message)"


def readable_error(text: str) -> str:
    """The first meaningful line of ``text``: no stack frame, no markup of an HTML page, no
    control character, at most ``MAX_SHOWN`` characters. (A Python traceback names its error
    last: that line, then.)"""
    stripped = text.strip()
    if stripped.startswith("<"):  # an HTML error page, from a proxy: its words alone
        stripped = TAG.sub("\n", stripped)
    lines = [" ".join(CONTROL_CHARACTERS.sub(" ", line).split()) for line in stripped.splitlines()]
    meaningful = [line for line in lines if line and not STACK_LINE.search(line)]
    if lines and lines[0].startswith("Traceback"):
        meaningful = meaningful[-1:]
    if not meaningful:
        return NO_MESSAGE
    first = meaningful[0]
    return first if len(first) <= MAX_SHOWN else first[: MAX_SHOWN - 1].rstrip() + "…"
