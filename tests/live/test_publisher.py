"""The publisher's marks: where the live state stood when a page was rendered, and what its
socket must then send it."""
import threading

from tests.support.sockets import Recorder
from webapp.live.publisher import RECENT_PUBLICATIONS, Publisher


def publish(publisher: Publisher, key: str) -> None:
    publisher.publish(key, lambda page: key)


def publish_elsewhere(publisher: Publisher, key: str) -> None:
    thread = threading.Thread(target=publish, args=(publisher, key))
    thread.start()
    thread.join()


def test_a_mark_moves_past_this_threads_publications_up_to_another_threads():
    publisher = Publisher(Recorder())
    publish_elsewhere(publisher, "summary")
    rendered_at = publisher.revision
    assert rendered_at == 1
    publish(publisher, "model-a")  # 2: the page's own request found it changed
    publish(publisher, "machine")  # 3
    assert publisher.past_own(rendered_at) == 3
    publish_elsewhere(publisher, "model-b")  # 4: a change the page may not show
    publish(publisher, "model-c")  # 5
    assert publisher.past_own(rendered_at) == 3


def test_a_mark_older_than_what_is_remembered_stays_where_it_was():
    publisher = Publisher(Recorder())
    rendered_at = publisher.revision
    for number in range(RECENT_PUBLICATIONS + 1):
        publish(publisher, f"model-{number}")
    assert publisher.past_own(rendered_at) == rendered_at
