from django.db.models import Exists, OuterRef
from django.shortcuts import render

from donors.models import Country
from exhibitions.models import Showroom
from gifts.models import Gift, Leader


def home(request):
    holdings = Gift.objects.published().holdings()
    # One index probe per country rather than a DISTINCT over every gift.
    countries_with_gifts = Country.objects.filter(Exists(holdings.filter(country=OuterRef("pk"))))
    context = {
        "leaders": Leader.objects.all(),
        "gift_count": holdings.count(),
        "country_count": countries_with_gifts.count(),
        "showroom_count": Showroom.objects.count(),
        "recent_gifts": holdings.for_listing().order_by("-date_received", "-id")[:6],
    }
    return render(request, "home.html", context)
