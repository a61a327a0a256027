"""The listing's addresses one change away (catalogue.panels.QueryString) are exactly the ones a
QueryDict would write, whatever the query holds: a visitor's shared link must not change."""

import re

import pytest
from django.http import QueryDict
from django.template import engines

from catalogue.panels import QueryString, pagination_html

QUERIES = [
    "",
    "leader=kim-il-sung",
    "country=china&country=russia&q=tea+set&sort=title",
    "q=a%26b%3Dc+%2B%C3%A9&category=ceramics&page=3&partial=1",
    "donor=x&q=%E6%AF%9B%E6%B3%BD%E4%B8%9C&donor=y&view=list&_n=12",
    "q=&year_from=1990&year_to=1999&on_display=true",
]


def expected(params, change):
    params = params.copy()
    params.pop("page", None)
    params.pop("partial", None)
    change(params)
    query = params.urlencode()
    return f"/gifts/?{query}" if query else "/gifts/"


@pytest.mark.parametrize("raw", QUERIES)
def test_every_address_is_what_querydict_writes(raw):
    params = QueryDict(raw)
    query = QueryString(params, "/gifts/")
    assert query.here == expected(params, lambda p: None)
    assert query.elsewhere("/gifts/options/donor/") == expected(params, lambda p: None).replace(
        "/gifts/", "/gifts/options/donor/", 1
    )
    for key in ("country", "q", "view", "new_key"):
        assert query.without(key) == expected(params, lambda p, k=key: p.pop(k, None))
        assert query.replace(**{key: "a b&c"}) == expected(
            params, lambda p, k=key: p.__setitem__(k, "a b&c")
        )
    assert query.without("country", value="china") == expected(
        params,
        lambda p: p.setlist("country", [v for v in p.getlist("country") if v != "china"]),
    )
    for key, value in (("country", "china"), ("country", "korea"), ("leader", "kim-il-sung")):
        values = params.getlist(key)
        wanted = [v for v in values if v != value] if value in values else [*values, value]
        assert query.toggle(key, value) == expected(
            params, lambda p, k=key, w=wanted: p.setlist(k, w)
        )
    assert query.hidden_fields("q") == [
        (key, value)
        for key, values in params.lists()
        if key not in ("q", "page", "partial")
        for value in values
    ]


@pytest.mark.parametrize("raw", [*QUERIES, "page=2&leader=kim-il-sung", "page=1&page=4&q=x"])
def test_page_links_are_what_the_querystring_tag_writes(rf, raw):
    request = rf.get(f"/gifts/?{raw}")
    tag = engines["django"].from_string("{% querystring page=number %}")
    links = re.findall(r'href="([^"]*)"', pagination_html(request.GET, 5, 12))
    # Previous, then 1 … 3 4 [5] 6 7 … 12, then next.
    numbers = [4, 1, 3, 4, 6, 7, 12, 6]
    assert links == [tag.render({"number": number}, request) for number in numbers]
