"""The curators' desk on the admin index: the review queue and the data quality page."""

from django import template
from django.urls import reverse

from museum.workflow import REVIEW, can_publish

register = template.Library()


@register.inclusion_tag("admin/includes/curators_desk.html", takes_context=True)
def curators_desk(context):
    from exhibitions.models import Exhibition
    from gifts.models import Gift

    user = context["request"].user
    queues = []
    for model in (Gift, Exhibition):
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
    return {
        "queues": queues,
        "quality_url": reverse("admin-quality") if user.has_perm("gifts.view_gift") else "",
    }
