"""
Uploaded images through their permission check (gifts.media): a published gift's image and its
renditions are served, a draft's are 404 to visitors and served to staff, and unpublishing a
gift makes them 404 again. In production the check answers with X-Accel-Redirect (nginx sends
the file; scripts/e2e.py checks that through a real nginx).
"""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from desk.models import PublicationStatus
from gifts.models import GiftImage
from tests.factories import GiftFactory, UserFactory
from tests.helpers import fetch, run_command_server

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = "default-src 'none'; sandbox"


def png(width=700, height=500):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile("bowl.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ACCEL_REDIRECT = False
    return settings.MEDIA_ROOT


def image_of(status=PublicationStatus.PUBLISHED, accession_number="IFE-7001"):
    gift = GiftFactory(accession_number=accession_number, status=status)
    return GiftImage.objects.create(gift=gift, image=png(), alt_text="A blue lacquered bowl")


def addresses(image):
    """The image's address and each rendition's."""
    storage = image.image.storage
    return [image.image.url, *(storage.url(name) for name in image.renditions["widths"].values())]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_published_image_and_its_renditions_are_served_in_one_query(
    client, db, media_root, django_assert_num_queries
):
    image = image_of()
    assert image.image.url == "/media/gifts/IFE-7001/bowl.png"
    assert sorted(image.renditions["widths"], key=int) == ["320", "640", "700"]
    for url in addresses(image):
        with django_assert_num_queries(1):
            response = client.get(url)
        assert response.status_code == 200, url
        assert body(response) == (media_root / url.removeprefix("/media/")).read_bytes()
        kind = "image/png" if url.endswith(".png") else "image/webp"
        assert response["Content-Type"] == kind
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == SANDBOX
        assert response["Cache-Control"] == "public, no-cache"
        assert response["ETag"] and response["Last-Modified"]
        assert "X-Accel-Redirect" not in response


def test_a_browser_that_has_the_image_gets_304(client, db):
    url = image_of().image.url
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, no-cache"
    assert again.content == b""
    since = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW])
def test_an_unpublished_gifts_image_and_renditions_are_404_to_visitors(client, db, status):
    image = image_of(status=status)
    for url in addresses(image):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "X-Accel-Redirect" not in response


def test_a_draft_looks_the_same_as_a_file_that_does_not_exist(client, db):
    draft = client.get(image_of(status=PublicationStatus.DRAFT).image.url)
    unknown = client.get("/media/gifts/IFE-9999/bowl.png")
    assert draft.status_code == unknown.status_code == 404
    assert draft.content == unknown.content


def test_staff_see_a_drafts_image_and_renditions_kept_private(client, db):
    image = image_of(status=PublicationStatus.DRAFT)
    client.force_login(UserFactory(username="registrar", is_staff=True))
    for url in addresses(image):
        response = client.get(url)
        assert response.status_code == 200, url
        assert body(response)
        assert response["Cache-Control"] == "private, no-cache"
        assert "Cookie" in response["Vary"]


def test_a_signed_in_visitor_who_is_not_staff_gets_404(client, db):
    image = image_of(status=PublicationStatus.DRAFT)
    client.force_login(UserFactory(username="member"))
    assert client.get(image.image.url).status_code == 404


def test_unpublishing_makes_the_image_and_renditions_404_again(client, db):
    image = image_of()
    urls = addresses(image)
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
    gift = image.gift
    gift.status = PublicationStatus.DRAFT
    gift.save()
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    gift.status = PublicationStatus.PUBLISHED
    gift.save()
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)


def test_a_file_no_image_refers_to_is_404_even_beside_a_published_one(client, db, media_root):
    image = image_of()
    (media_root / "gifts" / "IFE-7001" / "replaced.png").write_bytes(b"an older photograph")
    assert client.get(image.image.url).status_code == 200
    assert client.get("/media/gifts/IFE-7001/replaced.png").status_code == 404


