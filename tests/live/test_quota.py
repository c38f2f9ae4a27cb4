"""The live sockets' total stays within what the process may open."""
import resource

from webapp.live import quota
from webapp.live.quota import RESERVED_DESCRIPTORS, sockets_allowed


def test_the_total_is_lowered_to_what_the_open_file_limit_allows(monkeypatch, caplog):
    monkeypatch.setattr(quota.resource, "getrlimit", lambda _which: (1024, 4096))
    assert sockets_allowed(4000) == 1024 - RESERVED_DESCRIPTORS
    assert "open-file limit is 1024" in caplog.text
    assert sockets_allowed(500) == 500


def test_an_unlimited_process_keeps_the_configured_total(monkeypatch):
    monkeypatch.setattr(quota.resource, "getrlimit",
                        lambda _which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert sockets_allowed(4000) == 4000
