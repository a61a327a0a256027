import django_filters

from donors.models import Country, Donor
from exhibitions.models import Building, Showroom
from gifts.models import Category, Gift, Leader, Occasion


class GiftFilter(django_filters.FilterSet):
    leader = django_filters.ModelChoiceFilter(queryset=Leader.objects.all(), to_field_name="slug")
    country = django_filters.ModelChoiceFilter(queryset=Country.objects.all(), to_field_name="code")
    donor = django_filters.ModelChoiceFilter(queryset=Donor.objects.all(), to_field_name="slug")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug"
    )
    occasion = django_filters.ModelChoiceFilter(
        queryset=Occasion.objects.all(), to_field_name="slug"
    )
    building = django_filters.ModelChoiceFilter(
        field_name="showroom__building", queryset=Building.objects.all(), to_field_name="slug"
    )
    showroom = django_filters.ModelChoiceFilter(
        queryset=Showroom.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = Gift
        fields = ["leader", "country", "donor", "category", "occasion", "building", "showroom"]
