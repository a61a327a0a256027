"""
Names written with diacritics, folded for search and slugs.

Unicode decomposition (NFKD) splits most accented letters into a base letter and a mark (é, ş,
ș, ţ, ạ, ồ), so dropping the marks leaves the base letter. A few letters have no decomposition
and would be lost, or kept as they are, without an explicit fold: Vietnamese Đ (Phạm Văn Đồng),
Polish Ł, Danish Ø, Icelandic Ð and Þ, Maltese Ħ, Turkish dotless ı, and the ligatures.
"""

import re
import unicodedata

from django.utils.text import slugify

# Letters with no Unicode decomposition, to the Latin letters they are written with in English.
LETTERS = str.maketrans(
    {
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Ħ": "H",
        "ħ": "h",
        "Ŧ": "T",
        "ŧ": "t",
        "ı": "i",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "ß": "ss",
    }
)


def fold(text):
    """The text without diacritics, case kept: 'Phạm Văn Đồng' -> 'Pham Van Dong'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # NFKD splits Hangul syllables into jamo; NFKC puts them back together.
    return unicodedata.normalize("NFKC", stripped.translate(LETTERS))


def slugify_name(text):
    """A slug that transliterates rather than drops: 'Phạm Văn Đồng' -> 'pham-van-dong'
    (Django's slugify alone gives 'pham-van-ong')."""
    return slugify(fold(text))


# A BCP 47 language tag (RFC 5646): a two- or three-letter ISO 639 language, then optionally a
# script (Hans, Cyrl), a region (CN, 419), variants and extensions: ru, zh-Hans, sr-Cyrl, es-419.
LANGUAGE_TAG = re.compile(
    r"""
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3})
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?P<rest>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*
        (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*
        (?:-x(?:-[a-z0-9]{1,8})+)?)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def language_tag(value):
    """
    The tag in its conventional case ('ZH-hans' -> 'zh-Hans'); ValueError with the reason when
    it is not a well-formed BCP 47 tag.
    """
    text = str(value).strip().replace("_", "-")
    match = LANGUAGE_TAG.fullmatch(text) if text.isascii() else None
    if not match:
        raise ValueError(
            f"“{text[:40]}” is not a BCP 47 language tag: use a language code, with a script or "
            "region where it matters (ru, zh-Hans, sr-Cyrl, ar, es-419)."
        )
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts) + match["rest"].lower()
