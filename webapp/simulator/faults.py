"""Failures a test asks for: slow or failing routes, and a download that will fail part-way."""

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RouteFault:
    """Delay a route and/or answer `status` with `text`, for `times` requests (None: forever)."""

    delay_seconds: float = 0.0
    status: int | None = None
    text: str = "simulated failure"
    times: int | None = None

    def as_json(self) -> dict:
        return {
            "delay_seconds": self.delay_seconds,
            "status": self.status,
            "text": self.text,
            "times": self.times,
        }


class FaultTable:
    """Thread-safe table of the faults in force."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_route: dict[str, RouteFault] = {}
        self._download_failure_at: float | None = None

    def set_route_fault(self, route: str, fault: RouteFault) -> None:
        with self._lock:
            self._by_route[route] = fault

    def take_route_fault(self, route: str) -> RouteFault | None:
        """The fault for this request to `route`, using up one of its `times`."""
        with self._lock:
            fault = self._by_route.get(route)
            if fault is None or fault.times is None:
                return fault
            if fault.times <= 1:
                del self._by_route[route]
            else:
                self._by_route[route] = replace(fault, times=fault.times - 1)
            return fault

    def arm_download_failure(self, at_percentage: float) -> None:
        with self._lock:
            self._download_failure_at = at_percentage

    def take_download_failure(self) -> float | None:
        """The percentage at which the download starting now must fail, if one was armed."""
        with self._lock:
            at_percentage, self._download_failure_at = self._download_failure_at, None
            return at_percentage

    def describe(self) -> dict:
        with self._lock:
            return {
                "routes": {route: fault.as_json() for route, fault in self._by_route.items()},
                "fail_next_download_at": self._download_failure_at,
            }

    def clear(self) -> None:
        with self._lock:
            self._by_route.clear()
            self._download_failure_at = None
