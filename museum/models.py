from django.conf import settings
from django.db import models


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


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


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
    from django.db import connection

    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        else:
            cursor.execute("ANALYZE")
