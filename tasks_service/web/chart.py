"""The job page's progress chart: accepted tasks over time, drawn as an inline SVG path."""

from __future__ import annotations

from datetime import datetime

import msgspec

WIDTH, HEIGHT, PAD = 600, 200, 8


class Chart(msgspec.Struct, frozen=True):
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..." in view-box units
    started: datetime | None
    ended: datetime | None
    accepted: int
    total: int


def progress_chart(
    accepted_at: list[datetime], total: int, start: datetime, now: datetime
) -> Chart:
    """A step line from the job's start to now, rising by one task at each acceptance."""
    span = max((now - start).total_seconds(), 1.0)
    top = max(total, len(accepted_at), 1)

    def x(moment: datetime) -> float:
        share = min(max((moment - start).total_seconds() / span, 0.0), 1.0)
        return PAD + share * (WIDTH - 2 * PAD)

    def y(done: int) -> float:
        return HEIGHT - PAD - done / top * (HEIGHT - 2 * PAD)

    points = [(x(start), y(0))]
    for done, moment in enumerate(sorted(accepted_at), start=1):
        points.append((x(moment), y(done - 1)))
        points.append((x(moment), y(done)))
    points.append((x(now), y(len(accepted_at))))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        started=start,
        ended=now,
        accepted=len(accepted_at),
        total=total,
    )
