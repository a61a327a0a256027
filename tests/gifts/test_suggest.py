"""Suggestions while typing in a search box (/gifts/suggest/?q=): what a visitor is offered, where
each suggestion leads, what is never offered, and that no input is an error."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from desk.models import PublicationStatus
from donors.models import Donor
from gifts.models import Gift
from tests.factories import DonorFactory, GiftFactory, OccasionFactory

SUGGEST = "/gifts/suggest/"


def answer(client, q, **extra):
    response = client.get(SUGGEST, {"q": q}, **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def offered(client, q):
    """[(kind, label)] in the order shown."""
    return [
        (group["kind"], suggestion["label"])
        for group in answer(client, q)["groups"]
        for suggestion in group["suggestions"]
    ]


def suggestion(client, q, kind, label):
    for group in answer(client, q)["groups"]:
        for found in group["suggestions"]:
            if group["kind"] == kind and found["label"] == label:
                return found
    raise AssertionError(f"{kind} {label!r} not suggested for {q!r}: {offered(client, q)}")


def test_the_start_of_any_word_of_a_name_finds_it(client, collection):
    assert ("Donor", "François Mitterrand") in offered(client, "mitter")
    assert ("Donor", "François Mitterrand") in offered(client, "franc")
    # The middle of a word is not its start.
    assert ("Donor", "François Mitterrand") not in offered(client, "itterrand")


@pytest.mark.parametrize(
    ("typed", "kind", "label"),
    [
        ("FRANÇOIS", "Donor", "François Mitterrand"),
        ("francois mitt", "Donor", "François Mitterrand"),
        ("ceausescu", "Donor", "Nicolae Ceaușescu"),
        ("CEAUȘ", "Donor", "Nicolae Ceaușescu"),
        ("pham van d", "Donor", "Phạm Văn Đồng"),
    ],
)
def test_case_and_accents_do_not_matter(client, collection, typed, kind, label):
    assert (kind, label) in offered(client, typed)


def test_a_donor_is_found_by_its_name_in_the_original_script_and_shown_with_it(client, collection):
    putin = suggestion(client, "Путин", "Donor", "Vladimir Putin")
    assert (putin["detail"], putin["lang"]) == ("Владимир Путин", "ru")
    assert ("Donor", "Vladimir Putin") in offered(client, "влад")


def test_several_words_each_match_the_start_of_a_word(client, collection):
    leaders = [label for kind, label in offered(client, "kim j") if kind == "Leader"]
    assert sorted(leaders) == ["Kim Jong Il", "Kim Jong Un"]
    leaders = [label for kind, label in offered(client, "kim") if kind == "Leader"]
    assert sorted(leaders) == ["Kim Il Sung", "Kim Jong Il", "Kim Jong Un"]
    assert offered(client, "kim jong u")[0] == ("Leader", "Kim Jong Un")


@pytest.mark.parametrize(
    ("typed", "leader"),
    [("김정일", "Kim Jong Il"), ("金日成", "Kim Il Sung"), ("gim il-seong", "Kim Il Sung")],
)
def test_a_leader_is_found_by_any_spelling_of_the_name(client, collection, typed, leader):
    assert ("Leader", leader) in offered(client, typed)


def test_countries_and_occasions_are_suggested(client, collection):
    assert ("Country", "Russia") in offered(client, "rus")
    occasion = Gift.objects.published().exclude(occasion=None).first().occasion
    word = occasion.name.split()[-1][:5]
    assert ("Occasion", occasion.name) in offered(client, f"{occasion.name.split()[0]} {word}")


def test_each_option_says_how_many_gifts_it_leads_to_and_leads_there(client, collection):
    for q in ("kim", "rus", "mitter", "Путин", "china"):
        for group in answer(client, q)["groups"]:
            for found in group["suggestions"]:
                page = client.get(found["url"])
                assert page.status_code == 200, found
                if group["kind"] != "Gift":
                    assert found["url"].startswith("/gifts/?")
                    assert page.context["result"].count == found["count"] > 0, found


def test_an_option_leads_to_the_listing_filtered_by_it(client, collection):
    putin = suggestion(client, "putin", "Donor", "Vladimir Putin")
    slug = Donor.objects.get(name="Vladimir Putin").slug
    assert putin["url"] == f"/gifts/?donor={slug}"
    assert putin["count"] == Gift.objects.published().holdings().filter(donor__slug=slug).count()
    russia = suggestion(client, "russ", "Country", "Russia")
    assert russia["url"] == "/gifts/?country=RUS"
    leader = suggestion(client, "kim jong u", "Leader", "Kim Jong Un")
    assert leader["url"] == "/gifts/?leader=kim-jong-un"


def test_a_gift_title_leads_to_the_gift_and_a_shared_title_to_its_gifts(client, collection):
    bear = suggestion(client, "stuffed head", "Gift", "Stuffed head of a bear shot by the donor")
    assert bear["url"] == "/gifts/IFE-0004/"
    assert "Stuffed head of a bear" in client.get(bear["url"]).content.decode()
    assert bear["detail"] == "IFE-0004"
    # Two gifts are called "Ceramic vase": one suggestion, for both.
    vases = suggestion(client, "ceramic va", "Gift", "Ceramic vase")
    assert vases["count"] == 2
    assert vases["url"] == "/gifts/?q=Ceramic+vase"
    found = client.get(vases["url"]).context["result"]
    assert {"IFE-0031", "IFE-0041"} <= {
        gift.accession_number for gift in Gift.objects.filter(id__in=found.all_ids())
    }


def test_at_most_eight_suggestions_and_every_kind_found_gets_a_place(client, collection):
    data = answer(client, "kim")
    shown = [s for group in data["groups"] for s in group["suggestions"]]
    assert data["count"] == len(shown) <= 8
    kinds = [group["kind"] for group in data["groups"]]
    assert kinds[0] == "Leader" and "Gift" in kinds
    assert kinds == sorted(kinds, key=["Leader", "Country", "Donor", "Occasion", "Gift"].index)
    assert [group["heading"] for group in data["groups"]][0] == "Leaders"


def test_the_option_with_most_gifts_comes_first(client, db):
    few = DonorFactory(name="Albertine Few")
    many = DonorFactory(name="Albert Many")
    GiftFactory(donor=few)
    GiftFactory.create_batch(3, donor=many)
    (group,) = answer(client, "albert")["groups"]
    donors = [(found["label"], found["count"]) for found in group["suggestions"]]
    assert donors == [("Albert Many", 3), ("Albertine Few", 1)]


def test_drafts_are_never_suggested(client, db):
    GiftFactory(title="Published lacquer box", donor=DonorFactory(name="Zebulon Shown"))
    # A draft donor with a draft gift; a published donor whose only gift is a draft; a draft gift
    # of a published donor; a draft occasion.
    GiftFactory(
        title="Secret lacquer owl",
        donor=DonorFactory(name="Zebulon Hidden", status=PublicationStatus.DRAFT),
        status=PublicationStatus.DRAFT,
    )
    GiftFactory(donor=DonorFactory(name="Zebulon Waiting"), status=PublicationStatus.REVIEW)
    GiftFactory(
        occasion=OccasionFactory(name="Zebulon's draft visit", status=PublicationStatus.DRAFT),
        status=PublicationStatus.DRAFT,
    )
    assert offered(client, "zebulon") == [("Donor", "Zebulon Shown")]
    assert offered(client, "lacquer") == [("Gift", "Published lacquer box")]
    assert offered(client, "secret") == []


def test_an_unpublished_gift_and_its_donor_stop_being_suggested_at_once(client, db):
    gift = GiftFactory(title="Malachite casket", donor=DonorFactory(name="Ottoline Malachova"))
    assert offered(client, "mala") == [
        ("Donor", "Ottoline Malachova"),
        ("Gift", "Malachite casket"),
    ]
    gift.status = PublicationStatus.DRAFT
    gift.save()
    assert offered(client, "mala") == []


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "q=",
        "q=%20%20%20",
        "q=!!!%3F%3F...",
        "q=%00%01%1B",
        "q=%FF%FE",
        "q=%ED%A0%80",
        "q=" + "x" * 10_000,
        "q=" + quote("😀" * 2_500),
        "q=%3Cscript%3Ealert(1)%3C/script%3E",
        "q=%27%3B%20DROP%20TABLE%20gifts_gift%3B%20--",
        "q=*&q=%25",
        "q[]=kim",
    ],
)
def test_input_with_nothing_to_find_answers_an_empty_list(client, collection, raw):
    response = client.generic("GET", SUGGEST, QUERY_STRING=raw)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "groups": []}


def test_a_long_query_is_cut_rather_than_refused(client, collection):
    # What lies past the first 100 characters is not read.
    assert ("Donor", "Vladimir Putin") in offered(client, "putin" + " " * 5_000 + "zzzz")
    assert ("Donor", "Vladimir Putin") in offered(client, "\x00putin\x1b")


def test_only_get_and_head_are_answered(client, collection):
    assert client.post(SUGGEST, {"q": "kim"}).status_code == 405
    assert client.head(SUGGEST, {"q": "kim"}).status_code == 200


@pytest.mark.parametrize("extra_gifts", [0, 300])
def test_a_suggestion_costs_one_query_whatever_the_collection_size(
    client, collection, django_assert_num_queries, extra_gifts
):
    """The one query is the collection version (whether the index is current); the names are in
    memory. At 300 more gifts, as at 72, for a query asked before and a new one."""
    if extra_gifts:
        GiftFactory.create_batch(extra_gifts, title="Kimono of silk")
    client.get(SUGGEST, {"q": "warm"})  # the first suggestion in a version builds the names
    for q in ("kim", "kim", "putin", "silk ki", "s"):
        with django_assert_num_queries(1):
            assert client.get(SUGGEST, {"q": q}).status_code == 200


def test_browsers_ask_again_and_robots_are_told_not_to_index(client, collection):
    response = client.get(SUGGEST, {"q": "kim"})
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Robots-Tag"] == "noindex"


def test_the_page_cache_keeps_an_answer_only_until_the_collection_changes(client, db, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    gift = GiftFactory(title="Jade tortoise")
    first = client.get(SUGGEST, {"q": "jade"})
    again = client.get(SUGGEST, {"q": "jade"})
    assert (first["X-Cache"], again["X-Cache"]) == ("miss", "hit")
    assert again.json() == first.json() and first.json()["count"] == 1
    assert client.get(SUGGEST, {"q": "jade"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    gift.status = PublicationStatus.DRAFT
    gift.save()
    assert client.get(SUGGEST, {"q": "jade"}).json() == {"count": 0, "groups": []}


@pytest.mark.parametrize(
    ("path", "box"),
    [("/", "site-search-q"), ("/gifts/", "listing-q"), ("/no-such-page/", "not-found-q")],
)
def test_every_search_box_offers_suggestions(client, collection, path, box):
    page = client.get(path).content.decode()
    suggest = reverse("gifts:suggest")
    assert f'id="{box}"' in page
    tag = page[page.index(f'id="{box}"') :].split(">", 1)[0]
    assert f'data-suggest="{suggest}"' in tag
    assert 'js/suggest.js" defer></script>' in page
    assert 'data-suggest="' in page.split('id="site-search-q"', 1)[1].split(">", 1)[0]
