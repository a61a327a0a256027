"""
How a cell of a register becomes a value: one reader per kind of value, shared by the seed data's
importer (gifts.importer) and the admin's CSV and Excel import (desk.imports). Each raises
ValueError with a sentence a registrar can act on, which the importer puts after the file, line
and column.
"""

import datetime
import decimal
import re

from desk.models import DatePrecision
from exports.formats import unneutralise

# ASCII digits: \d would take other scripts' digits too.
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
PARTIAL_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
LARGEST = 10**12
YES = {"1", "true", "yes", "y"}
NO = {"0", "false", "no", "n", ""}
PRECISIONS = [DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY]


def cell_text(value):
    """A cell as stripped text ('' for an empty cell); Excel numbers lose a trailing .0, and the
    quote an export put before a formula-like cell (exports.formats.neutralise) comes off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip()).strip()


def whole_number(cell):
    """'1,200' to 1200; None for an empty cell."""
    if cell == "":
        return None
    try:
        number = decimal.Decimal(cell.replace(",", "").replace(" ", ""))
    except decimal.InvalidOperation:
        raise ValueError(f"'{cell}' is not a number.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"'{cell}' is not a whole number.")
    if abs(number) >= LARGEST:
        raise ValueError(f"'{cell}' is too large a number.")
    return int(number)


def iso_date(cell):
    """'1981-02-27' to a date; None for an empty cell."""
    if cell == "":
        return None
    if not ISO_DATE.match(cell):
        raise ValueError(f"'{cell}' is not a date in the form YYYY-MM-DD.")
    return _date(cell, [int(part) for part in cell.split("-")])


def partial_date(cell):
    """'1985', '1985-06' or '1985-06-19' to (the first day it can be, how much is known)."""
    if not PARTIAL_DATE.match(cell):
        raise ValueError(f"'{cell}' is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD.")
    parts = [int(part) for part in cell.split("-")]
    return _date(cell, parts + [1] * (3 - len(parts))), PRECISIONS[len(parts) - 1]


def _date(cell, numbers):
    try:
        return datetime.date(*numbers)
    except ValueError:
        raise ValueError(f"'{cell}' is not a real date.") from None


def yes_no(cell):
    """yes, y, true or 1 to True; no, n, false, 0 or an empty cell to False (any case)."""
    answer = cell.lower()
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise ValueError(f"'{cell}' is not yes or no (use 1 or 0).")
