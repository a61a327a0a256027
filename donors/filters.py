"""
The donor list's query string: what each key means, what values it takes, and the error a
visitor sees for a value that does not exist.

Kind and country are checked and applied in memory, against the donors the collection
(catalogue.index) already holds, and the number of gifts per donor comes from its counts: only a
name search goes to the database. The FilterSet can still filter a Donor queryset
(``filterset.qs``), apart from the order by number of gifts, which only ``ranked()`` gives.
"""

import django_filters
from django import forms

from catalogue import index
from donors.models import Donor

SORTS = {"name": "Name, A to Z", "gifts": "Number of gifts, most first"}
DEFAULT_SORT = "name"


class CountryCodeField(forms.ChoiceField):
    """
    An ISO code in either case. The menu offers the countries that have donors on the list, but
    any country of the collection is a valid filter (it may just have no donors).
    """

    def __init__(self, *, known=None, **kwargs):
        super().__init__(**kwargs)
        self.known = known or {}

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def bound_data(self, data, initial):
        # So that ?country=rus shows Russia as the chosen option.
        return data.strip().upper() if isinstance(data, str) else data

    def validate(self, value):
        if value and value not in self.known:
            raise forms.ValidationError(
                "There is no country with the code “%(code)s” in the collection.",
                code="invalid_choice",
                params={"code": value[:20]},
            )


class CountryCodeFilter(django_filters.Filter):
    field_class = CountryCodeField


class DonorListForm(forms.Form):
    """The part of the query string that is not a filter: the order, which only ranked() gives
    (django-filter adds its filters' fields to this form)."""

    sort = forms.ChoiceField(
        choices=list(SORTS.items()),
        required=False,
        label="Sort by",
        error_messages={"invalid_choice": "The list cannot be sorted by “%(value)s”."},
    )


class DonorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="Name", max_length=200, widget=forms.SearchInput
    )
    kind = django_filters.ChoiceFilter(
        choices=Donor.Kind.choices,
        empty_label="Any kind",
        label="Kind",
        error_messages={"invalid_choice": "There is no kind of donor “%(value)s”."},
    )
    country = CountryCodeFilter(field_name="country__code", label="Country")

    class Meta:
        model = Donor
        fields = []
        form = DonorListForm

    def __init__(self, data=None, *args, collection=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.collection = collection or index.collection()
        self.counts = self.collection.counts("donor")
        self.filters["country"].extra.update(
            known=self.collection.labels("country"),
            choices=[("", "Any country"), *self.country_choices()],
        )

    def country_choices(self):
        """The countries of the donors that have gifts (and the one asked for), by name."""
        donors = self.collection.options("donor")
        ids = {option.extra["country_id"] for option in donors if option.key in self.counts}
        asked = str(self.data.get("country", "")).strip().upper()
        countries = self.collection.options("country")
        chosen = [o for o in countries if o.id in ids or o.key == asked]
        return [(o.key, o.label) for o in sorted(chosen, key=lambda o: o.label.casefold())]

    def filter_search(self, queryset, name, value):
        # Either name, with or without diacritics: "ceausescu", "Ceaușescu", "Путин".
        return queryset.search(value)

    def ranked(self):
        """(slug, number of gifts) of every matching donor with published holdings, in order."""
        data = self.form.cleaned_data
        donors = [o for o in self.collection.options("donor") if o.key in self.counts]
        if data.get("kind"):
            donors = [o for o in donors if o.extra["kind"] == data["kind"]]
        if data.get("country"):
            country_id = self.collection.option("country", data["country"]).id
            donors = [o for o in donors if o.extra["country_id"] == country_id]
        if data.get("q"):
            matching = set(
                self.filter_search(Donor.objects.public(), "q", data["q"]).values_list(
                    "id", flat=True
                )
            )
            donors = [o for o in donors if o.id in matching]
        if (data.get("sort") or DEFAULT_SORT) == "gifts":
            donors.sort(key=lambda o: (-self.counts[o.key], o.label.casefold(), o.key))
        else:
            donors.sort(key=lambda o: (o.label.casefold(), o.key))
        return [(o.key, self.counts[o.key]) for o in donors]
