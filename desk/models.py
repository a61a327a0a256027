import contextlib
import contextvars
import dataclasses
import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import connection, models
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class AuditedModel(models.Model):
    """When a record was made and last changed, and by whom: the admin fills the user fields."""

    created = models.DateTimeField("created", auto_now_add=True)
    updated = models.DateTimeField("updated", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="updated by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        derived = self.derived_values()
        for name, value in derived.items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and derived:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def derived_values(self):
        """The values a record computes from its others (a gift's search text): save() sets them,
        and so does every import (desk.writing.derive). None here; a model overrides it."""
        return {}


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


def status_field(plural, changed="a published one"):
    """The publication status of a record visitors can read (desk.workflow)."""
    return models.CharField(
        "status",
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text=f"Visitors see published {plural} only; a change to {changed} waits for a "
        "curator's review.",
    )


class DatePrecision(models.TextChoices):
    """How much of a stored date is known: 1950-01-01 at decade precision means "1950s"."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    DECADE = "decade", "Decade"


def format_partial_date(value, precision):
    """A date at the precision it is known: "18 June 2024", "October 2000", "1985", "1950s"."""
    if value is None:
        return ""
    if precision == DatePrecision.DAY:
        return f"{value.day} {value:%B %Y}"
    if precision == DatePrecision.MONTH:
        return f"{value:%B %Y}"
    if precision == DatePrecision.DECADE:
        return f"{value.year // 10 * 10}s"
    return str(value.year)


def refresh_planner_statistics(*models):
    """
    Tell the database's query planner about a bulk load. Without statistics SQLite picks the
    status index to find a country's gifts among 115,000 (300 ms instead of 1 ms).
    """
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        else:
            cursor.execute("ANALYZE")


def reached_by_published(queryset, relation):
    """
    A condition on queryset's rows: a published record points at the row through the reverse
    relation named (a donor's "gifts"). Donors and occasions are public only while a published
    gift uses them; an EXISTS on the foreign key's index, in the same query.
    """
    field = queryset.model._meta.get_field(relation)
    uses = {field.field.name: models.OuterRef("pk"), "status": PublicationStatus.PUBLISHED}
    return models.Exists(field.related_model._base_manager.filter(**uses))


class CollectionState(models.Model):
    """
    One row whose version goes up whenever anything a visitor can see changes. The listing's index
    (catalogue.index) is built again for a new version, once per machine, and the page cache
    (operations.cache) keys pages by it.
    """

    version = models.PositiveBigIntegerField("version", default=1)
    changed = models.DateTimeField("changed", auto_now=True)

    class Meta:
        db_table = "museum_collectionstate"  # made before the desk had a room of its own
        verbose_name = "collection state"
        verbose_name_plural = "collection state"

    def __str__(self):
        return f"Collection version {self.version}"

    @classmethod
    def current_key(cls):
        """(version, changed), read from the database at most once per request (inside
        remembered_per_request(), which the page cache opens around every request)."""
        remembered = _request_memo.get()
        if remembered is None:
            return cls.read_key()
        if remembered.key is None:
            remembered.key = cls.read_key()
        return remembered.key

    @classmethod
    @contextlib.contextmanager
    def remembered_per_request(cls):
        token = _request_memo.set(RememberedKey())
        try:
            yield
        finally:
            _request_memo.reset(token)

    @classmethod
    def answer_behind(cls):
        """Say that this request is answered from an older version than current_key(): the
        listing index's new version is still being built by another process. Its page must not
        be kept under the current version (operations.cache)."""
        remembered = _request_memo.get()
        if remembered is not None:
            remembered.behind = True

    @classmethod
    def answered_behind(cls):
        remembered = _request_memo.get()
        return remembered is not None and remembered.behind

    @classmethod
    def read_key(cls):
        """(version, changed): the time tells two versions with one number apart, as happens
        when a transaction that moved the version on is rolled back and another moves it again."""
        # Plain SQL: every visitor request asks, and building the ORM query cost more than the
        # query itself (0.3 of the 1 ms a page from the cache takes).
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('version')}, {quote('changed')} FROM "
                f"{quote(cls._meta.db_table)} WHERE {quote('id')} = 1"
            )
            row = cursor.fetchone()
        if row is None:
            return 0, None
        version, changed = row
        if isinstance(changed, str):
            changed = parse_datetime(changed)
        if changed is not None and changed.tzinfo is None:  # SQLite keeps UTC without a zone
            changed = changed.replace(tzinfo=datetime.UTC)
        return version, changed

    @classmethod
    def bump(cls):
        deferred = _deferred_bumps.get()
        if deferred is not None:  # inside deferred_bumps(): one bump at the end
            deferred["pending"] = True
            return
        if not cls.objects.filter(pk=1).update(version=F("version") + 1, changed=timezone.now()):
            cls.objects.get_or_create(pk=1)
        remembered = _request_memo.get()
        if remembered is not None:
            remembered.key = None  # a change made in this request is seen by the rest of it

    @classmethod
    @contextlib.contextmanager
    def deferred_bumps(cls):
        """
        Within the block, bump() only notes that something changed; the version moves on once
        when the block ends (a CSV import saves thousands of records, desk.imports). The
        block may set state["pending"] = False to skip that bump (a dry run rolled back).
        """
        state = {"pending": False}
        token = _deferred_bumps.set(state)
        try:
            yield state
        finally:
            _deferred_bumps.reset(token)
        if state["pending"]:
            cls.bump()


@dataclasses.dataclass
class RememberedKey:
    """The collection key as read once in a request. One per request (a context variable), so
    no lock: no other thread sees it, and it holds one value, so it needs no bound."""

    key: tuple | None = None
    behind: bool = False  # answered from an older version (answer_behind)


_deferred_bumps = contextvars.ContextVar("deferred_collection_bumps", default=None)
# Within a request, its RememberedKey; outside one (commands, tests), None.
_request_memo = contextvars.ContextVar("collection_key", default=None)


class ReviewNote(models.Model):
    """
    A comment left on a record as it moves through review: a curator sending a draft back says
    what to fix, and the cataloguer reads it on the record's change form (desk.workflow).
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="kind of record", on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField("record id")
    record = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="author",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        "status set",
        max_length=10,
        choices=PublicationStatus.choices,
        blank=True,
        help_text="The status the record was given with this note, if it changed.",
    )
    text = models.TextField("comment")
    created = models.DateTimeField("written", auto_now_add=True)

    class Meta:
        db_table = "museum_reviewnote"  # made before the desk had a room of its own
        ordering = ["-created", "-id"]
        verbose_name = "review note"
        verbose_name_plural = "review notes"
        indexes = [
            models.Index(fields=["content_type", "object_id", "created"], name="reviewnote_record")
        ]

    def __str__(self):
        return self.text[:60]


class PendingChange(models.Model):
    """
    A change to a published record that waits for a curator (desk.revisions).

    A cataloguer's save of a published donor, gift, source... does not touch the live record:
    the submitted admin form (its POST data, inlines included) is kept here with the version of
    the record it was made against. Visitors, the record's history and the collection version
    see nothing of it. A curator's review binds the record's admin form to this data to show
    what would change, field by field, and approving saves it through that form, as if the
    curator had submitted it; a record saved by anyone in between makes the approval a conflict.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        SENT_BACK = "sent_back", "Sent back"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="kind of record", on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField("record id")
    record = GenericForeignKey("content_type", "object_id")
    record_name = models.CharField(
        "record", max_length=300, help_text="The record's name when the change was proposed."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposed by",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created = models.DateTimeField("proposed", auto_now_add=True)
    data = models.JSONField(
        "submitted form", help_text="The admin form's fields as posted: name to list of values."
    )
    fields = models.JSONField(
        "form fields", default=list, help_text="The record fields the proposer's form had."
    )
    base_version = models.DateTimeField(
        "made against",
        null=True,
        help_text="When the live record was last saved, as the proposer saw it.",
    )
    state = models.CharField(
        "state", max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="reviewed by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed = models.DateTimeField("reviewed", null=True, blank=True)
    comment = models.TextField(
        "reviewer's comment", blank=True, help_text="Why it was sent back, for the proposer."
    )

    class Meta:
        db_table = "museum_pendingchange"  # made before the desk had a room of its own
        ordering = ["-created", "-id"]
        verbose_name = "pending change"
        verbose_name_plural = "pending changes"
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "state"], name="pendingchange_record"
            ),
            models.Index(fields=["state", "created"], name="pendingchange_queue"),
        ]
        constraints = [
            # One change waits per record at a time: a second author is told who has it.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(state="pending"),
                name="pendingchange_one_per_record",
            )
        ]

    def __str__(self):
        return f"Change to {self.content_type.name} “{self.record_name}”"
