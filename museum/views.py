from django.shortcuts import render

from donors.models import Country
from exhibitions.models import Showroom
from gifts.models import Gift, Leader


def home(request):
    holdings = Gift.objects.published().holdings()
    context = {
        "leaders": Leader.objects.all(),
        "gift_count": holdings.count(),
        "country_count": Country.objects.filter(gifts__in=holdings).distinct().count(),
        "showroom_count": Showroom.objects.count(),
        "recent_gifts": holdings.for_listing().order_by("-date_received", "-id")[:6],
    }
    return render(request, "home.html", context)
