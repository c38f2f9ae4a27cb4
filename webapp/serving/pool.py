"""A thread pool that gives its threads back once the work is done.

gunicorn's gthread worker serves requests from a ``ThreadPoolExecutor``, whose threads, once
started, last as long as the process: a burst of requests (a whole team reloading at once) would
keep its peak of threads and their memory forever. Here a thread that finds no work for
``idle_seconds`` ends, so the pool grows with the load and shrinks back after it.
"""
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future


class ShrinkingThreadPool:
    """What gthread uses of an executor: ``submit`` and ``shutdown``."""

    def __init__(self, max_workers: int, idle_seconds: float, name: str = "request",
                 on_idle_thread_end: Callable[[], None] = lambda: None):
        self._max_workers = max_workers
        self._on_idle_thread_end = on_idle_thread_end
        self._idle_seconds = idle_seconds
        self._name = name
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        # One release per thread waiting for work; a submission takes one, or starts a thread.
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads = 0
        self._started = 0
        self._shut_down = False

    @property
    def thread_count(self) -> int:
        with self._lock:
            return self._threads

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shut_down:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._work.put((future, function, args))
            if not self._idle.acquire(blocking=False) and self._threads < self._max_workers:
                self._threads += 1
                self._started += 1
                threading.Thread(target=self._serve, name=f"{self._name}-{self._started}",
                                 daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """No more work: every thread ends after what it is doing (``wait`` is not kept to:
        gunicorn asks without waiting)."""
        with self._lock:
            self._shut_down = True
            threads = self._threads
        for _ in range(threads):
            self._work.put(None)

    def _serve(self) -> None:
        while True:
            try:
                item = self._work.get(timeout=self._idle_seconds)
            except queue.Empty:
                if self._give_back():
                    return
                continue
            if item is None:
                self._leave()
                return
            future, function, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(*args))
                except BaseException as error:  # the future carries it to gthread
                    future.set_exception(error)
            self._idle.release()

    def _give_back(self) -> bool:
        """(Idle for too long.) End this thread, unless a submission counted on it."""
        if not self._idle.acquire(blocking=False):
            return False  # work was given to an idle thread: wait for it
        self._leave()
        self._on_idle_thread_end()
        return True

    def _leave(self) -> None:
        with self._lock:
            self._threads -= 1
