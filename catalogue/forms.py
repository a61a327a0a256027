"""
The gift listing's query string: what each key means, what values it takes, and the error a
visitor sees for a value that does not exist.

The FilterSet validates against the in-memory collection (catalogue.index), so checking a donor's
slug among 10,000 costs a dictionary look-up, not a query. It can filter a queryset too
(``filterset.qs``); the listing itself is answered by catalogue.index from ``selection()``, and
the tests check that both give the same gifts.
"""

import copy

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from catalogue import index as listing
from catalogue import search
from catalogue.numbers import WholeNumberField
from gifts.models import Gift, GiftImage

# Query-string key -> (dimension in catalogue.index, ORM path, what a visitor calls it)
KEYED_FILTERS = {
    "leader": ("leader", "leader__slug", "leader"),
    "country": ("country", "country__code", "country"),
    "continent": ("continent", "country__continent", "continent"),
    "donor": ("donor", "donor__slug", "donor"),
    "donor_kind": ("donor_kind", "donor_kind", "kind of donor"),
    "category": ("category", "category__slug", "category"),
    "occasion": ("occasion", "occasion__slug", "occasion"),
    "building": ("building", "showroom__building__slug", "building"),
    "showroom": ("showroom", "showroom__slug", "showroom"),
    "sanctions": ("sanctions", "sanctions", "sanctions assessment"),
    "confidence": ("confidence", "confidence", "confidence mark"),
}
MAX_VALUES = 50


SEARCH_MEMO_MATCHES = 2_000_000


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


class KeysFilter(django_filters.MultipleChoiceFilter):
    field_class = KeysField


class YearField(WholeNumberField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


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


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class ShallowCopies(dict):
    """
    django-filter deep-copies every filter for each FilterSet it makes; a filter here needs only
    its own ``extra`` (a third of the listing's Python time went into those deep copies).
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, original in self.items():
            copies[name] = copy.copy(original)
            copies[name].extra = dict(original.extra)
        return copies


class GiftFilter(django_filters.FilterSet):
    leader = KeysFilter(field_name="leader__slug")
    country = KeysFilter(field_name="country__code")
    continent = KeysFilter(field_name="country__continent")
    donor = KeysFilter(field_name="donor__slug")
    donor_kind = KeysFilter(field_name="donor_kind")  # the kind at the time of the gift
    category = KeysFilter(field_name="category__slug")
    occasion = KeysFilter(field_name="occasion__slug")
    building = KeysFilter(field_name="showroom__building__slug")
    showroom = KeysFilter(field_name="showroom__slug")
    sanctions = KeysFilter(field_name="sanctions")
    confidence = KeysFilter(field_name="confidence")
    year_from = YearFilter(field_name="date_received__year", lookup_expr="gte", label="From year")
    year_to = YearFilter(field_name="date_received__year", lookup_expr="lte", label="To year")
    on_display = YesNoFilter(field_name="on_display", label="On display")
    has_image = YesNoFilter(method="filter_has_image", label="With a photograph")
    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)
    sort = django_filters.ChoiceFilter(
        choices=list(listing.SORTS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Gift
        fields = []

    def __init__(self, data=None, *args, collection=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.collection = collection or listing.collection()
        for key, (dimension, _, noun) in KEYED_FILTERS.items():
            self.filters[key].extra.update(
                allowed=self.collection.dimensions[dimension].by_key, noun=noun
            )

    def filter_has_image(self, queryset, name, value):
        images = Exists(GiftImage.objects.filter(gift=OuterRef("pk")))
        return queryset.filter(images if value else ~images)

    def filter_search(self, queryset, name, value):
        # A query of punctuation alone has no words to match: it finds nothing, not everything.
        return search.filter_queryset(queryset, value, self.collection.leader_spellings)

    def filter_sort(self, queryset, name, value):
        return queryset  # the order comes from catalogue.index

    @property
    def sort_order(self):
        value = self.form.cleaned_data.get("sort") if self.is_valid() else None
        query = self.form.cleaned_data.get("q") if self.is_valid() else ""
        if value == "relevance" and not query:
            return listing.DEFAULT_SORT
        return value or ("relevance" if query else listing.DEFAULT_SORT)

    def search_matches(self, query):
        """Matches of a query, kept with the collection (so until anything changes): a common
        word matches thousands of gifts, and ranking them is the costly part of a search."""
        terms = tuple(search.query_terms(query, self.collection.leader_spellings))
        memo = self.collection.memo.setdefault("search", {})
        if terms not in memo:
            ids, ranks = search.matches(query, self.collection.leader_spellings)
            # Bounded by the matches kept, not the searches: one common word can match most of
            # the collection. At most about 32 MB of arrays per worker.
            if sum(len(kept) for kept, _ in memo.values()) + len(ids) > SEARCH_MEMO_MATCHES:
                memo.clear()
            memo[terms] = ids, ranks
        return memo[terms]

    def selection(self):
        """The valid query string as a catalogue.index Selection."""
        data = self.form.cleaned_data
        selection = listing.Selection(
            filters={key: data[key] for key in KEYED_FILTERS if data.get(key)},
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            on_display=data.get("on_display"),
            has_image=data.get("has_image"),
            sort=self.sort_order,
        )
        query = data.get("q") or ""
        if query.strip():
            selection.search_ids, selection.search_ranks = self.search_matches(query)
        return selection


GiftFilter.base_filters = ShallowCopies(GiftFilter.base_filters)
