"""Cite this record: the sentence on a gift's page and the BibTeX, RIS and CSL-JSON downloads."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import GiftFactory


def today():
    return timezone.localdate()


def download(client, accession_number, fmt):
    return client.get(f"/gifts/{accession_number}/cite.{fmt}")


def test_a_gift_page_says_how_to_cite_it(client, collection):
    text = client.get("/gifts/IFE-0036/").content.decode()
    cite = text.split('id="cite-heading"')[1].split("</section>")[0]
    assert "http://127.0.0.1:8000/gifts/IFE-0036/" in cite
    assert "Accession number IFE-0036" in cite
    assert "Gift from Kim Dae-jung" in cite and "to Kim Jong Il, June 2000" in cite
    assert f"(accessed {today().day} {today():%B} {today().year})" in cite
    for fmt in ("bib", "ris", "csl"):
        assert f'href="/gifts/IFE-0036/cite.{fmt}" download' in cite


def test_bibtex_is_a_misc_entry_with_its_special_characters_escaped(client, db):
    gift = GiftFactory(title="Vase {50% gold} & silver #1 ~ C:\\path")
    response = download(client, gift.accession_number, "bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{gift.accession_number}.bib"'
    )
    text = response.content.decode()
    assert text.startswith(f"@misc{{{gift.accession_number},\n")
    assert r"title = {Vase \{50\% gold\} \& silver \#1 \~{} C:\textbackslash{}path}" in text
    assert f"urldate = {{{today().isoformat()}}}" in text
    assert f"url = {{http://127.0.0.1:8000/gifts/{gift.accession_number}/}}" in text
    assert text.count("{") == text.count("}")


def test_ris_keeps_every_value_on_its_own_tagged_line(client, db):
    gift = GiftFactory(title="Tea set\r\nER  - \r\nTY  - JOUR")
    response = download(client, gift.accession_number, "ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    lines = response.content.decode().split("\r\n")
    assert lines[0] == "TY  - ELEC"
    assert "TI  - Tea set ER - TY - JOUR" in lines
    assert f"AN  - {gift.accession_number}" in lines
    assert f"Y2  - {today():%Y/%m/%d}" in lines
    assert lines[-2:] == ["ER  - ", ""]
    assert sum(line.startswith("TY  -") for line in lines) == 1


def test_csl_json_is_what_reference_managers_read(client, collection):
    response = download(client, "IFE-0056", "csl")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    (item,) = json.loads(response.content)
    assert item["id"] == "IFE-0056"
    assert item["type"] == "webpage"
    assert item["URL"] == "http://127.0.0.1:8000/gifts/IFE-0056/"
    assert item["container-title"] == "Friendship Gifts"
    assert item["accessed"] == {"date-parts": [[today().year, today().month, today().day]]}
    assert "Vladimir Putin" in item["note"]


def test_a_gift_given_in_return_is_cited_the_right_way_round(client, collection):
    (item,) = json.loads(download(client, "IFE-0071", "csl").content)
    assert item["note"].startswith("Gift from Kim Jong Il to Kim Dae-jung")


def test_a_draft_cannot_be_cited_by_a_visitor(curator_client, db):
    draft = GiftFactory(status="draft")
    assert download(Client(), draft.accession_number, "bib").status_code == 404
    assert download(curator_client, draft.accession_number, "bib").status_code == 200


@pytest.mark.parametrize("fmt", ["pdf", "bibx", "BIB"])
def test_an_unknown_format_or_gift_is_404(client, collection, fmt):
    assert download(client, "IFE-0036", fmt).status_code == 404
    assert download(client, "NO-SUCH", "bib").status_code == 404


def test_a_citation_costs_one_query(client, collection, django_assert_num_queries):
    with django_assert_num_queries(1):
        download(client, "IFE-0036", "ris")
