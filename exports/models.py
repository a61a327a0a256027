import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ExportQuerySet(models.QuerySet):
    def pending(self):
        """Waiting for the builder, or being built."""
        return self.filter(state__in=(Export.State.QUEUED, Export.State.RUNNING))

    def prepare(self, *, kind, fmt, query, owner, version, name, rows):
        """
        The export of ``kind`` as ``fmt`` for ``query`` at this collection ``version`` (and, for a
        curator's, this ``owner``): the one already asked for, or a new one waiting for the
        builder. One that failed is queued again once RETRY_AFTER has passed. None when a new
        public export would be one too many in the queue (EXPORT_QUEUE_LIMIT).
        """
        key = Export.key_for(kind, fmt, query, owner, version)
        export = self.filter(key=key).first()
        if export is None:
            if owner is None and self.pending().filter(owner=None).count() >= (
                settings.EXPORT_QUEUE_LIMIT
            ):
                return None
            try:
                with transaction.atomic():
                    return self.create(
                        key=key, kind=kind, fmt=fmt, query=query, owner=owner, name=name, rows=rows
                    )
            except IntegrityError:  # asked for at the same moment by someone else
                return self.get(key=key)
        retry = timezone.now() - Export.RETRY_AFTER
        if export.state == Export.State.FAILED and export.finished and export.finished < retry:
            self.filter(pk=export.pk, state=Export.State.FAILED).update(
                state=Export.State.QUEUED, attempts=0, error="", done=0, created=timezone.now()
            )
            export.refresh_from_db()
        return export

    def claimable(self, stale_before):
        """Waiting, or running in a builder that has not been heard of since ``stale_before``."""
        return self.filter(
            Q(state=Export.State.QUEUED) | Q(state=Export.State.RUNNING, heartbeat__lt=stale_before)
        )


class Export(models.Model):
    """
    A download too large to make within a request (more rows than EXPORT_STREAM_ROWS), prepared by
    the builder (exports.builder) into a file under EXPORTS_ROOT. Everyone who asks for the same
    export of the same collection version is given the same file.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to be prepared"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be prepared"

    # A failed export asked for again after this is tried again.
    RETRY_AFTER = datetime.timedelta(minutes=1)

    # The address of its page and file: not guessable, so a curator's export is no one else's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField("key", max_length=64, unique=True)
    kind = models.CharField("kind", max_length=100)
    fmt = models.CharField("format", max_length=8)
    query = models.TextField("query string", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="asked for by",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty for a public export, which anyone may download.",
    )
    name = models.CharField("file name", max_length=200)
    rows = models.PositiveIntegerField("rows", default=0)
    done = models.PositiveIntegerField("rows written", default=0)
    size = models.PositiveBigIntegerField("bytes", null=True, blank=True)
    state = models.CharField(
        "state", max_length=8, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    error = models.TextField("why it failed", blank=True)
    created = models.DateTimeField("asked for", default=timezone.now)
    started = models.DateTimeField("started", null=True, blank=True)
    heartbeat = models.DateTimeField("last heard of", null=True, blank=True)
    finished = models.DateTimeField("finished", null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        verbose_name = "export"
        verbose_name_plural = "exports"
        ordering = ["created"]

    def __str__(self):
        return f"{self.name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("exports:status", kwargs={"pk": self.pk})

    def download_url(self):
        return reverse("exports:download", kwargs={"pk": self.pk})

    @property
    def pending(self):
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def ready(self):
        return self.state == self.State.READY

    @property
    def filename(self):
        return f"{self.name}.{self.fmt}"

    @property
    def stored_name(self):
        """The file's name under EXPORTS_ROOT."""
        return f"{self.pk}.{self.fmt}"

    def visible_to(self, user):
        return self.owner_id is None or self.owner_id == user.pk

    @staticmethod
    def key_for(kind, fmt, query, owner, version):
        owner_id = owner.pk if owner is not None else None
        text = json.dumps([kind, fmt, query, owner_id, str(version)])
        return hashlib.sha256(text.encode()).hexdigest()
