"""``python -m webapp ARGS`` as a person runs it: a real process, its output read as it comes."""

import os
import signal
import socket
import subprocess
import sys
import threading

from tests.support.servers import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command:
    """`python -m webapp ARGS` in its own process group, its output collected line by line."""

    def __init__(
        self, *args: str, python: str = sys.executable, cwd: str = str(REPO_ROOT), **env: str
    ):
        self.process = subprocess.Popen(
            [python, "-m", "webapp", *args],
            cwd=cwd,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 30) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or self.process.poll() is not None,
                timeout,
            )
        output = "".join(self.lines)
        assert found and text in output, f"{text!r} not printed; output:\n{output}"
        return output

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=20)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
