"""A gift's page says which building sources say holds its leader's gifts, naming the source, and
marks the room of the site's own plan as illustrative in the same line."""

import pytest

from exhibitions.models import Building
from gifts.models import Gift, Leader, Source


def where(client, accession_number):
    page = client.get(f"/gifts/{accession_number}/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<dd class="holding">')
    return html[start : html.index("</dd>", start)]


def test_a_leader_whose_building_is_sourced_names_it_with_the_source(client, collection):
    line = where(client, "IFE-0001")  # to Kim Il Sung
    assert "Sources say the gifts to Kim Il Sung are kept in the" in line
    assert "Kim Il Sung building</a>" in line
    assert "Asia Pacific Travel" in line
    assert "illustrative" in line  # in the same line as the room
    kji = Gift.objects.filter(leader__code="KJI", direction="received", showroom__isnull=False)
    line = where(client, kji.first().accession_number)
    assert "Kim Jong Il building</a>" in line and "Toonsarah" in line


def test_no_building_is_claimed_where_no_source_says_which(client, collection):
    gift = Gift.objects.filter(leader__code="KJU", direction="received").first()
    line = where(client, gift.accession_number)
    assert "do not say which building keeps the gifts to Kim Jong Un" in line
    assert "kept in the" not in line


def test_a_draft_building_or_source_is_not_claimed(client, collection):
    Source.objects.filter(key="APT").update(status="draft")
    assert "kept in the" not in where(client, "IFE-0001")
    Source.objects.filter(key="APT").update(status="published")
    Building.objects.filter(slug="kim-il-sung-building").update(status="draft")
    assert "kept in the" not in where(client, "IFE-0001")


def test_a_building_needs_its_source(collection):
    from django.core.exceptions import ValidationError

    leader = Leader.objects.get(code="KJU")
    leader.building = Building.objects.get(slug="kim-jong-il-building")
    with pytest.raises(ValidationError, match="source"):
        leader.clean()


def test_the_import_reports_a_holding_that_names_no_known_building(tmp_path, db):
    import shutil

    from django.conf import settings

    from gifts.importer import CollectionImporter, ImportFailed

    source = settings.BASE_DIR / "gifts" / "data" / "collection"
    data = tmp_path / "collection"
    shutil.copytree(source, data)
    (data / "holdings.csv").write_text(
        "leader,building,source\nKIS,nowhere,APT\nKJU,kim-jong-il-building,NOPE\n"
    )
    importer = CollectionImporter(data_dir=data)
    with pytest.raises(ImportFailed):
        importer.run()
    assert any("unknown building 'nowhere'" in error for error in importer.errors)
    assert any("unknown source 'NOPE'" in error for error in importer.errors)


def test_a_leaders_page_says_where_the_gifts_are_kept(client, collection):
    kis = client.get("/leaders/kim-il-sung/").content.decode()
    assert "Gifts kept in</dt>" in kis and "Kim Il Sung building</a>, as <cite>" in kis
    kju = client.get("/leaders/kim-jong-un/").content.decode()
    assert "the sources we hold do not say which building" in kju


def test_a_release_import_fills_a_building_an_older_release_did_not_have(collection):
    from gifts.importer import CollectionImporter

    Leader.objects.update(building=None, building_source=None)  # as before holdings.csv
    kji = Leader.objects.get(code="KJI")
    kji.building = Building.objects.get(slug="kim-il-sung-building")  # someone's own choice
    kji.building_source = Source.objects.get(key="BM07")
    kji.save()
    CollectionImporter(keep_edits=True).run()
    assert Leader.objects.get(code="KIS").building.slug == "kim-il-sung-building"
    assert Leader.objects.get(code="KIS").building_source.key == "APT"
    assert Leader.objects.get(code="KJI").building.slug == "kim-il-sung-building"  # kept
    assert Leader.objects.get(code="KJU").building is None


def test_a_gift_not_in_a_showroom_is_not_placed_in_a_building(client, collection):
    # The Jindo dogs live outside the exhibition: no sentence may put them in a building.
    line = where(client, "IFE-0036")
    assert "kept in the" not in line
    assert "In storage, or kept outside the exhibition." in line
