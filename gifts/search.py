"""
The stored text behind full-text search over gifts: PostgreSQL full-text search on PostgreSQL,
FTS5 on SQLite, with the same behaviour on both.

Each gift stores its search text already normalised (lower case, accents and punctuation
removed): ``search_title`` and ``search_body`` (donor, country, occasion, category, recipient,
description, notes, the sanctions assessment with its resolutions' numbers; the donor's name in
English, in its original script and that script in Latin letters, and run together,
"xijinping"). Both databases then split on spaces and reduce every word to its stem
with the same algorithm, Porter's (SQLite's ``porter`` tokenizer; PostgreSQL's snowball
``porter`` dictionary in the ``museum_search`` configuration, with no stop words, as SQLite has
none): "drones" finds "drone", "vases" finds "vase". So "francois mitterrand" finds "François
Mitterrand", "pham van dong" finds "Phạm Văn Đồng" (Đ has no Unicode decomposition: desk.text
folds it) and "Kim Il-sung" finds "Kim Il Sung" on either. The query side (a visitor's words,
matching, ranking) is catalogue.search; this module builds and indexes the stored text that the
model, its signals and the migrations use.

The database indexes: a stored tsvector with a GIN index on PostgreSQL, an external-content FTS5
table kept by triggers on SQLite. Migration gifts 0004 installs them (0011 moved them to
stemming), and every ``migrate`` checks them again, because SQLite drops a table's triggers when
Django rebuilds the table to alter it.
"""

import re

from anyascii import anyascii

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


def transliterated(text):
    """The text in Latin letters when it is written in another script (Владимир Путин ->
    'vladimir putin', 毛泽东 -> 'maozedong', 김대중 -> 'gimdaejung'), by anyascii's tables; ''
    when it is in Latin letters already."""
    latin = normalize(anyascii(text)) if text else ""
    return "" if latin == normalize(text) else latin


def run_together(name):
    """A name of two to four words written as one, as people type it into a search box
    ('Kim Jong Un' -> 'kimjongun'); '' for other names."""
    words = normalize(name).split()
    return "".join(words) if 2 <= len(words) <= 4 else ""


def sanctions_text(assessment, note="", resolutions=()):
    """What a gift's sanctions assessment is searched by: its label ('Reported as contravening
    UN sanctions'), its note (the measure: 'arms embargo', 'luxury goods') and the numbers of
    the resolutions concerned ('1718')."""
    if not assessment:
        return ""
    numbers = " ".join(str(number) for number in sorted(resolutions))
    return f"{assessment} sanctions {note} UN Security Council resolution {numbers}"


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
    sanctions="",
):
    """The (search_title, search_body) pair stored on a gift. ``sanctions`` is
    sanctions_text()."""
    body = " ".join(
        normalize(part)
        for part in (
            donor,
            run_together(donor),
            donor_original,
            transliterated(donor_original),
            donor_title,
            country,
            occasion,
            category,
            recipient,
            materials,
            description,
            note,
            sanctions,
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
        sanctions=sanctions_text(
            gift.get_sanctions_display() if gift.sanctions else "",
            gift.sanctions_note,
            resolution_numbers(gift),
        ),
    )


def resolution_numbers(gift):
    """The numbers of the UN resolutions a gift is said to contravene: none for a gift without
    a sanctions assessment or not yet saved (the links are written after the gift; a signal in
    gifts.signals then writes its search text again)."""
    if not gift.sanctions or gift.pk is None:
        return []
    return [resolution.number for resolution in gift.resolutions.all()]


def reindex(queryset):
    """Recompute the stored search text of these gifts (after a donor or country is renamed)."""
    changed = []
    gifts = queryset.select_related("donor", "country", "occasion", "category", "leader")
    for gift in gifts.prefetch_related("resolutions"):
        title, body = gift_document(gift)
        if (title, body) != (gift.search_title, gift.search_body):
            gift.search_title, gift.search_body = title, body
            changed.append(gift)
    writing.update_rows(queryset.model, changed, ["search_title", "search_body"])
    return len(changed)


# PostgreSQL: 'simple' (every word as it is) with words of letters stemmed by the snowball
# "porter" dictionary, the algorithm SQLite's porter tokenizer uses, and no stop words.
POSTGRES_CONFIGURATION = "museum_search"
POSTGRES_INDEX = [
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'museum_search') THEN
            CREATE TEXT SEARCH DICTIONARY museum_porter (TEMPLATE = snowball, LANGUAGE = porter);
            CREATE TEXT SEARCH CONFIGURATION museum_search (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION museum_search
                ALTER MAPPING FOR asciiword, word, hword, hword_part, asciihword,
                    hword_asciipart
                WITH museum_porter;
        END IF;
    END $$
    """,
    """
    ALTER TABLE gifts_gift ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('museum_search', coalesce(search_title, '')), 'A')
        || setweight(to_tsvector('museum_search', coalesce(search_body, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX IF NOT EXISTS gift_search_vector ON gifts_gift USING GIN (search_vector)",
]
SQLITE_INDEX = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS gifts_gift_fts USING fts5(
        search_title, search_body, content='gifts_gift', content_rowid='id',
        tokenize="porter unicode61 remove_diacritics 2"
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
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'table')")
            present = dict(cursor.fetchall())
            if SQLITE_TRIGGERS.issubset(present) and "porter" in present.get("gifts_gift_fts", ""):
                return
            if "gifts_gift_fts" in present and "porter" not in present["gifts_gift_fts"]:
                uninstall_search_index(connection)  # an index without stemming, from before 0011
            for statement in SQLITE_INDEX:
                cursor.execute(statement)
            cursor.execute("INSERT INTO gifts_gift_fts(gifts_gift_fts) VALUES ('rebuild')")


def uninstall_search_index(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS gift_search_vector")
            cursor.execute("ALTER TABLE gifts_gift DROP COLUMN IF EXISTS search_vector")
            cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS museum_search")
            cursor.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS museum_porter")
        elif connection.vendor == "sqlite":
            for trigger in sorted(SQLITE_TRIGGERS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute("DROP TABLE IF EXISTS gifts_gift_fts")
