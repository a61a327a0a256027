"""The web fonts in Chromium: a page with Korean names draws them with our Noto Sans KR, every
font comes from the site itself, and only the slices the page's text needs are downloaded."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_hangul_is_drawn_with_our_own_korean_font(live_server, collection, new_page, size):
    page = new_page(size)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + reverse("gifts:leaders"))
    page.evaluate("async () => { await document.fonts.ready; }")

    assert "김일성" in page.inner_text("main")
    loaded = page.evaluate(
        """() => [...document.fonts].filter(f => f.status === 'loaded')
                 .map(f => f.family.replace(/"/g, '') + ' ' + f.weight)"""
    )
    assert "Noto Sans KR 400" in loaded
    assert "Source Sans 3 400" in loaded
    assert "Source Serif 4 600" in loaded
    assert page.evaluate("""() => document.fonts.check('16px "Noto Sans KR"', '김일성')""")

    origin = urlsplit(live_server.url).netloc
    elsewhere = [url for url in requested if urlsplit(url).netloc not in ("", origin)]
    assert elsewhere == []
    fonts = page.evaluate(
        """() => performance.getEntriesByType('resource')
                 .filter(e => e.name.endsWith('.woff2')).map(e => e.name)"""
    )
    assert fonts and all(urlsplit(url).netloc == origin for url in fonts)
    assert any("/static/fonts/noto-sans-kr/" in url for url in fonts)
    # unicode-range at work: a few of Noto Sans KR's 240 slices, not all of them.
    assert len(fonts) < 20, fonts
