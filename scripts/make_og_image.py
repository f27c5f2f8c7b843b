#!/usr/bin/env python3
"""Write static/og.png: the 1200×630 Open Graph image, in the site's colours (no Pillow needed).

    python scripts/make_og_image.py [OUT]

A plain design drawn from rectangles: the accent blue of static/style.css with a light
"headline and columns" motif. The output is byte-for-byte reproducible.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

WIDTH, HEIGHT = 1200, 630
ACCENT = (0x0B, 0x57, 0xA4)  # --accent in static/style.css
LIGHT = (0xEE, 0xF4, 0xFB)  # --accent-bg
WHITE = (0xFF, 0xFF, 0xFF)
# (left, top, right, bottom, colour), drawn in order over the accent background
SHAPES = [
    (0, 560, WIDTH, HEIGHT, LIGHT),  # footer band
    (96, 120, 880, 200, WHITE),  # headline
    (96, 236, 1104, 252, LIGHT),  # rule
    *(
        (96 + col * 344, 300 + row * 44, 96 + col * 344 + 296, 316 + row * 44, LIGHT)
        for col in range(3)
        for row in range(5)
    ),  # three columns of text lines
]


def pixel_rows() -> list[bytes]:
    """Return the image's rows as RGB bytes."""
    rows = []
    for y in range(HEIGHT):
        row = bytearray(bytes(ACCENT) * WIDTH)
        for left, top, right, bottom, colour in SHAPES:
            if top <= y < bottom:
                row[left * 3 : right * 3] = bytes(colour) * (right - left)
        rows.append(bytes(row))
    return rows


def chunk(kind: bytes, data: bytes) -> bytes:
    """Return one PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rows: list[bytes]) -> bytes:
    """Encode RGB rows as an 8-bit truecolour PNG (filter 0 on every row)."""
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    data = zlib.compress(b"".join(b"\0" + row for row in rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "static" / "og.png"
    out.write_bytes(png(pixel_rows()))
    print(f"{out}: {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
