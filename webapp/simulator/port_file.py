"""The port file: Pieces OS writes the port it listens on to `.port.txt`, on every start, and
clients on the same machine read it before scanning ports. The simulator does the same when it
is given a path; whatever serves it calls `announce_port` once it listens (again)."""

import os
from pathlib import Path


def write_port_file(path: Path, port: int) -> None:
    """Replace the file's content with `port` at once, so a reader never sees half a write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(str(port), encoding="ascii")
    partial.replace(path)
