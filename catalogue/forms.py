"""
The gift listing's query string: what each key means, what values it takes, and the error a
visitor sees for a value that does not exist. A plain Django form: one field per facet of the
table (catalogue.facets), then the years, one field per yes/no facet (FLAGS), the search and the
sort.

The form validates against the in-memory collection (catalogue.index), so checking a donor's
slug among 10,000 costs a dictionary look-up, not a query. It can filter a queryset too
(``filter_queryset``, through each facet's ORM path); the listing itself is answered by
catalogue.index from ``selection()``, and the tests check that both give the same gifts.
"""

from django import forms

from catalogue import index, search
from catalogue.cards import VIEWS
from catalogue.facets import FACETS, FLAGS
from catalogue.numbers import WholeNumberField

MAX_VALUES = 50


class KeysField(forms.MultipleChoiceField):
    """Several values of one key, each checked against the collection's keys in one look-up."""

    def __init__(self, *, allowed=None, noun="value", **kwargs):
        super().__init__(choices=(), **kwargs)
        self.allowed = allowed or {}
        self.noun = noun

    def to_python(self, value):
        # An empty value (?country= from a form's "any" choice) asks for nothing: without it, the
        # "none" option's empty key would pass as a choice and break the facet counts.
        return [item for item in super().to_python(value) if item != ""]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_VALUES:
            raise forms.ValidationError(f"Choose at most {MAX_VALUES} of them.", code="too_many")
        unknown = [item for item in value if item not in self.allowed]
        if unknown:
            names = ", ".join(f"“{item[:60]}”" for item in unknown[:3])
            raise forms.ValidationError(
                f"There is no {self.noun} {names} in the collection.", code="unknown"
            )


class YearField(WholeNumberField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


class YesNoField(forms.Field):
    """true/false (or yes/no, 1/0); anything else is an error, not silently ignored."""

    values = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        answer = self.values.get(str(value).strip().lower())
        if answer is None:
            raise forms.ValidationError("Choose true or false.", code="invalid")
        return answer


def listing_fields(collection):
    """The listing form's fields for a collection version: one per facet of the table (checked
    against the version's keys), the years, one per yes/no facet, the search, sort and view."""
    return {
        **{
            facet.key: KeysField(
                required=False,
                label=facet.field_label,
                allowed=collection.dimensions[facet.key].by_key,
                noun=facet.label,
            )
            for facet in FACETS
        },
        "year_from": YearField(required=False, label="From year"),
        "year_to": YearField(required=False, label="To year"),
        **{flag.key: YesNoField(required=False, label=flag.title) for flag in FLAGS},
        "q": forms.CharField(required=False, max_length=200, label="Search"),
        "sort": forms.ChoiceField(
            required=False, choices=list(index.SORTS.items()), label="Sort by"
        ),
        "view": forms.ChoiceField(
            required=False, choices=[(v, v.capitalize()) for v in VIEWS], label="View"
        ),
    }


class ListingForm(forms.Form):
    """The listing's query string. Its fields are made once per collection version and shared
    by every form of that version (validating a value never changes a field): making twenty
    fields, and copying them as a form otherwise does, was a tenth of a listing's time."""

    def __init__(self, data=None, *, collection=None):
        super().__init__(data)
        self.collection = collection or index.collection()
        self.fields = dict(
            self.collection.forms.get_or_set("listing", lambda: listing_fields(self.collection))
        )

    @property
    def sort_order(self):
        value = self.cleaned_data.get("sort") if self.is_valid() else None
        query = self.cleaned_data.get("q") if self.is_valid() else ""
        if value == "relevance" and not query:
            return index.DEFAULT_SORT
        return value or ("relevance" if query else index.DEFAULT_SORT)

    def search_matches(self, query):
        """Matches of a respelt query (catalogue.panels.respellings), kept with the collection
        (so until anything changes). A visitor's own search is kept by the listing's engine, as
        rows (catalogue.index: Collection.searched), and asked of the database only when it is
        not: ranking a common word's matches is the costly part of a search."""
        terms = tuple(search.query_terms(query, self.collection.leader_spellings))
        return self.collection.searches.get_or_set(
            terms, lambda: search.matches(query, self.collection.leader_spellings)
        )

    def selection(self):
        """The valid query string as a catalogue.index Selection."""
        data = self.cleaned_data
        selection = index.Selection(
            filters={facet.key: data[facet.key] for facet in FACETS if data.get(facet.key)},
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            flags={flag.key: data[flag.key] for flag in FLAGS if data.get(flag.key) is not None},
            sort=self.sort_order,
        )
        query = data.get("q") or ""
        if query.strip():
            spellings = self.collection.leader_spellings
            selection.search_matches = lambda: search.matches(query, spellings)
            # What the matches are kept under: the result's counts and order can be kept too.
            selection.search_terms = tuple(search.query_terms(query, spellings))
        return selection

    def filter_queryset(self, queryset):
        """The same filters through the ORM (what the tests check the index against)."""
        data = self.cleaned_data
        for facet in FACETS:
            if data.get(facet.key):
                queryset = queryset.filter(**{f"{facet.path}__in": data[facet.key]})
        if data.get("year_from") is not None:
            queryset = queryset.filter(date_received__year__gte=data["year_from"])
        if data.get("year_to") is not None:
            queryset = queryset.filter(date_received__year__lte=data["year_to"])
        for flag in FLAGS:
            if data.get(flag.key) is not None:
                condition = flag.condition()
                queryset = queryset.filter(condition if data[flag.key] else ~condition)
        if data.get("q"):
            # A query of punctuation alone has no words to match: it finds nothing, not everything.
            queryset = search.filter_queryset(queryset, data["q"], self.collection.leader_spellings)
        return queryset
