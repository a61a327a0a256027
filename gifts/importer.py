"""
Loads the documented collection (gifts/data/collection) into the database.

Every file is read and checked before anything is written; one bad row stops the whole import with
its file, line and reason, and the write happens in one transaction. Records are matched on their
natural keys (accession number, ISO code, source key, slug), so a second run changes nothing. A
donor or occasion whose name was corrected (Nicolae Ceausescu to Nicolae Ceaușescu) keeps its
record: when no record has the new slug, the one whose name is the same without diacritics is
updated in place, and keeps its slug and web address. The importer creates and updates; it never
deletes what curators added.

Three modes: by default every record is brought in line with the files; ``keep_existing`` only
adds what is missing; ``keep_edits`` also updates the records no curator has changed since the
import wrote them (their ``updated_by`` is empty), so a site that loaded older files gets the
corrections without losing its curators' work.

Writes are bulk (existing rows are read once per table and compared in memory) so the same code
stays quick on a large file.
"""

import csv
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from desk import history, parsers, writing
from desk.models import (
    CollectionState,
    DatePrecision,
    PublicationStatus,
    refresh_planner_statistics,
)
from desk.text import fold, language_tag, slugify_name
from donors.models import Continent, Country, Donor
from exhibitions.models import Building, Fact, Showroom
from gifts.models import (
    Category,
    Citation,
    Gift,
    Leader,
    Occasion,
    Resolution,
    Source,
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data" / "collection"

REQUIRED_COLUMNS = {
    "leaders.csv": ["code", "name", "generation"],
    "countries.csv": ["iso3", "name", "continent", "historical", "successor"],
    "sources.csv": ["key", "publisher", "title", "date", "kind"],
    "resolutions.csv": ["number", "adopted", "measure"],
    "categories.csv": ["name"],
    "occasions.csv": ["name", "kind", "place"],
    "buildings.csv": ["slug", "name", "opened", "storeys", "order"],
    "holdings.csv": ["leader", "building", "source"],
    "sources-added.csv": ["key", "publisher", "title", "date", "kind"],
    "facts.csv": ["building", "topic", "value", "source", "attribution", "order"],
    "showrooms.csv": ["code", "building", "name", "floor", "theme", "tour_order"],
    "gifts.csv": [
        "ref",
        "title",
        "leader",
        "counterpart",
        "counterpart_title",
        "counterpart_type",
        "country",
        "date",
        "date_note",
        "occasion",
        "category",
        "direction",
        "reciprocal_of",
        "sanctions",
        "confidence",
        "sources",
        "note",
    ],
    "locations.csv": ["ref", "showroom", "on_display"],
    "recipients.csv": ["ref", "recipient_institution"],
    "donors.csv": ["name", "name_original", "lang"],
}

DECADE_NOTE = re.compile(r"^(\d{3}0)s$")
# Keys per look-up query.
BATCH = 5000


GIFT_LINKS = {"leader", "donor", "country", "category", "showroom", "occasion"}


class ImportFailed(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the collection files")


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Report:
    """What happened to each record, by table: created, updated or unchanged; and, among the
    unchanged, the records the files would change but the mode left as they are (``kept``)."""

    states: dict = field(default_factory=lambda: defaultdict(dict))
    kept: dict = field(default_factory=lambda: defaultdict(set))

    def counts(self, label):
        states = list(self.states[label].values())
        return {state: states.count(state) for state in (CREATED, UPDATED, UNCHANGED)}

    def lines(self):
        for label in self.states:
            counts = self.counts(label)
            line = f"{label}: " + ", ".join(f"{n} {state}" for state, n in counts.items())
            if self.kept[label]:
                line += f" ({len(self.kept[label])} the files would change, left as they are)"
            yield line

    @property
    def changed(self):
        return any(
            state != UNCHANGED for states in self.states.values() for state in states.values()
        )


@dataclass
class Row:
    file: str
    line: int
    data: dict

    def where(self):
        return f"{self.file}, line {self.line}"


class CollectionImporter:
    def __init__(
        self, data_dir=DEFAULT_DATA_DIR, keep_existing=False, keep_edits=False, progress=None
    ):
        self.data_dir = Path(data_dir)
        self.keep_existing = keep_existing
        self.keep_edits = keep_edits
        self.progress = progress or (lambda message: None)
        self.errors = []
        self.report = Report()

    # Reading and checking ---------------------------------------------------------------------

    def error(self, row_or_file, message):
        where = row_or_file.where() if isinstance(row_or_file, Row) else row_or_file
        self.errors.append(f"{where}: {message}")

    def read(self, name, optional=False):
        path = self.data_dir / name
        if not path.exists():
            if not optional:
                self.error(name, "file not found")
            return []
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                missing = [
                    c for c in REQUIRED_COLUMNS.get(name, []) if c not in (reader.fieldnames or [])
                ]
                if missing:
                    self.error(f"{name}, line 1", f"missing column(s): {', '.join(missing)}")
                    return []
                rows = []
                for data in reader:
                    if None in data:
                        self.error(f"{name}, line {reader.line_num}", "more values than columns")
                        continue
                    clean = {k: (v or "").strip() for k, v in data.items()}
                    rows.append(Row(name, reader.line_num, clean))
                return rows
        except UnicodeDecodeError:
            self.error(name, "not UTF-8 text")
        except csv.Error as error:
            self.error(name, f"not a readable CSV file ({error})")
        return []

    def keyed(self, rows, column, what):
        """Rows by their key column; a missing or repeated key is an error."""
        result = {}
        for row in rows:
            key = row.data[column]
            if not key:
                self.error(row, f"{what} has no {column}")
            elif key in result:
                self.error(row, f"{what} '{key}' appears twice (first on line {result[key].line})")
            else:
                result[key] = row
        return result

    def date_or_error(self, row, column):
        text = row.data.get(column, "")
        if not text:
            return None, DatePrecision.DAY
        try:
            return parsers.partial_date(text)
        except ValueError as error:
            self.error(row, f"{column}: {error}")
            return None, DatePrecision.DAY

    def int_or_error(self, row, column, required=False):
        text = row.data.get(column, "")
        if not text:
            if required:
                self.error(row, f"{column} is required")
            return None
        try:
            return parsers.whole_number(text)
        except ValueError as error:
            self.error(row, f"{column}: {error}")
            return None

    def yes_no_or_error(self, row, column):
        try:
            return parsers.yes_no(row.data[column])
        except ValueError as error:
            self.error(row, f"{column}: {error}")
            return False

    def choice_or_error(self, row, column, choices, required=True):
        value = row.data[column]
        if not value and not required:
            return value
        if value not in choices:
            allowed = ", ".join(sorted(c for c in choices if c))
            self.error(row, f"{column}: '{value}' is not one of {allowed}")
        return value

    def check(self):
        """Read every file and turn it into field values; collect every problem found."""
        self.progress(f"Reading and checking the files in {self.data_dir}")
        self.leaders = self.keyed(self.read("leaders.csv"), "code", "leader")
        self.countries = self.keyed(self.read("countries.csv"), "iso3", "country")
        # sources-added.csv: sources the site's own research added to the shared data's.
        sources = self.read("sources.csv") + self.read("sources-added.csv", optional=True)
        self.sources = self.keyed(sources, "key", "source")
        self.holdings = self.keyed(self.read("holdings.csv", optional=True), "leader", "holding")
        self.resolutions = self.keyed(self.read("resolutions.csv"), "number", "resolution")
        self.categories = self.keyed(self.read("categories.csv"), "name", "category")
        self.occasions = self.keyed(self.read("occasions.csv", optional=True), "name", "occasion")
        self.buildings = self.keyed(self.read("buildings.csv"), "slug", "building")
        self.facts = self.read("facts.csv")
        self.showrooms = self.keyed(self.read("showrooms.csv"), "code", "showroom")
        self.gifts = self.keyed(self.read("gifts.csv"), "ref", "gift")
        self.locations = self.keyed(self.read("locations.csv", optional=True), "ref", "location")
        self.recipients = self.keyed(self.read("recipients.csv", optional=True), "ref", "recipient")
        self.donor_names = self.keyed(self.read("donors.csv", optional=True), "name", "donor")

        self.values = {}
        self.values["resolution"] = self.check_resolutions()
        self.values["source"] = self.check_sources()
        self.values["leader"] = self.check_leaders()
        self.values["holding"] = self.check_holdings()
        self.values["category"] = self.check_categories()
        self.values["country"] = self.check_countries()
        self.values["building"] = self.check_buildings()
        self.values["showroom"] = self.check_showrooms()
        self.values["fact"] = self.check_facts()
        self.check_gifts()
        self.check_donor_names()
        if self.errors:
            raise ImportFailed(self.errors)

    def check_resolutions(self):
        values = {}
        for key, row in self.resolutions.items():
            if not key.isdigit():
                self.error(row, f"number: '{key}' is not a whole number")
                continue
            adopted, _ = self.date_or_error(row, "adopted")
            if adopted is None:
                self.error(row, "adopted: a full date is required")
            values[int(key)] = {"adopted": adopted, "measure": row.data["measure"]}
        return values

    def check_sources(self):
        values = {}
        for key, row in self.sources.items():
            published, precision = self.date_or_error(row, "date")
            values[key] = {
                "publisher": row.data["publisher"],
                "title": row.data["title"],
                "published": published,
                "published_precision": precision,
                "kind": self.choice_or_error(row, "kind", Source.Kind.values),
                "url": row.data.get("url", ""),
            }
            if not row.data["publisher"] or not row.data["title"]:
                self.error(row, "a source needs a publisher and a title")
        return values

    def check_leaders(self):
        values = {}
        for code, row in self.leaders.items():
            data = row.data
            born, _ = self.date_or_error(row, "born")
            died, _ = self.date_or_error(row, "died")
            values[code] = {
                "name": data["name"],
                "slug": slugify_name(data["name"]),
                "name_hyphenated": data.get("hyphenated", ""),
                "name_hangul": data.get("hangul", ""),
                "name_hanja": data.get("hanja", ""),
                "name_mccune_reischauer": data.get("mccune_reischauer", ""),
                "name_revised_romanization": data.get("revised_romanization", ""),
                "generation": self.int_or_error(row, "generation", required=True),
                "born": born,
                "born_note": data.get("born_note", ""),
                "died": died,
                "rule_from": self.int_or_error(row, "rule_from"),
                "rule_to": self.int_or_error(row, "rule_to"),
                "biography": data.get("note", ""),
            }
        return values

    def check_holdings(self):
        """Which building the sources say holds each leader's gifts: leader -> (building slug,
        source key)."""
        values = {}
        for code, row in self.holdings.items():
            building, source = row.data["building"], row.data["source"]
            if code not in self.leaders:
                self.error(row, f"leader: unknown leader '{code}'")
            elif building not in self.buildings:
                self.error(row, f"building: unknown building '{building}'")
            elif source not in self.sources:
                self.error(row, f"source: unknown source '{source}'")
            else:
                values[code] = (building, source)
        return values

    def check_categories(self):
        values = {}
        for name, row in self.categories.items():
            numbers = [n for n in row.data.get("sanctions_resolutions", "").split(";") if n]
            for number in numbers:
                if number not in self.resolutions:
                    self.error(row, f"sanctions_resolutions: unknown resolution '{number}'")
            values[slugify_name(name)] = {"name": name}
            row.data["resolution_numbers"] = [int(n) for n in numbers if n.isdigit()]
        return values

    def check_countries(self):
        values = {}
        for code, row in self.countries.items():
            data = row.data
            if not re.fullmatch(r"[A-Z]{3}", code):
                self.error(row, f"iso3: '{code}' is not three capital letters")
            if data["successor"] and data["successor"] not in self.countries:
                self.error(row, f"successor: unknown country '{data['successor']}'")
            values[code] = {
                "name": data["name"],
                "continent": self.choice_or_error(row, "continent", Continent.values),
                "is_historical": self.yes_no_or_error(row, "historical"),
            }
        return values

    def check_buildings(self):
        values = {}
        for slug, row in self.buildings.items():
            opened, _ = self.date_or_error(row, "opened")
            values[slug] = {
                "name": row.data["name"],
                "name_korean": row.data.get("name_korean", ""),
                "opened": opened,
                "storeys": self.int_or_error(row, "storeys"),
                "order": self.int_or_error(row, "order") or 0,
                "description": row.data.get("description", ""),
            }
        return values

    def check_showrooms(self):
        values = {}
        for code, row in self.showrooms.items():
            data = row.data
            if data["building"] not in self.buildings:
                self.error(row, f"building: unknown building '{data['building']}'")
            if data.get("country") and data["country"] not in self.countries:
                self.error(row, f"country: unknown country '{data['country']}'")
            values[code] = {
                "building": data["building"],
                "name": data["name"],
                "slug": slugify_name(code),
                "floor": self.int_or_error(row, "floor", required=True),
                "theme": self.choice_or_error(row, "theme", Showroom.Theme.values),
                "continent": self.choice_or_error(
                    row, "continent", Continent.values, required=False
                ),
                "country": data.get("country", ""),
                "period_start": self.int_or_error(row, "period_start"),
                "period_end": self.int_or_error(row, "period_end"),
                "tour_order": self.int_or_error(row, "tour_order") or 0,
                "description": data.get("description", ""),
            }
        return values

    def check_facts(self):
        values = []
        for row in self.facts:
            data = row.data
            if data["building"] and data["building"] not in self.buildings:
                self.error(row, f"building: unknown building '{data['building']}'")
            if data["source"] and data["source"] not in self.sources:
                self.error(row, f"source: unknown source '{data['source']}'")
            if not data["topic"] or not data["value"]:
                self.error(row, "a fact needs a topic and a value")
            values.append(data | {"order": self.int_or_error(row, "order") or 0})
        return values

    def check_gifts(self):
        self.gift_values = {}
        self.gift_links = {}
        occasion_dates = defaultdict(list)
        donors = {}
        # Each enum's .values builds a new list: asked once here rather than per row.
        kinds, directions = set(Donor.Kind.values), set(Gift.Direction.values)
        sanction_values, confidences = set(Gift.Sanctions.values), set(Gift.Confidence.values)
        for ref, row in self.gifts.items():
            data = row.data
            if not data["title"]:
                self.error(row, "title is required")
            if not data["counterpart"]:
                self.error(row, "counterpart is required")
            if data["leader"] and data["leader"] not in self.leaders:
                self.error(row, f"leader: unknown leader '{data['leader']}'")
            if data["country"] not in self.countries:
                self.error(row, f"country: unknown country '{data['country']}'")
            if data["category"] not in self.categories:
                self.error(row, f"category: unknown category '{data['category']}'")
            kind = self.choice_or_error(row, "counterpart_type", kinds)
            direction = self.choice_or_error(row, "direction", directions)
            sanctions = self.choice_or_error(row, "sanctions", sanction_values, False)
            confidence = self.choice_or_error(row, "confidence", confidences)
            date, precision = self.date_or_error(row, "date")
            decade = DECADE_NOTE.match(data["date_note"])
            if date and precision == DatePrecision.YEAR and decade and decade[1] == str(date.year):
                precision = DatePrecision.DECADE

            reciprocal = data["reciprocal_of"]
            if reciprocal and reciprocal not in self.gifts:
                self.error(row, f"reciprocal_of: unknown gift '{reciprocal}'")
            elif reciprocal and self.gifts[reciprocal].data["direction"] == direction:
                self.error(row, f"reciprocal_of: '{reciprocal}' goes the same way as this gift")

            source_keys = [k.strip() for k in data["sources"].split(";") if k.strip()]
            for key in source_keys:
                if key not in self.sources:
                    self.error(row, f"sources: unknown source '{key}'")
            if not source_keys:
                self.error(row, "sources: every gift needs at least one source")

            recipient = self.recipients.get(ref)
            institution = recipient.data["recipient_institution"] if recipient else ""
            if not data["leader"] and not institution:
                self.error(row, "no leader, and recipients.csv names no receiving institution")

            location = self.locations.get(ref)
            showroom, on_display = "", False
            if location:
                showroom = location.data["showroom"]
                on_display = self.yes_no_or_error(location, "on_display")
                if showroom not in self.showrooms:
                    self.error(location, f"showroom: unknown showroom '{showroom}'")
                if direction == Gift.Direction.GIVEN:
                    self.error(location, f"'{ref}' was given away: it cannot have a showroom")

            donor_slug = slugify_name(data["counterpart"])[:200]
            if donor_slug:
                # A donor's kind is the one of their latest gift (Xi Jinping gave as Vice
                # President, then as President); each gift keeps the kind at the time.
                latest = donors.get(donor_slug)
                if latest is None or (date or datetime.date.min) >= latest["date"]:
                    donors[donor_slug] = {
                        "name": data["counterpart"],
                        "kind": kind,
                        "country": data["country"],
                        "date": date or datetime.date.min,
                    }
            occasion = data["occasion"]
            if occasion:
                occasion_dates[occasion].append((date, precision))

            category = self.categories.get(data["category"])
            resolution_numbers = (
                category.data["resolution_numbers"] if category and sanctions else []
            )
            self.gift_values[ref] = {
                "title": data["title"],
                "slug": slugify_name(data["title"])[:300],
                "leader": data["leader"],
                "recipient_institution": institution,
                "donor": donor_slug,
                "donor_title": data["counterpart_title"],
                "donor_kind": kind,
                "country": data["country"],
                "date_received": date,
                "date_precision": precision,
                "date_note": data["date_note"],
                "occasion": occasion,
                "category": slugify_name(data["category"]),
                "direction": direction,
                "showroom": showroom,
                "on_display": on_display,
                "sanctions": sanctions,
                "sanctions_note": category.data.get("sanctions_note", "")
                if resolution_numbers
                else "",
                "confidence": confidence,
                "note": data["note"],
                "status": PublicationStatus.PUBLISHED,
            }
            self.gift_links[ref] = {
                "reciprocal_of": reciprocal,
                "sources": source_keys,
                "resolutions": resolution_numbers,
            }
        for ref in self.locations:
            if ref not in self.gifts:
                self.error(self.locations[ref], f"unknown gift '{ref}'")
        self.values["donor"] = donors
        self.values["occasion"] = self.occasion_values(occasion_dates)

    def check_donor_names(self):
        """donors.csv: the original name and its language of donors named in gifts.csv."""
        donors = {values["name"]: slug for slug, values in self.values["donor"].items()}
        for name, row in self.donor_names.items():
            original, lang = row.data["name_original"], row.data["lang"]
            slug = donors.get(name)
            if slug is None:
                self.error(row, f"name: '{name}' is not a counterpart in gifts.csv")
                continue
            if not original or not lang:
                self.error(row, "a donor's original name needs both name_original and lang")
                continue
            try:
                lang = language_tag(lang)
            except ValueError as error:
                self.error(row, f"lang: {error}")
                continue
            self.values["donor"][slug] |= {"name_original": original, "name_original_lang": lang}

    def occasion_values(self, occasion_dates):
        values = {}
        for name, dates in occasion_dates.items():
            known = sorted(d for d in dates if d[0])
            extra = self.occasions.get(name)
            kind = extra.data["kind"] if extra else Occasion.Kind.OTHER
            if extra and kind not in Occasion.Kind.values:
                self.error(extra, f"kind: '{kind}' is not one of {', '.join(Occasion.Kind.values)}")
            start, precision = known[0] if known else (None, DatePrecision.DAY)
            end = known[-1][0] if known and known[-1][1] == DatePrecision.DAY else None
            values[slugify_name(name)[:255]] = {
                "name": name,
                "kind": kind,
                "place": extra.data["place"] if extra else "",
                "start_date": start,
                "end_date": end
                if end and end != start and precision == DatePrecision.DAY
                else None,
                "date_precision": precision,
            }
        return values

    # Writing ------------------------------------------------------------------------------------

    def run(self):
        self.check()
        try:
            with transaction.atomic():
                self.write()
        except IntegrityError as error:
            raise ImportFailed([f"the database refused the import: {error}"]) from error
        if self.report.changed:
            CollectionState.bump()
            refresh_planner_statistics(Gift, Donor, Country, Occasion, Citation)
        return self.report

    def sync(self, label, model, key_field, rows, renamed=None, prepare=None):
        """
        Create or update ``model`` rows keyed by ``key_field``. ``rows`` maps key to field values
        (attribute names: ``country_id``, not ``country``). Returns the model objects by key.

        ``renamed`` names the field a row's key is made from (a slug from the name): a row whose
        key no record has updates the one record whose name is the same without diacritics, if
        there is one, which keeps its key. The values a model derives from its others (search
        text) are set on every record written (desk.writing.derive), after ``prepare(obj)`` (which
        gives a gift its linked records without a query each).
        """
        self.progress(f"Writing {label.lower()} ({len(rows):,})")
        existing = {}
        keys = list(rows)
        for start in range(0, len(keys), BATCH):
            existing.update(
                model.objects.in_bulk(keys[start : start + BATCH], field_name=key_field)
            )
        if renamed and len(existing) < len(rows):
            existing.update(self.renamed_records(model, key_field, rows, existing, renamed))
        states, kept = self.report.states[label], self.report.kept[label]
        to_create, to_update, changed_fields = [], [], set()
        for key, values in rows.items():
            obj = existing.get(key)
            if obj is None:
                obj = model(**{key_field: key}, **values)
                if prepare:
                    prepare(obj)
                writing.derive(obj)
                if hasattr(obj, "status") and "status" not in values:
                    obj.status = PublicationStatus.PUBLISHED  # the documented collection is live
                to_create.append(obj)
                states[key] = CREATED
                continue
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed and not self.may_update(obj):
                kept.add(key)
                changed = []
            for name in changed:
                setattr(obj, name, values[name])
            if self.may_update(obj):
                if prepare:
                    prepare(obj)
                changed += writing.derive(obj)
            if not changed:
                states[key] = UNCHANGED
                continue
            changed_fields.update(changed)
            to_update.append(obj)
            states[key] = UPDATED
        writing.write(model, to_create, to_update, sorted(changed_fields))
        existing.update({getattr(obj, key_field): obj for obj in to_create})
        return existing

    def renamed_records(self, model, key_field, rows, existing, name_field):
        """
        Records for the rows no record has the key of, found by their name without diacritics
        or case ('Pham Van Dong' for 'Phạm Văn Đồng'): the key made from a corrected name can
        differ from the one made before (Django's slugify dropped Đ). One query, of the whole
        table, made only when some keys are new; a name shared by two records matches neither.
        """
        taken = {obj.pk for obj in existing.values()}
        by_name = defaultdict(list)
        records = model.objects.values_list("pk", key_field, name_field).iterator(BATCH)
        for pk, key, name in records:
            if pk not in taken and key not in rows:
                by_name[fold(name).casefold()].append(pk)
        wanted = defaultdict(list)
        for key, values in rows.items():
            if key not in existing:
                wanted[fold(values[name_field]).casefold()].append(key)
        pairs = {
            keys[0]: by_name[name][0]
            for name, keys in wanted.items()
            if len(keys) == 1 and len(by_name.get(name, ())) == 1
        }
        objects = model.objects.in_bulk(list(pairs.values()))
        return {key: objects[pk] for key, pk in pairs.items()}

    def may_update(self, obj):
        """Whether an existing record may be changed to what the files say (see the modes)."""
        if self.keep_existing:
            return False
        if self.keep_edits:
            # Only records with audit fields tell whether a curator changed them.
            return hasattr(obj, "updated_by_id") and obj.updated_by_id is None
        return True

    def changed_fields(self, obj, values):
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        return changed if self.may_update(obj) else []

    def sync_links(self, label, model, links, objects, fill_empty=False):
        """Second pass for links between rows of one table, once every row has its id. With
        ``fill_empty``, a record the mode keeps as it is still gets the links it lacks (what a
        release adds, as --keep-edits promises), never a link changed."""
        states = self.report.states[label]
        to_update = []
        for key, values in links.items():
            obj = objects[key]
            if states[key] != CREATED and not self.may_update(obj):
                values = {
                    name: value
                    for name, value in values.items()
                    if fill_empty and getattr(obj, name) is None
                }
                if not values:
                    continue
            if any(getattr(obj, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(obj, name, value)
                to_update.append(obj)
                if states[key] == UNCHANGED:
                    states[key] = UPDATED
        if to_update:
            writing.write(model, updated=to_update, fields=list(next(iter(links.values()))))

    def write(self):
        values = self.values
        self.sync("Resolutions", Resolution, "number", values["resolution"])
        sources = self.sync("Sources", Source, "key", values["source"])
        leaders = self.sync("Leaders", Leader, "code", values["leader"])
        categories = self.sync("Categories", Category, "slug", values["category"])

        countries = self.sync("Countries", Country, "code", values["country"])
        successors = {
            code: {
                "successor_id": countries[row.data["successor"]].pk
                if row.data["successor"]
                else None
            }
            for code, row in self.countries.items()
        }
        self.sync_links("Countries", Country, successors, countries)

        # The original name only where donors.csv gives one: others keep what curators wrote.
        original = ("name_original", "name_original_lang")
        donor_rows = {
            slug: {
                "name": donor["name"],
                "kind": donor["kind"],
                "country_id": countries[donor["country"]].pk,
                **{name: donor[name] for name in original if name in donor},
            }
            for slug, donor in values["donor"].items()
        }
        donors = self.sync("Donors", Donor, "slug", donor_rows, renamed="name")
        occasions = self.sync("Occasions", Occasion, "slug", values["occasion"], renamed="name")
        occasions_by_name = {
            row["name"]: occasions[slug] for slug, row in values["occasion"].items()
        }
        buildings = self.sync("Buildings", Building, "slug", values["building"])
        leader_buildings = {
            code: {
                "building_id": buildings[holding[0]].pk if holding else None,
                "building_source_id": sources[holding[1]].pk if holding else None,
            }
            for code in leaders
            for holding in [values["holding"].get(code)]
        }
        self.sync_links("Leaders", Leader, leader_buildings, leaders, fill_empty=True)
        showroom_rows = {
            code: {
                **{k: v for k, v in row.items() if k not in {"building", "country"}},
                "building_id": buildings[row["building"]].pk,
                "country_id": countries[row["country"]].pk if row["country"] else None,
            }
            for code, row in values["showroom"].items()
        }
        showrooms = self.sync("Showrooms", Showroom, "code", showroom_rows)
        self.write_facts(buildings, sources)

        def pk(objects, key):
            return objects[key].pk if key else None

        gift_rows = {
            ref: {
                **{k: v for k, v in row.items() if k not in GIFT_LINKS},
                "leader_id": pk(leaders, row["leader"]),
                "donor_id": pk(donors, row["donor"]),
                "country_id": pk(countries, row["country"]),
                "category_id": pk(categories, row["category"]),
                "showroom_id": pk(showrooms, row["showroom"]),
                "occasion_id": pk(occasions_by_name, row["occasion"]),
            }
            for ref, row in self.gift_values.items()
        }
        related = {
            "leader": {obj.pk: obj for obj in leaders.values()},
            "donor": {obj.pk: obj for obj in donors.values()},
            "country": {obj.pk: obj for obj in countries.values()},
            "category": {obj.pk: obj for obj in categories.values()},
            "occasion": {obj.pk: obj for obj in occasions.values()},
        }

        def link_records(gift):
            """The records as written, for Gift.derived_values (no query per gift)."""
            for name, objects in related.items():
                related_id = getattr(gift, f"{name}_id")
                setattr(gift, name, objects[related_id] if related_id else None)

        gifts = self.sync("Gifts", Gift, "accession_number", gift_rows, prepare=link_records)
        reciprocals = {
            ref: {"reciprocal_of_id": pk(gifts, link["reciprocal_of"])}
            for ref, link in self.gift_links.items()
        }
        self.sync_links("Gifts", Gift, reciprocals, gifts)
        self.write_citations(gifts, sources)
        self.write_gift_resolutions(gifts)
        self.write_history(
            ("Donors", Donor, donors),
            ("Occasions", Occasion, occasions),
            ("Sources", Source, sources),
            ("Buildings", Building, buildings),
            ("Showrooms", Showroom, showrooms),
            ("Gifts", Gift, gifts),
        )

    def write_history(self, *tables):
        """
        A version of every record created or updated, for the models that keep a history
        (desk.history): copied in bulk from the rows as written, by no one, with the change
        reason "import_collection".
        """
        now = timezone.now()
        for label, model, objects in tables:
            states = self.report.states[label]
            for state, history_type in ((CREATED, "+"), (UPDATED, "~")):
                pks = [objects[key].pk for key, value in states.items() if value == state]
                history.record_history(model, pks, history_type, reason=history.IMPORT, date=now)

    def write_facts(self, buildings, sources):
        """Facts have no key of their own: a fact is its subject, topic and value."""
        rows = {}
        for data in self.values["fact"]:
            building_id = buildings[data["building"]].pk if data["building"] else None
            rows[(building_id, data["topic"], data["value"])] = {
                "source_id": sources[data["source"]].pk if data["source"] else None,
                "attribution": data["attribution"],
                "order": data["order"],
            }
        states = self.report.states["Facts"]
        existing = {(f.building_id, f.topic, f.value): f for f in Fact.objects.all()}
        to_create, to_update = [], []
        for key, values in rows.items():
            fact = existing.get(key)
            if fact is None:
                building_id, topic, value = key
                to_create.append(
                    Fact(
                        building_id=building_id,
                        topic=topic,
                        value=value,
                        status=PublicationStatus.PUBLISHED,
                        **values,
                    )
                )
                states[key] = CREATED
            elif changed := self.changed_fields(fact, values):
                for name in changed:
                    setattr(fact, name, values[name])
                to_update.append(fact)
                states[key] = UPDATED
            else:
                states[key] = UNCHANGED
        writing.write(Fact, to_create, to_update, ["source_id", "attribution", "order"])
        now = timezone.now()
        for rows, history_type in ((to_create, "+"), (to_update, "~")):
            pks = [fact.pk for fact in rows if fact.pk is not None]
            history.record_history(Fact, pks, history_type, reason=history.IMPORT, date=now)

    def write_citations(self, gifts, sources):
        states = self.report.states["Citations"]
        gift_ids = [gift.pk for gift in gifts.values()]
        existing = {}
        for start in range(0, len(gift_ids), BATCH):
            for citation in Citation.objects.filter(gift_id__in=gift_ids[start : start + BATCH]):
                existing[(citation.gift_id, citation.source_id)] = citation
        to_create, to_update = [], []
        for ref, link in self.gift_links.items():
            for order, key in enumerate(link["sources"]):
                pair = (gifts[ref].pk, sources[key].pk)
                citation = existing.get(pair)
                if citation is None:
                    to_create.append(Citation(gift_id=pair[0], source_id=pair[1], order=order))
                    states[pair] = CREATED
                elif self.changed_fields(citation, {"order": order}):
                    citation.order = order
                    to_update.append(citation)
                    states[pair] = UPDATED
                else:
                    states[pair] = UNCHANGED
        writing.write(Citation, to_create, to_update, ["order"])

    def write_gift_resolutions(self, gifts):
        states = self.report.states["Sanctions links"]
        through = Gift.resolutions.through
        resolution_ids = dict(Resolution.objects.values_list("number", "pk"))
        wanted = {
            (gifts[ref].pk, resolution_ids[number])
            for ref, link in self.gift_links.items()
            for number in link["resolutions"]
        }
        present = set()
        gift_ids = sorted({gift_id for gift_id, _ in wanted})
        for start in range(0, len(gift_ids), BATCH):
            present |= set(
                through.objects.filter(gift_id__in=gift_ids[start : start + BATCH]).values_list(
                    "gift_id", "resolution_id"
                )
            )
        writing.write(through, [through(gift_id=g, resolution_id=r) for g, r in wanted - present])
        for pair in wanted:
            states[pair] = UNCHANGED if pair in present else CREATED
