import datetime

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import DetailView, ListView

from catalogue import index
from catalogue.paging import NoSuchPage, NotANumber, page_number, page_of
from desk.models import PublicationStatus
from exhibitions.models import Building, Exhibition, Fact, Showroom
from gifts.models import Gift

GIFTS_PER_PAGE = 24
# The way a visitor walks the museum: building by building, each floor in turn, room by room.
TOUR = ["building__order", "building__name", "floor", "tour_order", "code"]
# Museum-wide facts under this topic are practical advice, shown as a list of points.
VISITING_TOPIC = "visiting"


def visit(request):
    """The museum's figures, then each building floor by floor with its rooms in tour order."""
    facts = Fact.objects.public().select_related("source").order_by("order", "id")
    rooms = (
        Showroom.objects.public().select_related("country").order_by("floor", "tour_order", "code")
    )
    buildings = list(
        Building.objects.public().prefetch_related(
            Prefetch("facts", queryset=facts), Prefetch("showrooms", queryset=rooms)
        )
    )
    gift_counts = index.collection().counts("showroom")
    for building in buildings:
        for room in building.showrooms.all():
            room.gift_count = gift_counts.get(room.slug, 0)

    museum_facts, visiting = [], []
    for fact in facts.filter(building=None):
        if fact.topic.casefold() == VISITING_TOPIC:
            fact.points = [point.strip() for point in fact.value.split(";") if point.strip()]
            visiting.append(fact)
        else:
            museum_facts.append(fact)

    context = {"buildings": buildings, "museum_facts": museum_facts, "visiting": visiting}
    return render(request, "exhibitions/visit.html", context)


def showroom(request, slug):
    """
    A room and the gifts placed in it, newest first. The gifts come in the listing's order from
    catalogue.index, so the page and the filtered listing it links to agree.
    """
    # The whole tour is a few hundred rooms at most: one query finds the room and its neighbours.
    tour = list(Showroom.objects.public().select_related("building", "country").order_by(*TOUR))
    position = next((i for i, room in enumerate(tour) if room.slug == slug), None)
    if position is None:
        raise Http404("There is no such showroom.")
    room = tour[position]

    selection = index.Selection(filters={"showroom": [room.slug]}, sort="-date")
    result = index.collection().select(selection)
    try:
        page = page_of(result, page_number(request.GET.get("page", "1")), GIFTS_PER_PAGE)
    except (NotANumber, NoSuchPage) as error:
        raise Http404("There is no such page.") from error
    paginator = page.paginator
    page.object_list = result.collection.in_order(
        page.object_list, Gift.objects.published().holdings().for_listing()
    )

    context = {
        "room": room,
        "previous_room": tour[position - 1] if position > 0 else None,
        "next_room": tour[position + 1] if position + 1 < len(tour) else None,
        "gift_count": paginator.count,
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    return render(request, "exhibitions/showroom_detail.html", context)


class ExhibitionListView(ListView):
    """Published exhibitions: those on now first, then those to come, then past ones."""

    template_name = "exhibitions/exhibition_list.html"
    context_object_name = "exhibitions"

    def get_queryset(self):
        # Exhibitions hold tens of items, so counting them in SQL is cheap; only the items whose
        # gift visitors may see are counted.
        published_items = Q(items__gift__status=PublicationStatus.PUBLISHED)
        return Exhibition.objects.published().annotate(
            item_count=Count("items", filter=published_items)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        current, upcoming, past = [], [], []
        for exhibition in context["exhibitions"]:
            if exhibition.start_date and exhibition.start_date > today:
                upcoming.append(exhibition)
            elif exhibition.end_date and exhibition.end_date < today:
                past.append(exhibition)
            else:
                current.append(exhibition)  # an exhibition without dates is permanent
        # Sorted here rather than in SQL, where databases disagree on where empty dates go.
        current.sort(key=lambda e: e.start_date or datetime.date.min, reverse=True)
        upcoming.sort(key=lambda e: e.start_date)
        past.sort(key=lambda e: e.end_date, reverse=True)
        context.update(current=current, upcoming=upcoming, past=past)
        return context


class ExhibitionDetailView(DetailView):
    """
    An exhibition's items in the curator's order. Visitors see published exhibitions and
    published gifts only; signed-in staff may preview drafts of both.
    """

    template_name = "exhibitions/exhibition_detail.html"
    context_object_name = "exhibition"

    def get_queryset(self):
        if self.request.user.is_staff:
            return Exhibition.objects.all()
        return Exhibition.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = self.object.items.prefetch_related(
            Prefetch("gift", queryset=Gift.objects.for_listing())
        )
        if not self.request.user.is_staff:
            # A join on the gift's key: "gift in published gifts" reads every gift on SQLite.
            items = items.filter(gift__status=PublicationStatus.PUBLISHED)
        items = list(items)
        context["items"] = items
        context["visible_count"] = sum(
            item.gift.status == PublicationStatus.PUBLISHED for item in items
        )
        return context
