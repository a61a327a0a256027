def test_the_leaders_page_lists_three_generations(client, collection):
    response = client.get("/leaders/")
    assert response.status_code == 200
    text = response.content.decode()
    assert [leader.name for leader, _ in response.context["rows"]] == [
        "Kim Il Sung",
        "Kim Jong Il",
        "Kim Jong Un",
    ]
    assert [count for _, count in response.context["rows"]] == [29, 17, 22]
    assert '<span lang="ko">김정은</span>' in text


def test_a_leaders_page_has_biography_counts_decades_and_countries(client, collection):
    response = client.get("/leaders/kim-jong-il/")
    assert response.status_code == 200
    text = response.content.decode()
    assert response.context["gift_count"] == 17
    assert "official biography gives 1942" in text
    decades = {bar.label: bar.value for bar in response.context["decade_chart"]["bars"]}
    assert decades["2000s"] == 11
    assert "/gifts/?leader=kim-jong-il&amp;year_from=2000&amp;year_to=2009" in text
    countries = [(bar.label, bar.value) for bar in response.context["country_chart"]["bars"]]
    assert countries[0] == ("South Korea", 6)
    assert 'href="/gifts/?leader=kim-jong-il"' in text


def test_an_unknown_leader_is_404(client, collection):
    assert client.get("/leaders/kim-jong-nam/").status_code == 404


def test_leader_pages_run_a_fixed_number_of_queries(client, collection, django_assert_num_queries):
    client.get("/leaders/")
    with django_assert_num_queries(2):
        client.get("/leaders/")
    with django_assert_num_queries(3):
        client.get("/leaders/kim-il-sung/")


def test_the_occasions_timeline_goes_a_decade_at_a_time(client, collection):
    response = client.get("/occasions/")
    assert response.status_code == 200
    assert response.context["decade"] == 2020
    names = [occasion.name for occasion, _ in response.context["rows"]]
    assert names[0] == "Visit to Primorye, September 2023"  # known to the month: 1 September
    assert names[-1] == "Delivered by the Minister of Natural Resources, Alexander Kozlov"
    dated = client.get("/occasions/", {"decade": 2000})
    rows = {occasion.name: count for occasion, count in dated.context["rows"]}
    assert rows["First inter-Korean summit, June 2000"] == 3
    text = dated.content.decode()
    assert 'href="/gifts/?occasion=first-inter-korean-summit-june-2000"' in text
    assert "Pyongyang" in text


def test_occasions_without_a_date_have_their_own_page(client, collection):
    response = client.get("/occasions/", {"decade": "unknown"})
    assert response.status_code == 200


def test_a_decade_without_occasions_is_404(client, collection):
    assert client.get("/occasions/", {"decade": "1850"}).status_code == 404
    assert client.get("/occasions/", {"decade": "abc"}).status_code == 404


def test_the_timeline_runs_a_fixed_number_of_queries(client, collection, django_assert_num_queries):
    client.get("/occasions/")
    with django_assert_num_queries(3):
        client.get("/occasions/", {"decade": 2000})


SUMMIT = "/occasions/first-inter-korean-summit-june-2000/"


def test_an_occasion_has_its_own_page_with_gifts_both_ways(client, collection):
    response = client.get(SUMMIT)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>First inter-Korean summit, June 2000</h1>" in text
    assert "Pyongyang" in text
    assert response.context["received_count"] == 3
    assert response.context["to_leaders"] == [("Kim Jong Il", 3)]
    assert text.count('class="card"') == 3
    # What the leader gave in return: not held, but part of what happened.
    assert [gift.title for gift in response.context["given"]] == ["Two Pungsan dogs"]
    given = text.split('id="given-heading"')[1]
    assert "Two Pungsan dogs</a>, from Kim Jong Il to Kim Dae-jung" in given
    assert 'href="/gifts/IFE-0036/"' in given  # in return for
    assert 'href="/gifts/?occasion=first-inter-korean-summit-june-2000"' in text
    assert 'href="/occasions/?decade=2000">← Occasions' in text


def test_the_timeline_and_a_gift_link_to_the_occasions_page(client, collection):
    assert f'href="{SUMMIT}"' in client.get("/occasions/", {"decade": 2000}).content.decode()
    assert f'href="{SUMMIT}"' in client.get("/gifts/IFE-0036/").content.decode()
    assert SUMMIT.encode() in client.get("/sitemap-occasions.xml").content


def test_an_unknown_or_unpublished_occasion_is_404(client, collection):
    from gifts.models import Occasion

    assert client.get("/occasions/no-such-summit/").status_code == 404
    Occasion.objects.filter(slug="first-inter-korean-summit-june-2000").update(status="review")
    assert client.get(SUMMIT).status_code == 404


def test_an_occasions_page_runs_a_fixed_number_of_queries(
    client, collection, django_assert_num_queries
):
    client.get(SUMMIT)
    # The collection version, the occasion, its given gifts and their answers.
    with django_assert_num_queries(4):
        client.get(SUMMIT)
