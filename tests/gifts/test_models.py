import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.urls import reverse

from desk.models import DatePrecision, format_partial_date
from gifts.models import Gift, gift_address
from tests.factories import DonorFactory, GiftFactory, ShowroomFactory


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.DAY, "19 June 2024"),
        (DatePrecision.MONTH, "June 2024"),
        (DatePrecision.YEAR, "2024"),
        (DatePrecision.DECADE, "2020s"),
    ],
)
def test_a_date_is_shown_at_the_precision_it_is_known(precision, expected):
    assert format_partial_date(datetime.date(2024, 6, 19), precision) == expected


def test_an_unknown_date_is_shown_as_nothing():
    assert format_partial_date(None, DatePrecision.DAY) == ""


def test_the_accession_number_cannot_be_changed_once_saved(db):
    gift = GiftFactory(accession_number="IFE-9000")
    gift.accession_number = "IFE-9001"
    with pytest.raises(ValidationError) as error:
        gift.full_clean()
    assert "accession_number" in error.value.message_dict


def test_a_gift_on_display_needs_a_showroom(db):
    gift = GiftFactory.build(on_display=True, showroom=None)
    with pytest.raises(ValidationError) as error:
        gift.clean()
    assert "on_display" in error.value.message_dict


def test_the_database_refuses_a_gift_on_display_without_a_showroom(db):
    with pytest.raises(IntegrityError):
        GiftFactory(on_display=True, showroom=None)


def test_a_gift_given_away_cannot_be_placed_in_a_showroom(db):
    gift = GiftFactory.build(direction=Gift.Direction.GIVEN, showroom=ShowroomFactory())
    with pytest.raises(ValidationError) as error:
        gift.clean()
    assert "showroom" in error.value.message_dict


def test_a_gift_needs_a_leader_or_a_receiving_institution(db):
    gift = GiftFactory.build(leader=None, recipient_institution="")
    with pytest.raises(ValidationError) as error:
        gift.clean()
    assert "recipient_institution" in error.value.message_dict
    gift.recipient_institution = "Central Zoo in Pyongyang"
    gift.clean()
    assert gift.recipient == "Central Zoo in Pyongyang"


def test_a_reciprocal_gift_must_go_the_other_way(db):
    received = GiftFactory()
    answer = GiftFactory.build(
        reciprocal_of=received, leader=received.leader, direction=Gift.Direction.RECEIVED
    )
    with pytest.raises(ValidationError) as error:
        answer.clean()
    assert "reciprocal_of" in error.value.message_dict
    answer.direction = Gift.Direction.GIVEN
    answer.clean()


def test_deleting_a_donor_with_gifts_is_refused(db):
    donor = DonorFactory()
    GiftFactory(donor=donor)
    with pytest.raises(ProtectedError):
        donor.delete()


def test_visitors_querysets_hold_published_received_gifts_only(db):
    shown = GiftFactory()
    GiftFactory(status="draft")
    GiftFactory(direction=Gift.Direction.GIVEN)
    assert list(Gift.objects.published().holdings()) == [shown]


def test_the_slug_follows_the_title(db):
    gift = GiftFactory(title="Gold cigarette case")
    assert gift.slug == "gold-cigarette-case"
    assert gift.get_absolute_url() == f"/gifts/{gift.accession_number}/"


@pytest.mark.parametrize(
    "accession_number", ["IFE-0001", "SPEC-1-0002000", "A.B~c_d", "a b", "é", ".", "..", "x?y#z"]
)
def test_a_gifts_address_is_what_reverse_gives(accession_number):
    expected = reverse("gifts:detail", kwargs={"accession_number": accession_number})
    assert gift_address(accession_number) == expected
