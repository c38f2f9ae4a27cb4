"""The line a person is shown of an error text Pieces OS sent (unit tests, no server)."""

import pytest

from webapp.pieces.error_text import MAX_SHOWN, readable_error

DART = """Exception: Not enough memory to load Llama-3 8B Instruct
#0      ModelsRepository.load (package:pieces_os/models/models_repository.dart:212:7)
#1      ModelController.handle (package:pieces_os/api/model_controller.dart:88:20)
<asynchronous suspension>"""
PYTHON = """Traceback (most recent call last):
  File "server.py", line 10, in <module>
    load(model)
ValueError: no such model"""
JAVA = "java.lang.IllegalStateException: busy\n\tat com.pieces.Models.load(Models.java:42)"
PROXY_PAGE = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"


@pytest.mark.parametrize(
    "text, shown",
    [
        (DART, "Exception: Not enough memory to load Llama-3 8B Instruct"),
        (PYTHON, "ValueError: no such model"),
        (JAVA, "java.lang.IllegalStateException: busy"),
        (PROXY_PAGE, "502 Bad Gateway"),
        ("\n\n  out of   memory \n", "out of memory"),
        ("bell\x07 and\x1b[31m escape", "bell and [31m escape"),
        ("", "(no message)"),
        ("#0 main (file:///x.dart:1:1)", "(no message)"),
        ("GPU <b>fell off</b> the bus", "GPU <b>fell off</b> the bus"),  # escaped when shown
    ],
    ids=["dart", "python", "java", "html", "blanks", "control", "empty", "trace-only", "text"],
)
def test_the_first_meaningful_line_is_shown(text, shown):
    assert readable_error(text) == shown


def test_a_long_line_is_shortened():
    shown = readable_error("x" * 10_000)
    assert len(shown) == MAX_SHOWN and shown.endswith("…")
