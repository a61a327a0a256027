from itertools import zip_longest
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from catalogue import index
from exhibitions.models import Exhibition, Fact
from gifts.models import Gift, Leader
from operations.site import absolute_url
from pages import charts

# The museum's own figures shown on the home page, in this order; sources disagree on some, and
# every figure given is shown with who gives it.
HOME_FACT_TOPICS = ["Location", "Established", "Showrooms", "Items"]
FEATURED_COUNT = 6
HOME_CATEGORIES = 8
TOP_COUNTRIES = 15


def home(request):
    collection = index.collection()
    leader_counts = collection.counts("leader")
    leaders = list(Leader.objects.all())
    for leader in leaders:
        leader.gift_count = leader_counts.get(leader.slug, 0)
    categories = dimension_data(collection, "category")[:HOME_CATEGORIES]
    context = {
        "facts": museum_facts(),
        "leaders": leaders,
        "gift_count": collection.size,
        "country_count": len(collection.counts("country")),
        "donor_count": len(collection.counts("donor")),
        "showroom_count": len(collection.options("showroom")),
        "featured_gifts": featured_gifts(collection, [leader.slug for leader in leaders]),
        "exhibition": current_exhibition(),
        "categories": categories,
    }
    return render(request, "pages/home.html", context)


def museum_facts():
    """The home page's facts about the whole museum: [{topic, fact, others}], others disagreeing."""
    facts = (
        Fact.objects.public()
        .filter(building=None, topic__in=HOME_FACT_TOPICS)
        .select_related("source")
    )
    by_topic = {}
    for fact in facts:
        by_topic.setdefault(fact.topic, []).append(fact)
    return [
        {"topic": topic, "fact": by_topic[topic][0], "others": by_topic[topic][1:]}
        for topic in HOME_FACT_TOPICS
        if topic in by_topic
    ]


def featured_gifts(collection, leader_slugs, count=FEATURED_COUNT):
    """
    The newest gifts with confidence A, taken from each leader in turn so that all three
    generations show. The in-memory listing chooses them; one query reads them.
    """
    newest = [
        collection.select(
            index.Selection(filters={"leader": [slug], "confidence": [Gift.Confidence.A]})
        ).page_ids(1, count)
        for slug in leader_slugs
    ]
    ids = [gift_id for turn in zip_longest(*newest) for gift_id in turn if gift_id][:count]
    return collection.in_order(ids, Gift.objects.published().holdings().for_listing())


def current_exhibition():
    """The published exhibition open today that opened most recently, with its address."""
    today = timezone.localdate()
    exhibition = (
        Exhibition.objects.published()
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .first()
    )
    if exhibition is not None:
        # Exhibition pages are being built: use the model's address once it has one.
        get_url = getattr(exhibition, "get_absolute_url", None)
        exhibition.url = get_url() if get_url else f"/exhibitions/{exhibition.slug}/"
    return exhibition


def listing_url(**params):
    return f"{reverse('gifts:list')}?{urlencode(params)}"


def dimension_data(collection, name, *, by_count=True, zeros=False):
    """A listing dimension's counts as chart data, each linked to the listing it counts."""
    counts = collection.counts(name)
    data = [
        charts.Datum(option.label, counts.get(option.key, 0), listing_url(**{name: option.key}))
        for option in collection.options(name)
        if zeros or counts.get(option.key)
    ]
    if by_count:
        data.sort(key=lambda datum: (-datum.value, datum.label))
    return data


def statistics(request):
    collection = index.collection()
    leader_counts = collection.counts("leader")
    decades = collection.options("decade")
    series = []
    undated_count = 0
    for leader in collection.options("leader"):
        if not leader_counts.get(leader.key):
            continue
        counts = collection.counts("decade", leader=[leader.key])
        data = [
            charts.Datum(
                decade.label,
                counts.get(decade.key, 0),
                listing_url(leader=leader.key, year_from=decade.key, year_to=int(decade.key) + 9),
            )
            for decade in decades
        ]
        undated_count += leader_counts[leader.key] - sum(counts.values())
        series.append((leader.label, charts.trim(data)))

    countries = dimension_data(collection, "country")
    sanctions = collection.counts("sanctions")
    context = {
        "gift_count": collection.size,
        "undated_count": undated_count,
        "institution_count": collection.size - sum(leader_counts.values()),
        "unassessed_count": collection.size - sum(sanctions.values()),
        "country_count": len(countries),
        "top_countries": TOP_COUNTRIES,
        "by_leader_and_decade": charts.small_multiples(
            series,
            id="chart-leader-decade",
            title="Gifts by leader and decade",
            rows=[decade.label for decade in decades],
            label_heading="Decade",
        ),
        "by_continent": charts.bar_chart(
            dimension_data(collection, "continent", zeros=True),
            id="chart-continent",
            title="Gifts by the donor's continent",
            label_heading="Continent",
        ),
        "by_category": charts.bar_chart(
            dimension_data(collection, "category"),
            id="chart-category",
            title="Gifts by category",
            label_heading="Category",
        ),
        "by_country": charts.bar_chart(
            countries[:TOP_COUNTRIES],
            id="chart-country",
            title=f"The {TOP_COUNTRIES} countries that gave the most gifts",
            label_heading="Country",
        ),
        "by_confidence": charts.bar_chart(
            dimension_data(collection, "confidence", by_count=False, zeros=True),
            id="chart-confidence",
            title="Gifts by confidence mark",
            label_heading="Confidence",
        ),
        "by_sanctions": charts.bar_chart(
            dimension_data(collection, "sanctions", by_count=False, zeros=True),
            id="chart-sanctions",
            title="Gifts by sanctions assessment",
            label_heading="Assessment",
        ),
    }
    return render(request, "pages/statistics.html", context)


@require_safe
def robots_txt(request):
    # The admin is disallowed at its usual address only: naming a moved one would publish it.
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def favicon(request):
    """The site's icon, under its hashed name (asked for when it is the page's turn, not before
    collectstatic has written the names)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
