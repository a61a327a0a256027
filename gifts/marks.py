"""
A small line drawing for each category, shown where a gift has no photograph (no photographs of
the real objects exist). Each mark is defined once, here, as a few strokes in a 100 x 100 box,
and drawn two ways: as SVG for the site (static/img/marks/<name>.svg, written by
``manage.py draw_marks`` and checked against these definitions by the tests) and with Pillow for
a gift's sharing image (gifts.social).

A stroke is ``("line", points)``, ``("shape", points)`` (closed) or ``("circle", (x, y), r)``;
curves are made of short straight segments (``arc``).
"""

import math
from functools import lru_cache

from django.conf import settings
from django.templatetags.static import static
from PIL import Image, ImageDraw

STROKE = 4  # in the 100 x 100 box
LIGHT, DARK = "#8a7355", "#c9b48e"  # the mark's colour on the light and on the dark palette
FALLBACK = "gift"


def arc(cx, cy, rx, ry, start, end, steps=12):
    """Points along an ellipse from `start` to `end` degrees (0 is east, 90 south)."""
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def mirrored(points, axis=50):
    """A symmetric outline from its left half, drawn top to bottom."""
    return points + [(2 * axis - x, y) for x, y in reversed(points)]


def line(*points):
    return ("line", list(points))


def shape(*points):
    return ("shape", list(points))


def circle(x, y, r):
    return ("circle", (x, y), r)


def rect(x, y, w, h):
    return shape((x, y), (x + w, y), (x + w, y + h), (x, y + h))


