"""The benchmark's arithmetic and its peer's copy of the gifts (scripts/benchmark.py). Nothing here
is timed: the benchmark prints the figures, these check how it compares them and that Datasette is
asked what the listing is asked, of the same gifts."""

import importlib.util
import io
import json
import sqlite3
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from catalogue import index

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "benchmark.py"
spec = importlib.util.spec_from_file_location("benchmark", SCRIPT)
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


def row(rps, p50=10.0):
    return {"rps": rps, "p50": p50, "p99": p50 * 2, "errors": 0}


def test_each_row_is_a_ratio_to_the_ceiling_and_ours_to_the_best_peer():
    rows = benchmark.compare(
        {
            benchmark.CEILING: row(2000),
            "listing, 1-3 random filters": row(200),
            "gift detail": row(100),
            "peer: Datasette, 1-3 random filters": row(8),
            "peer: Django admin changelist, filtered": row(40),
        }
    )

    assert rows[benchmark.CEILING]["ratio_to_ceiling"] == 1
    assert rows["listing, 1-3 random filters"]["ratio_to_ceiling"] == 0.1
    assert rows["peer: Datasette, 1-3 random filters"]["ratio_to_ceiling"] == 0.004
    listing = rows["listing, 1-3 random filters"]
    assert listing["best_peer"] == "peer: Django admin changelist, filtered"
    assert listing["ratio_to_best_peer"] == 5
    assert "ratio_to_best_peer" not in rows["gift detail"]  # no peer answers it
    assert "ratio_to_best_peer" not in rows["peer: Datasette, 1-3 random filters"]


def test_a_row_whose_peers_were_not_measured_has_no_peer_ratio():
    rows = benchmark.compare({benchmark.CEILING: row(2000), "search, rare word": row(150)})

    assert "ratio_to_best_peer" not in rows["search, rare word"]


def test_without_a_ceiling_there_is_no_ratio_to_it():
    rows = benchmark.compare({"home": row(100)})

    assert rows["home"]["ratio_to_ceiling"] is None


def test_growth_is_the_larger_runs_p50_over_the_smaller_runs():
    smaller = {"listing, unfiltered": row(200, p50=40), "gift detail": row(100, p50=20)}
    larger = {"listing, unfiltered": row(80, p50=100), "statistics": row(5, p50=300)}

    assert benchmark.growth(smaller, larger) == {"listing, unfiltered": 2.5}


def test_each_database_grows_from_its_smallest_run():
    def run(database, size, p50):
        return {"database": database, "size": size, "scenarios": {"home": row(10, p50)}}

    results = [
        run("sqlite", 115_000, 40),
        run("postgres", 115_000, 50),
        run("sqlite", 1_000_000, 100),
        run("postgres", 1_000_000, 75),
    ]

    benchmark.grow(results)

    assert "growth" not in results[0]
    assert results[2]["growth"] == {"from_size": 115_000, "p50": {"home": 2.5}}
    assert results[3]["growth"] == {"from_size": 115_000, "p50": {"home": 1.5}}


def test_a_listing_address_becomes_the_same_question_to_datasette():
    labels = {"country": {"kp": "North Korea"}, "leader": {"kim-il-sung": "Kim Il Sung"}}

    path = benchmark.datasette_path(
        "/gifts/?q=silver&country=kp&leader=kim-il-sung&year_from=1980", labels
    )

    table, query = path.split("?")
    assert table == benchmark.PEER_TABLE
    params = parse_qsl(query)
    assert [value for key, value in params if key == "_facet"] == benchmark.PEER_FACETS
    assert ("_search", "silver") in params
    assert ("country__exact", "North Korea") in params
    assert ("leader__exact", "Kim Il Sung") in params
    assert ("year__gte", "1980") in params
    assert ("_size", "24") in params  # the listing's page


def test_a_listing_filter_datasette_cannot_ask_stops_the_benchmark():
    with pytest.raises(ValueError, match="sort"):
        benchmark.datasette_path("/gifts/?sort=title", {})


