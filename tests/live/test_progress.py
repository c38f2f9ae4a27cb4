"""Progress frames, rate, ETA and stalls; what page a live socket belongs to."""

import pytest

from webapp.live.pages import Page
from webapp.live.progress import BadFrame, DownloadProgress, ProgressFrame, parse_frame


class TestFrames:
    @pytest.mark.parametrize(
        "text, status, percentage",
        [
            ('{"status": "INITIALIZED"}', "INITIALIZED", None),
            ('{"status": "IN-PROGRESS", "percentage": 3.5}', "IN-PROGRESS", 3.5),
            (
                '{"status": "COMPLETED", "percentage": 100, "schema": {"migration": 0}}',
                "COMPLETED",
                100.0,
            ),
            ('{"percentage": 250}', None, 100.0),
            ('{"percentage": -4}', None, 0.0),
            ('{"status": "CANCELED", "percentage": null}', "CANCELED", None),
        ],
    )
    def test_good_frames(self, text, status, percentage):
        assert parse_frame(text) == ProgressFrame(status, percentage)

    @pytest.mark.parametrize(
        "data, reason",
        [
            ("{}", "neither"),
            ("not json", "not JSON"),
            ("[1]", "not a JSON object"),
            ('{"percentage": "50"}', "not a number"),
            ('{"percentage": true}', "not a number"),
            (b"\x00\x01", "binary"),
        ],
    )
    def test_bad_frames_say_why(self, data, reason):
        with pytest.raises(BadFrame, match=reason):
            parse_frame(data)

    @pytest.mark.parametrize(
        "text, status, shown",
        [
            ('{"status": "IN_PROGRESS", "percentage": 42}', "IN_PROGRESS", True),
            ('{"status": "DOWNLOADING", "percentage": 42}', "DOWNLOADING", True),
            ('{"status": 7, "percentage": 42}', "UNKNOWN", False),
        ],
    )
    def test_an_unknown_status_keeps_its_percentage_like_the_official_sdk(
        self, text, status, shown
    ):
        frame = parse_frame(text)
        assert frame == ProgressFrame(status, 42.0) and not frame.is_terminal
        assert frame.is_known is not shown

    def test_terminal_statuses(self):
        assert [
            ProgressFrame(status, None).is_terminal
            for status in ("COMPLETED", "FAILED", "CANCELED", "IN-PROGRESS")
        ] == [True, True, True, False]


class TestDownloadProgress:
    def test_rate_and_eta_from_percentage_times_size(self):
        progress = DownloadProgress("m", size_bytes=1_000_000_000, last_change=0.0)
        progress.apply(ProgressFrame("IN-PROGRESS", 10.0), now=1.0)  # 100 MB in 1 s
        assert progress.bytes_per_second == pytest.approx(100_000_000)
        assert progress.eta_seconds == pytest.approx(9.0)
        progress.apply(ProgressFrame("IN-PROGRESS", 30.0), now=2.0)  # a 200 MB/s sample
        assert 100_000_000 < progress.bytes_per_second < 200_000_000  # smoothed

    def test_no_size_no_rate(self):
        progress = DownloadProgress("m", last_change=0.0)
        progress.apply(ProgressFrame("IN-PROGRESS", 50.0), now=1.0)
        assert progress.bytes_per_second is None and progress.eta_seconds is None

    def test_stalled_when_the_percentage_stops_moving(self):
        progress = DownloadProgress("m", size_bytes=100, last_change=0.0)
        progress.apply(ProgressFrame("IN-PROGRESS", 6.0), now=1.0)
        progress.apply(ProgressFrame("IN-PROGRESS", 6.0), now=10.0)  # same value: no progress
        assert progress.is_stalled(15, now=16.5)
        assert not progress.is_stalled(15, now=15.5)
        progress.apply(ProgressFrame("IN-PROGRESS", 7.0), now=17.0)
        assert not progress.is_stalled(15, now=17.5)


class TestPage:
    @pytest.mark.parametrize(
        "url, expected",
        [
            (None, Page("/")),
            ("/", Page("/")),
            ("/?state=loaded&sort=-ram", Page("/?state=loaded&sort=-ram")),
            ("/?state=bogus", Page("/")),
            ("//evil.example/", Page("/")),
            ("https://evil.example/models/abc", Page("/")),
            ("/models/abc-1", Page("/models/abc-1", "abc-1")),
            ("/models/../x", Page("/")),
            ("/activity", Page("/activity")),
            ("/activity?user=olga&page=2", Page("/activity")),
            ("/activity/x", Page("/")),
        ],
    )
    def test_from_url(self, url, expected):
        assert Page.from_url(url) == expected

    def test_detail_pages_show_one_model(self):
        assert Page("/models/a", "a").shows("a") and not Page("/models/a", "a").shows("b")
        assert Page("/").shows("anything") and Page("/").view == "row"
        assert Page("/models/a", "a").view == "card"
