"""A category's drawing where a gift has no photograph (gifts.marks): on cards and gift pages."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from catalogue import index
from desk.text import slugify_name
from gifts import marks
from gifts.management.commands.draw_marks import marks_folder
from gifts.models import GiftImage
from tests.factories import CategoryFactory, GiftFactory

COLLECTION = Path(settings.BASE_DIR) / "gifts" / "data" / "collection"


def category(name):
    return CategoryFactory(name=name, slug=slugify_name(name))


def test_the_committed_svg_files_are_what_the_definitions_draw():
    folder = marks_folder()
    assert {path.stem for path in folder.glob("*.svg")} == set(marks.MARKS)
    for name in marks.MARKS:
        assert (folder / f"{name}.svg").read_text(encoding="utf-8") == marks.svg(name), (
            f"static/img/marks/{name}.svg is out of date: run manage.py draw_marks"
        )


def test_draw_marks_writes_the_files_and_removes_a_dropped_mark(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    stale = tmp_path / "static" / "img" / "marks" / "old.svg"
    stale.parent.mkdir(parents=True)
    stale.write_text("<svg/>")
    call_command("draw_marks", stdout=io.StringIO())
    assert not stale.exists()
    assert (stale.parent / "car.svg").read_text() == marks.svg("car")


def test_every_shipped_category_has_a_drawing_of_its_own():
    with (COLLECTION / "categories.csv").open(encoding="utf-8") as file:
        slugs = [slugify_name(row["name"]) for row in csv.DictReader(file)]
    names = [marks.mark_for(slug) for slug in slugs]
    assert marks.FALLBACK not in names
    assert len(set(names)) == len(names)  # no two categories look the same


@pytest.mark.parametrize("name", list(marks.MARKS))
def test_pillow_draws_each_mark_inside_its_box(name):
    image = marks.draw(name, 100, marks.LIGHT)
    left, top, right, bottom = image.getchannel("A").getbbox()
    assert (right - left) > 40 or (bottom - top) > 40  # a drawing, not a dot
    assert left >= 0 and top >= 0 and right <= 100 and bottom <= 100


@pytest.mark.django_db
def test_cards_of_different_categories_show_different_marks_and_the_category_in_words(client):
    GiftFactory(title="Limousine", category=category("Vehicles"))
    GiftFactory(title="Celadon vase", category=category("Ceramics and porcelain"))
    page = client.get("/gifts/").content.decode()
    assert '<img src="/static/img/marks/car.svg" alt="" width="40" height="40">' in page
    assert '<img src="/static/img/marks/vase.svg" alt=""' in page
    assert "<span>Vehicles</span>" in page and "<span>Ceramics and porcelain</span>" in page
    assert "img/placeholder" not in page


@pytest.mark.django_db
def test_a_category_without_its_own_drawing_gets_the_wrapped_box(client):
    GiftFactory(title="Something new", category=category("Musical instruments"))
    page = client.get("/gifts/").content.decode()
    assert 'src="/static/img/marks/gift.svg" alt=""' in page
    assert "<span>Musical instruments</span>" in page


@pytest.mark.django_db
def test_a_gift_with_a_photograph_shows_the_photograph_not_a_mark(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    gift = GiftFactory(title="Photographed vase", category=category("Ceramics and porcelain"))
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (160, 30, 30)).save(buffer, format="PNG")
    image = GiftImage.objects.create(
        gift=gift,
        image=SimpleUploadedFile("vase.png", buffer.getvalue(), content_type="image/png"),
        alt_text="A red vase",
    )
    listing = client.get("/gifts/").content.decode()
    assert f'src="{image.image.url}"' in listing and 'alt="A red vase"' in listing
    assert "marks/vase.svg" not in listing and "card-mark" not in listing
    page = client.get(gift.get_absolute_url()).content.decode()
    assert "marks/vase.svg" not in page and 'class="gift-mark"' not in page
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{image.image.url}">' in page


@pytest.mark.django_db
def test_the_gift_page_opens_on_the_record_with_a_small_mark_not_a_grey_box(client):
    gift = GiftFactory(title="Black limousine", category=category("Vehicles"))
    page = client.get(gift.get_absolute_url()).content.decode()
    assert "img/placeholder" not in page and "gift-images" not in page
    start = page.index('<article class="gift"')
    header = page[start : page.index("</header>", start)]
    assert '<img class="gift-mark" src="/static/img/marks/car.svg" alt="" width="64"' in header
    assert "Black limousine</h1>" in header
    assert ">Vehicles</a></dd>" in page  # the category in words
    assert "No photograph of this object is available" in page


@pytest.mark.django_db
def test_cards_cost_no_query_with_their_marks(django_assert_num_queries):
    gifts = [GiftFactory(category=category(name)) for name in ("Vehicles", "Ivory", "Clocks")]
    collection = index.collection()
    with django_assert_num_queries(0):  # the cards' texts, their category's included: the index
        html = collection.cards_html([gift.pk for gift in gifts])
    assert html.count('class="card-mark"') == 3
    assert "marks/tusk.svg" in html and "<span>Ivory</span>" in html
