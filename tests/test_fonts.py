"""The site's web fonts are its own: every face is a file in static/, sliced by unicode-range
(Hangul included), under its licence, and no page asks another host for a font."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

STATIC = Path(settings.BASE_DIR) / "static"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")
URL = re.compile(r"url\(\s*['\"]?(?P<url>[^'\")]+)['\"]?\s*\)")
FONT_HOSTS = ("fonts.googleapis", "fonts.gstatic", "typekit", "fonts.bunny", "fontawesome", "cdn")


def font_faces():
    """(css file, @font-face body) for every face in our stylesheets."""
    for css in sorted((STATIC / "css").glob("*.css")):
        for match in FACE.finditer(css.read_text()):
            yield css, match["body"]


def descriptor(body, name):
    found = re.search(rf"{name}\s*:\s*([^;]+);", body)
    return found[1].strip().strip("'\"") if found else None


def unicode_ranges(body):
    """The code points a face covers, as (first, last) pairs."""
    for part in descriptor(body, "unicode-range").split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        yield int(first, 16), int(last or first, 16)


def covers(body, character):
    return any(first <= ord(character) <= last for first, last in unicode_ranges(body))


def test_every_font_face_is_a_file_of_ours_sliced_by_unicode_range():
    faces = list(font_faces())
    assert len(faces) > 10
    for css, body in faces:
        urls = [m["url"] for m in URL.finditer(body)]
        assert urls, body
        for url in urls:
            assert not re.match(r"^(https?:)?//", url), f"{css.name} fetches a font from {url}"
            assert (css.parent / url).resolve().is_file(), f"{css.name}: {url} does not exist"
            assert url.endswith(".woff2")
        assert descriptor(body, "unicode-range"), f"{css.name}: a face without unicode-range"
        assert descriptor(body, "font-display") == "swap", body


def test_hangul_is_drawn_by_a_slice_of_noto_sans_kr_in_each_weight_used():
    korean = [body for _, body in font_faces() if descriptor(body, "font-family") == "Noto Sans KR"]
    for weight in ("400", "600"):
        for character in "가김일성국제친선전람관":
            slices = [
                body
                for body in korean
                if descriptor(body, "font-weight") == weight and covers(body, character)
            ]
            assert slices, f"no Noto Sans KR {weight} slice draws {character}"


def test_the_text_faces_cover_the_names_on_the_records():
    text = [body for _, body in font_faces() if descriptor(body, "font-family") == "Source Sans 3"]
    for character in "aéşĐạồИю":  # Latin, Ceaușescu, Phạm Văn Đồng, Иосиф
        assert any(covers(body, character) for body in text), character


def test_each_font_family_folder_holds_its_licence():
    families = [folder for folder in (STATIC / "fonts").iterdir() if folder.is_dir()]
    assert {f.name for f in families} >= {"noto-sans-kr", "source-sans-3", "source-serif-4"}
    for folder in families:
        licence = folder / "OFL.txt"
        assert licence.is_file(), f"{folder.name} has no OFL.txt"
        assert "SIL Open Font License" in licence.read_text()


def test_fonts_stay_within_their_weight_budget():
    size = sum(f.stat().st_size for f in (STATIC / "fonts").rglob("*") if f.is_file())
    assert size < 8 * 1024 * 1024, f"static/fonts holds {size:,} bytes"


def test_no_template_or_stylesheet_asks_another_host_for_fonts():
    files = [*TEMPLATES.rglob("*.html"), *(STATIC / "css").glob("*.css")]
    for path in files:
        text = path.read_text()
        for host in FONT_HOSTS[:4]:
            assert host not in text, f"{path.name} refers to {host}"
        stylesheets = re.findall(r"<link[^>]+rel=\"stylesheet\"[^>]*>", text)
        for link in stylesheets:
            assert "://" not in link, f"{path.name}: {link}"
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", text), path.name


def test_pages_with_korean_names_load_our_font_stylesheet_first(client, collection):
    page = client.get(reverse("gifts:leaders")).content.decode()
    assert "김일성" in page
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert links[:2] == ["/static/css/fonts.css", "/static/css/site.css"]
