"""The request threads' pool grows with the load, never past its size, and shrinks back."""
import threading
import time

import pytest

from webapp.serving.pool import ShrinkingThreadPool

IDLE_SECONDS = 0.2


def wait_for(condition, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def pool():
    pool = ShrinkingThreadPool(max_workers=4, idle_seconds=IDLE_SECONDS)
    yield pool
    pool.shutdown()


def test_it_grows_to_its_size_and_no_further(pool):
    release = threading.Event()
    futures = [pool.submit(release.wait) for _ in range(6)]
    wait_for(lambda: pool.thread_count == 4, "four threads")
    assert sum(future.running() for future in futures) == 4  # two wait for a free thread
    release.set()
    assert all(future.result(timeout=5) for future in futures)
    assert pool.thread_count <= 4


def test_idle_threads_end_and_the_pool_serves_on_afterwards():
    ended = []
    pool = ShrinkingThreadPool(max_workers=4, idle_seconds=IDLE_SECONDS,
                               on_idle_thread_end=lambda: ended.append("a thread"))
    release = threading.Event()
    futures = [pool.submit(release.wait) for _ in range(4)]
    wait_for(lambda: pool.thread_count == 4, "four threads")
    release.set()
    [future.result(timeout=5) for future in futures]
    wait_for(lambda: pool.thread_count == 0, "the idle threads to end")
    assert len(ended) == 4  # each told, so that the worker gives their memory back
    assert pool.submit(lambda: "served").result(timeout=5) == "served"
    pool.shutdown()


def test_work_given_to_a_thread_just_as_it_gives_up_is_served(pool, monkeypatch):
    """A submission counts on the idle thread that is about to end: that thread must stay."""
    giving_up, go_on = threading.Event(), threading.Event()
    give_back = pool._give_back

    def give_back_slowly() -> bool:
        giving_up.set()
        go_on.wait(5)
        return give_back()

    monkeypatch.setattr(pool, "_give_back", give_back_slowly)
    pool.submit(lambda: None).result(timeout=5)
    assert giving_up.wait(5)  # the one thread found no work for a while
    future = pool.submit(lambda: "served")
    go_on.set()
    assert future.result(timeout=5) == "served"


def test_an_error_reaches_the_caller_and_the_thread_serves_on(pool):
    def fail():
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        pool.submit(fail).result(timeout=5)
    assert pool.submit(lambda: 2).result(timeout=5) == 2


def test_shutdown_ends_every_thread(pool):
    [pool.submit(time.sleep, 0.05) for _ in range(4)]
    pool.shutdown()
    wait_for(lambda: pool.thread_count == 0, "every thread to end")
    with pytest.raises(RuntimeError):
        pool.submit(print)
