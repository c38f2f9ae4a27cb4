"""The login throttle: a wall per address and name together and per address, a capped delay
for the name alone, so that no stranger can lock a named account out."""

import threading

from tests.support.accounts import WRONG_PASSWORD, log_in
from webapp.accounts.throttle import (
    ADDRESS_MAX_FAILURES,
    NAME_MAX_DELAY_SECONDS,
    FailureWindow,
    LoginThrottle,
)


def from_address(number: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"10.0.0.{number}"}}


class TestOverHttp:
    def test_the_sixth_failure_from_one_address_for_one_name_is_refused(self, anonymous_client):
        for _ in range(5):
            assert log_in(anonymous_client, "operator", WRONG_PASSWORD).status_code == 401
        response = log_in(anonymous_client, "operator")
        assert response.status_code == 429
        assert "Too many failed logins; try again in " in response.text
        assert 0 < int(response.headers["Retry-After"]) <= 60
        assert anonymous_client.get("/").status_code == 302

    def test_strangers_cannot_wall_a_name_off(self, anonymous_client):
        for number in range(12):
            log_in(anonymous_client, "admin", WRONG_PASSWORD, **from_address(number))
        response = log_in(anonymous_client, "admin", **from_address(99))
        assert response.status_code == 429  # a delay...
        assert int(response.headers["Retry-After"]) <= NAME_MAX_DELAY_SECONDS  # ...not a wall

    def test_an_address_that_logged_in_before_does_not_wait_for_the_name(self, panel):
        owner = panel.test_client(user=None)
        assert log_in(owner, "admin", **from_address(50)).status_code == 303
        with owner.session_transaction() as session:
            session.clear()  # a new browser on the same machine
        stranger = panel.test_client(user=None)
        for number in range(12):
            log_in(stranger, "admin", WRONG_PASSWORD, **from_address(number))
        assert log_in(owner, "admin", **from_address(50)).status_code == 303

    def test_where_the_owner_signed_in_is_remembered_across_a_restart(self, panel_factory):
        before = panel_factory().test_client(user=None)
        assert log_in(before, "admin", **from_address(50)).status_code == 303
        restarted = panel_factory()  # a new process: the same database, no memory
        for number in range(12):
            log_in(
                restarted.test_client(user=None), "admin", WRONG_PASSWORD, **from_address(number)
            )
        elsewhere = restarted.test_client(user=None)
        assert log_in(elsewhere, "admin", **from_address(99)).status_code == 429  # delayed...
        owner = restarted.test_client(user=None)
        assert log_in(owner, "admin", **from_address(50)).status_code == 303  # ...not the owner

    def test_an_address_is_limited_whatever_the_names(self, anonymous_client):
        for number in range(ADDRESS_MAX_FAILURES):
            log_in(anonymous_client, f"guess{number}", WRONG_PASSWORD)
        assert log_in(anonymous_client, "viewer").status_code == 429
        assert log_in(anonymous_client, "viewer", **from_address(7)).status_code == 303

    def test_forwarded_addresses_count_only_behind_a_trusted_proxy(self, panel_factory):
        def after_failures_from_forwarded_clients(client) -> int:
            for number in range(ADDRESS_MAX_FAILURES):
                log_in(
                    client,
                    f"guess{number}",
                    WRONG_PASSWORD,
                    headers={"X-Forwarded-For": f"192.0.2.{number}"},
                )
            return log_in(client, "viewer", headers={"X-Forwarded-For": "192.0.2.99"}).status_code

        behind_proxy = panel_factory(TRUSTED_PROXIES=frozenset({"127.0.0.1"}))
        assert after_failures_from_forwarded_clients(behind_proxy.test_client(user=None)) == 303
        direct = panel_factory(TRUSTED_PROXIES=None)
        assert after_failures_from_forwarded_clients(direct.test_client(user=None)) == 429


class TestCounts:
    def test_the_name_alone_waits_longer_with_each_failure_up_to_a_cap(self):
        now = [1000.0]
        throttle = LoginThrottle(clock=lambda: now[0])
        waits = []
        for number in range(12):
            throttle.failed(f"10.0.0.{number}", "admin")
            now[0] += 0.5
            waits.append(throttle.seconds_to_wait("stranger", "ADMIN"))
        assert waits == [0] * 4 + [1, 2, 4, 8, 16, 30, 30, 30]

    def test_a_success_clears_the_name_but_not_the_address(self):
        throttle = LoginThrottle()
        for number in range(ADDRESS_MAX_FAILURES - 5):
            throttle.failed("10.0.0.1", f"guess{number}")
        for _ in range(4):
            throttle.failed("10.0.0.1", "viewer")
        throttle.succeeded("10.0.0.1", "viewer")
        throttle.failed("10.0.0.1", "someone")
        assert throttle.seconds_to_wait("10.0.0.1", "viewer") > 0  # the address's count stays
        assert throttle.seconds_to_wait("10.0.0.2", "viewer") == 0  # the name's is gone

    def test_failures_leave_the_window_after_a_minute(self):
        now = [1000.0]
        window = FailureWindow(5, 60, clock=lambda: now[0])
        for _ in range(5):
            window.failed(["a"])
        assert window.seconds_blocked(["a"]) == 60
        assert window.seconds_blocked(["b"]) == 0
        now[0] += 59.5
        assert window.seconds_blocked(["a"]) == 0.5
        now[0] += 0.5
        assert window.seconds_blocked(["a"]) == 0

    def test_concurrent_failures_are_all_counted(self):
        window = FailureWindow(1000, 60)
        workers = [
            threading.Thread(target=lambda: [window.failed(["k"]) for _ in range(100)])
            for _ in range(10)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert window.seconds_blocked(["k"]) > 0
