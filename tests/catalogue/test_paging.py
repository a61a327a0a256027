"""The one page helper the gift listing, a showroom's gifts and the donor list share."""

import pytest

from catalogue.paging import NoSuchPage, NotANumber, page_number, page_of


@pytest.mark.parametrize("text", ["", "x", "-1", "١", "²", "1.5"])
def test_a_page_number_is_ascii_digits(text):
    with pytest.raises(NotANumber):
        page_number(text)


def test_a_page_past_either_end_names_the_last_page():
    assert page_of(list(range(50)), 3, 24).object_list == [48, 49]
    for number in (0, 4):
        with pytest.raises(NoSuchPage) as raised:
            page_of(list(range(50)), number, 24)
        assert raised.value.last == 3


def test_an_empty_list_has_a_first_page():
    assert list(page_of([], 1, 24)) == []
