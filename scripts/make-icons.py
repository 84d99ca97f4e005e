#!/usr/bin/env python3
"""Draw the platform's icons (an open book on the theme blue) into crates/web/assets:
icon-192.png, icon-512.png, apple-touch-icon.png (180) and favicon.ico (a 32 px PNG
inside an ICO). Standard library only; run again after changing the drawing.

Usage: scripts/make-icons.py
"""
import os, struct, zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "web", "assets")
BLUE, WHITE = (32, 107, 196), (255, 255, 255)


def inside_rounded(x, y, r):
    """The unit square with corners rounded by r."""
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def inside_poly(x, y, pts):
    hit = False
    for i in range(len(pts)):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % len(pts)]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


# Two pages of an open book, meeting at the spine, and the spine's shadow line.
LEFT = [(0.18, 0.30), (0.48, 0.36), (0.48, 0.76), (0.18, 0.70)]
RIGHT = [(0.52, 0.36), (0.82, 0.30), (0.82, 0.70), (0.52, 0.76)]


def colour(x, y):
    if not inside_rounded(x, y, 0.18):
        return None
    if inside_poly(x, y, LEFT) or inside_poly(x, y, RIGHT):
        return WHITE
    return BLUE


def png(size):
    n = 4  # samples per axis
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        for px in range(size):
            acc, alpha = [0, 0, 0], 0
            for sy in range(n):
                for sx in range(n):
                    c = colour((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)
                    if c:
                        alpha += 1
                        for k in range(3):
                            acc[k] += c[k]
            if alpha:
                rows += bytes(round(a / alpha) for a in acc) + bytes([round(255 * alpha / (n * n))])
            else:
                rows += b"\0\0\0\0"
    chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def ico(png32):
    # ICONDIR, one ICONDIRENTRY pointing at the PNG that follows.
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 32, 32, 0, 0, 1, 32, len(png32), 22) + png32


for name, size in [("icon-192.png", 192), ("icon-512.png", 512), ("apple-touch-icon.png", 180)]:
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png(size))
with open(os.path.join(OUT, "favicon.ico"), "wb") as f:
    f.write(ico(png(32)))
print("icons written to", os.path.normpath(OUT))