def test_every_scenario_datasette_repeats_is_one_of_ours_and_compared_to_it():
    plans = benchmark.scenarios(
        {
            "keys": {name: ["a"] for name in benchmark.PEER_FACETS},
            "donors": ["a"],
            "accessions": ["A-1"],
            "size": 115_000,
        },
        "admin/",
    )
    labels = {name: {"a": "A"} for name in benchmark.PEER_FACETS}

    peers = benchmark.datasette_scenarios(plans, labels)

    assert set(peers) == set(benchmark.DATASETTE_ROWS.values())
    for ours, peer in benchmark.DATASETTE_ROWS.items():
        assert peer in benchmark.COMPARED[ours]
        assert len(peers[peer]) == len(plans[ours][0])
    compared = {peer for peers in benchmark.COMPARED.values() for peer in peers}
    assert compared - set(benchmark.DATASETTE_ROWS.values()) <= set(plans)  # the admin's rows


def test_the_peers_copy_holds_what_the_listing_shows(collection, tmp_path, monkeypatch, capsys):
    copy = tmp_path / "peer.db"
    asked = {
        "path": str(copy),
        "facets": benchmark.PEER_FACETS,
        "searched": benchmark.PEER_SEARCHED,
    }
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(asked)))

    exec(benchmark.PEER_EXPORT, {})

    exported = json.loads(capsys.readouterr().out.split("RESULT", 1)[1])
    gifts = index.collection()
    assert exported["rows"] == gifts.size
    db = sqlite3.connect(copy)
    assert db.execute("select count(*) from gifts").fetchone()[0] == gifts.size
    # Each facet's counts in the copy are the listing's, option by option.
    for name in benchmark.PEER_FACETS:
        counted = dict(
            db.execute(
                f"select [{name}], count(*) from gifts where [{name}] is not null group by 1"
            )
        )
        labels = exported["labels"][name]
        assert counted == {labels[key]: n for key, n in gifts.counts(name).items()}, name
    # A listing's filtered address asks Datasette for the same gifts.
    country, count = max(gifts.counts("country").items(), key=lambda item: item[1])
    params = dict(
        parse_qsl(
            urlsplit(
                benchmark.datasette_path(f"/gifts/?country={country}", exported["labels"])
            ).query
        )
    )
    matched = db.execute(
        "select count(*) from gifts where country = ?", [params["country__exact"]]
    ).fetchone()[0]
    assert matched == count
    # Its search table is the one Datasette looks for (datasette.utils.detect_fts).
    assert db.execute(
        "select count(*) from sqlite_master where name = 'gifts_fts' "
        """and sql like '%VIRTUAL TABLE%USING FTS%content="gifts"%'"""
    ).fetchone()[0]
    assert db.execute("select count(*) from gifts_fts where gifts_fts match 'silver'").fetchone()[0]
    # It finds a gift by its donor's name, as the listing's search does.
    donor = db.execute("select donor from gifts where donor is not null limit 1").fetchone()[0]
    word = max(donor.split(), key=len)
    assert db.execute(
        "select count(*) from gifts_fts where gifts_fts match ?", [f'"{word}"']
    ).fetchone()[0]


WRK_REPORT = """Running 10s test @ http://127.0.0.1:8000
  2 threads and 8 connections
  Latency Distribution
     50%    4.86s
     75%    5.10s
     90%    5.40s
     99%    5.92s
  16 requests in 10.02s, 5.41MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:      1.60
Transfer/sec:    553.12KB
"""


def test_a_wrk_report_becomes_a_row_and_its_timeouts_count_as_errors():
    assert benchmark.parse_wrk(WRK_REPORT) == {
        "rps": 1.6,
        "p50": 4860,
        "p99": 5920,
        "errors": 5,
        "socket_errors": "connect 0, read 0, write 0, timeout 3",
    }


def test_a_wrk_report_without_one_answer_in_time_is_not_a_row():
    report = WRK_REPORT.replace("4.86s", "0.00us").replace("5.92s", "0.00us")

    with pytest.raises(RuntimeError, match="no answer"):
        benchmark.parse_wrk(report)


def test_deep_pages_are_pages_from_1500_to_4000_or_the_second_half_of_a_small_collection():
    def pages(size):
        probe = {
            "keys": {name: ["a"] for name in benchmark.PEER_FACETS},
            "donors": ["a"],
            "accessions": ["A-1"],
            "size": size,
        }
        urls, unique, _ = benchmark.scenarios(probe, "admin/")["listing, deep pages"]
        assert unique  # a fresh query string each time: no cache answers for the site
        return {int(url.split("page=")[1]) for url in urls}

    big = pages(115_000)  # 4,792 pages
    assert min(big) >= 1500 and max(big) <= 4000 and len(big) > 100
    small = pages(2_400)  # 100 pages
    assert min(small) >= 50 and max(small) <= 100
