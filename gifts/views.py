from django.views.generic import DetailView
from django_filters.views import FilterView

from gifts.filters import GiftFilter
from gifts.models import Gift


class GiftListView(FilterView):
    """The published holdings; a filter value that does not exist answers 400 with the reason."""

    filterset_class = GiftFilter
    paginate_by = 24
    template_name = "gifts/gift_list.html"

    def get_queryset(self):
        return Gift.objects.published().holdings().for_listing().order_by("accession_number")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.filterset.errors:
            response.status_code = 400
        return response


class GiftDetailView(DetailView):
    """A gift's record. Signed-in staff may preview drafts; visitors get a 404 for them."""

    template_name = "gifts/gift_detail.html"
    slug_field = "accession_number"
    slug_url_kwarg = "accession_number"
    context_object_name = "gift"

    def get_queryset(self):
        gifts = Gift.objects.select_related(
            "leader",
            "donor",
            "country",
            "category",
            "occasion",
            "showroom__building",
            "reciprocal_of",
        ).prefetch_related("images", "citations__source", "resolutions", "answered_by")
        if self.request.user.is_staff:
            return gifts
        return gifts.published()
