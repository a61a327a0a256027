"""The curators' desk on the admin index: the review queue and the data quality page."""

from django import template
from django.urls import reverse

from museum.models import PendingChange
from museum.workflow import REVIEW, can_publish

register = template.Library()


@register.inclusion_tag("admin/includes/curators_desk.html", takes_context=True)
def curators_desk(context):
    from donors.models import Donor
    from exhibitions.models import Building, Exhibition, Fact, Showroom
    from gifts.models import Gift, Occasion, Source

    user = context["request"].user
    queues = []
    for model in (Gift, Donor, Occasion, Source, Exhibition, Fact, Showroom, Building):
        opts = model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        queues.append(
            {
                "label": opts.verbose_name_plural,
                "waiting": model.objects.filter(status=REVIEW).count(),
                "url": f"{changelist}?review=waiting",
                "sent_back_url": f"{changelist}?review=sent_back",
                "reviewer": can_publish(user, model),
            }
        )
    pending = None
    if user.has_perm("museum.view_pendingchange"):
        pending = {
            "waiting": PendingChange.objects.filter(state=PendingChange.State.PENDING).count(),
            "url": reverse("admin:museum_pendingchange_changelist") + "?state__exact=pending",
            "mine_url": reverse("admin:museum_pendingchange_changelist") + "?mine=yes",
        }
    return {
        "queues": queues,
        "pending": pending,
        "quality_url": reverse("admin-quality") if user.has_perm("gifts.view_gift") else "",
    }
