"""
One way to turn a page number from the query string into a page: the gift listing, a showroom's
gifts and the donor list all page through it. The number is read strictly (catalogue.numbers);
the items may be a list or an engine Result (sliced without reading every id).
"""

from django.core.paginator import InvalidPage, Paginator

from catalogue.numbers import whole_number


class NotANumber(ValueError):
    """The page asked for is not a whole number."""


class NoSuchPage(LookupError):
    """The page asked for is past either end; ``last`` is the last page there is."""

    def __init__(self, last):
        super().__init__(f"There is no such page: the last is {last}.")
        self.last = last


def page_number(value):
    """The page number the query string's text asks for (0 is a number, before the first page)."""
    number = whole_number(value)
    if number is None:
        raise NotANumber(value)
    return number


def page_of(items, number, per_page):
    """Page ``number`` of ``items``, as a Django Page."""
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(number)
    except InvalidPage as error:
        raise NoSuchPage(paginator.num_pages) from error
