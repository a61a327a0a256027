"""
A gift's card, the small summary every list of gifts shows, and its row in the listing's compact
list view (``row_html``). Built in Python rather than with a
template include: a listing draws 24 of them per page, and through the template engine they cost
more than everything else on the page. gifts/templatetags/gift_cards.py gives templates the same
card.

Both are made from a Card: the texts a card shows, read from a gift (``card_of``) or from the
listing's shared index (catalogue.texts), so that a page of gifts nobody has asked for yet needs
no query, and the HTML is the same whichever it was read from.
"""

from html import escape  # what django.utils.html.escape calls, minus its lazy-text check
from typing import NamedTuple
from urllib.parse import quote

from django.utils.safestring import mark_safe

from gifts.marks import mark_url
from gifts.models import GiftImage, gift_address, srcset

SANCTIONS_BADGES = {
    "reported": "Reported sanctions breach",
    "possible": "Possible sanctions breach",
}


class Card(NamedTuple):
    """What a card or a row shows of a gift. The texts it shows as they are (the title, the
    donor, country, date, recipient, category and image's alt text) are held escaped for HTML:
    the index keeps them so (catalogue.texts), escaped once per version rather than per card."""

    accession_number: str
    title: str
    donor: str
    country: str | None  # None: no country recorded
    date: str  # as it is known ("June 1985"), "" if unknown
    recipient: str  # the leader's name, or the receiving institution's
    sanctions: str
    category: str
    category_slug: str
    image: str  # the first image's storage name, "" if there is none
    image_alt: str
    renditions: dict | None  # the first image's (GiftImage.renditions)


def card_of(gift):
    """The Card of a gift loaded with Gift.objects.for_cards() (or for_listing())."""
    return Card(
        accession_number=gift.accession_number,
        title=escape(gift.title),
        donor=escape(gift.donor.name),
        country=escape(gift.country.name) if gift.country_id else None,
        date=escape(gift.display_date),
        recipient=escape(gift.leader.name if gift.leader_id else gift.recipient_institution),
        sanctions=gift.sanctions,
        category=escape(gift.category.name),
        category_slug=gift.category.slug,
        image=getattr(gift, "card_image_path", None) or "",
        image_alt=escape(getattr(gift, "card_image_alt", "") or ""),
        renditions=getattr(gift, "card_image_renditions", None),
    )


def gift_url(card, listing_context):
    """The gift's address, carrying the listing's query string (``?in=``) back to its results."""
    url = gift_address(card.accession_number)
    return f"{url}?in={quote(listing_context, safe='')}" if listing_context else url


def mark_html(category):
    """No photograph: a band with the category's drawing (decorative) and its name."""
    return mark_band(category.slug, escape(category.name))


def mark_band(slug, name):
    """The band of mark_html(), the category's name given escaped."""
    return (
        f'  <div class="card-mark"><img src="{escape(mark_url(slug))}" alt="" '
        f'width="40" height="40"><span>{name}</span></div>\n'
    )


def card_html(card, listing_context=""):
    """The card as a list item. `listing_context` is the listing's query string, carried to the
    gift's page so it can lead back to the same results. Every value is escaped (the Card's
    texts already are)."""
    if card.image:
        image_url = GiftImage._meta.get_field("image").storage.url(card.image)
        images = srcset(card.renditions)
        images = (
            f' srcset="{escape(images)}" sizes="(min-width: 40rem) 16rem, 90vw"' if images else ""
        )
        media = (
            f'  <div class="card-media">\n    <img src="{escape(image_url)}"{images} '
            f'alt="{card.image_alt}" width="320" height="240" loading="lazy">\n  </div>\n'
        )
    else:
        media = mark_band(card.category_slug, card.category)
    url = gift_url(card, listing_context)
    donor = card.donor
    if card.country is not None:
        donor += f", {card.country}"
    date = card.date
    badge = SANCTIONS_BADGES.get(card.sanctions)
    return mark_safe(
        '<li class="card">\n' + media + '  <div class="card-body">\n'
        f'    <h3 class="card-title"><a href="{escape(url)}">{card.title}</a></h3>\n'
        f'    <p class="card-meta">{donor}</p>\n'
        f'    <p class="card-meta">{f"{date} · " if date else ""}'
        f"to {card.recipient}</p>\n"
        + (
            f'    <p class="card-meta"><span class="badge badge-sanctions">{badge}</span></p>\n'
            if badge
            else ""
        )
        + "  </div>\n</li>"
    )


def row_html(card, listing_context=""):
    """The gift as a row of the listing's list view (a table: title, donor, date, recipient,
    category), for collections without photographs. Every value is escaped (the Card's texts
    already are)."""
    url = gift_url(card, listing_context)
    donor = card.donor
    if card.country is not None:
        donor += f'<span class="muted">, {card.country}</span>'
    badge = SANCTIONS_BADGES.get(card.sanctions)
    badge = f' <span class="badge badge-sanctions">{badge}</span>' if badge else ""
    return mark_safe(
        f'<tr><th scope="row"><a href="{escape(url)}">{card.title}</a>{badge}</th>'
        f'<td data-label="Donor">{donor}</td>'
        f'<td data-label="Received">{card.date}</td>'
        f'<td data-label="To">{card.recipient}</td>'
        f'<td data-label="Category">{card.category}</td></tr>'
    )


VIEWS = {"grid": card_html, "list": row_html}  # the listing's ways of showing a gift (?view=)
