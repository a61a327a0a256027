import csv
import io
import json

from tests.helpers import listed


def body(response):
    return b"".join(response.streaming_content).decode()


def test_csv_export_has_the_listings_results_in_its_order(client, collection):
    response = client.get("/gifts/export.csv", {"country": "USA", "sort": "date"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(response))))
    listing = client.get("/gifts/", {"country": "USA", "sort": "date"})
    assert [r["accession_number"] for r in rows] == [g.accession_number for g in listed(listing)]
    assert rows[0]["country"] == "United States"
    assert rows[0]["url"].startswith("http://127.0.0.1:8000/gifts/IFE-")


def test_json_export_is_a_list_of_records(client, collection):
    response = client.get("/gifts/export.json", {"q": "aurus"})
    assert response["Content-Type"] == "application/json"
    records = json.loads(body(response))
    assert {r["accession_number"] for r in records} == {"IFE-0064", "IFE-0065"}
    assert records[0]["donor"] == "Vladimir Putin"


def test_the_whole_collection_exports_in_chunks(client, collection):
    records = json.loads(body(client.get("/gifts/export.json")))
    assert len(records) == 69


def test_an_empty_export_is_still_valid(client, collection):
    assert json.loads(body(client.get("/gifts/export.json", {"q": "zeppelin"}))) == []
    assert body(client.get("/gifts/export.csv", {"q": "zeppelin"})).count("\n") == 1


def test_bad_filters_are_refused_with_the_reason(client, collection):
    response = client.get("/gifts/export.csv", {"country": "ATLANTIS"})
    assert response.status_code == 400
    assert "ATLANTIS" in response.content.decode()
