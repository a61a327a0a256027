import datetime
import zlib
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, IntegerField, Prefetch
from django.db.models.functions import Cast, ExtractYear
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from catalogue import index, panels
from catalogue.facets import FACET
from catalogue.forms import ListingForm
from catalogue.numbers import whole_number
from catalogue.paging import NoSuchPage, NotANumber, page_number, page_of
from desk.models import CollectionState, PublicationStatus
from donors.models import Country
from exhibitions.models import Showroom
from gifts import cite, marks, social
from gifts.models import Category, Citation, Gift, Leader, Occasion
from operations.site import absolute_url, json_for_script
from pages import charts

PER_PAGE = 24


def requested_page(request):
    """The page number in the query string; 404 for one that is not a page."""
    try:
        number = page_number(request.GET.get("page", "1"))
    except NotANumber as error:
        raise Http404("There is no such page.") from error
    if number < 1:
        raise Http404("There is no such page.")
    return number


def refused(view, context, form, query):
    """The 400 page for a listing's query string with values that are not options: each named
    with its reason, and a link that drops them (templates/includes/listing_errors.html)."""
    context["errors"] = [
        (form.fields[name].label or name, error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    context["clear_url"] = query.without(*form.errors)
    return view.render_to_response(context, status=400)


class GiftListView(TemplateView):
    """
    The published holdings, filtered, searched, sorted and counted by catalogue.index. A value in
    the query string that does not exist answers 400 with the reason and no results, never a
    silently different list.
    """

    template_name = "gifts/gift_list.html"

    def get(self, request, *args, **kwargs):
        collection = index.collection()
        form = ListingForm(request.GET, collection=collection)
        query = panels.QueryString(request.GET, request.path)
        number = requested_page(request)
        context = {
            "filter": form,
            "query": query,
            "search_text": request.GET.get("q", "")[:200],
            "hidden_for_search": panels.hidden_inputs(query.hidden_fields("q", "sort")),
            "hidden_for_sort": panels.hidden_inputs(query.hidden_fields("sort")),
            "filtered": bool(query.params),
        }
        if not form.is_valid():
            return refused(self, context, form, query)

        selection = form.selection()
        result = collection.select(selection)
        try:
            page = page_of(result, number, PER_PAGE)
        except NoSuchPage as error:
            raise Http404("There is no such page.") from error
        ids = page.object_list
        last_page = page.paginator.num_pages
        search_text = form.cleaned_data.get("q") or ""
        view = form.cleaned_data.get("view") or "grid"
        chips = panels.chips(collection, query, selection, search_text)
        facet_panels, panels_html = panels.kept_panels(result, query, selection)
        context.update(
            result=result,
            selection=selection,
            search_text=search_text,
            page_ids=ids,
            view=view,
            other_view_url=query.without("view") if view == "list" else query.replace(view="list"),
            cards=collection.cards_html(ids, query.encoded, view),
            title=panels.describe(collection, selection, chips),
            panels=facet_panels,
            panels_html=panels_html,
            chips=chips,
            widening=[]
            if result.count
            else panels.widening(result, collection, query, selection, search_text),
            respellings=panels.respellings(result, form, query, search_text)
            if search_text and not result.count
            else [],
            page=number,
            last_page=last_page,
            pagination_html=panels.pagination_html(request.GET, number, last_page),
            first_shown=(number - 1) * PER_PAGE + 1,
            last_shown=min(number * PER_PAGE, result.count),
            listing_context=query.encoded,
            sort=selection.sort,
            sort_options=panels.sort_options_html(index.SORTS, selection.sort, search_text),
        )
        return self.render_to_response(context)


class FacetOptionsView(TemplateView):
    """
    Every option of one filter for the listing's current choices (a long panel's "Show all"):
    most gifts first, a page at a time, with a box to find one by name. The listing shows only
    the top options of a long panel, so that its page stays small with 10,000 donors.
    """

    template_name = "gifts/facet_options.html"
    per_page = 100

    def get(self, request, key):
        facet = FACET.get(key)
        if facet is None:
            raise Http404("There is no such filter.")
        params = request.GET.copy()
        # A name to find: control characters (a NUL) dropped rather than echoed into the page.
        find = "".join(c for c in (params.pop("find", None) or [""])[-1][:100] if c.isprintable())
        number = requested_page(request)
        collection = index.collection()
        form = ListingForm(params, collection=collection)
        query = panels.QueryString(params, reverse("gifts:list"))
        context = {
            "facet": facet,
            "find": find,
            "back_url": query.here,
            "every_url": query.elsewhere(request.path),
            "hidden_for_find": query.hidden_fields(),
            "filtered": bool(query.params),
        }
        if not form.is_valid():
            return refused(self, context, form, query)
        selection = form.selection()
        result = collection.select(selection)
        choices = panels.every_option(result, query, selection, key, find)
        try:
            page = page_of(choices, number, self.per_page)
        except NoSuchPage as error:
            raise Http404("There is no such page.") from error
        context.update(result=result, page_obj=page, choices=page.object_list)
        return self.render_to_response(context)


@require_safe
def suggest(request):
    """
    Suggestions while typing in a search box (static/js/suggest.js): up to eight leaders,
    countries, donors, occasions and gift titles with a word starting with each word of ``q``,
    grouped by kind, each with its count of gifts and where it leads, as JSON (catalogue.suggest).
    Anything in ``q`` that is not a word finds nothing, never an error.

    The answer is the same for every visitor until the collection changes, so the page cache
    keeps it like a page, under the collection version and the address (operations.cache): an
    edit that unpublishes a donor is never answered from an old copy. Browsers ask again each
    time (no-cache), with the page's ETag, so a repeated query is a 304.
    """
    response = JsonResponse(index.collection().suggest(request.GET.get("q", "")))
    response["Cache-Control"] = "no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


class KeptPage(NamedTuple):
    """A visitor's gift page as rendered once per collection version, with its slots: deflated,
    as the page cache keeps pages (a third of the size, 0.02 ms to inflate)."""

    gift_id: int
    deflated: bytes


# Where a visitor's page differs by request: the robots meta and the previous/next links of the
# listing they came from (?in=). An HTML comment can only come from the template: every value
# from the record is escaped, so no title or description can forge one.
ROBOTS_SLOT = "<!--gift-page:robots-->"
NEIGHBOURS_SLOT = "<!--gift-page:neighbours-->"
NOINDEX = mark_safe('<meta name="robots" content="noindex">')


class GiftDetailView(DetailView):
    """
    A gift's record. Signed-in staff may preview drafts; visitors get a 404 for them.

    A visitor's page is the same for every request until the collection changes, but for the
    listing they came from (?in=), so it is rendered once per collection version and kept with
    it (catalogue.index), with the parts that depend on ?in= filled in per request: a page seen
    before costs no query beyond the version's. Every edit moves the version on (desk.renewal),
    so the next visit shows it; staff pages (drafts, previews) are rendered every time and never
    kept. Absolute URLs come from SITE_URL (operations.site), never from the request's Host.
    A page is kept for a day at most: its citation says when the record was consulted.
    """

    template_name = "gifts/gift_detail.html"
    slug_field = "accession_number"
    slug_url_kwarg = "accession_number"
    context_object_name = "gift"

    def get(self, request, *args, **kwargs):
        listing_context = request.GET.get("in", "")
        if request.user.is_staff:
            self.object = gift = self.get_object()
            robots = (
                NOINDEX if gift.status != PublicationStatus.PUBLISHED or listing_context else ""
            )
            context = self.get_context_data(
                object=gift, robots=robots, neighbours=self.neighbours_html(gift.pk)
            )
            return self.render_to_response(context)
        collection = index.collection()
        # The day too: "Cite this record" gives today's date as the date the record was consulted.
        key = ("gift", kwargs[self.slug_url_kwarg], settings.SITE_URL, timezone.localdate())
        if CollectionState.answered_behind():
            # The version held is older than the database's while the new one is built: a page
            # kept with it could show a gift unpublished since. Made afresh from the database.
            page = self.kept_page()
        else:
            page = collection.kept_page(key, self.kept_page)
        html = zlib.decompress(page.deflated).replace(
            ROBOTS_SLOT.encode(), NOINDEX.encode() if listing_context else b""
        )
        html = html.replace(NEIGHBOURS_SLOT.encode(), self.neighbours_html(page.gift_id).encode())
        return HttpResponse(html)

    def kept_page(self):
        """The visitor's page of the gift with its per-request slots; 404 for a draft."""
        self.object = gift = self.get_object()
        context = self.get_context_data(
            object=gift, robots=mark_safe(ROBOTS_SLOT), neighbours=mark_safe(NEIGHBOURS_SLOT)
        )
        html = render_to_string(self.template_name, context, self.request)
        return KeptPage(gift.pk, zlib.compress(html.encode(), 1))

    def neighbours_html(self, gift_id):
        """The links to the previous and next gift of the listing the visitor came from."""
        before, after = self.neighbours(index.collection(), gift_id)
        ends = [i for i in (before, after) if i]
        if not ends:
            return ""
        titles = Gift.objects.only("accession_number", "title").in_bulk(ends)
        return render_to_string(
            "gifts/gift_neighbours.html",
            {
                "previous_gift": titles.get(before),
                "next_gift": titles.get(after),
                "listing_context": self.request.GET.get("in", ""),
            },
        )

    def get_queryset(self):
        # The leader, countries, category and showroom come from per-version lookups
        # (get_object): joined here, they made this query cost more than the rest of the page.
        gifts = Gift.objects.select_related("donor", "occasion")
        # Without an order: sorting by accession number made SQLite walk that index over every
        # gift instead of looking the few answers up (31 ms at 115,000 gifts).
        answers = Gift.objects.order_by().only("accession_number", "title", "reciprocal_of")
        citations = Citation.objects.select_related("source")
        if not self.request.user.is_staff:
            # A visitor sees no trace of a draft: not the gift given in return, nor a source
            # still waiting for review.
            answers = answers.published()
            citations = citations.filter(source__status=PublicationStatus.PUBLISHED)
            gifts = gifts.published()
        return gifts.prefetch_related(
            Prefetch("answered_by", queryset=answers),
            Prefetch("citations", queryset=citations),
        )

    def get_object(self, queryset=None):
        gift = super().get_object(queryset)
        collection = index.collection()
        for field in CONTROLLED:
            record = controlled(collection, field).get(getattr(gift, f"{field}_id"))
            if record is not None:  # one made since this version was read is simply queried
                setattr(gift, field, record)
        if gift.reciprocal_of_id:
            # Its title alone, and only for the few gifts that answer another: joined, the whole
            # record of the other gift made every page's query a third dearer.
            gift.reciprocal_of = Gift.objects.only("accession_number", "title", "status").get(
                pk=gift.reciprocal_of_id
            )
        if not self.request.user.is_staff:
            # The records a published gift points at are reviewed with it (desk.workflow),
            # but one unpublished later must not show through this page.
            published = PublicationStatus.PUBLISHED
            if gift.reciprocal_of_id and gift.reciprocal_of.status != published:
                gift.reciprocal_of = None
            room = gift.showroom
            if room is not None and {room.status, room.building.status} != {published}:
                gift.showroom = None
            if gift.occasion_id and gift.occasion.status != published:
                gift.occasion = None
        return gift

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        gift = self.object
        collection = index.collection()
        # Also given at the occasion, more from the donor, from the country (the page's order):
        # no gift twice on the page, so a section that would only repeat another is left out.
        related, seen = {}, {gift.pk}
        for key in ("occasion", "donor", "country"):
            fresh = [i for i in collection.related(key, gift.pk, 4 + len(seen)) if i not in seen]
            related[key] = fresh[:4]
            seen.update(related[key])
        # The listing's index knows which holdings have photographs: most have none, and asking
        # cost a query. The resolutions are shown only for a gift with a sanctions note.
        images = [] if collection.flag("has_image", gift.pk) is False else list(gift.images.all())
        resolutions = list(gift.resolutions.all()) if gift.sanctions else []
        share_image = absolute_url(share_image_url(gift))
        collection.cards_html([i for ids in related.values() for i in ids])  # one query
        context.update(
            images=images,
            first_image=images[0] if images else None,
            resolutions=resolutions,
            mark_url=marks.mark_url(gift.category.slug),
            share_image=share_image,  # the og:image of a gift without a photograph
            # Cards come from the collection's card cache: rendered once per version.
            related_by_donor=collection.cards_html(related["donor"]),
            related_by_occasion=collection.cards_html(related["occasion"]),
            related_by_country=collection.cards_html(related["country"]),
            canonical_url=absolute_url(gift.get_absolute_url()),
            citation=cite.sentence(cite.reference(gift)),
            cite_formats=[
                (label, reverse("gifts:cite", args=[gift.accession_number, fmt]))
                for fmt, label in (("bib", "BibTeX"), ("ris", "RIS"), ("csl", "CSL-JSON"))
            ],
            json_ld=json_for_script(self.json_ld(gift, images, share_image)),
        )
        return context

    def neighbours(self, collection, gift_id):
        """Previous and next gift in the listing the visitor came from (?in=<its query>)."""
        context = self.request.GET.get("in")
        if not context or len(context) > 2000:
            return None, None
        form = ListingForm(QueryDict(context), collection=collection)
        if not form.is_valid():
            return None, None
        return collection.select(form.selection()).neighbours(gift_id)

    def json_ld(self, gift, images, share_image):
        url = absolute_url(gift.get_absolute_url())
        images = [absolute_url(image.image.url) for image in images]
        data = {
            "@context": "https://schema.org",
            "@type": "CreativeWork",
            "@id": url,
            "url": url,
            "name": gift.title,
            "identifier": gift.accession_number,
            "description": gift.description or gift.note or gift.title,
            "image": images or share_image,
            "genre": gift.category.name,
            "provider": {
                # As the gift page says: what the donor was when the gift changed hands.
                "@type": "Person"
                if (gift.donor_kind or gift.donor.kind) == "individual"
                else "Organization",
                "name": gift.donor.name,
            },
            "countryOfOrigin": {"@type": "Country", "name": gift.country.name},
            "citation": [
                f"{citation.source.publisher}, {citation.source.title}"
                for citation in gift.citations.all()
            ],
        }
        if gift.donor.name_original:
            data["provider"]["alternateName"] = gift.donor.name_original
        if gift.date_received:
            data["temporalCoverage"] = gift.display_date
        if gift.leader_id:
            data["recipient"] = {"@type": "Person", "name": gift.leader.name}
        return data


class GiftCiteView(DetailView):
    """A gift's record as a reference to import (gifts.cite): BibTeX, RIS or CSL-JSON. Drafts
    are 404 for visitors, as their pages are."""

    slug_field = "accession_number"
    slug_url_kwarg = "accession_number"

    def get_queryset(self):
        gifts = Gift.objects.select_related("leader", "donor")
        return gifts if self.request.user.is_staff else gifts.published()

    def get(self, request, *args, fmt, **kwargs):
        if fmt not in cite.FORMATS:
            raise Http404("There is no such citation format.")
        write, media_type, extension = cite.FORMATS[fmt]
        gift = self.get_object()
        response = HttpResponse(
            write(cite.reference(gift)), content_type=f"{media_type}; charset=utf-8"
        )
        filename = f"{gift.accession_number}.{extension}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


# The small curated lists a gift's page names, by the gift's field, each with what the page shows
# of it: read once per collection version (a few hundred records) rather than joined every time.
CONTROLLED = {
    "leader": lambda: Leader.objects.select_related("building", "building_source"),
    "country": lambda: Country.objects.select_related("successor"),
    "category": lambda: Category.objects.all(),
    "showroom": lambda: Showroom.objects.select_related("building"),
}


def controlled(collection, field):
    """{id: record} of one of CONTROLLED, kept with the collection version it was read at."""
    return collection.lookup(field, CONTROLLED[field])


def share_image_url(gift):
    """The address of the gift's sharing image (gifts.social), with the version it shows."""
    url = reverse("gifts:share-image", args=[gift.accession_number])
    return f"{url}?v={social.version(gift)}"


class GiftShareImageView(DetailView):
    """
    The gift's sharing image (og:image), drawn from the record by gifts.social. Its address
    carries the version it shows, so each version is drawn once, kept in the cache and sent with
    a year's max-age; an old or missing version is redirected to the current one. Drafts are 404
    for visitors, as their pages are; staff previews are never kept by shared caches.
    """

    slug_field = "accession_number"
    slug_url_kwarg = "accession_number"

    def get_queryset(self):
        gifts = Gift.objects.select_related("leader", "donor", "category")
        return gifts if self.request.user.is_staff else gifts.published()

    def get(self, request, *args, **kwargs):
        gift = self.get_object()
        version = social.version(gift)
        public = gift.status == PublicationStatus.PUBLISHED
        if request.GET.get("v") != version:
            response = HttpResponseRedirect(share_image_url(gift))
            response["Cache-Control"] = "no-cache"
            return response
        etag = f'"{version}"'
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(social.png(gift, version), content_type="image/png")
        response["ETag"] = etag
        if public:
            response["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ["Cookie"])
        return response


class LeaderListView(ListView):
    model = Leader
    template_name = "gifts/leader_list.html"
    context_object_name = "leaders"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = index.collection().counts("leader")
        context["rows"] = [(leader, counts.get(leader.slug, 0)) for leader in context["leaders"]]
        return context


class LeaderDetailView(DetailView):
    queryset = Leader.objects.select_related("building", "building_source")
    template_name = "gifts/leader_detail.html"
    context_object_name = "leader"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        leader = self.object
        collection = index.collection()
        mine = {"leader": [leader.slug]}
        decades = collection.counts("decade", **mine)
        countries = collection.counts("country", **mine)
        country_names = collection.labels("country")
        top_countries = sorted(countries.items(), key=lambda item: (-item[1], item[0]))[:10]
        recent = collection.select(index.Selection(filters=mine))
        base = f"{reverse('gifts:list')}?leader={leader.slug}"
        context.update(
            gift_count=collection.counts("leader").get(leader.slug, 0),
            decade_chart=charts.bar_chart(
                charts.trim(
                    [
                        (
                            f"{decade}s",
                            decades.get(str(decade), 0),
                            f"{base}&year_from={decade}&year_to={decade + 9}",
                        )
                        for decade in decade_range(decades)
                    ]
                ),
                id="leader-decades",
                title=f"Gifts to {leader.name} by decade received",
                label_heading="Decade",
            ),
            country_chart=charts.bar_chart(
                [(country_names[code], n, f"{base}&country={code}") for code, n in top_countries],
                id="leader-countries",
                title=f"Countries that gave most to {leader.name}",
                label_heading="Country",
            ),
            recent_gifts=recent.page(1, 6, Gift.objects.for_listing()),
            listing_url=base,
        )
        return context


def decade_range(decades):
    years = sorted(int(key) for key in decades)
    return range(years[0], years[-1] + 10, 10) if years else []


class OccasionTimelineView(TemplateView):
    """Occasions in date order, a decade at a time (?decade=1990), with their gift counts."""

    template_name = "gifts/occasion_list.html"

    def get(self, request, *args, **kwargs):
        by_decade = dict(
            # The cast makes the division a whole-number one on PostgreSQL too.
            Occasion.objects.public()
            .annotate(decade=Cast(ExtractYear("start_date"), IntegerField()) / 10 * 10)
            .values_list("decade")
            .annotate(n=Count("id"))
            .order_by("decade")
            .values_list("decade", "n")
        )
        decades = [d for d in by_decade if d is not None]
        requested = request.GET.get("decade")
        if requested == "unknown":
            decade = None
        elif requested:
            decade = whole_number(requested)
            if decade is None or decade not in by_decade:
                raise Http404("There are no occasions in that decade.")
        else:
            decade = decades[-1] if decades else None
        occasions = Occasion.objects.public().order_by("start_date", "name")
        if decade is None:
            occasions = occasions.filter(start_date__isnull=True)
        else:
            occasions = occasions.filter(
                start_date__gte=datetime.date(decade, 1, 1),
                start_date__lt=datetime.date(decade + 10, 1, 1),
            )
        counts = index.collection().counts("occasion")
        context = {
            "decades": [(d, by_decade[d]) for d in decades],
            "undated": by_decade.get(None, 0),
            "decade": decade,
            "requested": requested,
            "rows": [(occasion, counts.get(occasion.slug, 0)) for occasion in occasions],
        }
        return self.render_to_response(context)


class OccasionDetailView(DetailView):
    """
    An occasion: what happened, when and where, and who gave what to whom in both directions:
    the gifts received (from the listing engine, the newest first, a page of them with a link to
    all) and the gifts the leaders gave in return. Visitors see only published records.
    """

    template_name = "gifts/occasion_detail.html"
    context_object_name = "occasion"
    shown = 24

    def get_queryset(self):
        return Occasion.objects.public()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        occasion = self.object
        collection = index.collection()
        filters = {"occasion": [occasion.slug]}
        received = collection.select(index.Selection(filters=filters))
        given = (
            Gift.objects.published()
            .filter(occasion=occasion, direction=Gift.Direction.GIVEN)
            .select_related("leader", "donor__country", "category")
            .order_by("date_received", "accession_number")
        )
        # A given gift's answer is shown only when a visitor may see it (published, received).
        given = given.prefetch_related(
            Prefetch("reciprocal_of", queryset=Gift.objects.published().holdings())
        )
        context.update(
            received_count=received.count,
            received=collection.cards_html(received.page_ids(1, self.shown)),
            given=list(given[: self.shown + 1]),
            listing_url=f"{reverse('gifts:list')}?occasion={occasion.slug}",
            to_leaders=named_counts(collection, "leader", filters),
            from_countries=named_counts(collection, "country", filters),
            timeline_url=reverse("gifts:occasions")
            + (f"?decade={occasion.start_date.year // 10 * 10}" if occasion.start_date else ""),
        )
        context["more_given"] = len(context["given"]) > self.shown
        context["given"] = context["given"][: self.shown]
        return context


def named_counts(collection, facet, filters):
    """[(option's label, gifts)] of a facet within ``filters``, the largest first."""
    labels = collection.labels(facet)
    counts = collection.counts(facet, **filters)
    return sorted(((labels[key], n) for key, n in counts.items()), key=lambda item: -item[1])
