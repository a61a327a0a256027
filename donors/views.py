from django.db.models import F, Max, Min
from django.shortcuts import redirect
from django.views.generic import DetailView, TemplateView

from catalogue import index
from catalogue.paging import NoSuchPage, NotANumber, page_number, page_of
from donors.filters import DonorFilter
from donors.models import Continent, Country, Donor
from gifts.models import Gift, Occasion

DONORS_PER_PAGE = 50
TOP_OCCASIONS = 20


GIFTS_SHOWN = 24
TOP_DONORS = 10


class DonorListView(TemplateView):
    """
    Every donor with published holdings. Which donors match, how many gifts each has and their
    order come from the in-memory collection (catalogue.index); only the page's donors are read.
    """

    template_name = "donors/donor_list.html"

    def get(self, request, *args, **kwargs):
        filterset = DonorFilter(request.GET, queryset=Donor.objects.public())
        context = {"filter": filterset, "errors": [], "page_error": "", "donors": []}
        if not filterset.is_valid():
            context["errors"] = [
                (filterset.form.fields[name].label, error)
                for name, errors in filterset.errors.items()
                for error in errors
            ]
            return self.render_to_response(context, status=400)

        try:
            # 0 is past the start: a 404.
            number = page_number(request.GET.get("page") or "1")
            page = page_of(filterset.ranked(), number, DONORS_PER_PAGE)
        except NotANumber:
            context["page_error"] = "A page number is a whole number, such as 2."
            return self.render_to_response(context, status=400)
        except NoSuchPage as error:
            pages = error.last
            context["page_error"] = (
                f"There is no such page: this list has {pages} page{'s' if pages > 1 else ''}."
            )
            return self.render_to_response(context, status=404)
        context["paginator"] = page.paginator

        by_slug = (
            Donor.objects.public()
            .select_related("country")
            .in_bulk([slug for slug, _ in page], field_name="slug")
        )
        donors = []
        for slug, count in page:
            if slug in by_slug:
                donor = by_slug[slug]
                donor.gift_count = count
                donors.append(donor)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(page_obj=page, donors=donors, export_query=query.urlencode())
        return self.render_to_response(context)


class DonorDetailView(DetailView):
    """A donor, the titles they gave under, the occasions they came to and their newest gifts."""

    template_name = "donors/donor_detail.html"
    context_object_name = "donor"
    queryset = Donor.objects.public().select_related("country")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        donor = self.object
        result = index.collection().select(index.Selection(filters={"donor": [donor.slug]}))
        # The occasions with most of the donor's gifts, chosen in numpy: a prolific donor has
        # thousands, which neither a page nor one IN (...) query should carry.
        per_occasion = {
            option.id: count for option, count in result.top_options("occasion", TOP_OCCASIONS)
        }
        occasions = sorted(
            Occasion.objects.public().filter(pk__in=list(per_occasion)),
            key=lambda occasion: (occasion.start_date is None, occasion.start_date, occasion.name),
        )
        for occasion in occasions:
            occasion.gift_count = per_occasion[occasion.pk]
        # Newest first, as the first page of /gifts/?donor=<slug> orders them.
        gifts = result.page(1, GIFTS_SHOWN, Gift.objects.for_listing())
        context.update(
            gift_count=result.count,
            titles=self.titles(donor),
            occasions=occasions,
            more_occasions=result.distinct_count("occasion") - len(occasions),
            gifts=gifts,
        )
        return context

    def titles(self, donor):
        """The titles on the donor's gifts, each with the years it was used."""
        # One donor's gifts only, found through the donor index: a handful of rows to group.
        rows = (
            Gift.objects.published()
            .holdings()
            .filter(donor=donor)
            .exclude(donor_title="")
            .values("donor_title")
            .annotate(first=Min("date_received"), last=Max("date_received"))
            .order_by(F("first").asc(nulls_last=True), "donor_title")
        )
        titles = []
        for row in rows:
            first, last = row["first"], row["last"]
            if first is None:
                years = ""
            elif first.year == last.year:
                years = str(first.year)
            else:
                years = f"{first.year}–{last.year}"
            titles.append({"title": row["donor_title"], "years": years})
        return titles


class CountryListView(TemplateView):
    """The countries gifts came from, by continent, with their number of gifts."""

    template_name = "donors/country_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = index.collection().counts("country")
        by_continent = {continent: [] for continent in Continent.values}
        for country in Country.objects.select_related("successor").order_by("name", "code"):
            if country.code in counts:
                country.gift_count = counts[country.code]
                by_continent.setdefault(country.continent, []).append(country)
        context.update(
            continents=[
                (Continent(continent).label if continent in Continent.values else continent, rows)
                for continent, rows in by_continent.items()
                if rows
            ],
            country_count=sum(len(rows) for rows in by_continent.values()),
            gift_count=sum(counts.values()),
        )
        return context


class CountryDetailView(DetailView):
    """A country's gifts in numbers: by leader, donor, category and decade."""

    template_name = "donors/country_detail.html"
    context_object_name = "country"
    slug_field = "code"
    slug_url_kwarg = "code"
    queryset = Country.objects.select_related("successor")

    def get(self, request, *args, **kwargs):
        code = kwargs["code"]
        if code != code.upper():
            return redirect("donors:country", code=code.upper(), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        country = self.object
        result = index.collection().select(index.Selection(filters={"country": [country.code]}))

        def counted(dimension):
            return [(o, n) for o, n in result.facet_counts(dimension) if n]

        def most_first(rows):
            return sorted(rows, key=lambda row: (-row[1], row[0].label.casefold()))

        context.update(
            predecessors=list(country.predecessors.all()),
            gift_count=result.count,
            leaders=counted("leader"),
            top_donors=result.top_options("donor", TOP_DONORS),
            categories=most_first(counted("category")),
            decades=[
                (option, count, int(option.key) + 9 if option.key else None)
                for option, count in counted("decade")
            ],
        )
        return context
