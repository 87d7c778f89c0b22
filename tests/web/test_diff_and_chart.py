"""The review page's word diff and the job page's progress chart, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tasks_service.web.chart import HEIGHT, PAD, WIDTH, progress_chart
from tasks_service.web.diff import Segment, word_diff


def test_word_diff_marks_replaced_added_and_removed_words() -> None:
    segments = word_diff("Le chat est assis sur le tapis.", "Le chat dort sur le grand tapis.")
    assert segments == [
        Segment("same", "Le chat "),
        Segment("removed", "est assis"),
        Segment("added", "dort"),
        Segment("same", " sur le "),
        Segment("added", "grand "),
        Segment("same", "tapis."),
    ]
    assert "".join(s.text for s in segments if s.kind != "removed") == (
        "Le chat dort sur le grand tapis."
    )
    assert word_diff("same text", "same text") == [Segment("same", "same text")]


def test_chart_rises_one_step_per_accepted_task_and_ends_now() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = start + timedelta(hours=4)
    chart = progress_chart([start + timedelta(hours=1), start + timedelta(hours=3)], 4, start, now)
    points = [tuple(float(v) for v in p.split(",")) for p in chart.points.split()]
    bottom, half = HEIGHT - PAD, HEIGHT - PAD - (HEIGHT - 2 * PAD) / 2
    quarter_x = PAD + (WIDTH - 2 * PAD) / 4
    assert points[0] == (PAD, bottom)
    assert points[1] == (quarter_x, bottom) and points[2][0] == quarter_x
    assert points[-1] == (WIDTH - PAD, half)  # 2 of 4 accepted, at the right edge
    assert (chart.accepted, chart.total) == (2, 4)


def test_chart_of_a_job_with_nothing_accepted_is_a_flat_line() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chart = progress_chart([], 0, start, start)
    assert chart.points == f"{PAD:.1f},{HEIGHT - PAD:.1f} {PAD:.1f},{HEIGHT - PAD:.1f}"
