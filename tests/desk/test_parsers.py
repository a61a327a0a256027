"""The readers every import shares (desk.parsers): the seed data's and the admin's."""

import datetime

import pytest

from desk import parsers
from desk.models import DatePrecision


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1985", (datetime.date(1985, 1, 1), DatePrecision.YEAR)),
        ("1985-06", (datetime.date(1985, 6, 1), DatePrecision.MONTH)),
        ("1985-06-19", (datetime.date(1985, 6, 19), DatePrecision.DAY)),
    ],
)
def test_a_partial_date_says_how_much_is_known(cell, expected):
    assert parsers.partial_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("June 1985", "'June 1985' is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD."),
        ("1985-13", "'1985-13' is not a real date."),
        ("1985-02-30", "'1985-02-30' is not a real date."),
        ("١٩٨٥", "is not a date in the form"),
    ],
)
def test_a_date_that_is_not_one_is_refused_with_the_reason(cell, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parsers.partial_date(cell)


def test_the_admin_import_takes_whole_days_only():
    assert parsers.iso_date("1981-02-27") == datetime.date(1981, 2, 27)
    assert parsers.iso_date("") is None
    with pytest.raises(ValueError, match="not a date in the form YYYY-MM-DD"):
        parsers.iso_date("1981-02")


@pytest.mark.parametrize("cell", ["yes", "Y", "TRUE", "1"])
def test_yes(cell):
    assert parsers.yes_no(cell) is True


@pytest.mark.parametrize("cell", ["no", "N", "false", "0", ""])
def test_no(cell):
    assert parsers.yes_no(cell) is False


def test_neither_yes_nor_no_is_refused():
    with pytest.raises(ValueError, match="'maybe' is not yes or no"):
        parsers.yes_no("maybe")


@pytest.mark.parametrize(("cell", "number"), [("12", 12), ("1,200", 1200), ("3.0", 3), ("", None)])
def test_whole_numbers(cell, number):
    assert parsers.whole_number(cell) == number


@pytest.mark.parametrize("cell", ["a dozen", "2.5", "²", "NaN", "Infinity"])
def test_what_is_not_a_whole_number_is_refused(cell):
    with pytest.raises(ValueError, match="is not a (whole )?number"):
        parsers.whole_number(cell)


@pytest.mark.parametrize("cell", ["1e400", "9999999999999"])
def test_a_number_no_register_holds_is_refused(cell):
    with pytest.raises(ValueError, match="is too large a number"):
        parsers.whole_number(cell)


def test_a_cell_is_read_as_text_without_an_exports_guard_quote():
    assert parsers.cell_text(None) == ""
    assert parsers.cell_text(1985.0) == "1985"
    assert parsers.cell_text("  '=SUM(A1)  ") == "=SUM(A1)"