def test_a_published_image_whose_file_is_gone_is_404(client, db, media_root):
    image = image_of()
    (media_root / image.image.name).unlink()
    assert client.get(image.image.url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/",
        "/media/gifts/",
        "/media/gifts/IFE-7001/",
        "/media/gifts/IFE-7001//bowl.png",
        "/media/gifts/IFE-7001/../IFE-7001/bowl.png",
        "/media/gifts/IFE-7001/%2e%2e/IFE-7001/bowl.png",
        "/media/gifts/../../museum/settings.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/gifts/IFE-7001/./bowl.png",
        "/media/gifts/IFE-7001/.htaccess",
        "/media/gifts/IFE-7001/bowl.png%00.txt",
        "/media/gifts/IFE-7001/bowl.png%5C..%5C..%5Csettings.py",
        "/media/gifts/IFE-7001/%0d%0aSet-Cookie:x=1",
        "/media//etc/passwd",
        "/media/gifts/IFE-7001/bowl.png/",
        "/media/gifts/IFE-7001/bowl.PNG",
        "/media/gifts/IFE-7001/" + "x" * 2000,
        "/media/gifts/%F0%9F%8E%81/bowl.png",
        "/media/gifts/IFE-7001/%ff.png",
    ],
)
def test_traversal_and_odd_paths_are_404_never_500(client, db, path):
    image_of()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/media/gifts/../../museum/settings.py", "/media/gifts/IFE-7001/.htaccess"]
)
def test_staff_cannot_climb_out_of_the_media_folder_either(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_a_link_out_of_the_media_folder_is_not_followed(admin_client, media_root, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    (media_root / "gifts").mkdir(parents=True)
    (media_root / "gifts" / "secret.png").symlink_to(secret)
    assert admin_client.get("/media/gifts/secret.png").status_code == 404


def test_only_reading_is_allowed(client, db):
    url = image_of().image.url
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


def test_in_production_nginx_sends_the_file(client, db, settings):
    settings.MEDIA_ACCEL_REDIRECT = True
    image = image_of()
    for url in addresses(image):
        response = client.get(url)
        assert response.status_code == 200
        name = url.removeprefix("/media/")
        assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
        assert response.content == b""
        # nginx keeps these two from Django's answer.
        assert response["Content-Type"] == ("image/png" if name.endswith(".png") else "image/webp")
        assert response["Cache-Control"] == "public, no-cache"
    image.gift.status = PublicationStatus.DRAFT
    image.gift.save()
    for url in addresses(image):
        response = client.get(url)
        assert response.status_code == 404
        assert "X-Accel-Redirect" not in response


def test_in_production_staff_get_a_drafts_image_from_nginx(admin_client, settings):
    settings.MEDIA_ACCEL_REDIRECT = True
    image = image_of(status=PublicationStatus.DRAFT)
    response = admin_client.get(image.image.url)
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.image.name}"
    assert response["Cache-Control"] == "private, no-cache"


def test_the_page_cache_never_keeps_media(client, db, settings, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    published = image_of()
    draft = image_of(status=PublicationStatus.DRAFT, accession_number="IFE-7002")
    for _ in range(2):
        with django_assert_num_queries(1):  # the check only: no collection version read
            served = client.get(published.image.url)
        assert served.status_code == 200
        assert "X-Cache" not in served
        refused = client.get(draft.image.url)
        assert refused.status_code == 404
        assert "X-Cache" not in refused


def test_the_admin_thumbnails_of_a_draft_load(admin_client):
    image = image_of(status=PublicationStatus.DRAFT)
    changelist = admin_client.get(reverse("admin:gifts_gift_changelist"), {"q": "IFE-7001"})
    page = changelist.content.decode()
    thumbnail = image.image.storage.url(image.renditions["widths"]["320"])
    shown = thumbnail if thumbnail in page else image.image.url
    assert f'src="{shown}"' in page
    assert admin_client.get(shown).status_code == 200
    change = admin_client.get(reverse("admin:gifts_gift_change", args=[image.gift.pk]))
    assert f'src="{image.image.url}"' in change.content.decode()
    assert admin_client.get(image.image.url).status_code == 200


# The run command (scripts/run.sh) as it serves: gunicorn from the project folder (so with
# gunicorn.conf.py), DEBUG off, development settings otherwise, after migrate and collectstatic.
SETUP = r"""
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from gifts.models import GiftImage
from desk.models import PublicationStatus
from tests.factories import GiftFactory
from tests.gifts.test_media import png
for number, status in [("IFE-7001", "published"), ("IFE-7002", "draft")]:
    gift = GiftFactory(accession_number=number, status=status)
    GiftImage.objects.create(gift=gift, image=png(), alt_text="A blue lacquered bowl")
"""


@pytest.fixture(scope="module")
def run_command_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run-command")
    steps = (
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        ["-c", SETUP],
    )
    with run_command_server(folder, steps) as origin:
        yield origin, folder / "media"


def test_the_run_commands_server_shows_a_published_image_and_hides_a_draft(run_command_site):
    origin, media = run_command_site
    status, _, page = fetch(f"{origin}/gifts/IFE-7001/")
    assert status == 200
    sources = re.findall(r'src="(/media/[^"]+)"', page.decode())
    assert sources == ["/media/gifts/IFE-7001/bowl.png"]
    srcset = re.search(r'srcset="([^"]+)"', page.decode()).group(1)
    rendition = srcset.split(", ")[0].split()[0]
    for url, kind in [(sources[0], "image/png"), (rendition, "image/webp")]:
        status, headers, data = fetch(origin + url)
        assert status == 200, url
        assert headers["Content-Type"] == kind
        assert data == (media / url.removeprefix("/media/")).read_bytes()
    status, _, _ = fetch(f"{origin}/media/gifts/IFE-7002/bowl.png")
    assert status == 404
