"""The one loop that owns the live state of one Pieces OS host.

Every change of that state is a call run by this loop, one at a time, in the order it was posted:
request handlers, upstream relays and pushed streams ``post`` calls (or ``ask``, to wait for the
result), the loop runs them. Nothing else touches the state, so it needs no lock. ``seq`` counts
the calls run: it orders everything the pages are sent (see fanout.py).

Upstream I/O never runs in the loop: ``spawn(io, then)`` runs ``io()`` in a thread of its own and
posts ``then(result)`` back (``then`` gets the exception if ``io`` raised one). Timers
(``call_later``) and a tick every ``tick_seconds`` run in the loop too.

``HostLoop(clock, threaded=False)`` runs nothing by itself: a test posts calls, advances its
clock and calls ``run_pending()``, so the live state can be tested in milliseconds, without servers.
"""

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

#: How long a handler waits for the loop's answer before giving up (the loop is stuck).
ASK_TIMEOUT_SECONDS = 30.0


class LoopStopped(RuntimeError):
    """Asked of a loop that no longer runs (the panel is stopping)."""


class HostLoop:
    def __init__(
        self,
        name: str,
        clock: Callable[[], float] = time.monotonic,
        threaded: bool = True,
        tick_seconds: float = 1.0,
    ):
        self.name = name
        self.clock = clock
        self.seq = 0
        self._threaded = threaded
        self._tick: Callable[[], None] = lambda: None  # see set_tick
        self._tick_seconds = tick_seconds
        self._next_tick = clock() + tick_seconds
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._timer_order = itertools.count()
        #: Called in the loop after each call it ran (the host refreshes its snapshot).
        self.after_each: Callable[[], None] = lambda: None
        self._stopped = False
        self._running_here = False  # (synchronous mode) run_pending is running
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._serve, name=f"live-{name}", daemon=True)
            self._thread.start()

    # -- from any thread -----------------------------------------------------------------------

    def post(self, call: Callable[..., Any], *args: Any) -> None:
        """Run ``call(*args)`` in the loop, after what was posted before."""
        self._calls.put((call, args, None))

    def ask(self, call: Callable[..., Any], *args: Any) -> Any:
        """Run ``call(*args)`` in the loop and return its result (or raise its exception). From
        the loop itself it runs at once."""
        if self.in_loop():
            return call(*args)
        if self._stopped:
            raise LoopStopped(f"the live loop of {self.name} has stopped")
        answer: Future = Future()
        self._calls.put((call, args, answer))
        if not self._threaded:
            self.run_pending()
        return answer.result(ASK_TIMEOUT_SECONDS)

    def spawn(self, io: Callable[[], Any], then: Callable[[Any], None], name: str = "io") -> None:
        """Run ``io()`` outside the loop (it may wait on Pieces OS), then ``then(result)`` in
        the loop; an exception ``io`` raised is passed as the result."""

        def run() -> None:
            try:
                result = io()
            except Exception as error:  # handed to the loop, which decides
                result = error
            self.post(then, result)

        if self._threaded:
            threading.Thread(target=run, name=f"{self.name}-{name}", daemon=True).start()
        else:
            run()

    def in_loop(self) -> bool:
        if self._threaded:
            return self._thread is threading.current_thread()
        return self._running_here

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        self._stopped = True
        self._calls.put((lambda: None, (), None))

    # -- in the loop ---------------------------------------------------------------------------

    def set_tick(self, tick: Callable[[], None]) -> None:
        """What the loop runs every ``tick_seconds`` (the host's look at what is under way)."""
        self._tick = tick

    def call_later(self, delay: float, call: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._timer_order), call))

    def run_pending(self) -> None:
        """Run every call posted and every timer due (synchronous mode, and the thread)."""
        self._running_here = True
        try:
            while True:
                try:
                    call, args, answer = self._calls.get_nowait()
                except queue.Empty:
                    break
                self._run(call, args, answer)
            self._run_due()
        finally:
            self._running_here = False

    def _run_due(self) -> None:
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            _due, _order, call = heapq.heappop(self._timers)
            self._run(call, (), None)
        if now >= self._next_tick:
            self._next_tick = now + self._tick_seconds
            self._run(self._tick, (), None)

    def _run(self, call: Callable[..., Any], args: tuple, answer: Future | None) -> None:
        self.seq += 1
        try:
            result = call(*args)
        except Exception as error:
            if answer is not None:
                answer.set_exception(error)
            else:  # the loop goes on: one bad event must not stop every page's updates
                log.exception("the live loop of %s failed to handle an event", self.name)
            self._after()
            return
        self._after()
        if answer is not None:
            answer.set_result(result)

    def _after(self) -> None:
        try:
            self.after_each()
        except Exception:
            log.exception("the live loop of %s failed after an event", self.name)

    def _serve(self) -> None:
        while not self._stopped:
            wait = self._next_tick - self.clock()
            if self._timers:
                wait = min(wait, self._timers[0][0] - self.clock())
            try:
                call, args, answer = self._calls.get(timeout=max(0.0, wait))
            except queue.Empty:
                self._run_due()
                continue
            self._run(call, args, answer)
            self._run_due()