MARKS = {
    "gift": [  # a wrapped box: any gift
        rect(18, 42, 64, 42),
        rect(12, 30, 76, 12),
        line((50, 30), (50, 84)),
        ("line", [*arc(40, 22, 10, 8, 0, 340)[::-1], (50, 30)]),
        ("line", [(50, 30), *arc(60, 22, 10, 8, 200, -160)[::-1]]),
    ],
    "car": [
        line((10, 64), (8, 52), (22, 48), (34, 34), (66, 34), (78, 48), (92, 52), (92, 64)),
        line((8, 64), (19, 64)),
        line((39, 64), (61, 64)),
        line((81, 64), (92, 64)),
        circle(29, 64, 9),
        circle(71, 64, 9),
        line((26, 48), (74, 48)),
        line((50, 36), (50, 48)),
    ],
    "rifle": [
        shape((6, 56), (8, 70), (30, 60), (40, 60), (42, 72), (50, 72), (52, 58), (94, 54)),
        line((94, 54), (94, 47), (36, 48), (6, 56)),
        line((64, 47), (64, 42), (76, 42), (76, 47)),
        ("line", arc(46, 60, 5, 5, 20, 160, 6)),
    ],
    "swords": [
        line((18, 18), (70, 70)),
        line((82, 18), (30, 70)),
        line((60, 80), (80, 60)),
        line((20, 60), (40, 80)),
        line((74, 74), (84, 84)),
        line((26, 74), (16, 84)),
        circle(87, 87, 3.5),
        circle(13, 87, 3.5),
    ],
    "tank": [
        shape((14, 62), (86, 62), (92, 70), (84, 80), (16, 80), (8, 70)),
        shape((24, 62), (30, 46), (62, 46), (70, 62)),
        line((62, 52), (94, 46)),
        circle(22, 71, 4),
        circle(39, 71, 4),
        circle(56, 71, 4),
        circle(73, 71, 4),
    ],
    "vase": [
        (
            "shape",
            mirrored(
                [(40, 12), (40, 24), *arc(50, 52, 26, 30, 220, 150, 10)[1:-1], (38, 84), (36, 90)]
            ),
        ),
        line((36, 12), (64, 12)),
        line((30, 46), (70, 46)),
        line((30, 58), (70, 58)),
    ],
    "bust": [
        circle(50, 28, 14),
        line((44, 41), (44, 50)),
        line((56, 41), (56, 50)),
        line((44, 50), (26, 56), (20, 72), (80, 72), (74, 56), (56, 50)),
        rect(32, 72, 36, 8),
        rect(26, 80, 48, 8),
    ],
    "chalice": [
        ("shape", mirrored([(24, 14), *arc(50, 14, 26, 30, 180, 100, 6)[1:], (46, 44)])),
        line((46, 44), (46, 66)),
        line((54, 44), (54, 66)),
        line((40, 54), (60, 54)),
        line((46, 66), (30, 84), (70, 84), (54, 66)),
    ],
    "hoop": [
        circle(50, 54, 34),
        circle(50, 54, 26),
        rect(44, 12, 12, 8),
        line((34, 50), (42, 58)),
        line((42, 50), (34, 58)),
        line((46, 50), (54, 58)),
        line((54, 50), (46, 58)),
        line((58, 50), (66, 58)),
        line((66, 50), (58, 58)),
    ],
    "bear": [
        circle(50, 36, 16),
        circle(36, 22, 6),
        circle(64, 22, 6),
        circle(50, 42, 4),
        ("shape", arc(50, 72, 20, 18, 0, 360, 24)),
        circle(28, 64, 5),
        circle(72, 64, 5),
    ],
    "antler": [
        ("line", [(30, 90), *arc(80, 90, 50, 72, 180, 262, 10)]),
        line((34, 64), (14, 50)),
        line((40, 44), (22, 28)),
        line((52, 28), (48, 12)),
    ],
    "tusk": [
        ("shape", [*arc(50, 86, 40, 70, 180, 270, 12), *arc(54, 86, 30, 58, 266, 180, 12)]),
        line((11, 74), (25, 76)),
    ],
    "television": [
        rect(12, 30, 76, 50),
        rect(20, 37, 48, 36),
        circle(78, 44, 3),
        circle(78, 58, 3),
        line((36, 12), (50, 30), (64, 12)),
        line((26, 80), (22, 88)),
        line((74, 80), (78, 88)),
    ],
    "glass": [
        (
            "shape",
            [
                (28, 12),
                (72, 12),
                *arc(50, 24, 22, 26, 0, 90, 6)[1:],
                *arc(50, 24, 22, 26, 90, 180, 6)[1:],
            ],
        ),
        line((50, 50), (50, 80)),
        line((32, 88), (50, 80), (68, 88)),
        line((32, 88), (68, 88)),
        line((36, 26), (40, 36)),
    ],
    "case": [
        rect(10, 34, 80, 50),
        line((10, 52), (90, 52)),
        line((38, 34), (38, 24), (62, 24), (62, 34)),
        rect(44, 48, 12, 9),
    ],
    "paw": [
        ("shape", arc(50, 64, 18, 15, 0, 360, 24)),
        circle(24, 44, 7),
        circle(40, 28, 7),
        circle(60, 28, 7),
        circle(76, 44, 7),
    ],
    "figure": [
        circle(50, 20, 9),
        line((50, 29), (50, 58)),
        line((30, 46), (40, 34), (60, 34), (70, 46)),
        line((42, 82), (50, 58), (58, 82)),
        rect(28, 82, 44, 8),
    ],
    "column": [
        rect(20, 12, 60, 8),
        line((26, 20), (32, 26), (68, 26), (74, 20)),
        line((34, 26), (34, 78)),
        line((46, 26), (46, 78)),
        line((54, 26), (54, 78)),
        line((66, 26), (66, 78)),
        line((30, 78), (70, 78)),
        rect(20, 78, 60, 10),
    ],
    "map": [
        shape((10, 24), (36, 16), (64, 24), (90, 16), (90, 76), (64, 84), (36, 76), (10, 84)),
        line((36, 16), (36, 76)),
        line((64, 24), (64, 84)),
        line((20, 64), (30, 52), (46, 56), (56, 42), (74, 44)),
        circle(78, 38, 4),
    ],
    "clock": [
        circle(50, 54, 32),
        line((50, 54), (50, 34)),
        line((50, 54), (64, 62)),
        line((30, 82), (24, 90)),
        line((70, 82), (76, 90)),
        ("line", arc(24, 26, 12, 12, 180, 290, 6)),
        ("line", arc(76, 26, 12, 12, 250, 360, 6)),
    ],
    "chair": [
        line((28, 10), (28, 90)),
        line((28, 54), (72, 54), (72, 90)),
        line((28, 10), (58, 10), (58, 54)),
        line((28, 24), (58, 24)),
        line((28, 70), (72, 70)),
    ],
    "bowl": [
        ("shape", [*arc(50, 52, 36, 30, 0, 180, 14)]),
        ("line", arc(50, 52, 34, 16, 180, 360, 14)),
        line((40, 82), (60, 82)),
        line((42, 80), (40, 88), (60, 88), (58, 80)),
        rect(44, 30, 12, 6),
    ],
    "camera": [
        shape((10, 32), (32, 32), (38, 22), (62, 22), (68, 32), (90, 32), (90, 80), (10, 80)),
        circle(50, 56, 16),
        circle(50, 56, 7),
        rect(16, 38, 10, 6),
    ],
    "rocket": [
        (
            "shape",
            [
                (50, 8),
                *arc(50, 44, 14, 36, 280, 360, 6)[1:],
                (64, 74),
                (36, 74),
                *arc(50, 44, 14, 36, 180, 260, 6)[:-1],
            ],
        ),
        circle(50, 38, 6),
        line((36, 58), (24, 76), (24, 86), (36, 74)),
        line((64, 58), (76, 76), (76, 86), (64, 74)),
        line((44, 80), (50, 92), (56, 80)),
    ],
    "ball": [
        circle(50, 50, 36),
        line((14, 50), (86, 50)),
        line((50, 14), (50, 86)),
        ("line", arc(6, 50, 30, 30, -50, 50, 8)),
        ("line", arc(94, 50, 30, 30, 130, 230, 8)),
    ],
}

