"""
Review before publishing: who may do what to a record with a publication status.

Three roles, made as groups by desk/migrations/0002_roles.py:

- Cataloguer: creates and edits drafts and submits them for review. A record in review is
  read-only to a cataloguer; a save of a published one becomes a pending change for a curator
  (desk.revisions); the status can only be set to draft or in review.
- Curator: reviews. Sees the review queue, publishes, unpublishes, sends a record back to draft
  with a comment the cataloguer reads on the record's change form (desk.models.ReviewNote).
- Registrar: everything on collection records: reviews as a curator, deletes, imports
  (gifts.import_records).

"Publishing" is the custom permission <app>.publish_<model> (gifts.publish_gift,
donors.publish_donor, ... for every record a visitor reads). Publishing a record publishes the
unpublished records it shows (published_with: a gift's donor, occasion and sources), once the
curator has seen them named. Everything is enforced on the server: the status choices in the
form, the change permission per record, the actions offered and the records each action touches.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from desk import revisions
from desk.bulk import FieldChange, Outcome, confirm_bulk_change, mark_updated
from desk.facets import ConditionFilter
from desk.history import bulk_reason, has_history, history_model, update_with_history
from desk.history_admin import REVERT_ATTR, InWords
from desk.models import CollectionState, PublicationStatus, ReviewNote

CATALOGUER = "Cataloguer"
CURATOR = "Curator"
REGISTRAR = "Registrar"
ROLES = [CATALOGUER, CURATOR, REGISTRAR]

DRAFT = PublicationStatus.DRAFT
REVIEW = PublicationStatus.REVIEW
PUBLISHED = PublicationStatus.PUBLISHED

# What a user without the publish permission may set the status to.
CATALOGUER_STATUSES = {DRAFT, REVIEW}

NOT_A_DRAFT = "only drafts change without a curator: records in review or published were left out"


def publish_permission(model):
    opts = model._meta
    return f"{opts.app_label}.publish_{opts.model_name}"


def can_publish(user, model):
    return user.has_perm(publish_permission(model))


def may_edit(user, obj):
    """A reviewer edits any record; anyone else only drafts (not in review, not published)."""
    return can_publish(user, type(obj)) or obj.status == DRAFT


def proposes(user, obj):
    """A save by user of obj is a change for a curator to review (desk.revisions)."""
    return (
        obj is not None
        and obj.pk is not None
        and obj.status == PUBLISHED
        and not (can_publish(user, type(obj)))
    )


def editable(queryset, user):
    """The records of queryset that user may change in bulk."""
    return queryset if can_publish(user, queryset.model) else queryset.filter(status=DRAFT)


def notes_for(obj):
    return ReviewNote.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("author")


def add_note(obj, user, text, status=""):
    return ReviewNote.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        author=user,
        text=text,
        status=status,
    )


def add_notes(queryset, user, text, status=""):
    """The same note on every record of queryset, in one insert per 500 records."""
    content_type = ContentType.objects.get_for_model(queryset.model)
    ReviewNote.objects.bulk_create(
        (
            ReviewNote(
                content_type=content_type, object_id=pk, author=user, text=text, status=status
            )
            for pk in queryset.values_list("pk", flat=True).iterator()
        ),
        batch_size=500,
    )


def sent_back(model):
    """A condition: the record is a draft that a reviewer sent back with a comment."""
    return Exists(
        ReviewNote.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=OuterRef("pk"),
            status=DRAFT,
        )
    )


SHOWN_COMPANIONS = 20


def companion_names(companions):
    """
    "donor Fidel Castro (draft, never published)" for each record of companions ([(model,
    queryset)]), at most SHOWN_COMPANIONS of each kind, and how many more there are: two
    queries a kind.
    """
    names, more = [], 0
    for model, records in companions:
        shown = list(records.order_by("pk")[:SHOWN_COMPANIONS])
        if len(shown) == SHOWN_COMPANIONS:
            more += records.count() - len(shown)
        published_before = set()
        if shown and has_history(model):
            published_before = set(
                history_model(model)
                .objects.filter(
                    **{f"{model._meta.pk.attname}__in": [r.pk for r in shown]},
                    status=PUBLISHED,
                )
                .values_list(model._meta.pk.attname, flat=True)
            )
        for record in shown:
            state = record.get_status_display().lower()
            if record.pk not in published_before:
                state += ", never published" if record.status == REVIEW else ", never reviewed"
            names.append(f"{model._meta.verbose_name} {record} ({state})")
    return names, more


def also_public(companions):
    names, more = companion_names(companions)
    if not names:
        return ""
    return "Also becomes public: " + "; ".join(names) + (f"; and {more} more" if more else "")


def still_shown(dependants):
    """ "Published gifts still show it: gift Tea set, gift Vase; and 3 more" for dependants
    ([(model, queryset)] of published records), or "" when there are none."""
    names, more, kinds = [], 0, []
    for model, records in dependants:
        shown = list(records.order_by("pk")[:SHOWN_COMPANIONS])
        if len(shown) == SHOWN_COMPANIONS:
            more += records.count() - len(shown)
        names += [f"{model._meta.verbose_name} {record}" for record in shown]
        kinds += [model._meta.verbose_name_plural] if shown else []
    if not names:
        return ""
    kinds = " and ".join(kinds)
    return (
        f"Published {kinds} still show it: "
        + "; ".join(names)
        + (f"; and {more} more" if more else "")
    )


def publish_companions(companions, user, reason):
    """Publish the records of companions with a version each. Returns how many."""
    count = 0
    for _model, records in companions:
        count += update_with_history(
            records, user, reason[:100], status=PUBLISHED, updated=timezone.now(), updated_by=user
        )
    if count:
        CollectionState.bump()
    return count


def since_published(obj):
    """
    For a record in review: (never published, [(label, then, now)] since its last published
    version), from its history (desk.history); one query.
    """
    if not has_history(type(obj)):
        return False, []
    versions = (
        history_model(type(obj))
        .objects.filter(**{type(obj)._meta.pk.attname: obj.pk})
        .order_by("-history_date", "-history_id")
    )
    latest = versions.first()
    published = versions.filter(status=PUBLISHED).first()
    if published is None:
        return True, []
    if latest is None or latest.pk == published.pk:
        return False, []
    helper = InWords(type(obj), latest)
    rows = []
    for change in latest.diff_against(published, foreign_keys_are_objs=True).changes:
        if change.field in {"status", "updated", "updated_by"}:
            continue
        label = type(obj)._meta.get_field(change.field).verbose_name
        rows.append(
            (
                label,
                helper.prepare_delta_change_value(change, change.old),
                helper.prepare_delta_change_value(change, change.new),
            )
        )
    return False, rows


def lookup_field(model, lookup):
    """The field of the reviewed record behind model's lookup (Donor "gifts" -> Gift.donor)."""
    return model._meta.get_field(lookup).field.name


