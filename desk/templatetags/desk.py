"""
The curators' desk on the admin index: the review queues, the changes waiting for review and the
pages a domain's admin adds (gifts' data quality, say). The desk knows no domain model: the
queues are the admin's records under review (desk.workflow.ReviewWorkflowMixin) that this user may
see, in the admin index's order, and each admin may offer links of its own (``desk_links``).
"""

from django import template
from django.contrib import admin
from django.urls import reverse

from desk.models import PendingChange
from desk.workflow import REVIEW, ReviewWorkflowMixin, can_publish

register = template.Library()


@register.inclusion_tag("admin/includes/curators_desk.html", takes_context=True)
def curators_desk(context):
    request = context["request"]
    user = request.user
    queues, links = [], []
    for app in admin.site.get_app_list(request):  # only the models this user may view
        for entry in app["models"]:
            model = entry["model"]
            model_admin = admin.site.get_model_admin(model)
            links += getattr(model_admin, "desk_links", lambda request: [])(request)
            changelist = entry["admin_url"]  # None when the user may only add
            if changelist is None or not isinstance(model_admin, ReviewWorkflowMixin):
                continue
            queues.append(
                {
                    "label": model._meta.verbose_name_plural,
                    "waiting": model.objects.filter(status=REVIEW).count(),
                    "url": f"{changelist}?review=waiting",
                    "sent_back_url": f"{changelist}?review=sent_back",
                    "reviewer": can_publish(user, model),
                }
            )
    pending = None
    if user.has_perm("desk.view_pendingchange"):
        pending = {
            "waiting": PendingChange.objects.filter(state=PendingChange.State.PENDING).count(),
            "url": reverse("admin:desk_pendingchange_changelist") + "?state__exact=pending",
            "mine_url": reverse("admin:desk_pendingchange_changelist") + "?mine=yes",
        }
    return {"queues": queues, "pending": pending, "links": links}