# Category slug -> mark name. A category not listed here gets the wrapped box.
CATEGORY_MARKS = {
    "animal-products": "antler",
    "art-and-sculpture": "bust",
    "ceramics-and-porcelain": "vase",
    "ceremonial-weapons": "swords",
    "clocks": "clock",
    "electronics": "television",
    "furniture": "chair",
    "glass-and-crystal": "glass",
    "historical-artefacts": "column",
    "ivory": "tusk",
    "lacquerware": "bowl",
    "leather-goods": "case",
    "live-animals": "paw",
    "maps-and-documents": "map",
    "metalwork": "chalice",
    "military-equipment": "tank",
    "photographs": "camera",
    "space-memorabilia": "rocket",
    "sports-memorabilia": "ball",
    "textiles-and-embroidery": "hoop",
    "textiles-and-toys": "bear",
    "vehicles": "car",
    "wax-figures": "figure",
    "weapons": "rifle",
}


def mark_for(category_slug):
    """The name of the mark a category is drawn with."""
    return CATEGORY_MARKS.get(category_slug, FALLBACK)


def mark_url(category_slug):
    # static() asks the storage for the file's hashed name every time: kept per mark and storage.
    storage = (settings.STATIC_URL, repr(settings.STORAGES.get("staticfiles")))
    return _mark_static(mark_for(category_slug), storage)


@lru_cache(maxsize=256)
def _mark_static(mark, storage):
    return static(f"img/marks/{mark}.svg")


def number(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg_points(points):
    return " ".join(f"{number(x)},{number(y)}" for x, y in points)


def svg(name):
    """The mark as an SVG file: its own colours for a light and a dark page."""
    elements = []
    for kind, *args in MARKS[name]:
        if kind == "circle":
            (x, y), r = args
            elements.append(f'<circle cx="{number(x)}" cy="{number(y)}" r="{number(r)}"/>')
        else:
            tag = "polygon" if kind == "shape" else "polyline"
            elements.append(f'<{tag} points="{svg_points(args[0])}"/>')
    body = "\n".join(elements)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100" '
        f'fill="none" stroke="{LIGHT}" stroke-width="{STROKE}" stroke-linecap="round" '
        'stroke-linejoin="round">\n'
        f"<style>@media (prefers-color-scheme: dark) {{ svg {{ stroke: {DARK}; }} }}</style>\n"
        f"{body}\n</svg>\n"
    )


def draw(name, size, colour, supersample=4):
    """The mark as a Pillow image of size x size pixels: `colour` on transparency."""
    scale = size * supersample / 100
    width = max(1, round(STROKE * scale))
    mask = Image.new("L", (size * supersample,) * 2, 0)
    pen = ImageDraw.Draw(mask)

    def dot(x, y):  # a round cap or join
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)

    for kind, *args in MARKS[name]:
        if kind == "circle":
            (x, y), r = args
            x, y, r = x * scale, y * scale, r * scale
            outer = r + width / 2
            pen.ellipse((x - outer, y - outer, x + outer, y + outer), outline=255, width=width)
            continue
        points = [(x * scale, y * scale) for x, y in args[0]]
        if kind == "shape":
            points.append(points[0])
        pen.line(points, fill=255, width=width)
        for x, y in points:
            dot(x, y)
    mask = mask.resize((size, size), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (size, size), colour)
    image.putalpha(mask)
    return image
