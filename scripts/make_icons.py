"""Draw the web app's icons (a white check mark on the brand blue) as PNG files.

Run once: `python scripts/make_icons.py tasks_service/web/static`; the PNGs are committed.
Standard library only (zlib and struct write the PNG chunks).
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

BLUE, WHITE = (29, 78, 216), (255, 255, 255)
# The check mark's two strokes, in fractions of the icon's side, and their half width.
STROKES = (((0.26, 0.52), (0.43, 0.69)), ((0.43, 0.69), (0.76, 0.33)))
HALF_WIDTH = 0.065


def _distance(u: float, v: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((u - a[0]) * dx + (v - a[1]) * dy) / (dx * dx + dy * dy)))
    return float(((u - a[0] - t * dx) ** 2 + (v - a[1] - t * dy) ** 2) ** 0.5)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(size: int) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            near = min(_distance(x / size, y / size, a, b) for a, b in STROKES)
            rows += bytes(WHITE if near < HALF_WIDTH else BLUE)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for side in (192, 512):
        (out / f"icon-{side}.png").write_bytes(png(side))
