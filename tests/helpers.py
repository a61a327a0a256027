from gifts.models import Gift


def listed(response):
    """The gifts a listing page shows, in its order."""
    ids = response.context["page_ids"]
    gifts = Gift.objects.in_bulk(ids)
    return [gifts[i] for i in ids]
