"""
A gift's sharing image: the 1200 x 630 picture that social sites and chat apps show with a link
to the gift's page (og:image), drawn from the record since no photographs exist: the category's
mark (gifts.marks), the title, who gave it, to whom and when, and the site's name.

Its address carries a digest of what it shows (``version``), so a changed title, donor or date
gives a new address and a sharing site never keeps the old picture; each version is drawn once
and kept in the cache (``png``; served by gifts.views.GiftShareImageView).

Text is drawn with the fonts shipped in gifts/fonts/ (Noto and Nanum, SIL Open Font License;
Droid Sans Fallback, Apache 2.0, for Chinese and Japanese), so the server needs no fonts of its
own.
A donor's name in its own script is drawn only when one of them has every one of its letters
(and, for Arabic or Burmese, when Pillow can shape text): otherwise the English name alone.
"""

import functools
import hashlib
import io
import unicodedata
from pathlib import Path

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont, features

from gifts import marks

WIDTH, HEIGHT = 1200, 630
DESIGN = "1"  # change it when the drawing changes, so every gift's image gets a new address
SITE_NAME = "Friendship Gifts"
FONTS = Path(__file__).resolve().parent / "fonts"
SERIF_BOLD = FONTS / "NotoSerif-Bold.ttf"
SANS = FONTS / "NotoSans-Regular.ttf"
# Tried in order for text the first cannot draw.
FALLBACKS = (
    FONTS / "NotoSans-Regular.ttf",
    FONTS / "NotoSansArabic-Regular.ttf",
    FONTS / "NotoSansMyanmar-Regular.ttf",
    FONTS / "DroidSansFallbackFull.ttf",
    FONTS / "NanumSquareR.ttf",  # Droid Sans Fallback has no Hangul syllables
)
PAPER, PANEL, WASH, LINE = "#faf7f0", "#ffffff", "#f3ede1", "#e0d6c4"
INK, MUTED, ACCENT = "#1d1a16", "#5a5048", "#8b1e1e"
# Scripts whose letters change shape with their neighbours or run right to left: drawn only
# with a text-shaping engine (raqm), or they come out as disconnected letters in reverse.
SHAPED = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x1000, 0x109F))
NOT_DRAWN = {"Cc", "Cf", "Cs", "Co", "Cn"}  # controls, direction overrides, unassigned
CACHE_SECONDS = 30 * 24 * 3600


def version(gift):
    """A short digest of everything the image shows: its address changes when any of it does."""
    parts = [
        DESIGN,
        gift.accession_number,
        gift.title,
        gift.donor.name,
        gift.donor.name_original,
        gift.display_date or "",
        gift.recipient,
        gift.category.slug,
        gift.category.name,
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=6).hexdigest()


def png(gift, version):
    """The image of this version of the gift, drawn once and then kept in the cache."""
    key = f"gift-share-image:{gift.pk}:{version}"
    image = cache.get(key)
    if image is None:
        image = render(gift)
        cache.set(key, image, CACHE_SECONDS)
    return image


@functools.cache
def font(path, size):
    return ImageFont.truetype(str(path), size)


@functools.lru_cache(maxsize=50_000)  # bounded: titles are curators' text, but any letter may come
def has_glyph(path, char):
    """True when the font draws `char` as something other than its 'missing' box."""
    face = font(path, 40)
    return bitmap(face, char) != bitmap(face, "\U0010fffd")


def bitmap(face, text):
    mask = face.getmask(text)
    return mask.size, bytes(mask)


def printable(text):
    """The text without control and formatting characters, with runs of spaces made one."""
    kept = (c for c in text if c.isspace() or unicodedata.category(c) not in NOT_DRAWN)
    text = "".join(" " if c.isspace() else c for c in kept)
    return " ".join(text.split())


def needs_shaping(text):
    return any(low <= ord(c) <= high for c in text for low, high in SHAPED)


def drawable(text, paths):
    """The first font that has every letter of `text`, or None."""
    if needs_shaping(text) and not features.check("raqm"):
        return None
    letters = {c for c in text if not c.isspace()}
    for path in paths:
        if all(has_glyph(path, c) for c in letters):
            return path
    return None


def wrap(text, face, width, max_lines):
    """Lines of at most `width` pixels; past `max_lines` the last ends with an ellipsis. A word
    longer than a line is broken between letters."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if face.getlength(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last.rstrip(" ,;:.") + "…") > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip(" ,;:.") + "…"]
    return lines


def text_block(pen, xy, text, path, size, colour, width, max_lines, leading=1.25):
    """Draws wrapped text from `xy` (top left) and answers the y below it."""
    x, y = xy
    face = font(path, size)
    for line in wrap(text, face, width, max_lines):
        pen.text((x, y), line, font=face, fill=colour)
        y += round(size * leading)
    return y


def render(gift):
    """The sharing image as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(image)

    # The category's mark on a tinted band, with the category's name under it.
    pen.rectangle((0, 0, 340, HEIGHT), fill=WASH)
    pen.line((340, 0, 340, HEIGHT), fill=LINE, width=2)
    mark = marks.draw(marks.mark_for(gift.category.slug), 200, marks.LIGHT)
    image.paste(mark, (70, 170), mark)
    category = printable(gift.category.name)
    face = font(SANS, 26)
    lines = wrap(category, face, 280, 2)
    y = 400
    for line in lines:
        pen.text((170, y), line, font=face, fill=MUTED, anchor="ma")
        y += 34

    left, right = 400, WIDTH - 70
    width = right - left
    pen.text((left, 64), SITE_NAME.upper(), font=font(SANS, 24), fill=ACCENT)
    pen.text((right, 64), gift.accession_number, font=font(SANS, 24), fill=MUTED, anchor="ra")

    title = printable(gift.title) or gift.accession_number
    title_font = drawable(title, (SERIF_BOLD, *FALLBACKS)) or SERIF_BOLD
    size = 60 if len(title) < 60 else 50
    y = text_block(pen, (left, 120), title, title_font, size, INK, width, 3, leading=1.2)

    y += 24
    donor = printable(gift.donor.name)
    given = "Given by" if gift.is_held else "Given to"
    y = text_block(pen, (left, y), f"{given} {donor}", SANS, 32, INK, width, 2)
    original = printable(gift.donor.name_original or "")
    original_font = drawable(original, FALLBACKS) if original else None
    if original_font and y < 480:
        y = text_block(pen, (left, y + 2), original, original_font, 30, MUTED, width, 1, 1.5)
    recipient = printable(gift.recipient)
    when = f", {gift.display_date}" if gift.display_date else ""
    to = "to" if gift.is_held else "by"
    if y < 520:
        text_block(pen, (left, y + 8), f"{to} {recipient}{when}", SANS, 28, MUTED, width, 1)

    pen.line((left, HEIGHT - 56, right, HEIGHT - 56), fill=LINE, width=2)
    pen.rectangle((left, HEIGHT - 58, left + 80, HEIGHT - 54), fill=ACCENT)

    # 64 colours are plenty for ink, paper and their anti-aliasing, and the palette makes the PNG
    # a third of the size and quicker to write than full colour (the encoder was most of the time).
    image = image.quantize(64, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()
