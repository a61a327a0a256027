"""
Whole numbers in query strings (page, decade, years, ids), read one strict way: ASCII digits only.

Python's int() and str.isdigit() take far more than a visitor types: int("١٩٩٠") is 1990,
int("１２") is 12, and "²".isdigit() is True while int("²") raises, which was a 500. Django's
IntegerField calls int() too. Here a number is 1 to 18 ASCII digits within the bounds given;
anything else is not a number (the caller answers 400 or 404, or ignores it).
"""

import re
import string

from django import forms

DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(value, minimum=0, maximum=None):
    """The value as an int, or None when it is not ASCII digits within [minimum, maximum]."""
    if not isinstance(value, str) or not DIGITS.fullmatch(value):
        return None
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        return None
    return number


class WholeNumberField(forms.IntegerField):
    """forms.IntegerField that takes ASCII digits only (a leading minus sign too, then refused
    by min_value); surrounding ASCII spaces are stripped, not a no-break space or the like."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip(string.whitespace)
        if not DIGITS.fullmatch(text.removeprefix("-")):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)
