"""{% kept %}: the page skeleton's unchanging pieces, rendered once and kept per process."""

import re

import pytest
from django.template import TemplateSyntaxError, engines
from django.test import override_settings

from operations.templatetags.kept import nav_section


def render(source, context=None):
    return engines["django"].from_string("{% load kept %}" + source).render(context or {})


def test_a_piece_is_rendered_once_for_each_of_its_values():
    template = engines["django"].from_string(
        "{% load kept %}{% kept part %}{{ part }} {{ n }}{% endkept %}"
    )
    assert template.render({"part": "a", "n": 1}) == "a 1"
    assert template.render({"part": "a", "n": 2}) == "a 1"  # kept: what it says never changes
    assert template.render({"part": "b", "n": 3}) == "b 3"


def test_a_block_cannot_be_kept():
    # A child template's version of the block would be kept for every page.
    with pytest.raises(TemplateSyntaxError):
        render("{% kept %}{% block title %}{% endblock %}{% endkept %}")


def test_a_setting_change_forgets_what_was_kept():
    template = engines["django"].from_string(
        "{% load kept static %}{% kept %}{% static 'x.css' %}{% endkept %}"
    )
    with override_settings(STATIC_URL="/one/"):
        assert template.render({}) == "/one/x.css"
    with override_settings(STATIC_URL="/two/"):
        assert template.render({}) == "/two/x.css"


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", ""),
        ("/gifts/", "/gifts/"),
        ("/gifts/IFE-0001/", "/gifts/"),
        ("/gifts", ""),
        ("/showrooms/kis-1-01/", "/showrooms/"),
        ("", ""),
    ],
)
def test_the_navigation_is_kept_for_the_first_part_of_the_path(path, section):
    assert nav_section(path) == section


def current_link(client, path):
    page = client.get(path).content.decode()
    nav = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
    return re.findall(r'<a href="([^"]*)" aria-current="page">', nav)


@pytest.mark.django_db
def test_each_section_marks_its_own_link_however_often_the_pages_are_seen(client):
    for _ in range(2):
        assert current_link(client, "/gifts/") == ["/gifts/"]
        assert current_link(client, "/statistics/") == ["/statistics/"]
        assert current_link(client, "/visit/") == ["/visit/"]
        assert current_link(client, "/") == []
        assert current_link(client, "/no-such-page/") == []