class ReviewQueueFilter(ConditionFilter):
    """The curator's review queue, and a cataloguer's records that came back."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting for review"), ("sent_back", "Sent back with a comment")]

    def condition(self, value):
        if value == "waiting":
            return Q(status=REVIEW)
        return Q(sent_back(self.model), status=DRAFT)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the cataloguer",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="What needs changing before the record can be published. It is shown on the "
        "record's page in the admin.",
    )


REVIEW_COMMENT_HELP = (
    "Kept with the record and shown above. A curator sending a record back to draft must say "
    "what needs changing; a cataloguer may leave a word for the reviewer."
)


ALSO_PUBLISH_HELP = (
    "Publishing shows visitors the records it names (its donor, occasion, sources). Those not "
    "published yet are published with it once you tick this."
)


def review_form(base, *, user, model, old_status, companions=None, link_fields=(), dependants=None):
    """
    The admin form with a review comment, checked against the user's role. companions(form) ->
    [(model, queryset)]: the unpublished records that publishing the form's record would make
    public, which the user must confirm (also_publish). dependants(form) -> [(model, queryset)]:
    the published records that show the form's record, which keep it from being unpublished.
    """
    publisher = can_publish(user, model)

    class ReviewForm(base):
        if companions is not None:
            also_publish = forms.BooleanField(
                label="Also publish the records it shows",
                required=False,
                help_text=ALSO_PUBLISH_HELP,
            )

        review_comment = forms.CharField(
            label="Review comment",
            required=False,
            widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
            help_text=REVIEW_COMMENT_HELP,
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            also = self.fields.get("also_publish")
            if also is not None and self.instance.pk is not None and not self.is_bound:
                # Name them on the form, as they are now.
                named = also_public(companions(self))
                also.help_text = f"{named}." if named else "Everything it shows is published."
            status = self.fields.get("status")
            if status is not None and not publisher:
                status.choices = [c for c in status.choices if c[0] in CATALOGUER_STATUSES]

        def clean(self):
            cleaned = super().clean()
            status = cleaned.get("status")
            if status and not publisher and status not in CATALOGUER_STATUSES:
                self.add_error("status", "Only a curator publishes: submit it for review.")
            comment = (cleaned.get("review_comment") or "").strip()
            if old_status == REVIEW and status == DRAFT and not comment:
                self.add_error(
                    "review_comment",
                    "Say what needs changing: the cataloguer reads this on the record.",
                )
            cleaned["review_comment"] = comment
            self.companions = []
            final_status = status or self.instance.status
            # Asked when the record becomes published, or a published one is given other links.
            asked = (
                self.instance.pk is None
                or "status" in self.changed_data
                or any(name in self.changed_data for name in link_fields)
                or getattr(self, "approving", False)
            )
            if dependants is not None and old_status == PUBLISHED and final_status != PUBLISHED:
                shown = still_shown(dependants(self))
                if shown:
                    self.add_error(
                        "status",
                        f"{shown}. Visitors would read a name they may no longer see: unpublish "
                        f"them, or link them to another {model._meta.verbose_name}, first.",
                    )
            if companions is not None and final_status == PUBLISHED and asked:
                self.companions = [(m, q) for m, q in companions(self) if q.exists()]
                confirmed = cleaned.get("also_publish") or getattr(self, "approving", False)
                if self.companions and not confirmed:
                    self.add_error(
                        "also_publish" if "also_publish" in self.fields else None,
                        f"{also_public(self.companions)}. Tick “Also publish the records it "
                        "shows” to publish them with it, or choose published ones.",
                    )
            return cleaned

    ReviewForm.__name__ = base.__name__
    return ReviewForm


class ReviewWorkflowMixin:
    """For the ModelAdmin of a model with a `status` (PublicationStatus): see the module."""

    review_fieldset = "Review"
    change_form_template = "admin/review_change_form.html"
    # Records a published record shows to visitors, published with it: (model, lookup from
    # that model to this one), such as (Donor, "gifts") for a gift.
    published_with = ()
    # Published records that show this one to visitors by name: (model, field), such as
    # (Gift, "donor") for a donor. It cannot be unpublished while one of them is published.
    shown_by = ()

    def unpublished_companions(self, records):
        """[(model, queryset)]: what publishing records (a queryset) would make public too."""
        return [
            (
                model,
                model._base_manager.filter(
                    pk__in=model._base_manager.filter(**{f"{lookup}__in": records}).values("pk")
                ).exclude(status=PUBLISHED),
            )
            for model, lookup in self.published_with
        ]

    def published_dependants(self, records):
        """[(model, queryset)]: the published records that show records (a queryset)."""
        return [
            (model, model._base_manager.filter(**{f"{field}__in": records}, status=PUBLISHED))
            for model, field in self.shown_by
        ]

    def publication_notes(self, request, records):
        """What the publish confirmation says besides the count."""
        text = also_public(self.unpublished_companions(records))
        return [f"{text}. They are published with them."] if text else []

    def may_publish_companions(self, request):
        return all(can_publish(request.user, model) for model, _ in self.published_with)

    # Permissions, for the actions' `permissions=[...]`.
    def has_publish_permission(self, request):
        return can_publish(request.user, self.model)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or obj.pk is None:
            return allowed
        if getattr(request, REVERT_ATTR, None) is not None:
            # Reverting to an old version (desk.history_admin): obj is that version; the
            # record as it is now decides, or an old draft would unpublish a published record.
            obj = type(obj)._base_manager.filter(pk=obj.pk).only("status").first()
            return obj is not None and may_edit(request.user, obj)
        # A published record takes a cataloguer's change as a proposal (desk.revisions).
        return may_edit(request.user, obj) or proposes(request.user, obj)

    def proposing(self, request, obj=None):
        """Whether this request's save is a proposal: the record is published as stored now."""
        if getattr(request, revisions.APPROVING_ATTR, None) is not None:
            return False
        if obj is None or obj.pk is None or can_publish(request.user, self.model):
            return False
        status = type(obj)._base_manager.filter(pk=obj.pk).values_list("status", flat=True)
        return status.first() == PUBLISHED

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        setattr(request, revisions.PROPOSING_ATTR, None)
        if object_id is not None and not can_publish(request.user, self.model):
            obj = self.get_object(request, unquote(object_id))
            if self.proposing(request, obj):
                setattr(request, revisions.PROPOSING_ATTR, obj)
        extra_context = {**self.review_context(request, object_id), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def review_context(self, request, object_id):
        """The banners above a record's form: its pending change, what a review publishes."""
        context = {"pending_change": None, "pending_mine": False, "sent_back_change": None}
        context["proposal"] = getattr(request, revisions.PROPOSING_ATTR, None) is not None
        context["never_published"] = False
        context["since_published"] = []
        if object_id is None:
            return context
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return context
        waiting = revisions.pending_for(obj)
        if waiting is not None:
            context["pending_change"] = waiting
            context["pending_mine"] = waiting.author_id == request.user.pk
            context["pending_url"] = revisions.review_url(waiting)
        else:
            last = (
                revisions.changes_for(obj)
                .filter(author=request.user)
                .exclude(state=revisions.PENDING)
                .select_related("reviewer")
                .first()
            )
            if last is not None and last.state == last.State.SENT_BACK:
                context["sent_back_change"] = last
        if obj.status == REVIEW:
            context["never_published"], context["since_published"] = since_published(obj)
        return context

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), ReviewQueueFilter]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return readonly
        if obj.status == PUBLISHED and not can_publish(request.user, self.model):
            readonly = (*readonly, "status")  # a proposal leaves the status to the curator
        return (*readonly, "review_notes")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = []
        if obj is not None:
            fields.append("review_notes")
        if obj is None or self.has_change_permission(request, obj):
            if self.published_with and can_publish(request.user, self.model):
                fields.append("also_publish")
            fields.append("review_comment")
        fields = [f for f in fields if f not in flatten_fieldsets(fieldsets)]
        if not fields:
            return fieldsets
        # Before the record's metadata, which stays last.
        position = next(
            (i for i, (name, _) in enumerate(fieldsets) if name == "Record metadata"),
            len(fieldsets),
        )
        fieldsets.insert(position, (self.review_fieldset, {"fields": fields}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "form" in kwargs or (obj is not None and not self.has_change_permission(request, obj)):
            return super().get_form(request, obj, change=change, **kwargs)  # read-only
        # As ModelAdmin.get_form does, leave out declared fields that are read-only here.
        readonly = self.get_readonly_fields(request, obj)
        base = type(
            self.form.__name__,
            (self.form,),
            dict.fromkeys(f for f in readonly if f in self.form.declared_fields),
        )
        companions = None
        if self.published_with and can_publish(request.user, self.model):
            companions = self.form_companions
        form = review_form(
            base,
            user=request.user,
            model=self.model,
            old_status=obj.status if obj is not None else None,
            companions=companions,
            link_fields=[lookup_field(model, lookup) for model, lookup in self.published_with],
            dependants=self.form_dependants if self.shown_by else None,
        )
        if proposes(request.user, obj):
            form = revisions.proposal_form(form, request.user)
        return super().get_form(request, obj, change=change, form=form, **kwargs)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if proposes(request.user, obj):
                formset = revisions.proposal_formset(formset)
            yield formset, inline

    def save_model(self, request, obj, form, change):
        proposal = getattr(request, revisions.PROPOSING_ATTR, None)
        if proposal is not None:
            # The live record stays as it is: the submission waits for a curator.
            request._museum_proposed = revisions.propose(request, proposal, form)
            return
        if obj.status not in CATALOGUER_STATUSES and not can_publish(request.user, self.model):
            raise PermissionDenied("Only a curator publishes.")
        super().save_model(request, obj, form, change)
        comment = form.cleaned_data.get("review_comment", "")
        if comment:
            status = obj.status if "status" in form.changed_data else ""
            add_note(obj, request.user, comment, status)

    def save_related(self, request, form, formsets, change):
        if getattr(request, revisions.PROPOSING_ATTR, None) is not None:
            return
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if self.published_with and obj.status == PUBLISHED:
            # Confirmed in the form (also_publish) or by approving: what it shows goes live too,
            # the sources of citations added in this save included.
            companions = self.unpublished_companions(self.model._base_manager.filter(pk=obj.pk))
            names, _ = companion_names(companions)
            opts = self.model._meta
            if publish_companions(
                companions, request.user, f"published with {opts.verbose_name} {obj}"
            ):
                self.message_user(
                    request, f"Published with it: {'; '.join(names)}.", messages.SUCCESS
                )

    def form_dependants(self, form):
        return self.published_dependants(self.model._base_manager.filter(pk=form.instance.pk))

    def form_companions(self, form):
        """The unpublished records the form's record would show once saved (before saving:
        its donor, occasion... from the form, the other links as stored)."""
        companions = []
        for model, lookup in self.published_with:
            field = self.model._meta.get_field(lookup_field(model, lookup))
            cleaned = getattr(form, "cleaned_data", {})
            if field.many_to_one and field.name in cleaned:
                value = cleaned.get(field.name)
                records = model._base_manager.filter(pk=value.pk if value else None)
            elif form.instance.pk is not None:
                records = model._base_manager.filter(**{f"{lookup}__pk": form.instance.pk})
            else:
                records = model._base_manager.none()
            companions.append((model, records.exclude(status=PUBLISHED)))
        return companions

    def save_formset(self, request, form, formset, change):
        # New inline rows that are reviewed records themselves (a building's facts) follow
        # their record: a draft's are drafts, and those of an approved change go live with it.
        for inline_form in formset.extra_forms:
            if hasattr(inline_form.instance, "status") and inline_form.has_changed():
                inline_form.instance.status = form.instance.status
        super().save_formset(request, form, formset, change)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(request, revisions.PROPOSING_ATTR, None) is not None:
            return []  # nothing was saved (the formsets were not either)
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if getattr(request, revisions.PROPOSING_ATTR, None) is None:
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        proposed = getattr(request, "_museum_proposed", None)
        if proposed is None:
            return super().response_change(request, obj)
        change, replaced = proposed
        opts = self.model._meta
        if change is None:
            waiting = revisions.pending_for(obj)
            self.message_user(
                request,
                f"{revisions.person(waiting.author if waiting else None)} proposed a change to "
                "this record a moment before you: only one change waits at a time, and yours was "
                "not kept.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        self.message_user(
            request,
            format_html(
                "Your change to the {} “{}” waits for a curator’s review{}. Visitors see the "
                'record as it was until it is approved. <a href="{}">See your change</a>.',
                opts.verbose_name,
                change.record_name,
                " (it replaces the change you proposed before)" if replaced else "",
                revisions.review_url(change),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    @admin.display(description="review notes")
    def review_notes(self, obj):
        notes = list(notes_for(obj)[:20]) if obj.pk else []
        if not notes:
            return "No review notes yet."
        return format_html(
            '<ol class="review-notes">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong>, {}{}: {}</li>",
                (
                    (
                        note.author.get_username() if note.author else "someone",
                        f"{note.created:%d %B %Y %H:%M}",
                        f" (set to {note.get_status_display().lower()})" if note.status else "",
                        note.text,
                    )
                    for note in notes
                ),
            ),
        )

    # Bulk status changes, each confirmed first (desk.bulk).
    def _status_change(self, request, queryset, *, action, title, affected, to, skipped, verb):
        def apply(records, data):
            count = mark_updated(records, request, status=to)
            return Outcome(count, f"{count} {verb}.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action=action,
            title=title,
            affected=affected,
            apply=apply,
            changes=[FieldChange("status", to.label)],
            skipped=skipped,
            button=title,
        )

    @admin.action(
        description="Submit the selected %(verbose_name_plural)s for review",
        permissions=["change"],
    )
    def submit_for_review(self, request, queryset):
        return self._status_change(
            request,
            queryset,
            action="submit_for_review",
            title="Submit for review",
            affected=queryset.filter(status=DRAFT),
            to=REVIEW,
            skipped="only drafts are submitted for review.",
            verb="submitted for review",
        )

    @admin.action(
        description="Publish the selected %(verbose_name_plural)s", permissions=["publish"]
    )
    def publish(self, request, queryset):
        affected = queryset.exclude(status=PUBLISHED)

        def apply(records, data):
            companions = self.unpublished_companions(records)
            if any(q.exists() for _, q in companions) and not self.may_publish_companions(request):
                return Outcome(
                    0,
                    "Nothing was published: the records they show are not published and you "
                    f"may not publish them. {also_public(companions)}.",
                )
            # The companions first, while records still selects what is to be published.
            also = publish_companions(companions, request.user, bulk_reason("publish"))
            count = mark_updated(records, request, status=PUBLISHED)
            return Outcome(
                count,
                f"{count} published."
                + (f" {also} record(s) they show published with them." if also else ""),
            )

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="publish",
            title="Publish",
            affected=affected,
            apply=apply,
            changes=[FieldChange("status", PUBLISHED.label)],
            notes=self.publication_notes(request, affected),
            skipped="they are published already.",
            button="Publish",
        )

    @admin.action(
        description="Unpublish the selected %(verbose_name_plural)s (back to draft)",
        permissions=["publish"],
    )
    def unpublish(self, request, queryset):
        affected = queryset.filter(status=PUBLISHED)

        def apply(records, data):
            shown = still_shown(
                [(m, q) for m, q in self.published_dependants(records) if q.exists()]
            )
            if shown:
                return Outcome(
                    0, f"Nothing was unpublished. {shown}: unpublish them, or relink them, first."
                )
            count = mark_updated(records, request, status=DRAFT)
            return Outcome(count, f"{count} returned to draft.")

        shown = still_shown([(m, q) for m, q in self.published_dependants(affected) if q.exists()])
        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="unpublish",
            title="Unpublish",
            affected=affected,
            apply=apply,
            changes=[FieldChange("status", DRAFT.label)],
            notes=[f"{shown}: they cannot be unpublished while those are."] if shown else [],
            skipped="they are not published (send records in review back with a comment).",
            button="Unpublish",
        )

    @admin.action(
        description="Send the selected %(verbose_name_plural)s back to draft with a comment",
        permissions=["publish"],
    )
    def send_back(self, request, queryset):
        def apply(records, data):
            add_notes(records, request.user, data["comment"], DRAFT)
            count = mark_updated(records, request, status=DRAFT)
            return Outcome(count, f"{count} sent back to draft with your comment.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="send_back",
            title="Send back to draft",
            affected=queryset.filter(status=REVIEW),
            apply=apply,
            changes=[FieldChange("status", DRAFT.label)],
            form_class=CommentForm,
            skipped="only records waiting for review are sent back.",
            button="Send back",
        )
