"""Find a running Pieces OS the way the official clients do.

They send ``HEAD /.well-known/health`` with a very short timeout to the old default port 1000,
then to each port of 39300-39333, and take the first that answers 200.
"""
import requests

LEGACY_PORT = 1000
PORT_RANGE = range(39300, 39334)
PROBE_TIMEOUT_SECONDS = 0.1


def candidate_urls(host: str = "127.0.0.1") -> list[str]:
    return [f"http://{host}:{port}" for port in (LEGACY_PORT, *PORT_RANGE)]


def answers_health(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    try:
        response = requests.head(f"{url}/.well-known/health", timeout=timeout,
                                 allow_redirects=False)
    except requests.RequestException:
        return False
    return response.status_code == 200


def discover(candidates: list[str] | None = None,
             timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """Return the first candidate URL whose health check answers 200, or None."""
    for url in candidates if candidates is not None else candidate_urls():
        if answers_health(url, timeout):
            return url
    return None
