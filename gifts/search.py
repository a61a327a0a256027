"""
The stored text behind full-text search over gifts: PostgreSQL full-text search on PostgreSQL,
FTS5 on SQLite, with the same behaviour on both.

Each gift stores its search text already normalised (lower case, accents and punctuation
removed): ``search_title`` and ``search_body`` (donor, country, occasion, category, recipient,
description, notes; the donor's name in English and in its original script). Both databases then
only split on spaces, so "francois mitterrand" finds "François Mitterrand", "pham van dong" finds
"Phạm Văn Đồng" (Đ has no Unicode decomposition: desk.text folds it) and "Kim Il-sung" finds
"Kim Il Sung" on either. The query side (a visitor's words, matching, ranking) is
catalogue.search; this module builds and indexes the stored text that the model, its signals and
the migrations use.

The database indexes: a stored tsvector with a GIN index on PostgreSQL, an external-content FTS5
table kept by triggers on SQLite. Migration gifts 0004 installs them, and every ``migrate`` checks
them again, because SQLite drops a table's triggers when Django rebuilds the table to alter it.
"""

import re

from desk import writing
from desk.text import fold

NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize(text):
    """Lower case, no accents, no punctuation: 'Kim Il-sŏng' -> 'kim il song', 'Phạm Văn
    Đồng' -> 'pham van dong' (desk.text folds the letters that do not decompose, like Đ)."""
    if not text:
        return ""
    folded = fold(text).casefold()
    return " ".join(NON_WORD.sub(" ", folded).replace("_", " ").split())


def document(
    *,
    title,
    donor="",
    donor_original="",
    donor_title="",
    country="",
    occasion="",
    category="",
    recipient="",
    description="",
    note="",
    materials="",
):
    """The (search_title, search_body) pair stored on a gift."""
    body = " ".join(
        normalize(part)
        for part in (
            donor,
            donor_original,
            donor_title,
            country,
            occasion,
            category,
            recipient,
            materials,
            description,
            note,
        )
        if part
    )
    return normalize(title), body


def gift_document(gift):
    return document(
        title=gift.title,
        donor=gift.donor.name if gift.donor_id else "",
        donor_original=gift.donor.name_original if gift.donor_id else "",
        donor_title=gift.donor_title,
        country=gift.country.name if gift.country_id else "",
        occasion=gift.occasion.name if gift.occasion_id else "",
        category=gift.category.name if gift.category_id else "",
        recipient=gift.leader.name if gift.leader_id else gift.recipient_institution,
        description=gift.description,
        note=gift.note,
        materials=gift.materials,
    )


def reindex(queryset):
    """Recompute the stored search text of these gifts (after a donor or country is renamed)."""
    changed = []
    for gift in queryset.select_related("donor", "country", "occasion", "category", "leader"):
        title, body = gift_document(gift)
        if (title, body) != (gift.search_title, gift.search_body):
            gift.search_title, gift.search_body = title, body
            changed.append(gift)
    writing.update_rows(queryset.model, changed, ["search_title", "search_body"])
    return len(changed)


POSTGRES_INDEX = [
    """
    ALTER TABLE gifts_gift ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(search_title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(search_body, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX IF NOT EXISTS gift_search_vector ON gifts_gift USING GIN (search_vector)",
]
SQLITE_INDEX = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS gifts_gift_fts USING fts5(
        search_title, search_body, content='gifts_gift', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2"
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS gifts_gift_fts_insert AFTER INSERT ON gifts_gift BEGIN
        INSERT INTO gifts_gift_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS gifts_gift_fts_delete AFTER DELETE ON gifts_gift BEGIN
        INSERT INTO gifts_gift_fts(gifts_gift_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS gifts_gift_fts_update
    AFTER UPDATE OF search_title, search_body ON gifts_gift BEGIN
        INSERT INTO gifts_gift_fts(gifts_gift_fts, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO gifts_gift_fts(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END
    """,
]
SQLITE_TRIGGERS = {"gifts_gift_fts_insert", "gifts_gift_fts_delete", "gifts_gift_fts_update"}


def install_search_index(connection):
    """Create the search index if any part of it is missing (and fill it again on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRES_INDEX:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            if SQLITE_TRIGGERS.issubset(row[0] for row in cursor.fetchall()):
                return
            for statement in SQLITE_INDEX:
                cursor.execute(statement)
            cursor.execute("INSERT INTO gifts_gift_fts(gifts_gift_fts) VALUES ('rebuild')")


def uninstall_search_index(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS gift_search_vector")
            cursor.execute("ALTER TABLE gifts_gift DROP COLUMN IF EXISTS search_vector")
        elif connection.vendor == "sqlite":
            for trigger in sorted(SQLITE_TRIGGERS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute("DROP TABLE IF EXISTS gifts_gift_fts")
